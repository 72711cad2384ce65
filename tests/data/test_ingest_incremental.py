"""Incremental, durable ingest: the ingest ledger (prompts/ingest.ledger) on real files and the real CLI.

Re-ingest after appending lines reads only those; a record rejected in review, removed from the pool
or edited by hand there is never brought back (by content hash, even from another line); an edited or
truncated log is read again with a warning; an interrupted ingest resumes from its last checkpoint.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result

import prodbench.data.ingest as ingest_module
from prodbench.core.params import load_params
from prodbench.core.project import Project
from prodbench.data.ingest import IngestSettings, ingest_files

TOPICS = ["invoices", "payroll runs", "VAT returns", "bank feeds", "expense claims", "credit notes",
          "recurring bills", "purchase orders", "stock levels", "time sheets", "mileage logs", "budgets",
          "cash forecasts", "scanned receipts", "sales quotes", "card refunds", "deposits", "supplier payouts",
          "tax codes", "manual journals", "ledger accounts", "payment reminders", "foreign currencies",
          "volume discounts", "subscriptions", "webhooks", "CSV exports", "opening balances", "profit reports",
          "dashboards", "approval chains", "audit trails", "nightly backups"]
ACTIONS = ["archive", "bulk edit", "export", "undo changes to", "share with my accountant", "lock", "translate"]
PLACES = ["mobile app", "web dashboard", "admin console", "public API", "desktop client"]


def prompt(i: int) -> str:
    return f"Step by step, how can I {ACTIONS[i % 7]} the {TOPICS[i]} from the {PLACES[i % 5]} (case {i})?"


def line(i: int, text: str | None = None) -> bytes:
    return orjson.dumps({"id": f"log-{i}", "messages": [{"role": "user", "content": text or prompt(i)}]}) + b"\n"


def report(project: Path) -> dict:
    return json.loads((project / "reports" / "ingest.json").read_text())


def test_reingest_reads_only_appended_lines_and_keeps_review_edits(
        empty_project: Path, tmp_path: Path, read_jsonl: Callable[..., list],
        invoke: Callable[..., Result]) -> None:
    project = empty_project
    log = tmp_path / "support.jsonl"
    log.write_bytes(b"".join(line(i) for i in range(20)))
    assert invoke("ingest", str(log)).exit_code == 0
    pool = project / "prompts" / "pool" / "production.jsonl"
    rows = read_jsonl(pool)
    assert len(rows) == 20 and report(project)["sources"][0]["mode"] == "new"

    # review rejects the 2nd record; by hand, the 3rd is edited and the 4th removed from the pool
    result = invoke("review", "--reviewer", "Dana", "--limit", "2", input="a\nr\n")
    assert result.exit_code == 0, result.output
    rejected, edited, removed = rows[1], rows[2], rows[3]
    kept = [r for r in read_jsonl(pool) if r["id"] != removed["id"]]
    for row in kept:
        if row["id"] == edited["id"]:
            row["messages"][0]["content"] = "Fixed by hand: how do I undo a bulk edit of payroll runs?"
    pool.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in kept))

    # 10 new lines, plus the three texts again under new log ids (they must stay out all the same)
    with open(log, "ab") as handle:
        handle.write(b"".join(line(i) for i in range(20, 30)))
        handle.write(b"".join(line(100 + i, prompt(i)) for i in (1, 2, 3)))
    result = invoke("ingest", str(log))
    assert result.exit_code == 0, result.output
    rep = report(project)
    assert rep["read"] == 13 and rep["added"] == 10
    assert rep["sources"][0] | {} == {"file": str(log), "mode": "appended", "from_line": 21, "entries": 13,
                                      "usable": 13}
    assert rep["dropped_by_reason"] == {"tombstone": 1, "ingested_before": 2}
    after = {r["id"]: r for r in read_jsonl(pool)}
    assert len(after) == 19 + 10 - 1
    assert rejected["id"] not in after and removed["id"] not in after
    assert after[edited["id"]]["messages"][0]["content"].startswith("Fixed by hand")
    assert [r["origin"]["line"] for r in read_jsonl(pool)][-10:] == list(range(21, 31))

    # nothing new: nothing read
    assert invoke("ingest", str(log)).exit_code == 0
    assert report(project)["read"] == 0 and report(project)["sources"][0]["mode"] == "unchanged"

    # an edited line: the log is read again from the start with a warning; only the new text is added
    data = log.read_bytes().splitlines(keepends=True)
    data[4] = line(4, "Is there a keyboard shortcut to duplicate a sales quote in the web dashboard?")
    log.write_bytes(b"".join(data))
    result = invoke("ingest", str(log))
    assert result.exit_code == 0, result.output
    assert "changed or truncated since the last ingest" in result.output
    rep = report(project)
    assert rep["sources"][0]["mode"] == "changed" and rep["read"] == 33 and rep["added"] == 1
    assert rep["warnings"] and len(read_jsonl(pool)) == len(after) + 1
    assert after[edited["id"]] == {r["id"]: r for r in read_jsonl(pool)}[edited["id"]]

    # truncated: read again, nothing comes back
    log.write_bytes(b"".join(data[:5]))
    assert invoke("ingest", str(log)).exit_code == 0
    rep = report(project)
    assert rep["sources"][0]["mode"] == "changed" and rep["added"] == 0 and rep["read"] == 5
    assert invoke("validate").exit_code == 0


def test_appended_gzip_member_and_csv_rows_are_read_alone(empty_project: Path, tmp_path: Path,
                                                          invoke: Callable[..., Result]) -> None:
    gz = tmp_path / "chat.jsonl.gz"
    gz.write_bytes(gzip.compress(b"".join(line(i) for i in range(3))))
    csv = tmp_path / "pilot.csv"
    csv.write_text("id,prompt\n" + "".join(f'c{i},"{prompt(i)}"\n' for i in range(10, 13)))
    assert invoke("ingest", str(gz), str(csv)).exit_code == 0
    assert report(empty_project)["added"] == 6
    with open(gz, "ab") as handle:  # `gzip -c more >> chat.jsonl.gz`: a second gzip member
        handle.write(gzip.compress(b"".join(line(i) for i in range(3, 5))))
    with open(csv, "a") as handle:
        handle.write(f'c13,"{prompt(13)}"\n')
    assert invoke("ingest", str(gz), str(csv)).exit_code == 0
    rep = report(empty_project)
    assert rep["read"] == 3 and rep["added"] == 3
    assert [(s["mode"], s["from_line"], s["entries"]) for s in rep["sources"]] == [("appended", 4, 2),
                                                                                   ("appended", 5, 1)]


def test_interrupted_ingest_resumes_from_its_last_checkpoint(empty_project: Path, tmp_path: Path,
                                                             read_jsonl: Callable[..., list],
                                                             invoke: Callable[..., Result],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "big.jsonl"
    log.write_bytes(b"".join(line(i) for i in range(12)))
    project = Project(empty_project)
    params = load_params(project)
    real_tag = ingest_module.Tagger.tag
    calls = []

    def tag_then_crash(self: object, *args: object, **kwargs: object) -> object:  # the 6th record: Ctrl-C
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return real_tag(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module.Tagger, "tag", tag_then_crash)
    settings = IngestSettings.from_params(params, checkpoint_seconds=0.0)
    with pytest.raises(KeyboardInterrupt):
        ingest_files(project, params, [log], settings)
    pool = empty_project / "prompts" / "pool" / "production.jsonl"
    assert len(read_jsonl(pool)) == 5  # the checkpoints before the interruption are kept
    assert not list(pool.parent.glob(".*.new"))  # no staged temp file left behind
    monkeypatch.setattr(ingest_module.Tagger, "tag", real_tag)
    assert invoke("ingest", str(log)).exit_code == 0
    rep = report(empty_project)
    assert rep["read"] == 7 and rep["sources"][0]["from_line"] == 6
    rows = read_jsonl(pool)
    assert [r["origin"]["line"] for r in rows] == list(range(1, 13)) and len({r["id"] for r in rows}) == 12
