"""Parallel sequences vs one-at-a-time for the embedded model: same answers, how much faster.

Runs every first turn of the default benchmark (golden + the current rotating slice) under
both default model configs twice, alternating: one call at a time through
``Llama.create_chat_completion`` (what a lock-serialised run did) and all calls submitted at
once to :class:`prodbench.llm.providers.local_batch.BatchedChat`. Prints wall times, their
ratio and how many answers differ (token-for-token greedy decoding may differ where two
logits are within float rounding of each other, as across machines).

    python bench/local_batch.py [--slots 8] [--repeats 1] [--limit N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))


def first_turns(limit: int | None) -> list[list[dict[str, str]]]:
    from prodbench.core.params import load_params
    from prodbench.core.project import find_project
    from prodbench.core.prompts import load_prompts

    project = find_project(ROOT)
    params = load_params(project)
    conversations = []
    records = [loaded.record for loaded in load_prompts(project, params)]
    for config in params["models"].values():
        system = config.get("system_prompt")
        for record in records:
            messages = []
            if system:
                messages.append({"role": "system", "content": system})
            for message in record["messages"]:
                if message["role"] == "assistant":
                    break
                messages.append({"role": message["role"], "content": message["content"]})
            conversations.append(messages)
    return conversations[:limit] if limit else conversations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()

    import os

    from llama_cpp import Llama

    from prodbench.llm.providers.local_batch import FLASH_ATTENTION, BatchedChat, LlamaCppPythonModel
    from prodbench.llm.providers.local_smollm2 import N_CTX, model_path

    conversations = first_turns(args.limit)
    llama = Llama(model_path=str(model_path("local/smollm2-135m")), n_ctx=N_CTX, n_threads=os.cpu_count() or 1,
                  flash_attn=FLASH_ATTENTION, verbose=False)
    batched = BatchedChat(LlamaCppPythonModel(llama), args.slots)
    kwargs = {"temperature": 0.0, "max_tokens": args.max_tokens, "seed": 7}

    def serial() -> list[str]:
        return [llama.create_chat_completion(messages=m, **kwargs)["choices"][0]["message"]["content"]
                for m in conversations]

    def parallel() -> list[str]:
        with concurrent.futures.ThreadPoolExecutor(args.slots) as pool:
            replies = pool.map(lambda m: batched.complete(m, args.max_tokens), conversations)
            return [r["choices"][0]["message"]["content"] for r in replies]

    times: dict[str, list[float]] = {"one at a time": [], f"{args.slots} parallel sequences": []}
    answers: dict[str, list[str]] = {}
    for _ in range(args.repeats):
        for name, run in zip(times, (serial, parallel), strict=True):
            start = time.perf_counter()
            answers[name] = run()
            times[name].append(time.perf_counter() - start)
    batched.close()
    serial_s, parallel_s = (statistics.median(v) for v in times.values())
    a, b = answers.values()
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    print(f"{len(conversations)} greedy chat completions (max_tokens {args.max_tokens}), {os.cpu_count()} CPUs, "
          f"medians of {args.repeats}")
    for name, values in times.items():
        print(f"  {name:>24}: {statistics.median(values):7.1f} s  ({len(conversations) / statistics.median(values):.2f}/s)")
    print(f"  speed-up: {serial_s / parallel_s:.2f}x;  answers that differ: {len(differ)} of {len(conversations)}")
    for i in differ[:5]:
        print(f"    #{i}: {a[i][:80]!r}\n         {b[i][:80]!r}")


if __name__ == "__main__":
    main()
