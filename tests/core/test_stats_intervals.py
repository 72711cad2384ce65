"""Checks of the confidence intervals and paired tests in prodbench.core.stats against known cases."""

from __future__ import annotations

import math

import pytest

from prodbench.core import stats


@pytest.mark.parametrize("value,n", [(0.0, 5), (1.0, 40), (0.37, 12)])
def test_constant_sample_gives_zero_width_interval(value, n):
    interval = stats.bootstrap_ci([value] * n)
    assert interval.mean == pytest.approx(value)
    assert interval.ci_low == interval.ci_high == pytest.approx(value)
    assert interval.n == n


@pytest.mark.parametrize("successes,n", [(30, 100), (120, 200), (300, 400), (1300, 2000)])
def test_bernoulli_sample_matches_textbook_wald_interval(successes, n):
    values = [1.0] * successes + [0.0] * (n - successes)
    p = successes / n
    half = 1.959964 * math.sqrt(p * (1 - p) / n)
    interval = stats.bootstrap_ci(values, confidence=0.95, resamples=4000, seed=1)
    assert interval.mean == pytest.approx(p)
    # The bootstrap interval approximates the normal-theory interval to within a few points.
    assert interval.ci_low == pytest.approx(p - half, abs=0.02)
    assert interval.ci_high == pytest.approx(p + half, abs=0.02)
    assert interval.ci_low < p < interval.ci_high


def test_interval_is_reproducible_and_narrows_with_confidence():
    values = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4]
    a = stats.bootstrap_ci(values, seed=3)
    b = stats.bootstrap_ci(values, seed=3)
    narrow = stats.bootstrap_ci(values, confidence=0.5, seed=3)
    assert a == b
    assert a.ci_low < narrow.ci_low <= narrow.ci_high < a.ci_high


def test_empty_and_single_value_samples_have_no_interval():
    assert stats.bootstrap_ci([]) == stats.Interval(None, None, None, 0)
    single = stats.bootstrap_ci([0.4, None, float("nan")])
    assert (single.mean, single.ci_low, single.ci_high, single.n) == (0.4, None, None, 1)


def test_paired_bootstrap_detects_a_consistent_improvement():
    base = [0.2, 0.4, 0.1, 0.5, 0.3, 0.2, 0.6, 0.4, 0.3, 0.1, 0.5, 0.2, 0.3, 0.4, 0.2, 0.3, 0.1, 0.5, 0.2, 0.4]
    head = [x + 0.3 for x in base]
    result = stats.paired_bootstrap(base, head)
    assert result["mean_diff"] == pytest.approx(0.3)
    assert result["n"] == 20
    assert result["p_value"] < 0.001


def test_paired_bootstrap_no_difference_is_not_significant():
    base = [0.2, 0.8, 0.5, 0.4, 0.9, 0.1]
    head = [0.8, 0.2, 0.5, 0.9, 0.4, 0.1]
    result = stats.paired_bootstrap(base, head)
    assert result["mean_diff"] == pytest.approx(0.0)
    assert result["p_value"] == pytest.approx(1.0)
    assert result["ci_low"] <= 0 <= result["ci_high"]


def test_paired_bootstrap_rejects_unequal_lengths():
    with pytest.raises(ValueError):
        stats.paired_bootstrap([1.0], [1.0, 0.0])


def test_mcnemar_counts_discordant_pairs_and_gives_exact_p():
    a = [True] * 10 + [False] * 10
    b = [True] * 10 + [True] * 8 + [False] * 2
    result = stats.mcnemar(a, b)
    assert (result["fixed"], result["broken"]) == (8, 0)
    assert result["p_value"] == pytest.approx(2 * 0.5**8)
    assert stats.mcnemar([True, False], [True, False])["p_value"] == 1.0


def test_sign_test_counts_and_ties():
    result = stats.sign_test([0.1, 0.5, 0.5, 0.9], [0.2, 0.5, 0.4, 1.0])
    assert (result["better"], result["worse"], result["ties"]) == (2, 1, 1)
    assert 0 < result["p_value"] <= 1


def test_percentiles_of_known_values():
    result = stats.percentiles(list(range(1, 101)))
    assert result["p50"] == pytest.approx(50.5)
    assert result["p90"] == pytest.approx(90.1)
    assert stats.percentiles([]) == {"p50": None, "p90": None, "p99": None}
