"""Coverage of the score intervals at the edges (issue 13).

For pass/fail scores (every row 0 or 1) and graded scores (a share of rows exactly 1.0, the
rest partial credit, discrete to 0.01 as the scorers produce), draws many seeded samples of
n = 10, 20, 60 rows at true mean rates 0.5 to 0.99 and counts how often the 95% interval of
``prodbench.core.stats.bootstrap_ci`` (what metrics/scores.json reports) covers the truth.
The previous interval (plain BCa bootstrap, zero-width when every row is equal) is measured
on the same samples for comparison. Goal: coverage >= 0.93 in every cell.

Run:  python bench/interval_coverage.py [--trials 400]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from prodbench.core.stats import _bootstrap, bootstrap_ci

NS = (10, 20, 60)
RATES = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
RESAMPLES = 1000


def pass_fail(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return (rng.random(n) < rate).astype(float)


def graded(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """70% of the mean from rows that score exactly 1.0, the rest Beta partial credit."""
    perfect = 0.7 * rate
    rest = (rate - perfect) / (1 - perfect)
    partial = rng.beta(4 * rest, 4 * (1 - rest), n)
    return np.round(np.where(rng.random(n) < perfect, 1.0, partial), 2)


def previous(values: np.ndarray) -> tuple[float, float]:
    """The interval before issue 13: BCa bootstrap, zero-width for a constant sample."""
    mean = float(values.mean())
    if values.max() == values.min():
        return mean, mean
    return _bootstrap(values.tolist(), mean, 0.95, RESAMPLES, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=400)
    args = parser.parse_args()
    print(f"95% intervals, {args.trials} seeded samples per cell, {RESAMPLES} bootstrap resamples")
    print("coverage now (previous) and mean width now")
    started = time.perf_counter()
    worst = 1.0
    for kind, draw in (("pass/fail", pass_fail), ("graded", graded)):
        print(f"\n{kind:10} " + " ".join(f"{'rate ' + format(r, 'g'):>20}" for r in RATES))
        for n in NS:
            cells = []
            for j, rate in enumerate(RATES):
                rng = np.random.default_rng([n, j, len(kind)])
                now = before = 0
                width = 0.0
                for _ in range(args.trials):
                    sample = draw(rng, n, rate)
                    interval = bootstrap_ci(sample.tolist(), resamples=RESAMPLES)
                    low, high = float(interval.ci_low), float(interval.ci_high)  # type: ignore[arg-type]
                    now += low - 1e-9 <= rate <= high + 1e-9
                    width += high - low
                    old_low, old_high = previous(sample)
                    before += old_low - 1e-9 <= rate <= old_high + 1e-9
                worst = min(worst, now / args.trials)
                cells.append(f"{now / args.trials:.2f} ({before / args.trials:.2f}) w{width / args.trials:.2f}")
            print(f"n = {n:<6} " + " ".join(f"{c:>20}" for c in cells))
    print(f"\nlowest coverage now: {worst:.2f} (goal >= 0.93); {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
