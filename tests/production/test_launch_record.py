"""``prodbench launch record``: history entries, replacement, benchmark version, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.params import load_params
from prodbench.core.project import find_project
from prodbench.production.launch import golden_lock_version, upsert


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _history(root: Path) -> list[dict]:
    return [orjson.loads(line) for line in (root / "metrics" / "history.jsonl").read_bytes().splitlines() if line]


def test_record_appends_scores_and_benchmark_version(project_dir: Path, model_scores: Callable[..., dict],
                                                     write_scores: Callable[..., Path]) -> None:
    (project_dir / "prompts" / "golden.lock").write_text(json.dumps({"version": 3, "hashes": {}}), encoding="utf-8")
    write_scores(project_dir, {"bot": model_scores(0.5, 0.7, 0.4), "other": model_scores(0.2, 0.2, 0.2)})
    result = _invoke("launch", "record", "--model", "bot", "--version", "2026.03", "--date", "2026-03-02")
    assert result.exit_code == 0, result.output
    assert "recorded bot 2026.03" in result.output
    write_scores(project_dir, {"bot": model_scores(0.6, 0.8, 0.5)})
    assert _invoke("launch", "record", "--model", "bot", "--version", "2026.04", "--date", "2026-04-01").exit_code == 0

    entries = _history(project_dir)
    assert [e["version"] for e in entries] == ["2026.03", "2026.04"]
    first = entries[0]
    assert first["model"] == "bot" and first["date"] == "2026-03-02"
    assert first["benchmark"]["golden_version"] == "3"
    assert first["benchmark"]["rotation"] == (load_params(find_project()).get("rotation") or {}).get("current")
    assert first["scores"]["by_task_type"]["reasoning"]["mean"] == 0.5
    assert entries[1]["scores"]["by_task_type"]["reasoning"]["mean"] == 0.6
    assert set(first["scores"]) == {"overall", "golden", "rotating", "by_task_type", "by_difficulty"}
    assert "tokens" not in first["scores"]  # only score slices are recorded
    # Stable JSONL: keys sorted on every line.
    line = (project_dir / "metrics" / "history.jsonl").read_text().splitlines()[0]
    assert list(json.loads(line)) == sorted(json.loads(line))


def test_rerecording_the_same_version_replaces_it_with_a_note(project_dir: Path,
                                                              model_scores: Callable[..., dict],
                                                              write_scores: Callable[..., Path]) -> None:
    write_scores(project_dir, {"bot": model_scores(0.5, 0.7, 0.4)})
    for version in ("v1", "v2"):
        assert _invoke("launch", "record", "--model", "bot", "--version", version, "--date", "2026-01-01").exit_code == 0
    write_scores(project_dir, {"bot": model_scores(0.9, 0.9, 0.9)})
    result = _invoke("launch", "record", "--model", "bot", "--version", "v1", "--date", "2026-01-05")
    assert result.exit_code == 0
    assert "note: replaced the existing entry for bot v1" in result.output
    entries = _history(project_dir)
    assert [e["version"] for e in entries] == ["v1", "v2"]  # replaced in place, not duplicated
    assert entries[0]["scores"]["by_task_type"]["reasoning"]["mean"] == 0.9
    assert entries[0]["date"] == "2026-01-05"
    listing = _invoke("launch", "list")
    assert "v1" in listing.output and "v2" in listing.output


def test_upsert_keeps_other_models_with_the_same_version() -> None:
    old = [{"model": "a", "version": "1"}, {"model": "b", "version": "1"}]
    new, replaced = upsert(old, {"model": "b", "version": "1", "x": 1})
    assert replaced == {"model": "b", "version": "1"}
    assert new == [{"model": "a", "version": "1"}, {"model": "b", "version": "1", "x": 1}]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--model", "nope", "--version", "v1"], "metrics/scores.json: models.nope: no scores for model 'nope'"),
        (["--model", "bot", "--version", "v1", "--date", "03/02/2026"], "is not a date; use YYYY-MM-DD"),
        (["--model", "bot", "--version", "  "], "--version must not be empty"),
    ],
)
def test_bad_record_arguments_are_clear_errors(project_dir: Path, args: list[str], expected: str,
                                               model_scores: Callable[..., dict],
                                               write_scores: Callable[..., Path]) -> None:
    write_scores(project_dir, {"bot": model_scores(0.5, 0.7, 0.4)})
    result = CliRunner().invoke(cli, ["launch", "record", *args])
    assert result.exit_code != 0
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (project_dir / "metrics" / "history.jsonl").exists()


def test_missing_scores_file_says_what_to_run(project_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["launch", "record", "--model", "bot", "--version", "v1"])
    assert result.exit_code == 1
    assert "metrics/scores.json: file not found: run `dvc repro`" in result.output


def test_corrupt_history_line_is_located(project_dir: Path, model_scores: Callable[..., dict],
                                         write_scores: Callable[..., Path]) -> None:
    write_scores(project_dir, {"bot": model_scores(0.5, 0.7, 0.4)})
    (project_dir / "metrics" / "history.jsonl").write_text('{"model": "bot", "version": "v0", "scores": {}}\n{oops\n')
    result = CliRunner().invoke(cli, ["launch", "record", "--model", "bot", "--version", "v1"])
    assert result.exit_code == 1
    assert "metrics/history.jsonl:2: invalid JSON" in result.output


def test_golden_lock_version_reads_json_and_yaml_defensively(tmp_path: Path) -> None:
    lock = tmp_path / "golden.lock"
    assert golden_lock_version(lock) is None
    lock.write_text("version: 7\nhashes:\n  a: b\n")
    assert golden_lock_version(lock) == "7"
    lock.write_text('{"version": "2026.1"}')
    assert golden_lock_version(lock) == "2026.1"
    lock.write_text("[not: a, mapping")
    assert golden_lock_version(lock) is None
    lock.write_text('{"hashes": {}}')
    assert golden_lock_version(lock) is None


def test_records_what_the_score_stage_writes(project_dir: Path) -> None:
    """Contract with prodbench.score.summarize (the real metrics/scores.json layout)."""
    from prodbench.core.fsutil import write_json
    from prodbench.score import summarize

    params = {"taxonomy": {"task_types": {"reasoning": "", "safety": ""}, "difficulties": ["easy", "hard"]},
              "score": {"bootstrap": {"resamples": 200, "seed": 0}}}
    rows = [{"model": "m", "id": f"i{i}", "set": "golden", "task_type": ["reasoning", "safety"][i % 2],
             "difficulty": ["easy", "hard"][i // 2 % 2], "score": i / 10, "passed": i > 4, "error": None}
            for i in range(10)]
    doc = summarize(rows, [], params)
    write_json(project_dir / "metrics" / "scores.json", doc)
    assert _invoke("launch", "record", "--model", "m", "--version", "1").exit_code == 0
    entry = _history(project_dir)[0]
    assert entry["scores"]["by_task_type"]["reasoning"] == doc["models"]["m"]["by_task_type"]["reasoning"]
    assert entry["scores"]["overall"]["mean"] == doc["models"]["m"]["overall"]["mean"]
