"""`prodbench run` against promptfoo, the floor and a raw aiohttp loop, side by side in one run.

Starts ``tests/llm_server.py`` in its own process (one answering in 50 ms, one answering at
once), builds throw-away inputs, then in one run, alternating tools (the order rotates every
repeat), medians of ``--repeat``:

* 1,000 single-turn prompts at concurrency 32 and 4 against the 50 ms server:
  ``prodbench run`` as a fresh process (first run, filling the cache), then the same
  command again (all cached); promptfoo from npm (``promptfoo eval --no-cache -j C``);
  a raw aiohttp loop (a fresh Python process: import aiohttp, post, read the JSON); and the
  floor N x latency / C.
* 10,000 prompts at concurrency 256 against the zero-latency server: ``prodbench run`` vs the
  raw aiohttp loop, calls/s and client CPU per call (user + system CPU of the process tree
  divided by the calls).

Usage::

    python bench/vs_promptfoo.py                       # needs `promptfoo` on PATH or --promptfoo
    python bench/vs_promptfoo.py --promptfoo /tmp/pf/node_modules/.bin/promptfoo
    python bench/vs_promptfoo.py --install-promptfoo /tmp/pf   # npm install promptfoo@0.121.20 there first
    python bench/vs_promptfoo.py --repeat 1 -n 200 --zero-prompts 2000   # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from _fake_project import KEY_ENV, fake_model, make_project, prompt  # noqa: E402

PROMPTFOO_VERSION = "0.121.20"
RAW_LOOP = """
import asyncio, sys
import aiohttp
n, c, url = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] + "/chat/completions"
async def main():
    sem = asyncio.Semaphore(c)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def one(i):
            async with sem:
                body = {"model": "fake-model", "messages": [{"role": "user", "content": f"question {i}"}],
                        "temperature": 0.0, "max_tokens": 32, "seed": 1}
                async with session.post(url, json=body, headers={"Authorization": "Bearer test"}) as r:
                    data = await r.json()
                    assert data["choices"][0]["message"]["content"]
        await asyncio.gather(*(one(i) for i in range(n)))
asyncio.run(main())
"""
PROMPTFOO_CONFIG = """description: prodbench side-by-side
prompts:
  - '{{{{question}}}}'
providers:
  - id: openai:chat:fake-model
    config:
      apiBaseUrl: {base}
      apiKey: test
      temperature: 0
      max_tokens: 32
      seed: 1
tests: file://tests.jsonl
"""


def start_server(latency: float, *extra: str) -> tuple[subprocess.Popen, int]:
    """The test server in a separate process; returns it and its port."""
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "llm_server.py"), "--latency", str(latency),
                             *extra], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, int(line.split()[1])


def server_stats(port: int) -> dict:
    """The server's counters (``/stats``)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as response:
        return json.loads(response.read())


def children_cpu() -> float:
    """User + system CPU seconds of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str], port: int) -> tuple[float, int, float]:
    """Run ``cmd`` as a fresh process: (wall s, calls the server saw, CPU s of the process tree)."""
    calls, cpu = server_stats(port)["total_calls"], children_cpu()
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, server_stats(port)["total_calls"] - calls, children_cpu() - cpu


def find_promptfoo(args: argparse.Namespace) -> str | None:
    """The promptfoo executable: --promptfoo, an --install-promptfoo prefix (installed if missing), or PATH."""
    if args.install_promptfoo:
        prefix = Path(args.install_promptfoo)
        binary = prefix / "node_modules" / ".bin" / "promptfoo"
        if not binary.exists():
            subprocess.run(["npm", "install", "--prefix", str(prefix), f"promptfoo@{PROMPTFOO_VERSION}"], check=True)
        return str(binary)
    return args.promptfoo or shutil.which("promptfoo")


class Bench:
    """One side-by-side run: the servers, the inputs and every measurement."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.env = {**os.environ, KEY_ENV: "bench", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                    "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
                    "PROMPTFOO_CONFIG_DIR": str(workdir / "promptfoo-home"), "NO_COLOR": "1"}
        self.env.pop("PRODBENCH_ROOT", None)
        self.results: dict[tuple, list[tuple[float, int, float]]] = {}
        self.runs = 0

    def record(self, key: tuple, measured: tuple[float, int, float]) -> None:
        self.results.setdefault(key, []).append(measured)

    def prodbench(self, port: int, n: int, c: int, tag: tuple) -> None:
        self.runs += 1
        root = make_project(self.workdir / f"p{self.runs}", {"bench": fake_model(f"http://127.0.0.1:{port}/v1")},
                            [prompt(i) for i in range(n)], run={"concurrency": c, "timeout_s": 60.0, **self.args.run_extra})
        cmd = [sys.executable, "-m", "prodbench.cli", "run", "--no-progress"]
        self.record((*tag, "prodbench run"), timed(cmd, root, self.env, port))
        self.record((*tag, "prodbench re-run (cached)"), timed(cmd, root, self.env, port))
        shutil.rmtree(root, ignore_errors=True)

    def raw(self, port: int, n: int, c: int, tag: tuple) -> None:
        cmd = [sys.executable, "-c", RAW_LOOP, str(n), str(c), f"http://127.0.0.1:{port}/v1"]
        self.record((*tag, "raw aiohttp loop"), timed(cmd, self.workdir, self.env, port))

    def promptfoo(self, binary: str, port: int, n: int, c: int, tag: tuple) -> None:
        folder = self.workdir / "promptfoo"
        folder.mkdir(exist_ok=True)
        (folder / "promptfooconfig.yaml").write_text(PROMPTFOO_CONFIG.format(base=f"http://127.0.0.1:{port}/v1"))
        (folder / "tests.jsonl").write_text("".join(json.dumps({"vars": {"question": f"question {i}"}}) + "\n"
                                                    for i in range(n)))
        cmd = [binary, "eval", "-c", "promptfooconfig.yaml", "--no-cache", "-j", str(c), "--no-progress-bar",
               "--no-table"]
        self.record((*tag, "promptfoo"), timed(cmd, folder, self.env, port))


