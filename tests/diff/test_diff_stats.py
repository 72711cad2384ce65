"""Calibration of the diff's paired significance: false alarms near alpha, real effects found."""

from __future__ import annotations

import numpy as np
import pytest

from prodbench.diff.stats import IMPROVEMENT, NO_DATA, NOISE, REGRESSION, compare_paired, label_for

ALPHA = 0.05
TRIALS = 300
N_ROWS = 60


def _graded_null(rng: np.random.Generator) -> tuple[list[float], list[float]]:
    """Graded scores whose head differs from base only by symmetric noise (no real effect)."""
    quality = rng.uniform(0.2, 0.9, N_ROWS)
    base = np.clip(quality + rng.normal(0, 0.15, N_ROWS), 0, 1)
    head = np.clip(quality + rng.normal(0, 0.15, N_ROWS), 0, 1)
    return base.round(3).tolist(), head.round(3).tolist()


def _binary(rng: np.random.Generator, lift: float) -> tuple[list[float], list[float]]:
    """Pass/fail rows: each row has its own pass probability; head adds ``lift`` to it."""
    p = rng.uniform(0.3, 0.8, N_ROWS)
    base = (rng.random(N_ROWS) < p).astype(float)
    head = (rng.random(N_ROWS) < np.clip(p + lift, 0, 1)).astype(float)
    return base.tolist(), head.tolist()


def _rate(pairs: list[tuple[list[float], list[float]]]) -> tuple[float, str]:
    labels = [compare_paired(b, h, alpha=ALPHA, resamples=200, seed=i)["label"] for i, (b, h) in enumerate(pairs)]
    alarms = sum(1 for label in labels if label in (IMPROVEMENT, REGRESSION))
    return alarms / len(labels), labels[0]


@pytest.mark.parametrize("kind", ["graded", "binary"])
def test_false_alarm_rate_near_alpha(kind):
    rng = np.random.default_rng(20261127)
    pairs = [_graded_null(rng) if kind == "graded" else _binary(rng, 0.0) for _ in range(TRIALS)]
    rate, _ = _rate(pairs)
    print(f"\n{kind}: false-alarm rate {rate:.3f} over {TRIALS} no-effect trials of {N_ROWS} rows (alpha {ALPHA})")
    # binomial standard error at 300 trials is ~0.013; the exact McNemar test is conservative
    lower = 0.0 if kind == "binary" else 0.015
    assert lower <= rate <= ALPHA + 0.035


@pytest.mark.parametrize("kind", ["graded", "binary"])
def test_real_effect_is_detected(kind):
    rng = np.random.default_rng(7)
    pairs = []
    for _ in range(60):
        if kind == "graded":
            base, head = _graded_null(rng)
            head = [min(1.0, h + 0.12) for h in head]
        else:
            base, head = _binary(rng, 0.3)
        pairs.append((base, head))
    results = [compare_paired(b, h, alpha=ALPHA, resamples=200, seed=i) for i, (b, h) in enumerate(pairs)]
    power = sum(1 for r in results if r["label"] == IMPROVEMENT) / len(results)
    print(f"\n{kind}: detected {power:.2f} of real effects")
    assert power >= 0.8
    assert all(r["label"] != REGRESSION for r in results)
    flipped = compare_paired(pairs[0][1], pairs[0][0], alpha=ALPHA, resamples=200)
    assert flipped["delta"] == pytest.approx(-results[0]["delta"], abs=1e-6)


def test_choice_of_test_and_edge_cases():
    assert compare_paired([1, 0, 1, 0], [1, 1, 1, 1])["test"] == "mcnemar"
    assert compare_paired([0.5, 0.2], [0.7, 0.1])["test"] == "sign-flip permutation"
    same = compare_paired([0.5, 0.2, 1.0], [0.5, 0.2, 1.0])
    assert same["label"] == NOISE and same["p_value"] == 1.0 and same["delta"] == 0
    empty = compare_paired([None, 0.3], [0.4, None])
    assert empty["label"] == NO_DATA and empty["n"] == 0 and empty["dropped"] == 2
    partial = compare_paired([None, 0.3, 0.5], [0.4, 0.6, 0.5])
    assert partial["n"] == 2 and partial["improved"] == 1 and partial["ties"] == 1
    with pytest.raises(ValueError):
        compare_paired([1.0], [1.0, 0.0])


@pytest.mark.parametrize(("delta", "p", "label"), [
    (0.1, 0.01, IMPROVEMENT), (-0.1, 0.01, REGRESSION), (0.1, 0.2, NOISE), (-0.3, 0.05, NOISE), (None, None, NO_DATA),
])
def test_labels(delta, p, label):
    assert label_for(delta, p, ALPHA) == label
