"""Statistics for ``prodbench correlate``: rank/linear correlations, bootstrap CIs, pair agreement.

Point estimates come straight from ``scipy.stats`` (``spearmanr`` with average ranks for
ties, ``kendalltau`` variant b, ``pearsonr``). The bootstrap re-computes the same
statistics on resampled pairs with vectorised numpy versions that are algebraically
identical to scipy's (tests check both against scipy).

Imported only by ``prodbench correlate`` (numpy/scipy are loaded at import time here).
"""

from __future__ import annotations

import math
import warnings
import zlib
from typing import Any

import numpy as np
from scipy import stats as sps

METHODS = ("spearman", "kendall", "pearson")
MIN_N_COMPUTE = 3  # below this no correlation is computed at all
_CHUNK_ELEMENTS = 2_000_000


def pairwise_complete(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Drop the pairs where either value is missing (None or NaN).

    Args:
        x: Benchmark scores (None for missing).
        y: Production values (None for missing).

    Returns:
        Two float arrays of equal length with only complete pairs, in input order.
    """
    xa = np.array([np.nan if v is None else float(v) for v in x], dtype=float)
    ya = np.array([np.nan if v is None else float(v) for v in y], dtype=float)
    keep = ~(np.isnan(xa) | np.isnan(ya))
    return xa[keep], ya[keep]


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def point_estimates(x: np.ndarray, y: np.ndarray) -> dict[str, float | None]:
    """Spearman rho, Kendall tau-b and Pearson r of complete pairs (None when undefined).

    Undefined means fewer than 3 pairs or a constant input (no variation to rank).
    """
    if len(x) < MIN_N_COMPUTE or np.ptp(x) == 0 or np.ptp(y) == 0:
        return dict.fromkeys(METHODS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "spearman": _finite(sps.spearmanr(x, y).statistic),
            "kendall": _finite(sps.kendalltau(x, y, variant="b").statistic),
            "pearson": _finite(sps.pearsonr(x, y).statistic),
        }


def pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Pearson r of two (B, n) arrays (NaN where a row is constant)."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(axis=1) / den
    r[den == 0] = np.nan
    return np.clip(r, -1.0, 1.0)


def spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Spearman rho (Pearson r of average ranks) of two (B, n) arrays."""
    return pearson_rows(sps.rankdata(a, axis=1), sps.rankdata(b, axis=1))


def kendall_b_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Kendall tau-b of two (B, n) arrays (NaN where a row is constant).

    tau-b = (concordant - discordant) / sqrt(pairs untied in a * pairs untied in b).
    """
    n = a.shape[1]
    i, j = np.triu_indices(n, k=1)
    out = np.empty(a.shape[0], dtype=float)
    step = max(1, _CHUNK_ELEMENTS // max(1, len(i)))
    for start in range(0, a.shape[0], step):
        sa = np.sign(a[start : start + step, i] - a[start : start + step, j])
        sb = np.sign(b[start : start + step, i] - b[start : start + step, j])
        s = (sa * sb).sum(axis=1)
        den = np.sqrt(np.count_nonzero(sa, axis=1).astype(float) * np.count_nonzero(sb, axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = s / den
        tau[den == 0] = np.nan
        out[start : start + step] = tau
    return np.clip(out, -1.0, 1.0)


ROW_FUNCTIONS = {"spearman": spearman_rows, "kendall": kendall_b_rows, "pearson": pearson_rows}


def cell_seed(seed: int, *names: str) -> list[int]:
    """A seed sequence for one (slice, metric) cell, independent of the other cells."""
    return [int(seed), *(zlib.crc32(name.encode("utf-8")) for name in names)]


def bootstrap_ci(
    x: np.ndarray,
    y: np.ndarray,
    resamples: int,
    confidence: float,
    seed: list[int] | int,
) -> dict[str, dict[str, float | int | None]]:
    """Percentile bootstrap CIs of the three correlations, resampling pairs.

    Resamples where a statistic is undefined (a constant resample) are skipped; a CI is
    reported only when at least half of the resamples gave a value.

    Returns:
        ``{"spearman": {"ci_low", "ci_high", "valid"}, ...}``.
    """
    n = len(x)
    empty: dict[str, dict[str, float | int | None]] = {
        m: {"ci_low": None, "ci_high": None, "valid": 0} for m in METHODS}
    if n < MIN_N_COMPUTE or np.ptp(x) == 0 or np.ptp(y) == 0:
        return empty
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n))
    xs, ys = x[idx], y[idx]
    alpha = (1.0 - confidence) / 2.0
    out: dict[str, dict[str, float | int | None]] = {}
    for method in METHODS:
        values = ROW_FUNCTIONS[method](xs, ys)
        values = values[~np.isnan(values)]
        if len(values) * 2 < resamples:
            out[method] = {"ci_low": None, "ci_high": None, "valid": int(len(values))}
            continue
        low, high = np.quantile(values, [alpha, 1.0 - alpha])
        out[method] = {"ci_low": float(low), "ci_high": float(high), "valid": int(len(values))}
    return out


_SE_FACTOR = {"spearman": (1.06, 3), "kendall": (0.437, 4), "pearson": (1.0, 3)}


def edge_floor(method: str, value: float, n: int, confidence: float) -> tuple[float, float]:
    """A Fisher-z interval around a correlation at (or next to) +-1, so such a CI is never zero-width.

    Perfectly ordered launches make every bootstrap resample perfectly ordered too, so the
    percentile interval is [1, 1]. The floor treats the estimate as if one adjacent pair were
    swapped (Spearman 1 - 12/(n(n^2-1)), Kendall 1 - 4/(n(n-1))) and takes the Fisher-z
    interval there (Bonett-Wright standard errors: Spearman sqrt(1.06/(n-3)), Kendall
    sqrt(0.437/(n-4)), Pearson 1/sqrt(n-3)); with too few launches for that it is [-1, 1].
    """
    from statistics import NormalDist

    factor, offset = _SE_FACTOR[method]
    if n - offset <= 0:
        return -1.0, 1.0
    swap = 1 - 4 / (n * (n - 1)) if method == "kendall" else 1 - 12 / (n * (n * n - 1))
    r = max(-swap, min(swap, value))
    z = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(factor / (n - offset))
    centre = math.atanh(r)
    return math.tanh(centre - z), math.tanh(centre + z)


def pairwise_agreement(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """How often the benchmark orders two launches the same way as production.

    Every pair of launches is one of: concordant (same order), discordant (opposite
    order), tied in the benchmark only, tied in production only, or tied in both.

    Returns:
        Counts of each kind, ``share`` = concordant / (concordant + discordant) (pairs
        tied on either side left out) and ``share_ties_half`` = (concordant + half of
        all tied pairs) / all pairs; shares are None when there are no such pairs.
    """
    n = len(x)
    i, j = np.triu_indices(n, k=1)
    sx = np.sign(x[i] - x[j])
    sy = np.sign(y[i] - y[j])
    prod = sx * sy
    pairs = int(len(i))
    concordant = int(np.count_nonzero(prod > 0))
    discordant = int(np.count_nonzero(prod < 0))
    untied = concordant + discordant
    ties = pairs - untied
    return {
        "pairs": pairs,
        "concordant": concordant,
        "discordant": discordant,
        "tied_benchmark": int(np.count_nonzero((sx == 0) & (sy != 0))),
        "tied_production": int(np.count_nonzero((sy == 0) & (sx != 0))),
        "tied_both": int(np.count_nonzero((sx == 0) & (sy == 0))),
        "share": concordant / untied if untied else None,
        "share_ties_half": (concordant + 0.5 * ties) / pairs if pairs else None,
    }


def correlate_pairs(
    x: Any,
    y: Any,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: list[int] | int = 0,
) -> dict[str, Any]:
    """All statistics of one benchmark slice against one (sign-adjusted) production metric.

    Args:
        x: Benchmark scores per launch (None = missing).
        y: Production values per launch, already sign-flipped so higher is better.
        resamples: Bootstrap resamples.
        confidence: CI level (0.95 for 95%).
        seed: Seed (sequence) of the bootstrap.

    Returns:
        ``{"n", "spearman": {"value", "ci_low", "ci_high"}, "kendall": {...},
        "pearson": {...}, "agreement": {...}}`` on the pairwise-complete rows.
    """
    xa, ya = pairwise_complete(x, y)
    points = point_estimates(xa, ya)
    cis = bootstrap_ci(xa, ya, resamples, confidence, seed)
    result: dict[str, Any] = {"n": int(len(xa))}
    for method in METHODS:
        ci = cis[method]
        value = points[method]
        low, high = (ci["ci_low"], ci["ci_high"]) if value is not None else (None, None)
        swap = 1 - 4 / (len(xa) * (len(xa) - 1)) if method == "kendall" else 1 - 12 / (len(xa) * (len(xa) ** 2 - 1))
        if value is not None and low is not None and high is not None and (abs(value) >= swap - 1e-12 or low == high):
            floor_low, floor_high = edge_floor(method, value, len(xa), confidence)
            low, high = min(low, floor_low), max(high, floor_high)
        result[method] = {"value": value, "ci_low": low, "ci_high": high, "valid_resamples": ci["valid"]}
    result["agreement"] = pairwise_agreement(xa, ya)
    return result
