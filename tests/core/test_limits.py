"""Bad inputs are clear errors: alias bombs, deep nesting, huge numbers, duplicated rows, a hand-edited lock.

Every case runs the real command on real files and checks for a located error, a non-zero exit,
no traceback, and (for the alias bomb) that it is refused in well under its old 110 seconds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.core.limits import MAX_DEPTH, check_yaml_expansion, loads, read_jsonl_rows, too_deep
from prodbench.core.project import Project
from prodbench.data.golden import check_lock


def _invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, list(args), env={"PRODBENCH_ROOT": str(root)})


def _bomb(levels: int = 9) -> str:
    lines = ["bomb0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"bomb{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_before_expansion(project_dir):
    params = project_dir / "params.yaml"
    params.write_text(params.read_text(encoding="utf-8") + _bomb(), encoding="utf-8")
    start = time.monotonic()
    result = _invoke(project_dir, "validate")
    assert time.monotonic() - start < 20
    assert result.exit_code != 0 and "YAML aliases expand" in result.output and "Traceback" not in result.output
    assert "params.yaml:" in result.output


def test_ordinary_anchors_are_fine():
    check_yaml_expansion("a: &a {x: 1}\nb: *a\nc: R&D\n", "p.yaml")


def test_deeply_nested_checks_are_a_located_validate_error(project_dir):
    path = project_dir / "prompts" / "golden" / "fact_recall.jsonl"
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    deep: dict = {}
    node = deep
    for _ in range(300):
        node["k"] = {}
        node = node["k"]
    record["checks"] = deep
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    line = len(path.read_text(encoding="utf-8").splitlines())
    result = _invoke(project_dir, "validate")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"fact_recall.jsonl:{line}:" in result.output and f"deeper than {MAX_DEPTH}" in result.output


def test_json_readers_refuse_huge_numbers_and_deep_nesting():
    with pytest.raises(UserError, match="too large"):
        loads(b'{"n": 1' + b"0" * 400 + b"}", "f.json", 3)
    with pytest.raises(UserError, match="deeper than"):
        loads(b"[" * 200 + b"]" * 200, "f.json")
    assert not too_deep({"a": [{"b": 1}]}) and too_deep([[[1]]], limit=2)


def test_a_duplicated_result_row_is_an_error_not_scored_twice(tmp_path, project_dir):
    results = project_dir / "results" / "run"
    results.mkdir(parents=True)
    row = {"id": "fact-001", "model": "m", "response": "x"}
    (results / "smollm2-plain.jsonl").write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(UserError) as info:
        read_jsonl_rows(results / "smollm2-plain.jsonl", "r.jsonl", unique="id", required=("id",))
    assert "r.jsonl:2: id: duplicated row 'fact-001' (first at line 1)" in str(info.value)
    result = _invoke(project_dir, "score", "--model", "smollm2-plain")
    assert result.exit_code == 1 and "duplicated row" in result.output and "Traceback" not in result.output


def test_a_hand_edited_golden_lock_count_is_reported(project_dir):
    lock_path = project_dir / "prompts" / "golden.lock"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    assert check_lock(Project(project_dir), use_cache=False) == []
    lock["count"] += 1
    lock_path.write_text(json.dumps(lock, indent=2), encoding="utf-8")
    problems = check_lock(Project(project_dir), use_cache=False)
    assert [p.field for p in problems] == ["count"]
