"""Storage faults and concurrent runs: real `prodbench run` processes against the local LLM server.

No paid response may be lost or bought twice: a file where the cache folder should be stops the
run before any call; a disk that fills mid-run (RLIMIT_FSIZE) stops it cleanly with exit code 4,
and the re-run calls only what was not saved; two runs on one cache make each call once; a
corrupted cache or journal line is skipped with a ``file:line`` warning.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from llm_server import LLMServer
from prodbench.cli import cli

RUN = [sys.executable, "-m", "prodbench.cli", "run"]


def _run(root: Path, env: dict[str, str], fsize: int | None = None, timeout: float = 180):
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(RUN, cwd=root, env=env, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limit if fsize is not None else None)


def _is_whole_entry(line: str) -> bool:
    try:
        return isinstance(json.loads(line).get("response"), dict)
    except ValueError:
        return False


def test_a_file_where_the_cache_folder_should_be_stops_before_any_call(server, tmp_path, fake_model, make_project,
                                                                        prompt):
    root = make_project(tmp_path / "p", {"m": fake_model(server.api_base)}, [prompt(i) for i in range(3)])
    (root / "cache" / "responses").mkdir(parents=True)
    (root / "cache" / "responses" / "m").write_text("in the way\n")
    result = CliRunner().invoke(cli, ["run"], env={"PRODBENCH_ROOT": str(root)})
    assert result.exit_code == 4, result.output
    assert "cannot write the response cache" in result.output and "Traceback" not in result.output
    assert server.total_calls == 0


def test_disk_full_mid_run_stops_cleanly_and_the_rerun_pays_only_for_the_rest(tmp_path, fake_model, make_project,
                                                                              prompt, subprocess_env):
    n = 12
    with LLMServer() as server:
        root = make_project(tmp_path / "p", {"m": fake_model(server.api_base)}, [prompt(i) for i in range(n)],
                            run={"concurrency": 1})
        env = subprocess_env(root)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        first = _run(root, env, fsize=1500)  # the cache log hits the limit after a few entries
        assert first.returncode == 4, first.stderr
        assert "cannot write the response cache" in first.stderr and "Traceback" not in first.stderr
        paid = server.total_calls
        # the entry whose write hit the limit is torn (repaired by the next run): count whole entries
        # (a torn line can still end in "}}" when it stops inside the nested response object)
        lines = (root / "cache/responses/m/responses.jsonl").read_text().splitlines()
        saved = sum(1 for line in lines if _is_whole_entry(line))
        assert 0 < saved < n and paid <= saved + 1  # at most the one answer whose write failed
        second = _run(root, env)
        assert second.returncode == 0, second.stderr
        assert server.total_calls == paid + (n - saved)  # nothing saved is bought again
    rows = [json.loads(line) for line in (root / "results/run/m.jsonl").read_text().splitlines()]
    assert len(rows) == n and all(r["error"] is None for r in rows)


def test_two_runs_on_one_cache_make_every_call_once(tmp_path, fake_model, make_project, prompt, subprocess_env):
    n = 16
    with LLMServer(latency=0.05) as server:
        root = make_project(tmp_path / "p", {"m": fake_model(server.api_base)}, [prompt(i) for i in range(n)],
                            run={"concurrency": 2})
        env = subprocess_env(root)
        procs = [subprocess.Popen(RUN, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outs = [p.communicate(timeout=240) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        assert server.total_calls == n
        assert max(server.calls_by_prompt.values()) == 1


def test_corrupted_cache_and_journal_lines_are_skipped_with_their_location(server, tmp_path, fake_model,
                                                                          make_project, prompt):
    root = make_project(tmp_path / "p", {"m": fake_model(server.api_base)}, [prompt(i) for i in range(4)])
    env = {"PRODBENCH_ROOT": str(root)}
    assert CliRunner().invoke(cli, ["run"], env=env).exit_code == 0
    cache = root / "cache/responses/m/responses.jsonl"
    lines = cache.read_text().splitlines()
    cache.write_text("\n".join([lines[0], "{not json", '{"key": 5, "response": []}', *lines[1:]]) + "\n")
    calls = server.total_calls
    result = CliRunner().invoke(cli, ["run"], env=env)
    assert result.exit_code == 0, result.output
    assert "responses.jsonl:2: corrupted cache line skipped" in result.output
    assert "responses.jsonl:3: corrupted cache line skipped" in result.output
    assert server.total_calls == calls  # every real entry still served from the cache
    journal = root / "cache/journal/m.jsonl"  # as an interrupted --no-cache run leaves it, then damaged
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text('{"id": "p-0000"\n[1, 2]\n')
    result = CliRunner().invoke(cli, ["run", "--no-cache"], env=env)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "m.jsonl:1:" in result.output and "m.jsonl:2:" in result.output  # both journal lines skipped


def test_failed_workers_never_make_the_parent_send_their_prompts_again(tmp_path, fake_model, make_project, prompt,
                                                                      subprocess_env):
    n = 80
    with LLMServer() as server:
        root = make_project(tmp_path / "p", {"m": fake_model(server.api_base)}, [prompt(i) for i in range(n)],
                            run={"concurrency": 4, "workers": 2})
        env = subprocess_env(root)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        first = _run(root, env, fsize=3000)  # each worker's cache log hits the limit
        assert first.returncode != 0 and "Traceback" not in first.stderr, first.stderr
        assert "were not sent again" in first.stderr or "cannot write" in first.stderr, first.stderr
        assert max(server.calls_by_prompt.values()) == 1  # nothing re-sent within the run
        second = _run(root, env)
        assert second.returncode == 0, second.stderr
        assert max(server.calls_by_prompt.values()) <= 2
        assert server.total_calls <= n + 4  # only answers in flight when a worker stopped are bought again
