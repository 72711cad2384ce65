"""`prodbench run` end to end: CLI, failure threshold, kill + resume, shard merge, result schema."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from llm_server import LLMServer
from prodbench.cli import cli


@pytest.fixture(scope="module")
def result_schema(repo_root: Path) -> dict:
    """schemas/result.schema.json: the contract every written row must meet."""
    return json.loads((repo_root / "schemas" / "result.schema.json").read_text())




def _invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["run", *args], catch_exceptions=False, env={"PRODBENCH_ROOT": str(root)})


def test_cli_writes_sorted_rows_valid_against_the_schema(server, tmp_path, fake_model, make_project, multi_turn, prompt, read_rows, result_schema):
    from jsonschema import Draft202012Validator

    records = [prompt(i) for i in (3, 1, 2)] + [multi_turn(9)]
    root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, records)
    result = _invoke(root)
    assert result.exit_code == 0, result.output
    rows = read_rows(root / "results/run/fake.jsonl")
    assert [r["id"] for r in rows] == ["p-0001", "p-0002", "p-0003", "p-0009"]
    validator = Draft202012Validator(result_schema)
    for row in rows:
        assert not list(validator.iter_errors(row)), row
    assert not (root / "cache/journal/fake.jsonl").exists()
    assert "4 rows" in result.output
    assert _invoke(root).exit_code == 0
    assert server.total_calls == 5  # second run: all cached


def test_failure_threshold(server, tmp_path, fake_model, make_project, prompt, read_rows):
    records = [prompt(i) for i in range(10)]
    root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, records,
                        run={"max_retries": 1, "max_failed_share": 0.15})
    server.fail("500", times=None, match="question 3")
    result = _invoke(root)
    assert result.exit_code == 0, result.output  # 1/10 failed <= 15 %
    server.fail("500", times=None, match="question 4")
    result = _invoke(root, "--refresh")  # q4 is cached: call again
    assert result.exit_code == 1
    assert "2/10 rows failed" in result.output and "InternalServerError" in result.output
    rows = read_rows(root / "results/run/fake.jsonl")
    assert len(rows) == 10  # failed rows are written with their errors
    assert {r["id"] for r in rows if r["error"]} == {"p-0003", "p-0004"}


def test_unknown_model_name_and_missing_key_are_clear(server, tmp_path, monkeypatch, fake_model, key_env, make_project, prompt):
    root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, [prompt(1)])
    result = CliRunner().invoke(cli, ["run", "--model", "nope"], env={"PRODBENCH_ROOT": str(root)})
    assert result.exit_code == 2 and "unknown model(s) nope" in result.output
    assert "Traceback" not in result.output
    monkeypatch.delenv(key_env)
    result = CliRunner().invoke(cli, ["run"], env={"PRODBENCH_ROOT": str(root)})
    assert result.exit_code == 1 and f"environment variable {key_env} is not set" in result.output
    assert server.total_calls == 0


def test_shard_runs_merge_into_the_full_result(server, tmp_path, fake_model, make_project, prompt, read_rows):
    records = [prompt(i) for i in range(12)]
    root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, records)
    for i in (1, 2, 3):
        assert _invoke(root, "--shard", f"{i}/3").exit_code == 0
    shard_rows = [read_rows(root / f"results/run/fake.shard-{i}-of-3.jsonl") for i in (1, 2, 3)]
    assert sum(map(len, shard_rows)) == 12
    result = _invoke(root, "--merge")
    assert result.exit_code == 0, result.output
    merged = read_rows(root / "results/run/fake.jsonl")
    assert [r["id"] for r in merged] == [f"p-{i:04d}" for i in range(12)]
    assert not list((root / "results/run").glob("*.shard-*"))
    assert server.total_calls == 12
    bad = CliRunner().invoke(cli, ["run", "--shard", "4/3"], env={"PRODBENCH_ROOT": str(root)})
    assert bad.exit_code == 2 and "1 <= I <= N" in bad.output


def test_merge_refuses_missing_shard(server, tmp_path, fake_model, make_project, prompt):
    root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, [prompt(i) for i in range(6)])
    assert _invoke(root, "--shard", "1/2").exit_code == 0
    result = CliRunner().invoke(cli, ["run", "--merge"], env={"PRODBENCH_ROOT": str(root)})
    assert result.exit_code == 1 and "missing shard(s) [2]" in result.output


def _cache_lines(cache_dir):
    return [line for path in sorted(cache_dir.glob("responses*.jsonl"))
            for line in path.read_text().splitlines() if line.strip()]


def _start_and_kill(cmd, root, env, cache_dir, at_lines, sig):
    """Start `prodbench run`, send ``sig`` once the cache holds ``at_lines`` entries; return stderr."""
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if cache_dir.is_dir() and len(_cache_lines(cache_dir)) >= at_lines:
            break
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, err.decode()
    return err


def _cached_prompts(cache_dir):
    return [json.loads(line)["response"]["content"].removeprefix("Answer to: ") for line in _cache_lines(cache_dir)]


def test_interrupted_and_killed_run_resumes_with_every_row_exactly_once(tmp_path, fake_model, make_project, prompt, read_rows, subprocess_env):
    n = 40
    with LLMServer(latency=0.05) as server:
        # two forked workers (the default for big runs): a killed parent must take them down too
        root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, [prompt(i) for i in range(n)],
                            run={"concurrency": 2, "workers": 2})
        cache_dir = root / "cache/responses/fake"
        cmd = [sys.executable, "-m", "prodbench.cli", "run"]
        err = _start_and_kill(cmd, root, subprocess_env(root), cache_dir, 8, signal.SIGINT)  # Ctrl-C
        assert b"interrupted" in err and b"Traceback" not in err
        first = _cached_prompts(cache_dir)
        assert 8 <= len(first) < n
        _start_and_kill(cmd, root, subprocess_env(root), cache_dir, len(first) + 8, signal.SIGKILL)  # a crash
        assert not (root / "results/run/fake.jsonl").exists()
        done_before = _cached_prompts(cache_dir)
        assert len(done_before) == len(set(done_before)) >= len(first) + 8
        assert all(server.calls_by_prompt[q] == 1 for q in first)  # resumed without repeating
        calls_before = server.total_calls
        per_prompt_before = dict(server.calls_by_prompt)
        resumed = subprocess.run(cmd, cwd=root, env=subprocess_env(root), capture_output=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr.decode()
        rows = read_rows(root / "results/run/fake.jsonl")
        assert [r["id"] for r in rows] == [f"p-{i:04d}" for i in range(n)]
        assert all(r["error"] is None for r in rows)
        # no finished call is made twice; only calls in flight at each stop are re-sent
        assert all(server.calls_by_prompt[q] == per_prompt_before[q] for q in done_before)
        assert server.total_calls - calls_before == n - len(done_before)
        assert calls_before - len(done_before) <= 2 * 2  # at most `concurrency` in flight per stop


@pytest.mark.local_model
def test_embedded_model_runs_offline(tmp_path, monkeypatch, multi_turn, prompt, loaded):
    from prodbench.run.stage import run_model

    records = [loaded({**prompt(1), "messages": [{"role": "user", "content": "What is 2 + 2?"}]}),
               loaded(multi_turn(2))]
    cfg = {"model": "local/smollm2-135m", "temperature": 0.0, "max_tokens": 8, "seed": 7}
    rows = run_model(records, "smol", cfg, {"concurrency": 2}, tmp_path)
    assert [r["error"] for r in rows] == [None, None]
    assert all(t["content"].strip() for r in rows for t in r["turns"])
    assert len(rows[1]["turns"]) == 2
    assert all(0 < r["usage"]["completion_tokens"] <= 8 * len(r["turns"]) for r in rows)
    again = run_model(records, "smol", cfg, {"concurrency": 2}, tmp_path)
    assert all(r["cached"] for r in again)
    assert [r["response"] for r in again] == [r["response"] for r in rows]


@pytest.mark.local_model
def test_the_embedded_model_is_called_without_litellm_unless_that_path_is_chosen(tmp_path, call_path, prompt):
    code = ("import json, sys; from prodbench.run.stage import run_model; from prodbench.core.records import LoadedPrompt; "
            "rec = LoadedPrompt(json.loads(sys.argv[1]), 'golden', 'prompts/golden/x.jsonl', 1); "
            "rows = run_model([rec], 'smol', {'model': 'local/smollm2-135m', 'temperature': 0.0, 'max_tokens': 4}, "
            "{}, sys.argv[2]); print(rows[0]['error'] is None and bool(rows[0]['response']), 'litellm' in sys.modules)")
    record = {**prompt(1), "messages": [{"role": "user", "content": "Say hi."}]}
    out = subprocess.run([sys.executable, "-c", code, json.dumps(record), str(tmp_path)], capture_output=True,
                         text=True, timeout=300)
    assert out.stdout.split() == ["True", str(call_path == "litellm")], out.stderr[-2000:]


def test_fully_cached_run_does_not_import_litellm(server, tmp_path, fake_model, make_project, prompt, read_rows, subprocess_env):
    root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, [prompt(i) for i in range(5)])
    assert _invoke(root).exit_code == 0
    before = (root / "results/run/fake.jsonl").read_bytes()
    code = ("import sys; from click.testing import CliRunner; from prodbench.cli import cli; "
            "r = CliRunner().invoke(cli, ['run']); print(r.exit_code, 'litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=subprocess_env(root), capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.split() == ["0", "False"], out.stderr
    rows = read_rows(root / "results/run/fake.jsonl")
    assert all(r["cached"] for r in rows) and len(rows) == 5
    assert [r["response"] for r in rows] == [r["response"] for r in map(json.loads, before.splitlines())]
    assert server.total_calls == 5


def test_one_run_resolves_the_connection_and_builds_the_runner_once(server, tmp_path, monkeypatch, fake_model,
                                                                     make_project, prompt):
    import prodbench.llm.config as config_module
    import prodbench.run.runner as runner_module

    counts: Counter = Counter()
    connection_params, runner_init = config_module.connection_params, runner_module.Runner.__init__

    def counted_connection(*args, **kwargs):
        counts["connection"] += 1
        return connection_params(*args, **kwargs)

    def counted_init(self, *args, **kwargs):
        counts["runner"] += 1
        runner_init(self, *args, **kwargs)

    monkeypatch.setattr(config_module, "connection_params", counted_connection)
    monkeypatch.setattr(runner_module.Runner, "__init__", counted_init)
    root = make_project(tmp_path / "p", {"fake": fake_model(server.api_base)}, [prompt(i) for i in range(4)])
    assert _invoke(root).exit_code == 0
    assert server.total_calls == 4
    assert counts == {"connection": 1, "runner": 1}
