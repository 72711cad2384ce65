"""Pacing to a provider's rate limit: prodbench vs a plain litellm loop vs promptfoo, one server, one run.

Starts ``tests/llm_server.py`` with a request limit (default 600 requests/minute, one second
of burst, 50 ms answers; 429 with ``Retry-After`` and ``x-ratelimit-*`` headers above it),
then sends the same 1,000 single-turn prompts at concurrency 32 with each tool, one after
the other (a pause lets the server's bucket refill in between):

* ``prodbench run`` as a fresh process, the limit learned from the headers (no ``rpm`` set);
* ``prodbench run`` with ``rpm: 600`` in the model config;
* a plain ``litellm.acompletion`` loop (litellm's defaults: the openai SDK retries a 429 twice);
* promptfoo from npm (``promptfoo eval --no-cache -j 32``), if found.

Prints wall time against the minimum (prompts / rate), requests answered 429 (share of all
requests the server saw) and prompts left without an answer.

Usage::

    python bench/pacing.py                               # about 8 minutes
    python bench/pacing.py --promptfoo /tmp/pf/node_modules/.bin/promptfoo
    python bench/pacing.py -n 200 --rpm 600 --skip litellm   # quicker look
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from _fake_project import KEY_ENV, fake_model, make_project, prompt  # noqa: E402
from vs_promptfoo import PROMPTFOO_CONFIG, server_stats, start_server  # noqa: E402

LITELLM_LOOP = """
import asyncio, os, sys
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
import litellm
n, c, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
failed = 0
async def main():
    global failed
    sem = asyncio.Semaphore(c)
    async def one(i):
        global failed
        async with sem:
            try:
                await litellm.acompletion(model="openai/fake-model", api_base=base, api_key="test",
                                          messages=[{"role": "user", "content": f"question {i}"}], max_tokens=32)
            except Exception:
                failed += 1
    await asyncio.gather(*(one(i) for i in range(n)))
asyncio.run(main())
print("FAILED", failed)
"""


def measure(name: str, cmd: list[str], cwd: Path, env: dict[str, str], port: int, n: int,
            failed_of: Callable[[subprocess.CompletedProcess, Path], int]) -> dict:
    """Run one tool as a fresh process and read the server's counters around it."""
    before = server_stats(port)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = server_stats(port)
    requests = after["total_calls"] - before["total_calls"]
    limited = after["rate_limited"] - before["rate_limited"]
    return {"tool": name, "wall": wall, "requests": requests, "limited": limited,
            "failed": failed_of(done, cwd), "code": done.returncode}


def prodbench_failed(done: subprocess.CompletedProcess, cwd: Path) -> int:
    path = cwd / "results" / "run" / "bench.jsonl"
    if not path.exists():
        return -1
    return sum(json.loads(line)["error"] is not None for line in path.read_text().splitlines() if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--prompts", type=int, default=1000)
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--rpm", type=float, default=600)
    parser.add_argument("--burst-s", type=float, default=1.0)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--promptfoo", help="the promptfoo executable (default: on PATH)")
    parser.add_argument("--skip", action="append", default=[], help="learned, rpm, litellm or promptfoo")
    args = parser.parse_args()
    binary = args.promptfoo or shutil.which("promptfoo")
    workdir = Path(tempfile.mkdtemp(prefix="prodbench-pacing-"))
    server, port = start_server(args.latency, "--rpm", str(args.rpm), "--burst-s", str(args.burst_s))
    base = f"http://127.0.0.1:{port}/v1"
    env = {**os.environ, KEY_ENV: "bench", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1",
           "PROMPTFOO_CONFIG_DIR": str(workdir / "promptfoo-home"), "NO_COLOR": "1"}
    env.pop("PRODBENCH_ROOT", None)
    minimum = args.prompts / (args.rpm / 60.0)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}: {args.prompts} prompts, c={args.concurrency}, server limit {args.rpm:g} "
          f"requests/min ({args.burst_s:g} s burst), {args.latency * 1000:.0f} ms answers; minimum {minimum:.1f} s")
    rows = []
    records = [prompt(i) for i in range(args.prompts)]
    run = {"concurrency": args.concurrency, "timeout_s": 60.0, "max_retries": 8, "backoff_base_s": 0.5,
           "backoff_max_s": 30.0}
    cmd = [sys.executable, "-m", "prodbench.cli", "run", "--no-progress"]
    try:
        if "learned" not in args.skip:
            root = make_project(workdir / "learned", {"bench": fake_model(base)}, records, run=run)
            rows.append(measure("prodbench run (limit from headers)", cmd, root, env, port, args.prompts,
                                prodbench_failed))
            time.sleep(args.burst_s + 1)
        if "rpm" not in args.skip:
            root = make_project(workdir / "rpm", {"bench": fake_model(base, rpm=int(args.rpm))}, records, run=run)
            rows.append(measure(f"prodbench run (rpm: {args.rpm:g})", cmd, root, env, port, args.prompts,
                                prodbench_failed))
            time.sleep(args.burst_s + 1)
        if "litellm" not in args.skip:
            loop = [sys.executable, "-c", LITELLM_LOOP, str(args.prompts), str(args.concurrency), base]
            rows.append(measure("plain litellm loop", loop, workdir, env, port, args.prompts,
                                lambda done, _: int(done.stdout.split()[-1]) if "FAILED" in done.stdout else -1))
            time.sleep(args.burst_s + 1)
        if binary and "promptfoo" not in args.skip:
            folder = workdir / "promptfoo"
            folder.mkdir()
            (folder / "promptfooconfig.yaml").write_text(PROMPTFOO_CONFIG.format(base=base))
            (folder / "tests.jsonl").write_text("".join(json.dumps({"vars": {"question": f"question {i}"}}) + "\n"
                                                        for i in range(args.prompts)))
            pf = [binary, "eval", "-c", "promptfooconfig.yaml", "--no-cache", "-j", str(args.concurrency),
                  "--no-progress-bar", "--no-table", "-o", "out.json"]

            def pf_failed(done: subprocess.CompletedProcess, cwd: Path) -> int:
                try:
                    results = json.loads((cwd / "out.json").read_text())["results"]["results"]
                except (OSError, KeyError, ValueError):
                    return -1
                return sum(1 for r in results if r.get("error") or not (r.get("response") or {}).get("output"))

            rows.append(measure("promptfoo", pf, folder, env, port, args.prompts, pf_failed))
        print(f"\n{'tool':<36} {'wall s':>7} {'x min':>6} {'requests':>8} {'429s':>6} {'429 share':>9} "
              f"{'unanswered':>10}")
        for row in rows:
            share = row["limited"] / row["requests"] if row["requests"] else 0.0
            print(f"{row['tool']:<36} {row['wall']:>7.1f} {row['wall'] / minimum:>6.2f} {row['requests']:>8} "
                  f"{row['limited']:>6} {share:>9.1%} {row['failed']:>10}")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
