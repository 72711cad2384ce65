"""The correlation statistics match scipy/pandas exactly (ties and missing values included)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from prodbench.production.correlation_stats import (
    bootstrap_ci,
    correlate_pairs,
    kendall_b_rows,
    pairwise_agreement,
    pearson_rows,
    spearman_rows,
)


def _with_ties_and_gaps(seed: int, n: int = 14) -> tuple[list[float | None], list[float | None]]:
    """Integer-valued data (many ties) with a few missing values on either side."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, n).astype(float).tolist()
    y = (np.array(x) * 0.5 + rng.integers(0, 4, n)).tolist()
    for i in rng.choice(n, 3, replace=False):
        x[i] = None
    for i in rng.choice(n, 2, replace=False):
        y[i] = None
    return x, y


def _scipy(x: list[float | None], y: list[float | None]) -> dict[str, float]:
    frame = pd.DataFrame({"x": x, "y": y}, dtype=float).dropna()
    return {
        "spearman": sps.spearmanr(frame.x, frame.y).statistic,
        "kendall": sps.kendalltau(frame.x, frame.y).statistic,  # tau-b is scipy's default
        "pearson": sps.pearsonr(frame.x, frame.y).statistic,
        "n": len(frame),
    }


@pytest.mark.parametrize("seed", range(8))
def test_point_estimates_equal_scipy_with_ties_and_missing_values(seed: int) -> None:
    x, y = _with_ties_and_gaps(seed)
    expected = _scipy(x, y)
    result = correlate_pairs(x, y, resamples=200, seed=seed)
    assert result["n"] == expected["n"]
    for method in ("spearman", "kendall", "pearson"):
        assert result[method]["value"] == expected[method], method


@pytest.mark.parametrize("seed", range(4))
def test_point_estimates_equal_pandas_pairwise_complete_corr(seed: int) -> None:
    x, y = _with_ties_and_gaps(seed + 100)
    frame = pd.DataFrame({"x": x, "y": y}, dtype=float)  # pandas drops incomplete pairs itself
    result = correlate_pairs(x, y, resamples=200, seed=0)
    for method in ("spearman", "kendall", "pearson"):
        assert result[method]["value"] == pytest.approx(frame.corr(method=method).loc["x", "y"], abs=1e-12)


def test_lists_with_none_and_nan_are_treated_alike() -> None:
    x = [1.0, 2.0, float("nan"), 4.0, 5.0, 6.0]
    y = [2.0, None, 3.0, 5.0, 4.0, 7.0]
    result = correlate_pairs(x, y, resamples=200)
    assert result["n"] == 4
    assert result["spearman"]["value"] == sps.spearmanr([1, 4, 5, 6], [2, 5, 4, 7]).statistic


def test_constant_input_gives_no_correlation_instead_of_nan() -> None:
    result = correlate_pairs([0.5] * 6, [1, 2, 3, 4, 5, 6], resamples=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(sps.spearmanr([0.5] * 6, [1, 2, 3, 4, 5, 6]).statistic)
    assert all(result[m]["value"] is None for m in ("spearman", "kendall", "pearson"))
    assert result["spearman"]["ci_low"] is None


def test_vectorised_bootstrap_statistics_equal_scipy_row_by_row() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, size=(300, 8)).astype(float)
    b = rng.integers(0, 3, size=(300, 8)).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = {
            "spearman": [sps.spearmanr(u, v).statistic for u, v in zip(a, b, strict=True)],
            "kendall": [sps.kendalltau(u, v).statistic for u, v in zip(a, b, strict=True)],
            "pearson": [sps.pearsonr(u, v).statistic if np.ptp(u) and np.ptp(v) else np.nan
                        for u, v in zip(a, b, strict=True)],
        }
    for method, func in (("spearman", spearman_rows), ("kendall", kendall_b_rows), ("pearson", pearson_rows)):
        got = func(a, b)
        want = np.array(expected[method], dtype=float)
        assert np.array_equal(np.isnan(got), np.isnan(want)), method
        assert np.allclose(got[~np.isnan(got)], want[~np.isnan(want)], atol=1e-12), method


def test_bootstrap_is_seeded_and_brackets_a_strong_correlation() -> None:
    x = np.arange(12, dtype=float)
    y = x + np.array([0.5, -0.3, 0.2, 1.4, -1.0, 0.1, 0.9, -0.6, 0.3, 1.1, -0.2, 0.0])
    first = bootstrap_ci(x, y, 500, 0.95, [1, 2])
    again = bootstrap_ci(x, y, 500, 0.95, [1, 2])
    other = bootstrap_ci(x, y, 500, 0.95, [9, 9])
    assert first == again
    assert first != other
    rho = sps.spearmanr(x, y).statistic
    assert first["spearman"]["ci_low"] <= rho <= first["spearman"]["ci_high"]
    assert first["spearman"]["ci_low"] > 0
    assert first["spearman"]["valid"] == 500


def test_pairwise_agreement_counts_match_brute_force_and_tau_b() -> None:
    x = np.array([1, 2, 2, 3, 4, 4, 5, 6], dtype=float)
    y = np.array([1, 3, 2, 2, 5, 5, 4, 6], dtype=float)
    got = pairwise_agreement(x, y)
    counts = {"concordant": 0, "discordant": 0, "tied_benchmark": 0, "tied_production": 0, "tied_both": 0}
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if dx == 0 and dy == 0:
            counts["tied_both"] += 1
        elif dx == 0:
            counts["tied_benchmark"] += 1
        elif dy == 0:
            counts["tied_production"] += 1
        elif dx == dy:
            counts["concordant"] += 1
        else:
            counts["discordant"] += 1
    for key, value in counts.items():
        assert got[key] == value, key
    assert got["pairs"] == 28
    assert got["share"] == counts["concordant"] / (counts["concordant"] + counts["discordant"])
    ties = 28 - counts["concordant"] - counts["discordant"]
    assert got["share_ties_half"] == (counts["concordant"] + ties / 2) / 28
    # tau-b from the same counts equals scipy's kendalltau.
    untied_x = 28 - counts["tied_benchmark"] - counts["tied_both"]
    untied_y = 28 - counts["tied_production"] - counts["tied_both"]
    tau_b = (counts["concordant"] - counts["discordant"]) / math.sqrt(untied_x * untied_y)
    assert tau_b == pytest.approx(sps.kendalltau(x, y).statistic, abs=1e-12)


def test_too_few_pairs_give_no_statistics() -> None:
    result = correlate_pairs([0.1, 0.2, None, 0.4], [1.0, 2.0, 3.0, None], resamples=200)
    assert result["n"] == 2
    assert result["spearman"]["value"] is None
    assert result["agreement"]["pairs"] == 1
