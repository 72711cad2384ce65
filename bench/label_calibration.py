"""Per-comment false alarms and power of the PR comment's labels (issue 13).

A comment labels, per changed model, the overall score, the golden set, every task type and
every difficulty (12 labels per model on this repository's prompts). This bench rebuilds
those labels exactly as ``prodbench diff`` does (``compare_paired`` per slice, then
``adjust_labels`` across the comment) on simulated scores for this repository's golden +
rotating prompts, and prints:

* the share of comments with ANY "significant" label when nothing changed (goal <= 0.05),
  for one and two changed models, without adjustment and with Holm / Benjamini-Hochberg;
* the power of the overall label for a real +0.10 on every row at n = 60 and 200 paired
  rows, for the mid-p and the exact McNemar test, alone and inside an adjusted comment.

Scores: rows of pass/fail task types (fact recall, multi-turn, reasoning, safety) are 0/1,
the others graded; each row has a latent quality, and base and head are drawn independently
around it (no effect) or with head lifted by the effect.

Run:  python bench/label_calibration.py [--trials 400]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from prodbench.core.params import load_params
from prodbench.core.project import find_project
from prodbench.core.prompts import GOLDEN, ROTATING, load_prompts
from prodbench.diff.stats import IMPROVEMENT, REGRESSION, adjust_labels, compare_paired

ALPHA = 0.05
RESAMPLES = 200  # the CI is for display only; p-values do not depend on it for pass/fail rows
BINARY_TYPES = {"fact_recall", "multi_turn", "reasoning", "safety"}


def repo_rows() -> list[dict[str, Any]]:
    project = find_project(Path(__file__).resolve().parents[1])
    params = load_params(project)
    return [{"set": p.set, "task_type": str(p.task_type), "difficulty": str(p.difficulty)}
            for p in load_prompts(project, params, (GOLDEN, ROTATING))]


def draw(rng: np.random.Generator, rows: list[dict[str, Any]], lift: float,
         kind: str | None = None) -> tuple[list[float], list[float]]:
    """Base and head scores per row (``kind`` forces ``binary`` or ``graded`` rows)."""
    base, head = [], []
    for row in rows:
        quality = rng.uniform(0.3, 0.85)
        if kind == "binary" or (kind is None and row["task_type"] in BINARY_TYPES):
            base.append(float(rng.random() < quality))
            head.append(float(rng.random() < min(1.0, quality + lift)))
        else:
            base.append(float(np.clip(quality + rng.normal(0, 0.15), 0, 1)))
            head.append(float(np.clip(quality + lift + rng.normal(0, 0.15), 0, 1)))
    return base, head


def model_labels(rows: list[dict[str, Any]], base: list[float], head: list[float], seed: int,
                 mid_p: bool = True) -> dict[str, Any]:
    """The comparisons ``compare_model`` builds for one model: overall, golden, task types, difficulties."""
    def compare(idx: list[int]) -> dict[str, Any]:
        result = compare_paired([base[i] for i in idx], [head[i] for i in idx], alpha=ALPHA,
                                resamples=RESAMPLES, seed=seed)
        if not mid_p and result["test"] == "mcnemar":
            from prodbench.core.stats import mcnemar

            p = mcnemar([base[i] == 1 for i in idx], [head[i] == 1 for i in idx], mid_p=False)["p_value"]
            result["p_value"] = p
        return result

    groups: dict[str, dict[str, list[int]]] = {"task_type": defaultdict(list), "difficulty": defaultdict(list)}
    for i, row in enumerate(rows):
        groups["task_type"][row["task_type"]].append(i)
        groups["difficulty"][row["difficulty"]].append(i)
    return {"overall": compare(list(range(len(rows)))),
            "golden": compare([i for i, r in enumerate(rows) if r["set"] == "golden"]),
            "by_task_type": {k: compare(v) for k, v in groups["task_type"].items()},
            "by_difficulty": {k: compare(v) for k, v in groups["difficulty"].items()}}


def significant(models: dict[str, Any], alpha: float) -> tuple[bool, bool]:
    """(any label significant, any overall label significant) after labels were set."""
    labels = [c["label"] for m in models.values() for c in (m["overall"], m["golden"], *m["by_task_type"].values(),
                                                           *m["by_difficulty"].values())]
    overall = [m["overall"]["label"] for m in models.values()]
    flagged = (IMPROVEMENT, REGRESSION)
    return any(x in flagged for x in labels), any(x in flagged for x in overall)


def relabel_raw(models: dict[str, Any]) -> None:
    from prodbench.diff.stats import label_for

    for m in models.values():
        for c in (m["overall"], m["golden"], *m["by_task_type"].values(), *m["by_difficulty"].values()):
            c["label"] = label_for(c["delta"], c["p_value"], ALPHA)


def false_alarms(rows: list[dict[str, Any]], changed: int, trials: int) -> dict[str, float]:
    rng = np.random.default_rng(changed)
    counts = defaultdict(int)
    for t in range(trials):
        models = {f"m{k}": model_labels(rows, *draw(rng, rows, 0.0), seed=t) for k in range(changed)}
        relabel_raw(models)
        counts["none"] += significant(models, ALPHA)[0]
        counts["none_overall"] += significant(models, ALPHA)[1]
        for method in ("bh", "holm"):
            copy = {name: {k: (dict(v) if k in ("overall", "golden") else {g: dict(c) for g, c in v.items()})
                           for k, v in m.items()} for name, m in models.items()}
            adjust_labels(copy, ALPHA, method)
            any_label, any_overall = significant(copy, ALPHA)
            counts[method] += any_label
            counts[method + "_overall"] += any_overall
    return {k: v / trials for k, v in counts.items()}


def power(rows_like: list[dict[str, Any]], n: int, trials: int, lift: float = 0.10) -> dict[str, float]:
    """Power of the overall label for +lift on every one of n paired rows (all pass/fail or all graded).

    The rows cycle through this repository's task types and difficulties, so "in comment" is the
    overall label after Holm across the model's 12 labels, every slice carrying the same effect.
    """
    rng = np.random.default_rng(n)
    rows = [dict(rows_like[i % len(rows_like)]) for i in range(n)]
    counts: dict[str, int] = defaultdict(int)
    for t in range(trials):
        for kind in ("binary", "graded"):
            base, head = draw(rng, rows, lift, kind)
            for mid_p in ((True, False) if kind == "binary" else (True,)):
                name = ("pass/fail mid-p" if mid_p else "pass/fail exact") if kind == "binary" else "graded"
                labels = model_labels(rows, base, head, seed=t, mid_p=mid_p)
                relabel_raw({"m": labels})
                counts[f"{name} alone"] += labels["overall"]["label"] == IMPROVEMENT
                adjust_labels({"m": labels}, ALPHA, "holm")
                counts[f"{name} in comment"] += labels["overall"]["label"] == IMPROVEMENT
    return {k: v / trials for k, v in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=400)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = repo_rows()
    labels = 2 + len({r["task_type"] for r in rows}) + len({r["difficulty"] for r in rows})
    print(f"{len(rows)} prompts (golden + rotating), {labels} labels per changed model, alpha = {ALPHA}, "
          f"{args.trials} seeded comments per cell")
    print("\nshare of comments with any 'significant' label when nothing changed (overall labels only in brackets)")
    print(f"{'changed models':>15} {'no adjustment':>18} {'Benjamini-Hochberg':>20} {'Holm (used)':>18}")
    for changed in (1, 2):
        r = false_alarms(rows, changed, args.trials)
        print(f"{changed:>15} {r['none']:>10.3f} ({r['none_overall']:.3f}) {r['bh']:>12.3f} ({r['bh_overall']:.3f})"
              f" {r['holm']:>10.3f} ({r['holm_overall']:.3f})")
    print("\npower of the overall label for +0.10 on every paired row ('alone' = the one test at alpha,")
    print("'in comment' = after Holm across the model's 12 labels, every slice carrying the effect)")
    for n in (60, 200):
        p = power(rows, n, max(100, args.trials // 2))
        print(f"n = {n:<4} " + ", ".join(f"{k} {v:.2f}" for k, v in p.items()))
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
