"""`prodbench review` driven through click's CliRunner input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result


@pytest.fixture
def pool(empty_project: Path, make_record: Callable[..., dict], write_jsonl: Callable[..., Path]) -> Path:
    path = empty_project / "prompts" / "pool" / "production.jsonl"
    rows = [make_record(f"p-{i}", f"How do I do thing {i} in Ledgerly?", source="production",
                        review={"status": "pending", "needs_attention": ["task_type"]}) for i in range(4)]
    rows.insert(1, make_record("done", "Already approved?", review={"status": "approved", "reviewer": "x",
                                                                     "date": "2026-01-01"}))
    return write_jsonl(path, rows)


def test_accept_reject_edit_skip_quit(pool: Path, read_jsonl: Callable[..., list],
                                      invoke: Callable[..., Result]) -> None:
    # p-0: accept; p-1: edit task type -> reasoning, edit difficulty -> hard, accept; p-2: reject; p-3: quit
    keys = "a\nt\nreasoning\nd\nhard\na\nr\nq\n"
    result = invoke("review", "--reviewer", "Dana", input=keys)
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in read_jsonl(pool)}
    assert rows["p-0"]["review"]["status"] == "approved" and rows["p-0"]["review"]["reviewer"] == "Dana"
    assert len(rows["p-0"]["review"]["date"]) == 10
    assert rows["p-1"]["task_type"] == "reasoning" and rows["p-1"]["difficulty"] == "hard"
    assert rows["p-1"]["review"]["status"] == "approved" and "needs_attention" not in rows["p-1"]["review"]
    assert "p-2" not in rows and b"thing 2" not in pool.read_bytes()  # rejected: its text is gone
    assert rows["p-3"]["review"] == {"status": "pending", "needs_attention": ["task_type"]}
    assert rows["done"]["review"]["reviewer"] == "x"
    assert [r["id"] for r in read_jsonl(pool)] == ["p-0", "done", "p-1", "p-3"]
    ledger = read_jsonl(pool.parents[2] / "prompts" / "pii.ledger")
    assert [(e["tombstone"], len(e["content"])) for e in ledger[1:]] == [("p-2", 64)]
    assert "thing 2" not in str(ledger)
    assert invoke("validate").exit_code == 0


def test_each_decision_is_saved_before_the_next_prompt(pool: Path, read_jsonl: Callable[..., list],
                                                       invoke: Callable[..., Result]) -> None:
    # Input ends after the first decision: click aborts at the next prompt, the first is saved.
    result = invoke("review", "--reviewer", "Dana", input="a\n")
    assert result.exit_code != 0
    rows = {r["id"]: r for r in read_jsonl(pool)}
    assert rows["p-0"]["review"]["status"] == "approved"
    assert rows["p-1"]["review"]["status"] == "pending"


def test_invalid_choice_is_asked_again_and_skip_keeps_pending(pool: Path, read_jsonl: Callable[..., list],
                                                              invoke: Callable[..., Result]) -> None:
    result = invoke("review", "--reviewer", "Dana", "--limit", "1", input="x\ns\n")
    assert result.exit_code == 0
    assert "skipped 1" in result.output
    assert all(r["review"]["status"] == "pending" for r in read_jsonl(pool) if r["id"].startswith("p-"))
