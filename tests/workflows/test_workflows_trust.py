"""Trusted grading in the workflows: base code grades PRs, pinned actions, Dependabot, one poster per PR."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
FILES = [*sorted((GITHUB / "workflows").glob("*.yml")), GITHUB / "actions" / "prodbench-setup" / "action.yml"]


def _load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_every_third_party_action_is_pinned_by_full_sha_with_its_tag():
    uses = [(path.name, line.strip()) for path in FILES for line in path.read_text(encoding="utf-8").splitlines()
            if re.match(r"\s*(-\s*)?uses:", line)]
    external = [(name, line) for name, line in uses if not re.search(r"uses:\s*\./", line)]
    assert external, "no third-party action found"
    for name, line in external:
        assert re.search(r"uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$", line), (name, line)


def test_the_pr_benchmark_installs_the_base_commit_not_the_pull_request():
    doc = _load(GITHUB / "workflows" / "prodbench-pr.yml")
    steps = doc["jobs"]["diff"]["steps"]
    trusted = next(s for s in steps if (s.get("with") or {}).get("path") == ".prodbench-trusted")
    assert trusted["with"]["ref"] == "${{ inputs.base-sha }}" and trusted["with"]["persist-credentials"] is False
    setup = next(s for s in steps if "prodbench-setup" in s.get("uses", ""))
    assert setup["uses"].startswith("./.prodbench-trusted/") and setup["with"]["package-dir"] == ".prodbench-trusted"
    assert steps.index(trusted) < steps.index(setup)
    action = (GITHUB / "actions" / "prodbench-setup" / "action.yml").read_text(encoding="utf-8")
    assert 'pip install -e "$PACKAGE_DIR' in action


def test_the_poster_is_one_per_pr_and_sets_the_gate_from_trusted_data():
    doc = _load(GITHUB / "workflows" / "comment.yml")
    group = doc["concurrency"]["group"]
    assert "workflow_run.head_repository.full_name" in group and "workflow_run.head_branch" in group
    assert doc["concurrency"]["cancel-in-progress"] is False
    job = doc["jobs"]["comment"]
    assert job["permissions"]["statuses"] == "write"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "pulls/$pr/files" in runs and "prodbench-approved" in runs
    assert "--changed-files" in runs and "--status-sha" in runs


def test_dependabot_updates_actions_and_pip():
    doc = _load(GITHUB / "dependabot.yml")
    ecosystems = {u["package-ecosystem"] for u in doc["updates"]}
    assert ecosystems == {"github-actions", "pip"}
