"""Rejected and leaked data go away: review tombstones, re-ingest, `prodbench purge` on a real git repo."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

LEAK = "Zbigniew Brzęczyszczykiewicz"


def git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture
def repo(empty_project: Path) -> Path:
    git(empty_project, "init", "-q")
    git(empty_project, "config", "user.email", "t@example.com")
    git(empty_project, "config", "user.name", "T")
    return empty_project


def commit_all(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", "prompts")


def test_rejected_record_is_gone_and_reingest_does_not_bring_it_back(
        repo: Path, tmp_path: Path, read_jsonl: Callable[..., list], invoke: Callable[..., Result]) -> None:
    log = tmp_path / "support.jsonl"
    log.write_text("".join(json.dumps({"id": f"t{i}", "messages": [{"role": "user", "content": text}]}) + "\n"
                           for i, text in enumerate([
                               "How do I change the currency of an invoice that is already sent to a client?",
                               "Why does the bank feed stop syncing every night at midnight for my account?"])))
    assert invoke("ingest", str(log)).exit_code == 0  # no salt needed for tombstones
    pool = repo / "prompts" / "pool" / "production.jsonl"
    first = read_jsonl(pool)
    result = invoke("review", "--reviewer", "Dana", input="a\nr\n")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(pool)] == [first[0]["id"]]
    assert b"bank feed" not in pool.read_bytes()
    result = invoke("ingest", str(log))
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(pool)] == [first[0]["id"]]  # neither duplicate nor rejected comes back
    report = json.loads((repo / "reports" / "ingest.json").read_text())
    assert report["read"] == 0 and report["sources"][0]["mode"] == "unchanged"  # the ingest ledger: nothing new
    # without the ingest ledger the whole log is read again, and the tombstone still keeps the rejected one out
    (repo / "prompts" / "ingest.ledger").unlink()
    assert invoke("ingest", str(log)).exit_code == 0
    assert [r["id"] for r in read_jsonl(pool)] == [first[0]["id"]]
    report = json.loads((repo / "reports" / "ingest.json").read_text())
    assert report["dropped_by_reason"] == {"exact": 1, "tombstone": 1}
    assert invoke("validate").exit_code == 0


def test_purge_a_record_by_id(repo: Path, make_record: Callable[..., dict], write_jsonl: Callable[..., Path],
                              read_jsonl: Callable[..., list], invoke: Callable[..., Result]) -> None:
    pool = write_jsonl(repo / "prompts" / "pool" / "p.jsonl", [
        make_record("keep", "How do I add a logo to invoices?"),
        make_record("leaky", f"My landlord {LEAK} wants the rent invoices in PDF"),
    ])
    commit_all(repo)
    result = invoke("purge", "--id", "leaky")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(pool)] == ["keep"] and LEAK not in pool.read_text()
    ledger = read_jsonl(repo / "prompts" / "pii.ledger")
    assert [e["tombstone"] for e in ledger if "tombstone" in e] == ["leaky"]
    assert "git filter-repo --replace-text" in result.output and "bfg.jar --replace-text" in result.output
    replacements = Path(git(repo, "rev-parse", "--absolute-git-dir").strip()) / "prodbench-purge-replacements.txt"
    assert f"My landlord {LEAK} wants the rent invoices in PDF==>***REMOVED***" in replacements.read_text()
    assert str(replacements) in result.output and LEAK not in result.output
    assert "replacements" not in git(repo, "status", "--porcelain")  # under .git/: never committed
    assert git(repo, "show", "HEAD:prompts/pool/p.jsonl").count(LEAK) == 1  # history still has it: the steps say how

    missing = invoke("purge", "--id", "nope")
    assert missing.exit_code == 2 and "no prompt record with id 'nope'" in missing.output
    assert invoke("purge").exit_code == 2


def test_purge_leaked_values_from_stdin(repo: Path, make_record: Callable[..., dict],
                                        write_jsonl: Callable[..., Path], read_jsonl: Callable[..., list],
                                        invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODBENCH_LEDGER_SALT", "a-test-salt-of-enough-length-0123")
    pool = write_jsonl(repo / "prompts" / "pool" / "p.jsonl", [
        make_record("a", f"Dear {LEAK}, your invoice is late", reference=[f"Hello {LEAK.upper()}"],
                    origin={"log_id": "x-1"}),
        make_record("b", "How do I add a logo to invoices?"),
    ])
    untouched = pool.read_bytes().split(b"\n")[1]
    commit_all(repo)
    result = invoke("purge", "--values", "--type", "PERSON", input=f"{LEAK}\n\n")
    assert result.exit_code == 0, result.output
    rows = read_jsonl(pool)
    assert rows[0]["messages"][0]["content"] == "Dear <REDACTED>, your invoice is late"
    assert rows[0]["reference"] == ["Hello <REDACTED>"] and rows[0]["origin"] == {"log_id": "x-1"}
    assert pool.read_bytes().split(b"\n")[1] == untouched  # other lines keep their bytes
    assert "prompts/pool/p.jsonl: 2 occurrence(s) replaced" in result.output
    assert "PII ledger: 1 new value(s) of 1" in result.output and LEAK not in result.output
    assert LEAK.lower() not in (repo / "prompts" / "pii.ledger").read_text().lower()

    # if the value comes back, validate fails on the ledger
    write_jsonl(repo / "prompts" / "pool" / "q.jsonl", [make_record("c", f"ping {LEAK} about the refund")])
    result = invoke("validate")
    assert result.exit_code == 1 and "prompts/pool/q.jsonl:1: messages[0].content: a value removed earlier" \
        in result.output
    assert invoke("purge", "--values", input="\n").exit_code == 2
