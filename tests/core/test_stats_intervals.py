"""Checks of the confidence intervals and paired tests in prodbench.core.stats against known cases."""

from __future__ import annotations

import math

import pytest

from prodbench.core import stats


@pytest.mark.parametrize("value,n", [(0.0, 5), (1.0, 40), (0.37, 12)])
def test_constant_bounded_sample_gets_a_real_interval(value, n):
    """A slice where every row scores the same (e.g. every row passes) is not certain: its
    interval is the Wilson interval of that mean, never zero-width."""
    interval = stats.bootstrap_ci([value] * n)
    low, high = stats.wilson_interval(value * n, n)
    assert interval.mean == pytest.approx(value)
    assert (interval.ci_low, interval.ci_high) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))
    assert interval.ci_high - interval.ci_low > 0.05
    assert interval.ci_low <= value <= interval.ci_high


def test_constant_unbounded_sample_gives_zero_width_interval():
    interval = stats.bootstrap_ci([-0.25] * 8, bounded=False)
    assert interval.ci_low == interval.ci_high == pytest.approx(-0.25)


@pytest.mark.parametrize("k,n,low,high", [(0, 10, 0.0, 0.277533), (10, 10, 0.722467, 1.0), (5, 10, 0.236593, 0.763407)])
def test_plain_wilson_interval_matches_textbook_values(k, n, low, high):
    got = stats.wilson_interval(k, n, continuity=False)
    assert got == (pytest.approx(low, abs=1e-5), pytest.approx(high, abs=1e-5))


@pytest.mark.parametrize("k,n,low,high", [(0, 10, 0.0, 0.3445), (10, 10, 0.6555, 1.0), (1, 29, 0.0018, 0.1963)])
def test_continuity_corrected_wilson_matches_newcombe(k, n, low, high):
    """Newcombe (1998), method 4; the 1/29 row is his worked example."""
    assert stats.wilson_interval(k, n) == (pytest.approx(low, abs=2e-4), pytest.approx(high, abs=2e-4))


@pytest.mark.parametrize("k,n", [(0, 10), (3, 20), (57, 60), (60, 60)])
def test_continuity_correction_only_widens(k, n):
    plain, corrected = stats.wilson_interval(k, n, continuity=False), stats.wilson_interval(k, n)
    assert corrected[0] <= plain[0] and corrected[1] >= plain[1]


@pytest.mark.parametrize("k,n", [(57, 60), (3, 20), (1, 10)])
def test_wilson_interval_matches_scipy(k, n):
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    got = stats.wilson_interval(k, n, continuity=False)
    assert got == (pytest.approx(ci.low, abs=1e-9), pytest.approx(ci.high, abs=1e-9))


def test_pass_fail_sample_uses_the_wilson_interval():
    values = [1.0] * 19 + [0.0]
    interval = stats.bootstrap_ci(values)
    assert (interval.ci_low, interval.ci_high) == tuple(pytest.approx(v, abs=1e-6) for v in stats.wilson_interval(19, 20))


def test_graded_interval_is_at_least_the_wilson_interval_of_its_mean():
    values = [1.0] * 9 + [0.5]
    interval = stats.bootstrap_ci(values)
    low, high = stats.wilson_interval(9.5, 10)
    assert interval.ci_low <= low + 1e-6 and interval.ci_high >= high - 1e-6


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


def test_mcnemar_counts_discordant_pairs_and_gives_mid_p_or_exact_p():
    a = [True] * 10 + [False] * 10
    b = [True] * 10 + [True] * 8 + [False] * 2
    result = stats.mcnemar(a, b)
    assert (result["fixed"], result["broken"]) == (8, 0)
    assert result["p_value"] == pytest.approx(0.5**8)  # mid-p: 2 P(X < 0) + P(X = 0)
    assert stats.mcnemar(a, b, mid_p=False)["p_value"] == pytest.approx(2 * 0.5**8)
    assert stats.mcnemar([True, False], [True, False])["p_value"] == 1.0


def test_mid_p_is_below_the_exact_p_and_matches_its_definition():
    from scipy.stats import binom

    a = [True] * 7 + [False] * 3 + [True] * 20
    b = [False] * 7 + [True] * 3 + [True] * 20
    mid = stats.mcnemar(a, b)["p_value"]
    exact = stats.mcnemar(a, b, mid_p=False)["p_value"]
    assert mid == pytest.approx(2 * binom.cdf(2, 10, 0.5) + binom.pmf(3, 10, 0.5))
    assert mid < exact


def test_holm_and_bh_adjustments():
    from scipy.stats import false_discovery_control

    raw = [0.01, 0.04, 0.03, 0.5, 0.002]
    assert stats.adjust_p_values(raw, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.5, 0.01])
    assert stats.adjust_p_values(raw, "bh") == pytest.approx(list(false_discovery_control(raw)))
    assert stats.adjust_p_values([], "holm") == []
    with pytest.raises(ValueError, match="holm or bh"):
        stats.adjust_p_values(raw, "bonferroni")


def test_sign_test_counts_and_ties():
    result = stats.sign_test([0.1, 0.5, 0.5, 0.9], [0.2, 0.5, 0.4, 1.0])
    assert (result["better"], result["worse"], result["ties"]) == (2, 1, 1)
    assert 0 < result["p_value"] <= 1


def test_percentiles_of_known_values():
    result = stats.percentiles(list(range(1, 101)))
    assert result["p50"] == pytest.approx(50.5)
    assert result["p90"] == pytest.approx(90.1)
    assert stats.percentiles([]) == {"p50": None, "p90": None, "p99": None}


def test_weighted_holm_gives_the_heavy_hypothesis_more_alpha():
    raw = [0.02, 0.004, 0.3]
    # weights 0.5 / 0.25 / 0.25: order by p/w -> 0.004/0.25, 0.02/0.5, 0.3/0.25; p times remaining weight / own
    adjusted = stats.adjust_p_values(raw, "holm", [0.5, 0.25, 0.25])
    assert adjusted == pytest.approx([max(0.016, 0.02 * 0.75 / 0.5), 0.004 / 0.25, 0.3 * 0.25 / 0.25])
    assert stats.adjust_p_values(raw, "holm", [1, 1, 1]) == pytest.approx(stats.adjust_p_values(raw, "holm"))
    with pytest.raises(ValueError, match="weights"):
        stats.adjust_p_values(raw, "holm", [1, 0, 1])