def median_of(values: list[tuple[float, int, float]], index: int) -> float:
    return statistics.median(v[index] for v in values)


def report(bench: Bench, args: argparse.Namespace) -> None:
    """Print the medians and the ratios the goals are stated in."""
    print(f"\n{'set':<28} {'tool':<27} {'wall s':>7} {'calls':>6} {'calls/s':>8} {'CPU ms/call':>11}  runs (wall s)")
    for key, values in bench.results.items():
        wall, calls, cpu = (median_of(values, i) for i in range(3))
        per_call = f"{cpu / calls * 1000:.2f}" if calls else "-"
        rate = f"{calls / wall:.0f}" if calls else "-"
        runs = ", ".join(f"{v[0]:.2f}" for v in values)
        print(f"{key[0]:<28} {key[1]:<27} {wall:>7.2f} {calls:>6.0f} {rate:>8} {per_call:>11}  {runs}")
    print()
    for c in args.concurrency:
        tag = f"{args.prompts} x {args.latency * 1000:.0f} ms, c={c}"
        floor = args.prompts * args.latency / c
        ours = median_of(bench.results[(tag, "prodbench run")], 0)
        line = f"c={c}: prodbench {ours:.2f} s = {ours / floor:.2f}x the floor ({floor:.2f} s)"
        if (tag, "promptfoo") in bench.results:
            theirs = median_of(bench.results[(tag, "promptfoo")], 0)
            line += f", {ours / theirs:.2f}x promptfoo ({theirs:.2f} s)"
        raw = median_of(bench.results[(tag, "raw aiohttp loop")], 0)
        print(line + f", {ours / raw:.2f}x the raw aiohttp loop ({raw:.2f} s)")
    if args.zero_prompts:
        tag = f"{args.zero_prompts} x 0 ms, c={args.zero_concurrency}"
        ours, raw = bench.results[(tag, "prodbench run")], bench.results[(tag, "raw aiohttp loop")]
        rate_ours = args.zero_prompts / median_of(ours, 0)
        rate_raw = args.zero_prompts / median_of(raw, 0)
        print(f"zero latency, {args.zero_prompts} prompts, c={args.zero_concurrency}: prodbench {rate_ours:.0f} calls/s "
              f"= {rate_ours / rate_raw:.0%} of the raw aiohttp loop ({rate_raw:.0f} calls/s); client CPU per call "
              f"{median_of(ours, 2) / args.zero_prompts * 1000:.2f} ms vs {median_of(raw, 2) / args.zero_prompts * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--prompts", type=int, default=1000)
    parser.add_argument("-c", "--concurrency", type=int, action="append", help="repeatable (default: 32 and 4)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--zero-prompts", type=int, default=10000, help="0 skips the zero-latency part")
    parser.add_argument("--zero-concurrency", type=int, default=256)
    parser.add_argument("--promptfoo", help="the promptfoo executable (default: on PATH)")
    parser.add_argument("--install-promptfoo", metavar="DIR", help=f"npm install promptfoo@{PROMPTFOO_VERSION} in DIR")
    parser.add_argument("--workers", help="run.workers for prodbench (default: the project default, auto)")
    args = parser.parse_args()
    args.concurrency = args.concurrency or [32, 4]
    args.run_extra = {} if args.workers is None else {
        "workers": args.workers if args.workers == "auto" else int(args.workers)}
    binary = find_promptfoo(args)
    if binary is None:
        print("promptfoo not found: pass --promptfoo PATH or --install-promptfoo DIR (promptfoo rows skipped)")
    workdir = Path(tempfile.mkdtemp(prefix="prodbench-vs-"))
    slow, slow_port = start_server(args.latency)
    fast, fast_port = start_server(0.0)
    bench = Bench(args, workdir)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, python "
          f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}; promptfoo: {binary or 'missing'}")
    try:
        for repeat in range(args.repeat):
            for c in args.concurrency:
                tag = (f"{args.prompts} x {args.latency * 1000:.0f} ms, c={c}",)
                tools: list[Callable[[], None]] = [
                    lambda c=c, tag=tag: bench.prodbench(slow_port, args.prompts, c, tag),
                    lambda c=c, tag=tag: bench.raw(slow_port, args.prompts, c, tag),
                ]
                if binary:
                    tools.append(lambda c=c, tag=tag: bench.promptfoo(binary, slow_port, args.prompts, c, tag))
                shift = repeat % len(tools)
                for tool in tools[shift:] + tools[:shift]:
                    tool()
            if args.zero_prompts:
                zero = (f"{args.zero_prompts} x 0 ms, c={args.zero_concurrency}",)
                pair: list[Callable[[], None]] = [
                    lambda zero=zero: bench.prodbench(fast_port, args.zero_prompts, args.zero_concurrency, zero),
                    lambda zero=zero: bench.raw(fast_port, args.zero_prompts, args.zero_concurrency, zero)]
                for tool in pair if repeat % 2 == 0 else pair[::-1]:
                    tool()
            print(f"repeat {repeat + 1}/{args.repeat} done, load average {os.getloadavg()[0]:.1f}", flush=True)
        report(bench, args)
    finally:
        for proc in (slow, fast):
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
