"""The example benchmark (prompts/golden): valid, covering every cell, and scoreable."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from prodbench.core.coverage import coverage_table
from prodbench.core.params import load_params
from prodbench.core.project import Project
from prodbench.core.prompts import content_hash, load_prompts
from prodbench.core.records import LoadedPrompt
from prodbench.validate import validate_paths


@pytest.fixture(scope="module")
def golden(repo_root: Path) -> tuple[Project, dict, list[LoadedPrompt]]:
    project = Project(repo_root)
    params = load_params(project)
    return project, params, load_prompts(project, params, sets=("golden",))


def test_repo_prompts_pass_every_rule(golden) -> None:
    project, params, _ = golden
    report = validate_paths(project, params, use_cache=False)  # leave the repo's cache/ alone
    problems = report.problems
    if not project.golden_lock.exists():  # the lock is frozen separately (prodbench golden freeze)
        problems = [p for p in problems if p.file != project.rel(project.golden_lock)]
    assert problems == [], "\n".join(map(str, problems))
    assert report.records >= 50


def test_golden_set_covers_every_cell(golden) -> None:
    _, params, records = golden
    table = coverage_table(records, params)["sets"]["golden"]
    assert table["below_min"] == []
    assert table["cells_covered"] == table["cells_total"] == len(params["taxonomy"]["task_types"]) * len(
        params["taxonomy"]["difficulties"])
    for tt, row in table["by_task_type"].items():  # roughly follows the target shares
        assert abs(row["share"] - row["target"]) <= 0.05, tt


def test_golden_set_has_dialogues_safety_and_synthetic_pii(golden) -> None:
    _, _, records = golden
    files = {p.id: p.file for p in records}
    records = [p.record for p in records]
    multi = [r for r in records if sum(m["content"] is None for m in r["messages"]) >= 2]
    assert len(multi) >= 4
    assert any(m["content"] is None for r in multi for m in r["messages"][:-1])
    refuse = [r for r in records if (r.get("checks") or {}).get("refusal", {}).get("expect") == "refuse"]
    assert len(refuse) >= 4
    assert len([r for r in records if r.get("synthetic_pii")]) >= 2
    assert all("reference" in r or "checks" in r for r in records)
    assert all(r["id"].split("-")[0] in {"fact", "reason", "write", "dialog", "sum", "safety"} for r in records)
    for record in records:
        assert Path(files[record["id"]]).stem == record["task_type"]


def _rows(prompts: list[LoadedPrompt], response) -> list[dict]:
    rows = []
    for prompt in prompts:
        record = prompt.record
        text = response(record)
        rows.append({"id": record["id"], "model": "canned", "set": "golden", "task_type": record["task_type"],
                     "difficulty": record["difficulty"], "prompt_hash": content_hash(record), "config_hash": "0",
                     "turns": [{"content": text}], "response": text, "error": None, "usage": {}, "cost_usd": None,
                     "latency_s": 0.0, "cached": False, "attempts": 1})
    return rows


def test_references_pass_their_own_checks_and_empty_answers_fail(golden) -> None:
    scoring = pytest.importorskip("prodbench.score.stage")
    _, params, records = golden
    records = copy.deepcopy(records)
    for record in records:  # the judge needs a model; everything else is deterministic
        if "judge" in (record.record.get("checks") or {}):
            record.record["checks"]["judge"] = False
    good = scoring.score_results(records, _rows(records, lambda r: str(r["reference"])), params)
    failed = [(row["id"], row["score"]) for row in good if not row["passed"]]
    assert failed == []
    bad = scoring.score_results(records, _rows(records, lambda r: "Sure! Here you go."), params)
    passed = [row["id"] for row in bad if row["passed"]]
    assert len(passed) <= len(records) * 0.1, passed
