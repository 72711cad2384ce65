"""`prodbench rotate`: determinism, stratification, no overlap, params update with comments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

TASKS = ["fact_recall", "reasoning", "open_writing", "multi_turn", "summarization", "safety"]
DIFFS = ["trivial", "easy", "medium", "hard"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar"]


def text(i: int) -> str:
    # distinct enough that no two pool items are near-duplicates
    return f"Question {i}: " + " ".join(WORDS[(i * k) % len(WORDS)] + str(i * k % 97) for k in range(1, 9))


@pytest.fixture
def pool(empty_project: Path, make_record: Callable[..., dict], write_jsonl: Callable[..., Path],
         invoke: Callable[..., Result]) -> Path:
    rows = []
    # heavily skewed pool: many fact_recall/easy items, a few of every other cell
    for i in range(60):
        rows.append(make_record(f"fr-{i:03d}", text(i), "fact_recall", "easy", "production",
                                review={"status": "approved", "reviewer": "t", "date": "2026-01-01"}))
    i = 100
    for tt in TASKS:
        for d in DIFFS:
            for _ in range(3):
                i += 1
                rows.append(make_record(f"x-{i:03d}", text(i), tt, d, "production",
                                        review={"status": "approved", "reviewer": "t", "date": "2026-01-01"}))
    rows.append(make_record("pending-1", text(999), "safety", "hard", "production", review={"status": "pending"}))
    write_jsonl(empty_project / "prompts" / "pool" / "production.jsonl", rows)
    # golden: one item with the same text as a pool item, one with a near-identical text
    write_jsonl(empty_project / "prompts" / "golden" / "g.jsonl", [
        make_record("g-same", text(101), "fact_recall", "trivial"),
        make_record("g-copy", text(102) + "!", "fact_recall", "trivial"),
    ])
    assert invoke("golden", "freeze").exit_code == 0
    return empty_project


@pytest.fixture
def slice_ids(read_jsonl: Callable[..., list]) -> Callable[[Path, str], list[str]]:
    """``slice_ids(root, period)``: the ids of a rotating slice, in file order."""

    def ids(root: Path, period: str) -> list[str]:
        return [r["id"] for r in read_jsonl(root / "prompts" / "rotating" / period / "slice.jsonl")]

    return ids


def test_same_inputs_same_slice_and_params_comments_survive(pool: Path, invoke: Callable[..., Result],
                                                            slice_ids: Callable[[Path, str], list[str]]) -> None:
    before = (pool / "params.yaml").read_text()
    result = invoke("rotate", "--period", "2027Q1", "--size", "24")
    assert result.exit_code == 0, result.output
    first = slice_ids(pool, "2027Q1")
    after = (pool / "params.yaml").read_text()
    assert "current: 2027Q1" in after
    assert [line for line in before.splitlines() if line.strip().startswith("#")] == \
        [line for line in after.splitlines() if line.strip().startswith("#")]
    again = invoke("rotate", "--period", "2027Q1", "--size", "24", "--force")
    assert again.exit_code == 0
    assert slice_ids(pool, "2027Q1") == first
    other_seed = invoke("rotate", "--period", "2027Q1", "--size", "24", "--force", "--seed", "99")
    assert other_seed.exit_code == 0
    assert slice_ids(pool, "2027Q1") != first
    assert invoke("validate").exit_code == 0


def test_stratified_towards_targets_not_pool_shares(pool: Path, read_jsonl: Callable[..., list],
                                                    invoke: Callable[..., Result]) -> None:
    assert invoke("rotate", "--period", "2027Q1", "--size", "24").exit_code == 0
    rows = read_jsonl(pool / "prompts" / "rotating" / "2027Q1" / "slice.jsonl")
    counts = Counter(r["task_type"] for r in rows)
    assert len(rows) == 24
    assert set(counts) == set(TASKS)  # every task type represented
    # pool is 60% fact_recall/easy; the targets ask for ~20% fact_recall (golden has 2 of them)
    assert counts["fact_recall"] <= 5
    for tt in ("reasoning", "open_writing", "multi_turn", "summarization", "safety"):
        assert 3 <= counts[tt] <= 6, counts
    diffs = Counter(r["difficulty"] for r in rows)
    assert diffs["easy"] >= diffs["trivial"]  # difficulty shares: easy 0.3 > trivial 0.15 (golden 2 trivial)
    assert all(r["review"]["status"] == "approved" for r in rows)


def test_never_overlaps_golden_or_recent_slices(pool: Path, invoke: Callable[..., Result],
                                                slice_ids: Callable[[Path, str], list[str]]) -> None:
    assert invoke("rotate", "--period", "2027Q1", "--size", "30").exit_code == 0
    assert invoke("rotate", "--period", "2027Q2", "--size", "30").exit_code == 0
    q1, q2 = set(slice_ids(pool, "2027Q1")), set(slice_ids(pool, "2027Q2"))
    assert not q1 & q2
    assert "x-101" not in q1 | q2 and "x-102" not in q1 | q2  # golden by same / near-identical text
    assert "pending-1" not in q1 | q2
    # an existing slice is history: not overwritten without --force
    result = invoke("rotate", "--period", "2027Q1", "--size", "5")
    assert result.exit_code == 1 and "already has a slice" in result.output


def test_bad_period_is_a_usage_error(pool: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("rotate", "--period", "2027-Q1")
    assert result.exit_code == 2 and "2027Q1" in result.output
