"""Calibration and speed of `prodbench diff`'s paired significance.

Prints, for pass/fail (McNemar) and graded (sign-flip permutation) scores:
the false-alarm rate over many seeded no-effect trials (should be <= alpha), and the
detection rate (power) for real effects of a few sizes; then the time to compare one
model on 1,000 paired rows.

Run:  python bench/diff_calibration.py [--trials 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from prodbench.diff.stats import IMPROVEMENT, REGRESSION, compare_paired

ALPHA = 0.05


def graded(rng: np.random.Generator, n: int, lift: float) -> tuple[list[float], list[float]]:
    quality = rng.uniform(0.2, 0.9, n)
    base = np.clip(quality + rng.normal(0, 0.15, n), 0, 1)
    head = np.clip(quality + lift + rng.normal(0, 0.15, n), 0, 1)
    return base.tolist(), head.tolist()


def binary(rng: np.random.Generator, n: int, lift: float) -> tuple[list[float], list[float]]:
    p = rng.uniform(0.3, 0.8, n)
    base = (rng.random(n) < p).astype(float)
    head = (rng.random(n) < np.clip(p + lift, 0, 1)).astype(float)
    return base.tolist(), head.tolist()


def rate(kind: str, n: int, lift: float, trials: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    make = graded if kind == "graded" else binary
    hits = 0
    for i in range(trials):
        base, head = make(rng, n, lift)
        label = compare_paired(base, head, alpha=ALPHA, resamples=500, seed=i)["label"]
        hits += label in ((IMPROVEMENT, REGRESSION) if lift == 0 else (IMPROVEMENT,))
    return hits / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    print(f"alpha = {ALPHA}, {args.trials} seeded trials per cell")
    print(f"{'scores':8} {'n rows':>6} {'false alarms':>13} {'power +0.05':>12} {'power +0.10':>12} {'power +0.20':>12}")
    for kind in ("binary", "graded"):
        for n in (30, 100, 300):
            null = rate(kind, n, 0.0, args.trials, seed=1)
            powers = [rate(kind, n, lift, max(100, args.trials // 5), seed=2) for lift in (0.05, 0.10, 0.20)]
            print(f"{kind:8} {n:>6} {null:>13.3f} " + " ".join(f"{p:>12.2f}" for p in powers))
    rng = np.random.default_rng(0)
    base, head = graded(rng, 1000, 0.02)
    start = time.perf_counter()
    for _ in range(5):
        compare_paired(base, head, resamples=2000)
    print(f"compare_paired on 1,000 graded pairs (2,000 resamples): {(time.perf_counter() - start) / 5 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
