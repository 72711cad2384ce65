"""GitHub workflows: actionlint passes, and the untrusted-PR-code rules hold."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / ".github" / "actions" / "prodbench-setup" / "action.yml"
ACTIONLINT = shutil.which("actionlint")
needs_actionlint = pytest.mark.skipif(ACTIONLINT is None, reason="actionlint not installed (pip install -e '.[dev]')")


def _load(name: str) -> dict[str, Any]:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text(encoding="utf-8"))


def _triggers(doc: dict[str, Any]) -> dict[str, Any]:
    return doc.get("on") or doc.get(True)  # YAML 1.1 reads a bare `on` as True


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


def _lint(paths: list[Path], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ACTIONLINT, "-no-color", *map(str, paths)], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@needs_actionlint
def test_actionlint_passes_on_every_workflow():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"benchmark.yml", "comment.yml", "refresh-cache.yml", "prodbench-pr.yml"}
    result = _lint(files, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_actionlint
def test_actionlint_catches_script_injection(tmp_path):
    """The linter really runs: an untrusted expression inside `run:` is reported."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo \"${{ github.event.pull_request.title }}\"\n", encoding="utf-8")
    result = _lint([bad], tmp_path)
    assert result.returncode != 0
    assert "potentially untrusted" in result.stdout


def test_benchmark_is_unprivileged():
    doc = _load("benchmark.yml")
    triggers = _triggers(doc)
    assert set(triggers) == {"pull_request"}
    assert "prompts/**" in triggers["pull_request"]["paths"] and "params.yaml" in triggers["pull_request"]["paths"]
    assert doc["permissions"] == {"contents": "read"}
    reusable = _load("prodbench-pr.yml")
    assert "workflow_call" in _triggers(reusable)
    assert reusable["permissions"] == {"contents": "read"}
    uses = [s.get("uses", "") for s in _steps(reusable)]
    assert any(u.startswith("actions/cache/restore@") for u in uses)
    assert not any(re.match(r"actions/cache(/save)?@", u) for u in uses)  # PR runs never write the cache
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in _steps(reusable))
    assert "prodbench validate" in runs and "prodbench diff --base" in runs and "GITHUB_STEP_SUMMARY" in runs
    checkout = next(s for s in _steps(reusable) if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False


def test_comment_poster_treats_the_artifact_as_data():
    doc = _load("comment.yml")
    triggers = _triggers(doc)
    assert set(triggers) == {"workflow_run"}
    assert triggers["workflow_run"]["workflows"] == ["benchmark"]
    job = doc["jobs"]["comment"]
    assert doc["permissions"] == {}
    assert job["permissions"]["pull-requests"] == "write"
    assert job["permissions"].get("contents") == "read"
    steps = job["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert "ref" not in (checkout.get("with") or {})  # the default branch: trusted code only
    validate = next(s for s in steps if s.get("id") == "pr")
    assert "^[0-9]{1,10}$" in validate["run"] and "head.sha" in validate["run"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "--diff-json" in runs and "--bot-login" in runs and "--failed-run" in runs
    # nothing from the artifact is executed or sourced, and no untrusted expression reaches a shell
    assert not re.search(r"(^|\s)(source|bash|sh|python|\.)\s+\S*(ARTIFACT|prodbench-diff)", runs)
    assert "${{" not in runs


def test_refresh_on_main_saves_the_cache():
    doc = _load("refresh-cache.yml")
    triggers = _triggers(doc)
    assert triggers["push"]["branches"] == ["main"]
    uses = [s.get("uses", "") for s in _steps(doc)]
    assert any(u.startswith("actions/cache/save@") for u in uses)


def test_no_workflow_uses_pull_request_target_or_untrusted_expressions_in_run():
    untrusted = re.compile(r"\$\{\{\s*github\.(event\.(pull_request|workflow_run|issue|comment|review|head_commit)"
                           r"|head_ref)")
    for path in [*WORKFLOWS.glob("*.yml"), ACTION]:
        doc = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        if path != ACTION:
            assert "pull_request_target" not in (_triggers(doc) or {}), path.name
        steps = doc["runs"]["steps"] if path == ACTION else _steps(doc)
        for step in steps:
            assert not untrusted.search(step.get("run", "")), f"{path.name}: {step.get('name')}"
