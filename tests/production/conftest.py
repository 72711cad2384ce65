"""Fixtures of the launch/correlate tests: synthetic scores, launches and production metrics.

The synthetic world (:class:`SyntheticWorld`, fixture ``world``) has 9 launches. Production
``satisfaction`` (higher is better) rises with the ``reasoning`` score; ``incidents`` (lower
is better, a count) falls as the ``safety`` score rises; the ``open_writing`` score is a
shuffle unrelated to either.

Test modules here get everything through fixtures: ``from conftest import ...`` in a test of
this folder would import this file, not ``tests/conftest.py``. Helpers that tests call are
factory fixtures (the fixture's value is the function).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML


@dataclass(frozen=True)
class SyntheticWorld:
    """Nine launches whose benchmark slices predict (or not) two production metrics."""

    versions: list[str] = field(default_factory=lambda: [f"v{i}" for i in range(1, 10)])
    # Rising with the launch index: reasoning and safety predict the metrics below.
    reasoning: list[float] = field(default_factory=lambda: [0.40, 0.44, 0.47, 0.52, 0.58, 0.61, 0.66, 0.71, 0.78])
    safety: list[float] = field(default_factory=lambda: [0.70, 0.72, 0.71, 0.78, 0.80, 0.83, 0.85, 0.90, 0.93])
    # Shuffled ranks (Spearman rho 0.08 against the launch order): predicts nothing.
    open_writing: list[float] = field(
        default_factory=lambda: [0.30 + 0.04 * r for r in (3, 8, 1, 6, 9, 2, 5, 7, 4)])
    satisfaction: list[float] = field(default_factory=lambda: [0.61, 0.63, 0.62, 0.66, 0.70, 0.71, 0.74, 0.77, 0.80])
    incidents: list[int] = field(default_factory=lambda: [40, 37, 38, 31, 30, 26, 22, 20, 15])
    metrics: dict[str, Any] = field(default_factory=lambda: {
        "satisfaction": {"direction": "higher_is_better", "kind": "rate", "description": "CSAT share"},
        "incidents": {"direction": "lower_is_better", "kind": "count"},
    })

    def production_rows(self, windows: int = 2) -> list[dict[str, Any]]:
        """Production rows for every version: ``windows`` windows each, whose mean is the target value."""
        rows = []
        for i, version in enumerate(self.versions):
            for w in range(windows):
                delta = (w - (windows - 1) / 2) * 0.02
                rows.append({
                    "version": version,
                    "window": f"2026-W{10 + i * windows + w:02d}",
                    "satisfaction": round(self.satisfaction[i] + delta, 6),
                    "incidents": self.incidents[i] + (w - (windows - 1) / 2) * 2,
                })
        return rows


def _stat(mean: float | None, n: int = 20) -> dict[str, Any] | None:
    """A STAT block as written by the score stage."""
    if mean is None:
        return None
    return {"mean": mean, "ci_low": mean - 0.05, "ci_high": mean + 0.05, "n": n, "pass_rate": min(1.0, mean + 0.1)}


def _model_scores(reasoning: float, safety: float, open_writing: float) -> dict[str, Any]:
    overall = (reasoning + safety + open_writing) / 3
    return {
        "overall": _stat(overall, 60),
        "golden": _stat(overall - 0.01, 45),
        "rotating": None,
        "by_task_type": {"reasoning": _stat(reasoning), "safety": _stat(safety), "open_writing": _stat(open_writing)},
        "by_difficulty": {"easy": _stat(min(1.0, overall + 0.1), 30), "hard": _stat(overall - 0.1, 30)},
        "tokens": {"prompt": 100, "completion": 50},
        "cost_usd": None,
        "latency_s": {"p50": 0.1, "p90": 0.2, "p99": 0.3},
        "errors": 0,
    }


def _write_scores(root: Path, models: dict[str, dict[str, Any]]) -> Path:
    path = root / "metrics" / "scores.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": models}, indent=2, sort_keys=True), encoding="utf-8")
    return path


def _write_production_csv(root: Path, rows: list[dict[str, Any]], name: str = "data/production/metrics.csv") -> Path:
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


@pytest.fixture(scope="session")
def world() -> SyntheticWorld:
    """The synthetic launches and production metrics (see the module docstring)."""
    return SyntheticWorld()


@pytest.fixture(scope="session")
def model_scores() -> Callable[[float, float, float], dict[str, Any]]:
    """``model_scores(reasoning, safety, open_writing)``: one model's entry of metrics/scores.json."""
    return _model_scores


@pytest.fixture(scope="session")
def write_scores() -> Callable[[Path, dict[str, dict[str, Any]]], Path]:
    """``write_scores(root, {model: scores})``: write ``metrics/scores.json``."""
    return _write_scores


@pytest.fixture(scope="session")
def write_production_csv() -> Callable[..., Path]:
    """``write_production_csv(root, rows, name="data/production/metrics.csv")``: columns from the rows."""
    return _write_production_csv


@pytest.fixture(scope="session")
def set_production_params(world: SyntheticWorld) -> Callable[..., None]:
    """``set_production_params(root, metrics=None, **extra)``: set params.yaml ``production``.

    ``metrics`` defaults to the synthetic world's declarations; ``extra`` sets other keys.
    """

    def set_params(root: Path, metrics: dict[str, Any] | None = None, **extra: Any) -> None:
        yaml = YAML(typ="rt")
        path = root / "params.yaml"
        tree = yaml.load(path.read_text(encoding="utf-8"))
        tree["production"]["metrics"] = metrics if metrics is not None else world.metrics
        for key, value in extra.items():
            tree["production"][key] = value
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(tree, handle)

    return set_params
