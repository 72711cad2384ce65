"""Throughput of `prodbench run` against the local test server (50 ms per answer).

Starts ``tests/llm_server.py`` in its own process, builds a throw-away project with
1,000 single-turn prompts and one model pointing at the server, then runs
``prodbench run`` as a fresh process (import time included, as a user sees it) at each
concurrency: first a cache-filling run, then an untouched re-run. Prints wall time,
calls made, calls/s and the ratio to the floor (prompts x latency / concurrency).

Usage::

    python bench/run_throughput.py                     # 1,000 prompts, concurrency 32 and 4
    python bench/run_throughput.py -n 200 -c 8 --repeat 3
    python bench/run_throughput.py --baseline          # plus a plain litellm.acompletion loop
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
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from _fake_project import KEY_ENV, fake_model, make_project, prompt  # noqa: E402


def start_server(latency: float) -> tuple[subprocess.Popen, int]:
    """The test server in a separate process; returns it and its port."""
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "llm_server.py"), "--latency", str(latency)],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, int(line.split()[1])


def server_calls(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as response:
        return json.loads(response.read())["total_calls"]


BASELINE = """
import asyncio, os, sys
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
import litellm
n, c, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
async def main():
    sem = asyncio.Semaphore(c)
    async def one(i):
        async with sem:
            await litellm.acompletion(model="openai/fake-model", api_base=base, api_key="test",
                                      messages=[{"role": "user", "content": f"question {i}"}], max_tokens=32)
    await asyncio.gather(*(one(i) for i in range(n)))
asyncio.run(main())
"""


def run_once(root: Path, port: int, env: dict[str, str], cmd: list[str] | None = None) -> tuple[float, int, float]:
    """Run a command as a fresh process; return (wall s, calls seen by the server, CPU s of the process tree)."""
    before = server_calls(port)
    cpu_before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(cmd or [sys.executable, "-m", "prodbench.cli", "run", "--no-progress"], cwd=root, env=env,
                   check=True, capture_output=True)
    return time.perf_counter() - start, server_calls(port) - before, _children_cpu() - cpu_before


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--prompts", type=int, default=1000)
    parser.add_argument("-c", "--concurrency", type=int, action="append", help="repeatable (default: 32 and 4)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=1, help="cache-filling runs per concurrency (median shown)")
    parser.add_argument("--baseline", action="store_true",
                        help="also time a plain litellm.acompletion loop (same machine, same moment)")
    parser.add_argument("--workers", default=None, help="override run.workers (auto, 1, 2, ...)")
    args = parser.parse_args()
    levels = args.concurrency or [32, 4]
    server, port = start_server(args.latency)
    env = dict(os.environ, **{KEY_ENV: "bench", "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    env.pop("PRODBENCH_ROOT", None)
    print(f"{args.prompts} single-turn prompts, server latency {args.latency * 1000:.0f} ms, "
          f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'conc':>4} {'run':<16} {'wall s':>7} {'calls':>6} {'calls/s':>8} {'floor s':>7} {'x floor':>7} "
          f"{'CPU s':>6}")
    try:
        for concurrency in levels:
            floor = args.prompts * args.latency / concurrency
            fills = []
            run_cfg = {"concurrency": concurrency}
            if args.workers:
                run_cfg["workers"] = args.workers if args.workers == "auto" else int(args.workers)
            for _ in range(args.repeat):
                workdir = Path(tempfile.mkdtemp(prefix="prodbench-bench-"))
                try:
                    root = make_project(workdir / "p", {"bench": fake_model(f"http://127.0.0.1:{port}/v1")},
                                        [prompt(i) for i in range(args.prompts)], run=run_cfg)
                    if args.baseline:
                        cmd = [sys.executable, "-c", BASELINE, str(args.prompts), str(concurrency),
                               f"http://127.0.0.1:{port}/v1"]
                        wall, calls, cpu = run_once(root, port, env, cmd)
                        print(f"{concurrency:>4} {'litellm loop':<16} {wall:>7.2f} {calls:>6} {calls / wall:>8.1f} "
                              f"{floor:>7.2f} {wall / floor:>7.2f} {cpu:>6.1f}")
                    wall, calls, cpu = run_once(root, port, env)
                    fills.append(wall)
                    print(f"{concurrency:>4} {'prodbench fill':<16} {wall:>7.2f} {calls:>6} {calls / wall:>8.1f} "
                          f"{floor:>7.2f} {wall / floor:>7.2f} {cpu:>6.1f}")
                    wall, calls, cpu = run_once(root, port, env)
                    print(f"{concurrency:>4} {'prodbench cached':<16} {wall:>7.2f} {calls:>6} {'-':>8} {'-':>7} "
                          f"{'-':>7} {cpu:>6.1f}")
                finally:
                    shutil.rmtree(workdir, ignore_errors=True)
            if args.repeat > 1:
                print(f"{concurrency:>4} median cache-filling wall {statistics.median(fills):.2f} s")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
