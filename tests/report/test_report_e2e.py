"""End to end: `dvc repro` (validate -> run -> score -> report) in a fresh git+dvc repo
against the local test server; metrics and plots render; a system-prompt change re-runs
only that model's run stage."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("dvc") is None, reason="dvc not installed")]


def test_dvc_repro_produces_metrics_plots_and_reruns_only_the_changed_model(
        bench_repo, bench_server, bench_env, sh):
    root, server, env = bench_repo, bench_server, bench_env
    sh(root, "git", "init", "-q", env=env)
    sh(root, "dvc", "init", "-q", env=env)
    sh(root, "prodbench", "golden", "freeze", env=env)
    sh(root, "git", "add", "-A", env=env)
    sh(root, "git", "commit", "-qm", "benchmark", env=env)

    repro = sh(root, "dvc", "repro", env=env)
    for stage in ("validate", "run@plain", "run@support", "score", "report"):
        assert f"Running stage '{stage}'" in repro.stdout
    assert server.total_calls == 2 * 9  # 8 prompts per model, one of them with two generated turns

    metrics = json.loads((root / "metrics" / "scores.json").read_text())
    plain, support = metrics["models"]["plain"], metrics["models"]["support"]
    assert plain["overall"]["n"] == support["overall"]["n"] == 8
    assert support["overall"]["mean"] > plain["overall"]["mean"]  # the system prompt helps here
    assert support["by_task_type"]["safety"]["mean"] == 1.0
    assert plain["golden"]["n"] == 8 and plain["rotating"] is None
    rows = [json.loads(line) for line in (root / "results" / "scores.jsonl").read_text().splitlines()]
    assert len(rows) == 16 and all(r["score"] is not None for r in rows)
    for name in ("scores_by_task_type", "scores_by_difficulty", "coverage", "latency_cost"):
        assert (root / "plots" / f"{name}.png").stat().st_size > 10_000
    assert "| **support** |" in (root / "reports" / "report.md").read_text()

    shown = sh(root, "dvc", "metrics", "show", "--json", env=env)
    assert "models" in json.dumps(json.loads(shown.stdout))
    plots = json.loads(sh(root, "dvc", "plots", "show", "--json", env=env).stdout)["data"]
    assert {"Score by task type", "Coverage (prompts per task type x difficulty)",
            "plots/scores_by_task_type.png"} <= set(plots)
    values = plots["Score by task type"][0]["content"]["data"]["values"]
    assert {v["label"] for v in values} >= {"safety / plain", "safety / support"}

    sh(root, "git", "add", "-A", env=env)
    sh(root, "git", "commit", "-qm", "results", env=env)
    assert "up to date" in sh(root, "dvc", "status", env=env).stdout.lower()

    params = root / "params.yaml"
    params.write_text(params.read_text().replace("You are Ledgerly's support assistant.",
                                                 "You are Ledgerly's friendly support assistant."))
    status = sh(root, "dvc", "status", env=env).stdout
    assert "run@support" in status and "run@plain" not in status and "validate" not in status
    server.reset_counters()
    rerun = sh(root, "dvc", "repro", env=env)
    assert "Running stage 'run@support'" in rerun.stdout
    assert "Stage 'run@plain' didn't change, skipping" in rerun.stdout
    assert "Running stage 'score'" in rerun.stdout and "Running stage 'report'" in rerun.stdout
    assert server.total_calls == 9
    assert all("friendly" in body["messages"][0]["content"] for body in server.requests)
