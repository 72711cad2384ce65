"""Per-call client cost of the run stage, litellm import excluded.

Imports litellm once (as ``prodbench run`` does), then against ``tests/llm_server.py`` (own
process) measures, after a warm-up:

* client CPU per call of ``run_model`` (1 process) and of a plain ``litellm.acompletion``
  loop in the same process, with prodbench's lean litellm settings on or off
  (``--no-lean`` sets ``PRODBENCH_LITELLM_LEAN=0`` before the import);
* wall time of ``run_model`` at a given concurrency for several worker counts.

Usage::

    python bench/run_per_call.py                 # lean (default settings)
    python bench/run_per_call.py --no-lean       # litellm's normal per-call path
    python bench/run_per_call.py -c 4 --workers 1,2 -n 300
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--prompts", type=int, default=1000)
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to time")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--no-lean", action="store_true")
    args = parser.parse_args()
    if args.no_lean:
        os.environ["PRODBENCH_LITELLM_LEAN"] = "0"
    os.environ.setdefault("PRODBENCH_TEST_KEY", "bench")
    from _fake_project import fake_model, prompt
    from prodbench.core.records import LoadedPrompt
    from prodbench.llm.loader import litellm_module
    from prodbench.run.stage import run_model
    from run_throughput import start_server

    start = time.perf_counter()
    litellm = litellm_module()
    print(f"import litellm: {time.perf_counter() - start:.2f} s; lean={not args.no_lean}; "
          f"load average {os.getloadavg()[0]:.1f}")
    server, port = start_server(args.latency)
    base = f"http://127.0.0.1:{port}/v1"
    cfg = fake_model(base)
    records = [LoadedPrompt(prompt(i), "golden", "bench", i) for i in range(args.prompts)]
    try:
        run_model(records[:30], "m", cfg, {"concurrency": 8, "workers": 1}, tempfile.mkdtemp(), use_cache=False)
        cpu = time.process_time()
        run_model(records, "m", cfg, {"concurrency": args.concurrency, "workers": 1}, tempfile.mkdtemp())
        print(f"run_model, 1 process: client CPU {(time.process_time() - cpu) / args.prompts * 1000:.2f} ms/call")

        async def loop() -> None:
            sem = asyncio.Semaphore(args.concurrency)

            async def one(i: int) -> None:
                async with sem:
                    await litellm.acompletion(model="openai/fake-model", api_base=base, api_key="bench",
                                              messages=[{"role": "user", "content": f"q {i}"}], max_tokens=32)

            await asyncio.gather(*(one(i) for i in range(args.prompts)))

        cpu = time.process_time()
        asyncio.run(loop())
        print(f"plain acompletion loop: client CPU {(time.process_time() - cpu) / args.prompts * 1000:.2f} ms/call")
        floor = args.prompts * args.latency / args.concurrency
        for workers in (int(w) for w in args.workers.split(",")):
            start = time.perf_counter()
            run_model(records, "m", cfg, {"concurrency": args.concurrency, "workers": workers}, tempfile.mkdtemp())
            wall = time.perf_counter() - start
            print(f"run_model c={args.concurrency} workers={workers}: {wall:.2f} s "
                  f"(floor {floor:.2f} s, x{wall / floor:.2f})")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
