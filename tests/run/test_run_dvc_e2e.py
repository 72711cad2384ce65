"""`dvc repro` of the run stage in a real git + dvc repository (persisted response cache)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from llm_server import LLMServer

pytestmark = pytest.mark.e2e


def _sh(root: Path, env: dict[str, str], *cmd: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in env.items() if k != "PRODBENCH_ROOT"}
    result = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{cmd}: {result.stdout}\n{result.stderr}"
    return result


@pytest.mark.skipif(shutil.which("dvc") is None or shutil.which("git") is None, reason="needs git and dvc")
def test_dvc_repro_runs_a_model_stage_and_reuses_the_persisted_cache(tmp_path, fake_model, make_project, prompt,
                                                                    read_rows, write_prompts, subprocess_env, copy_repo_files):
    with LLMServer() as server:
        records = [prompt(i) for i in range(6)]
        root = make_project(tmp_path / "repo", {"fake-a": fake_model(server.api_base),
                                                "fake-b": fake_model(server.api_base, temperature=0.7)}, records)
        # fake-b exists so that foreach makes two stages; only run@fake-a is reproduced (fast)
        copy_repo_files(root, ("dvc.yaml", ".dvcignore", "tools"))
        (root / "reports").mkdir()
        (root / "reports/validation.json").write_text(json.dumps({"ok": True}))
        env = subprocess_env(root)
        _sh(root, env, "git", "init", "-q")
        _sh(root, env, "dvc", "init", "-q")
        _sh(root, env, "dvc", "config", "core.analytics", "false")
        _sh(root, env, "dvc", "repro", "--single-item", "run@fake-a")
        assert server.total_calls == 6
        assert len(read_rows(root / "results/run/fake-a.jsonl")) == 6
        assert not (root / "results/run/fake-b.jsonl").exists()

        out = _sh(root, env, "dvc", "repro", "--single-item", "run@fake-a")  # nothing changed
        assert "didn't change" in out.stdout
        assert server.total_calls == 6

        records[2]["messages"] = [{"role": "user", "content": "edited question"}]
        write_prompts(root, records)
        _sh(root, env, "dvc", "repro", "--single-item", "run@fake-a")  # stages re-run; the cache survives
        assert server.total_calls == 7
        assert server.calls_by_prompt["edited question"] == 1
        rows = read_rows(root / "results/run/fake-a.jsonl")
        assert sum(not r["cached"] for r in rows) == 1
