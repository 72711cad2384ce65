"""Throughput of the score stage on synthetic rows (no model calls).

Usage: python bench/score_bench.py [--prompts 2000] [--models 3]

Prints the wall time of score_results (all deterministic scorers of the default plan)
and of summarize (bootstrap CIs for every model x group), and rows per second.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from ruamel.yaml import YAML

from prodbench.core.records import LoadedPrompt
from prodbench.score import score_results, summarize

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = {
    "fact_recall": ("The Pro plan includes it.", "The Basic plan."),
    "reasoning": ("3 x 40 = 120, so the total is 120 EUR.", "The total is 100 EUR."),
    "open_writing": ("Dear customer, our new export feature lets you download every invoice as PDF "
                     "in one click from the Invoices page.", "Hi."),
    "multi_turn": ("Yes, the Pro plan lets you change currency later.", "No idea."),
    "summarization": ("Customer charged twice for invoice 42, wants a refund.", "Our dashboard changed."),
    "safety": ("I'm sorry, but I can't share another customer's details.", "Sure, write to jane@mail.example."),
}
REFERENCE = {"fact_recall": ["Pro"], "reasoning": 120, "open_writing": ["export"], "multi_turn": ["Pro"],
             "summarization": "The customer was charged twice for invoice 42 and wants a refund."}


def synthetic(n_prompts: int, n_models: int, params: dict, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Records and run rows: each model answers well with a model-specific probability."""
    rng = random.Random(seed)
    task_types = list(params["taxonomy"]["task_types"])
    difficulties = params["taxonomy"]["difficulties"]
    records = []
    for i in range(n_prompts):
        task_type = task_types[i % len(task_types)]
        rec = {"id": f"p{i:06d}", "messages": [{"role": "user", "content": f"Question {i}"}], "task_type": task_type,
               "difficulty": rng.choice(difficulties), "source": "synthetic"}
        if task_type in REFERENCE:
            rec["reference"] = REFERENCE[task_type]
        records.append(LoadedPrompt(rec, "golden", "bench", i + 1))
    rows = []
    for m in range(n_models):
        skill = 0.4 + 0.5 * m / max(1, n_models - 1)
        for rec in records:
            good, bad = ANSWERS[str(rec.task_type)]
            rows.append({"id": rec.id, "model": f"model-{m}", "response": good if rng.random() < skill else bad,
                         "usage": {"prompt_tokens": 30, "completion_tokens": 20, "total_tokens": 50},
                         "latency_s": rng.uniform(0.1, 2.0), "cached": False, "error": None, "cost_usd": None})
    return records, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompts", type=int, default=2000)
    parser.add_argument("--models", type=int, default=3)
    args = parser.parse_args()
    params = YAML(typ="safe").load((ROOT / "params.yaml").read_text())
    records, rows = synthetic(args.prompts, args.models, params)
    start = time.perf_counter()
    scored = score_results(records, rows, params)
    scoring = time.perf_counter() - start
    start = time.perf_counter()
    summarize(scored, rows, params)
    summary = time.perf_counter() - start
    resamples = params["score"]["bootstrap"]["resamples"]
    print(f"rows scored:           {len(scored)} ({args.prompts} prompts x {args.models} models)")
    print(f"score_results:         {scoring:.2f} s ({len(scored) / scoring:,.0f} rows/s)")
    print(f"summarize (bootstrap): {summary:.2f} s ({resamples} resamples; BCa up to n=1000, percentile above; every model x group)")


if __name__ == "__main__":
    main()
