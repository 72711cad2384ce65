"""Where a default run stage's time goes: inside llama.cpp's decode, or in prodbench.

Clones this checkout's HEAD into a temporary directory and runs ``prodbench run --model NAME``
there in this process (empty response cache, the embedded model), with every ``llama_decode``
call of the parallel-sequence decoder timed. Prints the stage's wall time, the time spent inside
``llama_decode`` (prompt prefill and decode steps apart, with tokens and milliseconds per token),
how many prompt tokens were in prefixes copied from another sequence (the whole shared prefix,
part of which the chosen sequence may already have held), and what is left for everything else
(prodbench, the chat template, tokenizing, sampling).

What is inside ``llama_decode`` is the floor for these answers on this machine: the same answers
need the same prompts, tokens and llama.cpp arithmetic (docs/run.md, "The embedded model").

    python bench/local_floor.py [--model smollm2-plain] [--runtime xllamacpp]
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-plain", help="a model config of params.yaml")
    parser.add_argument("--runtime", default="xllamacpp", choices=["xllamacpp", "llama-cpp-python"])
    args = parser.parse_args()
    os.environ["PRODBENCH_LOCAL_RUNTIME"] = args.runtime

    from prodbench.cli import cli
    from prodbench.llm.providers.local_batch import BatchedChat

    totals: collections.Counter[str] = collections.Counter()
    decode = BatchedChat._decode

    def timed_decode(self: BatchedChat) -> None:
        ids = [self.batch.seq_id[i][0] for i in range(self.batch.n_tokens)]
        kind = "prefill" if len(set(ids)) == 1 and not self._pending_step else "step"
        start = time.perf_counter()
        decode(self)
        totals[f"{kind} s"] += time.perf_counter() - start
        totals[f"{kind} tokens"] += self.batch.n_tokens
        totals[f"{kind} calls"] += 1

    step = BatchedChat._step

    def marked_step(self: BatchedChat, active: list) -> None:
        self._pending_step = True
        try:
            step(self, active)
        finally:
            self._pending_step = False

    decoders: list[BatchedChat] = []
    init = BatchedChat.__init__

    def recorded_init(self: BatchedChat, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        decoders.append(self)

    BatchedChat.__init__ = recorded_init  # type: ignore[method-assign]
    BatchedChat._pending_step = False  # type: ignore[attr-defined]
    BatchedChat._decode = timed_decode  # type: ignore[method-assign]
    BatchedChat._step = marked_step  # type: ignore[method-assign]
    scratch = Path(tempfile.mkdtemp(prefix="prodbench-floor-"))
    try:
        repo = scratch / "repo"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
        os.chdir(repo)
        start = time.perf_counter()
        try:
            cli.main(["run", "--model", args.model], prog_name="prodbench", standalone_mode=False)
        finally:
            wall = time.perf_counter() - start
    finally:
        os.chdir(ROOT)
        shutil.rmtree(scratch, ignore_errors=True)
    inside = totals["prefill s"] + totals["step s"]
    print(f"prodbench run --model {args.model} ({args.runtime}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): {wall:.1f} s wall")
    for kind in ("prefill", "step"):
        seconds, tokens, calls = totals[f"{kind} s"], totals[f"{kind} tokens"], totals[f"{kind} calls"]
        if tokens:
            print(f"  llama_decode, {kind:>7}: {seconds:6.1f} s  {tokens:6d} tokens in {calls:4d} calls  "
                  f"{1000 * seconds / tokens:5.2f} ms/token")
    copied = sum(decoder.copied_tokens for decoder in decoders)
    print(f"  prompt tokens in prefixes copied from another sequence's KV cache: {copied}")
    print(f"  inside llama_decode:  {inside:6.1f} s ({inside / wall:.0%} of the wall time); "
          f"everything else: {wall - inside:.1f} s")


if __name__ == "__main__":
    main()
