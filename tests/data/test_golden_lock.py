"""Golden-set lock: freeze, validate detects edits/removals/additions, bump records them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result


@pytest.fixture
def golden(empty_project: Path, make_record: Callable[..., dict], write_jsonl: Callable[..., Path]) -> Path:
    path = empty_project / "prompts" / "golden" / "facts.jsonl"
    write_jsonl(path, [make_record(f"g-{i}", f"What does plan number {i} include?") for i in range(3)])
    return path


def test_freeze_then_validate_is_clean(golden: Path, project_dir: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("golden", "freeze", "--reason", "first cut")
    assert result.exit_code == 0, result.output
    lock = json.loads((project_dir / "prompts" / "golden.lock").read_text())
    assert lock["version"] == 1 and lock["reason"] == "first cut" and set(lock["items"]) == {"g-0", "g-1", "g-2"}
    assert invoke("validate").exit_code == 0


def test_missing_lock_fails_validation(golden: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("validate")
    assert result.exit_code == 1
    assert "golden.lock" in result.output and "freeze" in result.output


@pytest.mark.parametrize("change", ["edit", "remove", "add", "retag"])
def test_unrecorded_change_fails_validation_until_bumped(golden: Path, project_dir: Path, change: str,
                                                         make_record: Callable[..., dict],
                                                         write_jsonl: Callable[..., Path],
                                                         read_jsonl: Callable[..., list],
                                                         invoke: Callable[..., Result]) -> None:
    assert invoke("golden", "freeze").exit_code == 0
    rows = read_jsonl(golden)
    if change == "edit":
        rows[1]["messages"][0]["content"] += " (edited)"
    elif change == "remove":
        rows.pop(0)
    elif change == "add":
        rows.append(make_record("g-new", "A brand new golden prompt?"))
    else:
        rows[2]["difficulty"] = "hard"
    write_jsonl(golden, rows)

    result = invoke("validate")
    assert result.exit_code == 1
    assert "prodbench golden bump --reason" in result.output
    assert invoke("golden", "check").exit_code == 1

    bumped = invoke("golden", "bump", "--reason", f"deliberate {change}")
    assert bumped.exit_code == 0, bumped.output
    lock = json.loads((project_dir / "prompts" / "golden.lock").read_text())
    assert lock["version"] == 2
    last = lock["history"][-1]
    assert last["reason"] == f"deliberate {change}"
    assert {"edit": "changed", "retag": "changed", "remove": "removed", "add": "added"}[change] in [
        k for k in ("added", "removed", "changed") if last[k]]
    assert invoke("validate").exit_code == 0


def test_bump_without_change_or_reason_is_refused(golden: Path, invoke: Callable[..., Result]) -> None:
    assert invoke("golden", "freeze").exit_code == 0
    result = invoke("golden", "bump", "--reason", "nothing")
    assert result.exit_code == 1 and "nothing to bump" in result.output
    assert invoke("golden", "bump").exit_code == 2


def test_clean_state_cache_never_hides_a_later_edit(golden: Path, project_dir: Path,
                                                    write_jsonl: Callable[..., Path],
                                                    read_jsonl: Callable[..., list],
                                                    invoke: Callable[..., Result]) -> None:
    assert invoke("golden", "freeze").exit_code == 0
    assert invoke("validate").exit_code == 0
    marker = project_dir / "cache" / "validate" / "golden-clean"
    assert marker.is_file()  # the clean state was remembered
    assert invoke("validate").exit_code == 0  # answered from the cache
    rows = read_jsonl(golden)
    rows[2]["difficulty"] = "hard"
    write_jsonl(golden, rows)
    result = invoke("validate")
    assert result.exit_code == 1
    assert "'g-2' was edited" in result.output
