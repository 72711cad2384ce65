"""End to end: DVC knows the code. In a fresh git+dvc repo whose stages run the repo's own copy of
the package (as in a fork with an editable install), a fix to one scorer file re-runs score and
report and nothing else: no model is called again."""

from __future__ import annotations

import json
import os
import shutil

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("dvc") is None, reason="dvc not installed")]


def _stages_run(output: str) -> list[str]:
    return [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")]


def test_a_scorer_fix_reruns_score_and_report_only(bench_repo, bench_server, bench_env, sh):
    root = bench_repo
    # the stages run the repository's copy of the code, so editing it changes what they compute
    env = {**bench_env, "PYTHONPATH": os.pathsep.join([str(root / "tools"), bench_env.get("PYTHONPATH", "")])}
    sh(root, "git", "init", "-q", env=env)
    sh(root, "dvc", "init", "-q", env=env)
    sh(root, "prodbench", "golden", "freeze", env=env)
    sh(root, "git", "add", "-A", env=env)
    sh(root, "git", "commit", "-qm", "benchmark", env=env)
    first = sh(root, "dvc", "repro", env=env).stdout
    assert _stages_run(first) == ["validate", "run@plain", "run@support", "score", "report"]
    calls = bench_server.total_calls
    assert "up to date" in sh(root, "dvc", "status", env=env).stdout.lower()

    # a fix to the refusal scorer's wording: only the stages that run score code changed (validate
    # runs the plan's scorers dry to find prompts they cannot score; its report is unchanged)
    scorer = root / "tools" / "prodbench" / "score" / "scorers" / "safety.py"
    scorer.write_text(scorer.read_text().replace('"answered (no refusal)"', '"answered, no refusal"'))
    status = sh(root, "dvc", "status", "--json", env=env).stdout
    changed = json.loads(status)
    assert sorted(changed) == ["score", "validate"], status
    assert "tools/prodbench/score" in json.dumps(changed["score"])

    second = sh(root, "dvc", "repro", env=env).stdout
    assert _stages_run(second) == ["validate", "score", "report"], second
    assert bench_server.total_calls == calls  # the model answers came from the cache: nothing re-ran
    rows = [json.loads(line) for line in (root / "results" / "scores.jsonl").read_text().splitlines()]
    rationales = {s.get("rationale") for row in rows for s in row["scorers"]}
    assert "answered, no refusal" in rationales and "answered (no refusal)" not in rationales
    # byte-code written beside the code (.dvcignore) does not make the code folders look changed
    cache = root / "tools" / "prodbench" / "score" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "stage.cpython-311.pyc").write_bytes(b"compiled")
    assert "up to date" in sh(root, "dvc", "status", env=env).stdout.lower()

    # a change to the report code re-runs the report alone
    report = root / "tools" / "prodbench" / "report" / "stage.py"
    report.write_text(report.read_text() + "\n# a comment: the report's code changed\n")
    assert sorted(json.loads(sh(root, "dvc", "status", "--json", env=env).stdout)) == ["report"]
    assert _stages_run(sh(root, "dvc", "repro", env=env).stdout) == ["report"]
