"""Coverage table: counts, shares, targets, shortfalls, flags; stable JSON; renderers and CLI."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.coverage import coverage_markdown, coverage_table
from prodbench.core.fsutil import dumps_stable
from prodbench.core.records import LoadedPrompt

PARAMS = {
    "taxonomy": {"task_types": {"a": "A", "b": "B"}, "difficulties": ["easy", "hard"]},
    "coverage": {"task_type_share": {"a": 0.75, "b": 0.25}, "difficulty_share": {"easy": 0.5, "hard": 0.5}, "min_per_cell": 1},
}


def rec(tt: str, d: str, set_name: str = "golden") -> LoadedPrompt:
    return LoadedPrompt({"task_type": tt, "difficulty": d}, set_name, f"prompts/{set_name}/x.jsonl", 1)


RECORDS = [rec("a", "easy")] * 5 + [rec("a", "hard")] * 1 + [rec("b", "easy")] * 2 + [rec("a", "hard", "rotating")] * 2


def test_counts_shares_targets_and_shortfall() -> None:
    table = coverage_table(RECORDS, PARAMS)
    golden = table["sets"]["golden"]
    assert golden["n"] == 8
    cell = golden["cells"]["a"]["easy"]
    assert cell["count"] == 5 and cell["share"] == 0.625
    assert cell["target"] == 0.375 and cell["expected"] == 3.0 and cell["shortfall"] == 0
    hard = golden["cells"]["a"]["hard"]
    assert hard["expected"] == 3.0 and hard["shortfall"] == 2
    assert golden["cells"]["b"]["hard"] == {"count": 0, "share": 0.0, "target": 0.125, "expected": 1.0,
                                            "shortfall": 1, "below_min": True}
    assert golden["below_min"] == ["b/hard"]
    assert golden["cells_covered"] == 3 and golden["cells_total"] == 4
    assert golden["by_task_type"]["a"]["count"] == 6 and golden["by_task_type"]["a"]["target"] == 0.75
    assert golden["by_difficulty"]["hard"]["count"] == 1
    everything = table["sets"]["all"]
    assert everything["n"] == 10
    assert everything["cells"]["a"]["hard"]["count"] == 3
    assert table["sets"]["rotating"]["n"] == 2


def test_empty_set_is_not_flagged() -> None:
    table = coverage_table([rec("a", "easy")], PARAMS)
    assert table["sets"]["rotating"]["n"] == 0
    assert table["sets"]["rotating"]["below_min"] == []
    assert table["sets"]["rotating"]["cells"]["a"]["easy"]["share"] is None


def test_unknown_task_types_get_their_own_row_without_target() -> None:
    table = coverage_table([rec("a", "easy"), rec("zzz", "easy")], PARAMS)
    assert table["task_types"] == ["a", "b", "zzz"]
    cell = table["sets"]["golden"]["cells"]["zzz"]["easy"]
    assert cell["count"] == 1 and cell["target"] == 0.0 and cell["below_min"] is False


def test_shares_are_normalised() -> None:
    params = {**PARAMS, "coverage": {**PARAMS["coverage"], "task_type_share": {"a": 3, "b": 1}}}
    assert coverage_table(RECORDS, params)["targets"]["task_type_share"] == {"a": 0.75, "b": 0.25}


def test_json_is_stable_whatever_the_record_order() -> None:
    shuffled = RECORDS[:]
    random.Random(1).shuffle(shuffled)
    first = dumps_stable(coverage_table(RECORDS, PARAMS))
    assert first == dumps_stable(coverage_table(shuffled, PARAMS))
    assert list(json.loads(first)) == sorted(json.loads(first))


def test_markdown_renders_grid_and_flags() -> None:
    text = coverage_markdown(coverage_table(RECORDS, PARAMS))
    assert "| task type | easy | hard | total | share | target | shortfall |" in text
    assert "| a | 5 | 1 | 6 | 75% | 75% | 0 |" in text
    assert "| b | 2 | 0 ⚠ | 2 | 25% | 25% | 0 |" in text
    assert "`b/hard`" in text
    assert text.count("#### ") == 3


def test_cli_writes_sorted_metrics_and_prints_formats(tmp_path: Path, monkeypatch, make_project) -> None:
    root = make_project(tmp_path / "project", "good", rotation="2026Q4")
    monkeypatch.chdir(root)
    runner = CliRunner()
    result = runner.invoke(cli, ["coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    written = (root / "metrics" / "coverage.json").read_text(encoding="utf-8")
    assert written == result.output
    data = json.loads(written)
    assert data["sets"]["golden"]["n"] == 4 and data["sets"]["rotating"]["n"] == 2 and data["sets"]["all"]["n"] == 6
    again = runner.invoke(cli, ["coverage", "--format", "md", "--set", "all"])
    assert again.exit_code == 0 and "#### Golden + rotating (6 prompts" in again.output
    assert (root / "metrics" / "coverage.json").read_text(encoding="utf-8") == written
    text = runner.invoke(cli, ["coverage", "--no-write", "--metrics-file", str(tmp_path / "x.json")])
    assert text.exit_code == 0 and "Golden set: 4 prompts" in text.output
    assert not (tmp_path / "x.json").exists()
    strict = runner.invoke(cli, ["coverage", "--strict", "--no-write"])
    assert strict.exit_code == 1
    assert "below coverage.min_per_cell" in strict.output
