"""End to end: a raw log with personal data goes through the DVC ingest stage into the pool.

Real git + dvc in a temporary repository: the raw log is `dvc add`-ed under data/raw/,
`dvc repro data/dvc.yaml` runs `prodbench ingest`, everything is committed, and then every
git-tracked file is searched for each personal value of the log.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PERSONAL = [
    "Marcus Whitfield", "Whitfield", "marcus.whitfield@fastmail.com", "+44 7911 123456", "(415) 867-2671",
    "4539 1488 0343 6467", "GB29 NWBK 6016 1331 9268 19", "512-44-7781", "81.2.69.160",
    "sk-proj-Q8f3kLm29XvB7nPq4RtY6wZc", "admin:Tr0ub4dor", "1742 Willow Creek Drive", "14/02/1987",
    "olga petrova", "Petrova", "Okonkwo", "Priya Raman", "Raman",
]

LOG = [
    {"id": "req-001", "messages": [
        {"role": "system", "content": "You are Ledgerly's assistant."},
        {"role": "user", "content": "Hi, I'm Marcus Whitfield (marcus.whitfield@fastmail.com, +44 7911 123456). "
                                    "How do I export all my invoices to CSV?"},
        {"role": "assistant", "content": "Go to Settings > Export."}]},
    {"id": "req-002", "messages": [{"role": "user", "content": "Hi, I'm Marcus Whitfield "
                                    "(marcus.whitfield@fastmail.com, +44 7911 123456). "
                                    "How do I export all my invoices to CSV?"}]},  # exact duplicate
    "{\"id\": \"req-003\", \"messages\": [",  # truncated line
    {"id": "req-004", "messages": [{"role": "user", "content":
        "Summarize this ticket: customer olga petrova says card 4539 1488 0343 6467 was charged twice "
        "for invoice 1043 and wants the refund sent to IBAN GB29 NWBK 6016 1331 9268 19 instead."}]},
    {"id": "req-005", "messages": [{"role": "user", "content":
        "Summarize this ticket: customer olga petrova says card 4539 1488 0343 6467 was charged twice "
        "for invoice 1043 and wants the refund sent to IBAN GB29 NWBK 6016 1331 9268 19 instead, thanks."}]},
    "not json at all",
    {"conversation_id": "conv-77", "turns": [
        {"speaker": "customer", "text": "My SSN is 512-44-7781 and I was born on 14/02/1987, do you need it?"},
        {"speaker": "agent", "text": "No, please never share it."},
        {"speaker": "customer", "text": "OK. Then update my address to 1742 Willow Creek Drive and tell Dr. Okonkwo."},
        {"speaker": "agent", "text": "Done."},
        {"speaker": "customer", "text": "What will my next invoice total be with 3 extra seats at 9 EUR each?"}]},
    {"id": "req-008", "prompt": "Our API key sk-proj-Q8f3kLm29XvB7nPq4RtY6wZc stopped working from 81.2.69.160; "
                                "the sync uses https://admin:Tr0ub4dor@intranet.acme-corp.io/export. Why?"},
    {"id": "req-009", "prompt": "Draft a friendly email to Priya Raman about the new dark mode feature; "
                                "her number is (415) 867-2671."},
]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.mark.skipif(shutil.which("dvc") is None or shutil.which("prodbench") is None, reason="needs dvc and prodbench")
def test_raw_log_to_pool_without_personal_data_in_git(project_dir: Path, repo_root: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = project_dir
    monkeypatch.setenv("PRODBENCH_LEDGER_SALT", "e2e-ledger-salt-kept-out-of-git")
    for rel in (".gitignore", "data/raw/README.md", "data/dvc.yaml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo_root / rel, root / rel)
    run("git", "init", "-q", cwd=root)
    run("dvc", "init", "-q", cwd=root)
    run("git", "add", "-A", cwd=root)
    run("git", "commit", "-qm", "init", cwd=root)

    raw = root / "data" / "raw" / "support-2026-10.jsonl"
    raw.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in LOG))
    run("dvc", "add", "-q", str(raw.relative_to(root)), cwd=root)
    run("dvc", "repro", "data/dvc.yaml", cwd=root)
    run("git", "add", "-A", cwd=root)
    run("git", "commit", "-qm", "ingest", cwd=root)

    tracked = run("git", "ls-files", cwd=root).stdout.split()
    assert "data/raw/support-2026-10.jsonl" not in tracked
    assert "data/raw/support-2026-10.jsonl.dvc" in tracked and "prompts/pool/production.jsonl" in tracked
    assert "prompts/pii.ledger" in tracked  # keyed hashes only: grepped for every value below
    for rel in tracked:
        if rel.startswith("tools/"):  # the package's own code (a stage dependency), not data
            continue
        content = (root / rel).read_bytes().decode("utf-8", "replace").casefold()
        for value in PERSONAL:
            assert value.casefold() not in content, f"personal value of type found in git-tracked {rel}"

    report = json.loads((root / "reports" / "ingest.json").read_text())
    assert report["malformed"] == 2 and [m["line"] for m in report["malformed_lines"]] == [3, 6]
    reasons = {d["log_id"]: d["reason"] for d in report["dropped"]}
    assert reasons["req-002"].startswith("exact duplicate")
    assert reasons["req-005"].startswith("near duplicate")
    pool = [json.loads(line) for line in (root / "prompts" / "pool" / "production.jsonl").read_text().splitlines()]
    assert {r["origin"]["log_id"] for r in pool} == {"req-001", "req-004", "conv-77", "req-008", "req-009"}
    by_log = {r["origin"]["log_id"]: r for r in pool}
    assert by_log["conv-77"]["task_type"] == "multi_turn" and "multi_turn" in by_log["conv-77"]["tags"]
    assert by_log["req-004"]["task_type"] == "summarization"
    assert by_log["req-009"]["task_type"] == "open_writing"
    assert all(r["difficulty"] and r["review"]["status"] == "pending" for r in pool)
    assert "<PERSON_1>" in by_log["req-001"]["messages"][0]["content"]
    # the pool passes the validate PII gate and the rest of the repo rules
    run("prodbench", "validate", cwd=root)
    ledger = [json.loads(line) for line in (root / "prompts" / "pii.ledger").read_text().splitlines()]
    assert {"PERSON", "EMAIL", "PHONE", "CREDIT_CARD", "IBAN"} <= {e.get("type") for e in ledger}
    # the second line: a surname that ingest removed, typed back by hand, fails validate at file:line
    extra = root / "prompts" / "pool" / "manual.jsonl"
    extra.write_text(json.dumps({"id": "m-1", "messages": [{"role": "user", "content": "ask whitfield for the csv"}],
                                 "task_type": "fact_recall", "difficulty": "easy", "source": "expert"}) + "\n")
    failed = subprocess.run(["prodbench", "validate"], cwd=root, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1
    assert "prompts/pool/manual.jsonl:1: messages[0].content: a value removed earlier (PERSON" in failed.stdout + failed.stderr
    extra.unlink()
    # the benchmark pipeline (dvc.yaml at the root) does not depend on raw logs
    assert "data/raw" not in (root / "dvc.yaml").read_text()
