"""End to end, the docs/data.md walk-through "Bring your own logs": an OpenAI-format export to a scored
rotating slice, with no hand edits of the ingested prompts.

In a fresh git + DVC copy of the repository whose models under test and judge are API models
served by the local LLM test server: ``ingest`` -> ``validate`` (passes on the fresh pool) ->
``review`` (approve) -> ``rotate`` -> commit -> ``dvc repro`` -> ``launch record``. The ingested
prompts have no reference and no checks: the reference-free plan (an LLM judge) scores them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from llm_server import LLMServer, last_user_message

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("dvc") is None, reason="dvc not installed")]

BASE_ENV, KEY_ENV = "PRODBENCH_WALK_API_BASE", "PRODBENCH_WALK_API_KEY"
EXPORT = [  # an OpenAI chat-completions export: one request (and the reply) per line
    {"id": "chatcmpl-1", "messages": [{"role": "system", "content": "You are helpful."},
                                      {"role": "user", "content": "Write a short poem about invoices arriving on time."},
                                      {"role": "assistant", "content": "Paper wings..."}]},
    {"id": "chatcmpl-2", "messages": [{"role": "user", "content": "How do I export all my invoices to CSV?"}]},
    {"id": "chatcmpl-3", "messages": [{"role": "user", "content": "请用Python写一个函数，计算发票列表的总金额，并解释代码。"}]},
    {"id": "chatcmpl-4", "messages": [{"role": "user", "content": "Can I change my plan?"},
                                      {"role": "assistant", "content": "Yes."},
                                      {"role": "user", "content": "And will I lose my invoices if I downgrade?"}]},
    {"id": "chatcmpl-5", "messages": [{"role": "user", "content": "Summarize: the customer paid twice for "
                                       "invoice 42 in March and asks for a refund of the second payment."}]},
]


def responder(body: dict[str, Any]) -> str:
    """Judge prompts get a verdict, everything else an answer."""
    text = last_user_message(body)
    if "Response to grade" in text or "Draft to grade" in text:
        return '{"score": 4, "reason": "does what was asked"}'
    if "Response to review" in text:
        return '{"verdict": "PASS", "reason": "fine"}'
    return f"Here is my answer to: {text[:60]}"


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with LLMServer(responder=responder) as srv:
        yield srv


@pytest.fixture
def walk_repo(tmp_path: Path, pytestconfig: pytest.Config, copy_repo_files: Callable[..., Path]) -> Path:
    """A copy of the repository whose models and judge are API models (a 12-prompt golden set, an empty pool)."""
    root = tmp_path / "walk"
    copy_repo_files(root, ("params.yaml", "dvc.yaml", ".dvcignore", "schemas", "prompts", "rubrics", "tools"))
    shutil.copy2(pytestconfig.rootpath / ".gitignore", root / ".gitignore")
    for golden in (root / "prompts" / "golden").glob("*.jsonl"):  # two prompts per task type keep it quick
        golden.write_text("".join(golden.read_text(encoding="utf-8").splitlines(keepends=True)[:2]), encoding="utf-8")
    (root / "prompts" / "golden.lock").unlink()
    for pooled in (root / "prompts" / "pool").glob("*.jsonl"):
        pooled.unlink()
    yaml = YAML()
    params = yaml.load((root / "params.yaml").read_text())
    api = {"api_base_env": BASE_ENV, "api_key_env": KEY_ENV}
    params["models"] = {"assistant": {"model": "openai/assistant-v1", **api, "temperature": 0.0, "max_tokens": 64},
                        "assistant-next": {"model": "openai/assistant-v2", **api, "temperature": 0.0,
                                           "max_tokens": 64}}
    params["score"]["judge"] = {"model": "openai/judge", **api, "temperature": 0.0, "samples": 1}
    params["score"]["bootstrap"]["resamples"] = 200
    params["run"].update(timeout_s=10, max_retries=1, workers=1)
    with open(root / "params.yaml", "w") as handle:
        yaml.dump(params, handle)
    (root / "exports").mkdir()
    (root / "exports" / "support-2026-11.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in EXPORT), encoding="utf-8")
    return root


def _sh(root: Path, env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(list(args), cwd=root, capture_output=True, text=True, env=env, input=stdin, timeout=600)
    assert result.returncode == 0, f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_bring_your_own_logs_to_a_scored_rotating_slice(walk_repo: Path, server: LLMServer) -> None:
    root = walk_repo
    env = {**os.environ, BASE_ENV: server.api_base, KEY_ENV: "test", "DVC_NO_ANALYTICS": "1",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "MPLBACKEND": "Agg", "PRODBENCH_REVIEWER": "walkthrough",
           "PYTHONPATH": os.pathsep.join([str(root / "tools"), os.environ.get("PYTHONPATH", "")]),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    sh = lambda *args, stdin=None: _sh(root, env, *args, stdin=stdin)  # noqa: E731
    sh("git", "init", "-q")
    sh("dvc", "init", "-q")
    sh("prodbench", "golden", "freeze")
    sh("git", "add", "-A")
    sh("git", "commit", "-qm", "benchmark")

    # 1. ingest the export: anonymized, de-duplicated, tagged, pending review
    out = sh("prodbench", "ingest", "exports/support-2026-11.jsonl")
    assert "added 5" in out and "warning" not in out
    pool = root / "prompts" / "pool" / "production.jsonl"
    ingested = [json.loads(line) for line in pool.read_text(encoding="utf-8").splitlines()]
    assert {r["task_type"] for r in ingested} >= {"open_writing", "multi_turn", "summarization"}
    assert not any("reference" in r or "checks" in r for r in ingested)

    # 2. validate passes on the freshly ingested pool: every prompt has a way to be scored
    assert "no problems" in sh("prodbench", "validate")

    # 3. review: approve every pending item (keys as a reviewer types them)
    out = sh("prodbench", "review", stdin="a\n" * 20)
    assert "approved 5" in out

    # 4. rotate a new slice from the approved pool; it holds the ingested prompts
    out = sh("prodbench", "rotate", "--period", "2027Q2", "--size", "40")
    slice_ids = {json.loads(line)["id"] for line in
                 (root / "prompts" / "rotating" / "2027Q2" / "slice.jsonl").read_text().splitlines()}
    assert {r["id"] for r in ingested} <= slice_ids, out

    # 5. the PR: commit and reproduce the benchmark
    sh("git", "add", "-A")
    sh("git", "commit", "-qm", "rotate 2027Q2 from the November support export")
    commit = sh("git", "rev-parse", "HEAD").strip()
    out = sh("dvc", "repro")
    assert "Running stage 'score'" in out and "Running stage 'report'" in out
    rows = [json.loads(line) for line in (root / "results" / "scores.jsonl").read_text().splitlines()]
    mine = [r for r in rows if r["id"] in {i["id"] for i in ingested}]
    assert len(mine) == 2 * len(ingested)
    assert all(r["score"] is not None and r["error"] is None for r in mine), mine
    assert all(r["scorers"][0]["name"] == "judge" for r in mine)
    metrics = json.loads((root / "metrics" / "scores.json").read_text())
    bench = metrics["benchmark"]
    assert (bench["commit"], bench["rotation"], bench["judge"]) == (commit, "2027Q2", "openai/judge")
    assert bench["uncommitted_changes"] is False and bench["golden_version"] is not None
    assert metrics["models"]["assistant"]["judge"]["model"] == "openai/judge"

    # 6. after the launch: the history names the benchmark the scores came from
    sh("git", "commit", "-qam", "scores", "--allow-empty")
    sh("prodbench", "launch", "record", "--model", "assistant", "--version", "2026.12")
    (entry,) = [json.loads(line) for line in (root / "metrics" / "history.jsonl").read_text().splitlines()]
    assert entry["benchmark"]["commit"] == commit != sh("git", "rev-parse", "HEAD").strip()
    assert entry["benchmark"]["rotation"] == "2027Q2"
