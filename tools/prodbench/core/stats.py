"""Statistics used by the score, report and diff stages.

* :func:`bootstrap_ci` - mean with a confidence interval, used for every ``STAT`` in
  ``metrics/scores.json``: the Wilson interval when every score is 0 or 1 (a pass rate), else
  a bootstrap interval (``scipy.stats.bootstrap``, BCa with a percentile fallback) floored by
  the Wilson interval of the same mean and n, so it never collapses at 0 or 1.
* :func:`wilson_interval` - the Wilson score interval of a proportion.
* :func:`adjust_p_values` - Holm or Benjamini-Hochberg adjustment of a family of p-values.
* :func:`paired_bootstrap` - mean difference of paired scores (head - base) with a bootstrap
  interval and a sign-flip permutation p-value, used by ``prodbench diff``.
* :func:`mcnemar` (mid-p by default) and :func:`sign_test` - paired tests for pass/fail and
  for better/worse counts.
* :func:`percentiles` - latency percentiles that tolerate empty input.

numpy/scipy are imported inside the functions so that importing this module is cheap.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_RESAMPLES = 2000
DEFAULT_CONFIDENCE = 0.95
# BCa needs a jackknife (O(n^2) work in scipy); above this size the percentile interval is
# used, which BCa converges to for large samples of bounded scores.
BCA_MAX_N = 1000


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval.

    Attributes:
        mean: Sample mean (None for an empty sample).
        ci_low: Lower bound (None when undefined: fewer than two values).
        ci_high: Upper bound (None when undefined).
        n: Sample size.
    """

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return asdict(self)


