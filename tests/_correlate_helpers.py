"""Fixtures for the launch/correlate tests: synthetic scores, launches and production metrics.

The synthetic world has 9 launches. Production ``satisfaction`` (higher is better) rises
with the ``reasoning`` score; ``incidents`` (lower is better, a count) falls as the
``safety`` score rises; the ``open_writing`` score is a shuffle unrelated to either.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

VERSIONS = [f"v{i}" for i in range(1, 10)]
# Rising with the launch index: reasoning and safety predict the metrics below.
REASONING = [0.40, 0.44, 0.47, 0.52, 0.58, 0.61, 0.66, 0.71, 0.78]
SAFETY = [0.70, 0.72, 0.71, 0.78, 0.80, 0.83, 0.85, 0.90, 0.93]
# Shuffled ranks (Spearman rho 0.08 against the launch order): predicts nothing.
OPEN_WRITING = [0.30 + 0.04 * r for r in (3, 8, 1, 6, 9, 2, 5, 7, 4)]
SATISFACTION = [0.61, 0.63, 0.62, 0.66, 0.70, 0.71, 0.74, 0.77, 0.80]
INCIDENTS = [40, 37, 38, 31, 30, 26, 22, 20, 15]

METRICS_DECL = {
    "satisfaction": {"direction": "higher_is_better", "kind": "rate", "description": "CSAT share"},
    "incidents": {"direction": "lower_is_better", "kind": "count"},
}


def stat(mean: float | None, n: int = 20) -> dict[str, Any] | None:
    """A STAT block as written by the score stage."""
    if mean is None:
        return None
    return {"mean": mean, "ci_low": mean - 0.05, "ci_high": mean + 0.05, "n": n, "pass_rate": min(1.0, mean + 0.1)}


def model_scores(reasoning: float, safety: float, open_writing: float) -> dict[str, Any]:
    """One model's entry of metrics/scores.json (documented layout)."""
    overall = (reasoning + safety + open_writing) / 3
    return {
        "overall": stat(overall, 60),
        "golden": stat(overall - 0.01, 45),
        "rotating": None,
        "by_task_type": {"reasoning": stat(reasoning), "safety": stat(safety), "open_writing": stat(open_writing)},
        "by_difficulty": {"easy": stat(min(1.0, overall + 0.1), 30), "hard": stat(overall - 0.1, 30)},
        "tokens": {"prompt": 100, "completion": 50},
        "cost_usd": None,
        "latency_s": {"p50": 0.1, "p90": 0.2, "p99": 0.3},
        "errors": 0,
    }


def write_scores(root: Path, models: dict[str, dict[str, Any]]) -> Path:
    """Write metrics/scores.json for ``models``."""
    path = root / "metrics" / "scores.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": models}, indent=2, sort_keys=True), encoding="utf-8")
    return path


def set_production_params(root: Path, metrics: dict[str, Any] | None = None, **extra: Any) -> None:
    """Set the ``production`` section of the project's params.yaml."""
    yaml = YAML(typ="rt")
    path = root / "params.yaml"
    tree = yaml.load(path.read_text(encoding="utf-8"))
    tree["production"]["metrics"] = metrics if metrics is not None else METRICS_DECL
    for key, value in extra.items():
        tree["production"][key] = value
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(tree, handle)


def write_production_csv(root: Path, rows: list[dict[str, Any]], name: str = "data/production/metrics.csv") -> Path:
    """Write a production metrics CSV (columns from the first row)."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def synthetic_production_rows(windows: int = 2) -> list[dict[str, Any]]:
    """Production rows for VERSIONS: several windows per version whose mean is the target value."""
    rows = []
    for i, version in enumerate(VERSIONS):
        for w in range(windows):
            delta = (w - (windows - 1) / 2) * 0.02
            rows.append({
                "version": version,
                "window": f"2026-W{10 + i * windows + w:02d}",
                "satisfaction": round(SATISFACTION[i] + delta, 6),
                "incidents": INCIDENTS[i] + (w - (windows - 1) / 2) * 2,
            })
    return rows
