"""How many launches does `prodbench correlate` need? Calibration, power and speed.

For launches whose benchmark score and production metric are bivariate normal with a
true correlation r, prints how often the verdict is "predicts" (Spearman rho bootstrap
95% CI above 0): at r = 0 that is the false-alarm rate, at r > 0 the power. Then times
the full analysis (13 slices x 3 metrics, 2,000 resamples) and the plots.

Run:  python bench/correlate_power.py [--trials 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from prodbench.production.correlate import CorrelateSettings, analyse, verdict
from prodbench.production.correlation_stats import correlate_pairs
from prodbench.production.inputs import Joined, Launch, MetricDecl
from prodbench.production.plots import write_plots

TASK_TYPES = ["fact_recall", "reasoning", "open_writing", "multi_turn", "summarization", "safety"]
DIFFICULTIES = ["trivial", "easy", "medium", "hard"]


def predicts_rate(rng: np.random.Generator, n: int, r: float, trials: int, resamples: int) -> float:
    hits = 0
    cov = [[1.0, r], [r, 1.0]]
    for trial in range(trials):
        x, y = rng.multivariate_normal([0, 0], cov, size=n).T
        cell = correlate_pairs(x.tolist(), y.tolist(), resamples=resamples, seed=trial)
        hits += verdict(cell, 5) == "predicts"
    return hits / trials


def synthetic_joined(rng: np.random.Generator, launches: int) -> tuple[Joined, list[MetricDecl], dict]:
    def stat(mean: float) -> dict:
        return {"mean": float(mean), "ci_low": None, "ci_high": None, "n": 20, "pass_rate": None}

    rows = []
    for i in range(launches):
        scores = {"overall": stat(rng.uniform()), "golden": stat(rng.uniform()), "rotating": stat(rng.uniform()),
                  "by_task_type": {t: stat(rng.uniform()) for t in TASK_TYPES},
                  "by_difficulty": {d: stat(rng.uniform()) for d in DIFFICULTIES}}
        entry = {"model": "m", "version": f"v{i}", "scores": scores, "benchmark": {}}
        production = {None: {"satisfaction": rng.uniform(), "engagement": rng.uniform(), "incidents": rng.uniform()}}
        rows.append(Launch((None, f"v{i}"), f"v{i}", entry, production))
    decls = [MetricDecl("satisfaction", "higher_is_better", "rate"), MetricDecl("engagement", "higher_is_better"),
             MetricDecl("incidents", "lower_is_better", "count")]
    params = {"taxonomy": {"task_types": dict.fromkeys(TASK_TYPES, ""), "difficulties": DIFFICULTIES}}
    return Joined(rows, [], []), decls, params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--launches", type=int, nargs="*", default=[12, 50, 200], help="sizes for the timing part")
    parser.add_argument("--skip-power", action="store_true", help="only the timing part")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    if not args.skip_power:
        power_table(rng, args.trials, args.resamples)
    timing(rng, args.launches)


def power_table(rng: np.random.Generator, trials: int, resamples: int) -> None:
    sizes = [5, 8, 12, 20, 30]
    print(f"share of verdict 'predicts' ({trials} trials each, {resamples} bootstrap resamples)")
    print("true r  " + "".join(f"n={n:<6}" for n in sizes))
    for r in (0.0, 0.3, 0.5, 0.7, 0.9):
        rates = [predicts_rate(rng, n, r, trials, resamples) for n in sizes]
        print(f"{r:<7} " + "".join(f"{rate:<8.2f}" for rate in rates))



def timing(rng: np.random.Generator, sizes: list[int]) -> None:
    print("\ntime of the analysis (13 slices x 3 metrics, 2,000 resamples) and of the plots: wall / CPU seconds")
    for launches in sizes:
        joined, decls, params = synthetic_joined(rng, launches)
        wall, cpu = time.perf_counter(), time.process_time()
        doc = analyse(joined, decls, params, CorrelateSettings())
        analysed = (time.perf_counter() - wall, time.process_time() - cpu)
        doc["inputs"] = {}
        with tempfile.TemporaryDirectory() as tmp:
            wall, cpu = time.perf_counter(), time.process_time()
            written = write_plots(doc, Path(tmp))
            plotted = (time.perf_counter() - wall, time.process_time() - cpu)
        print(f"{launches:>4} launches: analysis {analysed[0]:6.2f} / {analysed[1]:6.2f} s, "
              f"{len(written)} plots {plotted[0]:6.2f} / {plotted[1]:6.2f} s")


if __name__ == "__main__":
    main()