def _clean(values: Sequence[float | None]) -> list[float]:
    """Drop None/NaN values and convert the rest to float."""
    out = []
    for value in values:
        if value is None:
            continue
        value = float(value)
        if not math.isnan(value):
            out.append(value)
    return out


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def wilson_interval(successes: float, n: int, confidence: float = DEFAULT_CONFIDENCE,
                    continuity: bool = True) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n`` (``successes`` may be fractional).

    With ``continuity`` (the default) Newcombe's continuity-corrected form: the plain Wilson
    interval dips to 0.90-0.91 coverage at some n and rates near 1 (n = 10 at 0.99), the
    corrected one stays above 0.93 at n = 10, 20, 60 and rates 0.5-0.99
    (``python bench/interval_coverage.py``). Neither collapses at 0 or 1: 10 passes out of 10
    give [0.66, 1.0] (plain: [0.72, 1.0]) at 95%.

    Raises:
        ValueError: ``n`` is not positive.
    """
    if n <= 0:
        raise ValueError("n must be positive")
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = min(max(successes / n, 0.0), 1.0)
    if not continuity:
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
        return max(0.0, centre - half), min(1.0, centre + half)
    denominator = 2 * (n + z * z)
    low = 0.0 if p == 0 else (2 * n * p + z * z - 1 - z * math.sqrt(
        max(0.0, z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1)))) / denominator
    high = 1.0 if p == 1 else (2 * n * p + z * z + 1 + z * math.sqrt(
        max(0.0, z * z + 2 - 1 / n + 4 * p * (n * (1 - p) - 1)))) / denominator
    return max(0.0, low), min(1.0, high)


def bootstrap_ci(
    values: Sequence[float | None],
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    bounded: bool = True,
) -> Interval:
    """Mean of ``values`` with a confidence interval that holds at the edges.

    * Every value 0 or 1 (a pass rate, ``bounded``): the Wilson score interval.
    * Otherwise ``scipy.stats.bootstrap`` with the BCa method, falling back to the percentile
      method when BCa is undefined and for samples larger than :data:`BCA_MAX_N` (BCa's
      jackknife is quadratic; both agree closely at that size). For ``bounded`` scores (all
      within [0, 1]) the interval is widened to contain the Wilson interval of the same mean
      and n: a bounded score varies at most as much as a pass/fail one with that mean, so the
      floor is conservative, and a slice where every row scores 1.0 gets a real interval
      instead of a zero-width one. Unbounded data (paired differences) keep the bootstrap
      interval; a constant unbounded sample gives a zero-width interval.

    Fewer than two values give no interval (``ci_low``/``ci_high`` are None). None/NaN values
    are ignored. Coverage is measured by ``python bench/interval_coverage.py``.

    Args:
        values: The per-item scores.
        confidence: Confidence level, e.g. 0.95.
        resamples: Number of bootstrap resamples.
        seed: Seed for the resampling (results are reproducible).
        bounded: Scores lie in [0, 1] (apply the Wilson floor when they do).

    Returns:
        An :class:`Interval`.
    """
    data = _clean(values)
    n = len(data)
    if n == 0:
        return Interval(None, None, None, 0)
    mean = sum(data) / n
    if n == 1:
        return Interval(_round(mean), None, None, 1)
    in_unit = bounded and min(data) >= 0.0 and max(data) <= 1.0
    if in_unit and all(v in (0.0, 1.0) for v in data):
        low, high = wilson_interval(sum(data), n, confidence)
        return Interval(_round(mean), _round(low), _round(high), n)
    if max(data) - min(data) == 0:
        low = high = mean
    else:
        low, high = _bootstrap(data, mean, confidence, resamples, seed)
    if in_unit:
        floor_low, floor_high = wilson_interval(mean * n, n, confidence)
        low, high = min(low, floor_low), max(high, floor_high)
    return Interval(_round(mean), _round(low), _round(high), n)


def _bootstrap(data: list[float], mean: float, confidence: float, resamples: int, seed: int) -> tuple[float, float]:
    """BCa (percentile fallback) bootstrap interval of the mean, clipped to the data's range."""
    import numpy as np
    from scipy import stats

    n = len(data)
    sample = np.asarray(data, dtype=float)
    low = high = float("nan")
    for method in ("BCa", "percentile") if n <= BCA_MAX_N else ("percentile",):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.bootstrap(
                (sample,),
                np.mean,
                n_resamples=resamples,
                confidence_level=confidence,
                method=method,
                vectorized=True,
                batch=max(1, 4_000_000 // n),
                rng=np.random.default_rng(seed),
            )
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if not (math.isnan(low) or math.isnan(high)):
            break
    return max(min(low, mean), min(data)), min(max(high, mean), max(data))


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Compare paired scores: mean of ``b - a`` with a CI and a two-sided p-value.

    ``a`` is the baseline (e.g. the base revision) and ``b`` the candidate (head), item
    by item. Pairs where either side is None/NaN are dropped. The interval is the
    bootstrap interval of the mean difference (:func:`bootstrap_ci`); the p-value is a
    sign-flip permutation test of "mean difference = 0" (exact for up to 16 non-zero
    differences, Monte Carlo with ``resamples`` draws otherwise).

    Args:
        a: Baseline scores.
        b: Candidate scores, same length and order as ``a``.
        confidence: Confidence level of the interval.
        resamples: Bootstrap / permutation draws.
        seed: Random seed.

    Returns:
        ``{"mean_a", "mean_b", "mean_diff", "ci_low", "ci_high", "p_value", "n"}``.

    Raises:
        ValueError: ``a`` and ``b`` differ in length.
    """
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} != {len(b)}")
    pairs = [
        (float(x), float(y))
        for x, y in zip(a, b, strict=True)
        if x is not None and y is not None and not math.isnan(float(x)) and not math.isnan(float(y))
    ]
    n = len(pairs)
    if n == 0:
        return {"mean_a": None, "mean_b": None, "mean_diff": None, "ci_low": None, "ci_high": None,
                "p_value": None, "n": 0}
    diffs = [y - x for x, y in pairs]
    interval = bootstrap_ci(diffs, confidence=confidence, resamples=resamples, seed=seed, bounded=False)
    return {
        "mean_a": _round(sum(x for x, _ in pairs) / n),
        "mean_b": _round(sum(y for _, y in pairs) / n),
        "mean_diff": interval.mean,
        "ci_low": interval.ci_low,
        "ci_high": interval.ci_high,
        "p_value": sign_flip_p_value(diffs, resamples=max(resamples, 1000), seed=seed),
        "n": n,
    }


def sign_flip_p_value(diffs: Sequence[float], resamples: int = 10000, seed: int = 0) -> float:
    """Two-sided p-value of a paired sign-flip permutation test on ``mean(diffs) == 0``.

    Exact (all sign patterns) when there are at most 16 non-zero differences.
    """
    import itertools

    import numpy as np

    nonzero = np.asarray([d for d in diffs if d != 0], dtype=float)
    if nonzero.size == 0:
        return 1.0
    observed = abs(nonzero.mean())
    if nonzero.size <= 16:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=nonzero.size)))
    else:
        rng = np.random.default_rng(seed)
        signs = rng.choice((1.0, -1.0), size=(resamples, nonzero.size))
    means = np.abs((signs * nonzero).mean(axis=1))
    extreme = int(np.sum(means >= observed - 1e-12))
    if nonzero.size <= 16:
        return min(1.0, extreme / len(signs))
    return min(1.0, (extreme + 1) / (len(signs) + 1))


def mcnemar(a_passed: Sequence[bool], b_passed: Sequence[bool], mid_p: bool = True) -> dict[str, Any]:
    """McNemar test for paired pass/fail outcomes (mid-p by default).

    The exact test is conservative (its false-alarm rate is well below alpha at small
    counts); the mid-p version counts half of the observed outcome's probability and keeps
    the rate close to alpha with more power (``python bench/label_calibration.py``).

    Args:
        a_passed: Baseline pass flags.
        b_passed: Candidate pass flags, same items in the same order.
        mid_p: Use the mid-p value (False: the exact binomial p-value).

    Returns:
        ``{"fixed", "broken", "n", "p_value"}``: ``fixed`` counts items failing in ``a``
        and passing in ``b``; ``broken`` the opposite; ``p_value`` is the two-sided p-value
        on the discordant pairs (1.0 when there are none).
    """
    if len(a_passed) != len(b_passed):
        raise ValueError(f"paired samples differ in length: {len(a_passed)} != {len(b_passed)}")
    fixed = sum(1 for x, y in zip(a_passed, b_passed, strict=True) if not x and y)
    broken = sum(1 for x, y in zip(a_passed, b_passed, strict=True) if x and not y)
    p_value = _binom_mid_p(fixed, broken) if mid_p else _binom_two_sided(fixed, broken)
    return {"fixed": fixed, "broken": broken, "n": len(a_passed), "p_value": p_value}


def _binom_mid_p(k1: int, k2: int) -> float:
    """Two-sided mid-p value of k1 vs k2 successes under p=0.5: 2 P(X < k) + P(X = k), k = min."""
    total = k1 + k2
    if total == 0:
        return 1.0
    from scipy import stats

    k = min(k1, k2)
    return float(min(1.0, 2 * stats.binom.cdf(k - 1, total, 0.5) + stats.binom.pmf(k, total, 0.5)))


def adjust_p_values(p_values: Sequence[float], method: str = "holm",
                    weights: Sequence[float] | None = None) -> list[float]:
    """Adjust a family of p-values for multiple testing.

    Args:
        p_values: The raw p-values of one family (e.g. every label of one PR comment).
        method: ``holm`` (controls the family-wise error rate; with ``weights`` the weighted
            Holm procedure) or ``bh`` (Benjamini-Hochberg, controls the false discovery rate).
        weights: Positive shares of alpha per hypothesis (Holm only; normalised to sum 1;
            default equal). A hypothesis with twice the weight needs half the evidence.

    Returns:
        Adjusted p-values in the input order (compare each with alpha).

    Raises:
        ValueError: Unknown method, or weights that do not fit.
    """
    m = len(p_values)
    if weights is None:
        weights = [1.0] * m
    if len(weights) != m or any(w <= 0 for w in weights):
        raise ValueError("weights must be positive, one per p-value")
    total = float(sum(weights)) if m else 1.0
    share = [w / total for w in weights]
    adjusted = [1.0] * m
    if method == "holm":
        order = sorted(range(m), key=lambda i: p_values[i] / share[i])
        remaining = 1.0
        running = 0.0
        for i in order:
            running = max(running, min(1.0, p_values[i] * remaining / share[i]))
            adjusted[i] = running
            remaining -= share[i]
    elif method == "bh":
        order = sorted(range(m), key=lambda i: p_values[i])
        running = 1.0
        for rank in range(m - 1, -1, -1):
            i = order[rank]
            running = min(running, p_values[i] * m / (rank + 1))
            adjusted[i] = min(1.0, running)
    else:
        raise ValueError(f"unknown adjustment {method!r} (use holm or bh)")
    return adjusted


def sign_test(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """Exact sign test for paired scores (ties dropped).

    Returns:
        ``{"better", "worse", "ties", "p_value"}`` where ``better`` counts items with
        ``b > a``.
    """
    if len(a) != len(b):
        raise ValueError(f"paired samples differ in length: {len(a)} != {len(b)}")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    better = sum(1 for x, y in pairs if y > x)
    worse = sum(1 for x, y in pairs if y < x)
    return {"better": better, "worse": worse, "ties": len(pairs) - better - worse,
            "p_value": _binom_two_sided(better, worse)}


def _binom_two_sided(k1: int, k2: int) -> float:
    """Exact two-sided binomial test p-value of k1 vs k2 successes under p=0.5."""
    total = k1 + k2
    if total == 0:
        return 1.0
    from scipy import stats

    return float(stats.binomtest(k1, total, 0.5).pvalue)


def percentiles(values: Sequence[float | None], qs: Sequence[int] = (50, 90, 99)) -> dict[str, float | None]:
    """Percentiles (linear interpolation) of the non-None values, keyed ``p50`` etc.

    Returns None for every percentile when there are no values.
    """
    data = _clean(values)
    if not data:
        return {f"p{q}": None for q in qs}
    import numpy as np

    return {f"p{q}": _round(float(np.percentile(data, q))) for q in qs}
