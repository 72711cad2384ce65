"""The pull-request loop's own clock: from a PR that edits 3 prompts to ``reports/pr-comment.md``.

Builds a real git repository in a temp dir: the repo's params and schemas, 1,000 single-turn
prompts and one model pointing at ``tests/llm_server.py`` (its own process, 50 ms answers).
The base commit's responses are cached (``prodbench run``, as the CI cache restore leaves
them); a branch then edits 3 prompts and commits. The clock runs what the PR workflow runs
(``.github/workflows/prodbench-pr.yml``), each as a fresh process:

    prodbench validate
    prodbench diff --base <base sha> --cached-only-without-keys

and prints each step's wall time, the calls the server saw (3 expected) and the total.
``--with-install`` first times ``python -m venv`` + ``pip install -e <repo>`` into a fresh
virtual environment with pip's (warm) cache, as a CI runner with a cached pip directory would.
``--profile`` writes a cProfile of the diff step and prints its top functions.
``--paths fast,litellm`` times the loop on both call paths (``PRODBENCH_CALL_PATH``), alternating
within each repeat: what the fast path saves the PR loop (no litellm import).

Usage::

    python bench/pr_loop_clock.py                  # 1,000 prompts, 3 edited, install excluded
    python bench/pr_loop_clock.py --repeat 3       # medians
    python bench/pr_loop_clock.py --with-install   # plus venv + pip install (warm pip cache)
    python bench/pr_loop_clock.py --repeat 3 --paths fast,litellm
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from _fake_project import KEY_ENV, fake_model, make_project, prompt  # noqa: E402
from vs_promptfoo import server_stats, start_server  # noqa: E402


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def step(name: str, cmd: list[str], root: Path, env: dict[str, str], port: int | None = None) -> dict:
    """Run one step as a fresh process; its wall time and the calls the server saw."""
    before = server_stats(port)["total_calls"] if port else 0
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # diff exits 1 on a flagged regression; anything else is a failure
        raise RuntimeError(f"{name} failed ({done.returncode}):\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}")
    calls = server_stats(port)["total_calls"] - before if port else 0
    return {"step": name, "wall": wall, "calls": calls, "out": done.stdout + done.stderr}


def build_repo(root: Path, base: str, n: int, env: dict[str, str]) -> str:
    """The repo at the base commit with every response cached; returns the base sha."""
    records = [{**prompt(i), "reference": f"question {i}"} for i in range(n)]  # scorable: the answer echoes it
    make_project(root, {"bench": fake_model(base)}, records, run={"concurrency": 32})
    (root / ".gitignore").write_text("/cache/\n/results/\n/reports/\n/metrics/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    subprocess.run([sys.executable, "-m", "prodbench.cli", "run", "--no-progress"], cwd=root, env=env, check=True,
                   capture_output=True)
    return git(root, "rev-parse", "HEAD")


def edit_three(root: Path) -> None:
    """The PR: 3 prompts reworded, committed on a branch."""
    git(root, "checkout", "-q", "-b", "pr")
    path = root / "prompts" / "golden" / "set.jsonl"
    lines = path.read_text().splitlines()
    for index in (len(lines) // 7, len(lines) // 2, len(lines) - 2):
        record = json.loads(lines[index])
        record["messages"][0]["content"] += " (reworded)"
        lines[index] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    git(root, "commit", "-qam", "edit 3 prompts")


def install_step(workdir: Path) -> dict:
    """A fresh venv and ``pip install -e`` of the repo (pip's cache as it is: warm if used before)."""
    venv = workdir / "venv"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e", str(REPO)], check=True)
    return {"step": "venv + pip install -e . (warm pip cache)", "wall": time.perf_counter() - start, "calls": 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--prompts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--with-install", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the diff step and print its top functions")
    parser.add_argument("--paths", default="auto", help="comma-separated call paths to time: auto/fast, litellm")
    args = parser.parse_args()
    server, port = start_server(args.latency)
    base_url = f"http://127.0.0.1:{port}/v1"
    env = {**os.environ, KEY_ENV: "bench", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "DVC_NO_ANALYTICS": "1"}
    env.pop("PRODBENCH_ROOT", None)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}: {args.prompts} prompts, 3 edited, {args.latency * 1000:.0f} ms answers")
    totals: dict[str, list[float]] = {}
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    try:
        for repeat in range(args.repeat):
            for path in paths[repeat % len(paths):] + paths[:repeat % len(paths)]:
                path_env = {**env, "PRODBENCH_CALL_PATH": path}
                totals.setdefault(path, []).append(clock_once(args, base_url, port, path_env, path))
        for path, values in totals.items():
            print(f"{path}: median over {len(values)}: {statistics.median(values):.2f} s (runs: "
                  f"{', '.join(f'{t:.2f}' for t in values)})")
    finally:
        server.terminate()
        server.wait(10)


def clock_once(args: argparse.Namespace, base_url: str, port: int, env: dict[str, str], path: str) -> float:
    """One PR from a fresh repo: build, edit, then the timed steps; returns the clock (install excluded)."""
    print(f"call path {path}:")
    workdir = Path(tempfile.mkdtemp(prefix="prodbench-clock-"))
    try:
        root = workdir / "repo"
        base = build_repo(root, base_url, args.prompts, env)
        edit_three(root)
        steps = [install_step(workdir)] if args.with_install else []
        prodbench = [sys.executable, "-m", "prodbench.cli"]
        if args.profile:
            prodbench = [sys.executable, "-m", "cProfile", "-o", str(workdir / "diff.prof"), "-m",
                         "prodbench.cli"]
        steps.append(step("prodbench validate", [sys.executable, "-m", "prodbench.cli", "validate"],
                          root, env))
        steps.append(step("prodbench diff --base <sha>", [*prodbench, "diff", "--base", base,
                                                          "--cached-only-without-keys"], root, env, port))
        if not (root / "reports" / "pr-comment.md").exists():
            raise RuntimeError(f"no reports/pr-comment.md: {steps[-1]['out'][-3000:]}")
        clock = sum(s["wall"] for s in steps if not s["step"].startswith("venv"))
        for s in steps:
            print(f"  {s['step']:<44} {s['wall']:>7.2f} s   {s['calls']} calls")
        print(f"  {'PR -> reports/pr-comment.md (install excluded)':<44} {clock:>7.2f} s")
        if args.with_install:
            print(f"  {'... install included':<44} {clock + steps[0]['wall']:>7.2f} s")
        if args.profile:
            import pstats

            pstats.Stats(str(workdir / "diff.prof")).sort_stats("cumulative").print_stats(25)
        return clock
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
