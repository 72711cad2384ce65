"""Paired significance for ``prodbench diff``: one comparison -> delta, p-value, label.

The tests themselves live in :mod:`prodbench.core.stats` (owned by the score stage):
pass/fail scorers (every score is 0 or 1) use the mid-p McNemar test on the
discordant pairs; graded scores use a sign-flip permutation test on the paired
differences, with a bootstrap interval of the mean difference for display.

One comment carries many labels (per model: overall, golden, each task type, each
difficulty), so :func:`adjust_labels` adjusts every p-value of the comment together (weighted
Holm, :data:`ADJUSTMENT`) before labelling: with no real effect, at most alpha of comments
carry any "significant" label (``python bench/label_calibration.py`` measures it). The
overall labels, which decide the headline verdict, share half of alpha
(:data:`OVERALL_SHARE`) and every other label shares the rest, so the headline keeps most of
its power.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

IMPROVEMENT = "significant improvement"
REGRESSION = "significant regression"
NOISE = "within noise"
NO_DATA = "no paired rows"
ADJUSTMENT = "holm"
OVERALL_SHARE = 0.5
ADJUSTMENT_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg"}


def label_for(delta: float | None, p_value: float | None, alpha: float) -> str:
    """The plain-language label for a paired comparison.

    Args:
        delta: Mean head score minus mean base score.
        p_value: Two-sided p-value of the paired test.
        alpha: Significance level.
    """
    if delta is None or p_value is None:
        return NO_DATA
    if p_value < alpha and delta > 0:
        return IMPROVEMENT
    if p_value < alpha and delta < 0:
        return REGRESSION
    return NOISE


def _is_binary(values: Sequence[float]) -> bool:
    return all(v in (0.0, 1.0) for v in values)


def compare_paired(
    base: Sequence[float | None],
    head: Sequence[float | None],
    alpha: float = 0.05,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Compare paired base/head scores of the same rows.

    Pairs where either side is ``None`` (not evaluated) are dropped and counted.

    Args:
        base: Base-revision scores, row by row.
        head: Head-revision scores, same rows in the same order.
        alpha: Significance level for the label.
        resamples: Bootstrap / permutation draws.
        confidence: Confidence level of the interval of the delta.
        seed: Random seed (results are reproducible).

    Returns:
        ``{"n", "dropped", "base", "head", "delta", "ci_low", "ci_high", "p_value",
        "test", "label", "improved", "regressed", "ties"}``.
    """
    from prodbench.core import stats

    if len(base) != len(head):
        raise ValueError(f"paired samples differ in length: {len(base)} != {len(head)}")
    pairs = [(float(b), float(h)) for b, h in zip(base, head, strict=True) if b is not None and h is not None]
    result: dict[str, Any] = {"n": len(pairs), "dropped": len(base) - len(pairs), "base": None, "head": None,
                              "delta": None, "ci_low": None, "ci_high": None, "p_value": None,
                              "test": None, "label": NO_DATA, "improved": 0, "regressed": 0, "ties": 0}
    if not pairs:
        return result
    base_vals = [b for b, _ in pairs]
    head_vals = [h for _, h in pairs]
    n = len(pairs)
    result["base"] = round(sum(base_vals) / n, 6)
    result["head"] = round(sum(head_vals) / n, 6)
    result["delta"] = round(result["head"] - result["base"], 6)
    result["improved"] = sum(1 for b, h in pairs if h > b)
    result["regressed"] = sum(1 for b, h in pairs if h < b)
    result["ties"] = n - result["improved"] - result["regressed"]
    if result["improved"] == 0 and result["regressed"] == 0:
        result.update(ci_low=0.0, ci_high=0.0, p_value=1.0, test="identical")
    elif _is_binary(base_vals) and _is_binary(head_vals):
        test = stats.mcnemar([b == 1.0 for b in base_vals], [h == 1.0 for h in head_vals])
        boot = stats.paired_bootstrap(base_vals, head_vals, confidence=confidence, resamples=resamples, seed=seed)
        result.update(p_value=test["p_value"], test="mcnemar", ci_low=boot["ci_low"], ci_high=boot["ci_high"])
    else:
        boot = stats.paired_bootstrap(base_vals, head_vals, confidence=confidence, resamples=resamples, seed=seed)
        result.update(p_value=boot["p_value"], test="sign-flip permutation", ci_low=boot["ci_low"],
                      ci_high=boot["ci_high"])
    if result["p_value"] is not None:
        result["p_value"] = round(float(result["p_value"]), 6)
    result["label"] = label_for(result["delta"], result["p_value"], alpha)
    return result


def comment_comparisons(models: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every paired comparison a comment shows: per compared model overall, golden, task types, difficulties."""
    found = []
    for model in models.values():
        if "overall" not in model:
            continue
        found += [model["overall"], model["golden"], *model["by_task_type"].values(),
                  *model["by_difficulty"].values()]
    return [c for c in found if isinstance(c, dict)]


def adjust_labels(models: dict[str, dict[str, Any]], alpha: float, method: str = ADJUSTMENT) -> int:
    """Adjust the p-values of every label in one comment together and relabel them (in place).

    Each comparison keeps its test's own p-value as ``p_raw``; ``p_value`` becomes the
    adjusted one and ``label`` follows it, so the headline verdict (the overall labels) is
    read from the same adjusted family. Comparisons with no changed row (``identical``) stay
    out of the family. With ``holm`` the overall labels share
    :data:`OVERALL_SHARE` of alpha and the other labels the rest (weighted Holm); ``bh``
    weighs every label alike.

    Args:
        models: The diff document's ``models`` (compared models have ``overall`` etc.).
        alpha: Significance level.
        method: ``holm`` (family-wise error) or ``bh`` (false discovery rate).

    Returns:
        The number of tested labels in the family.
    """
    from prodbench.core.stats import adjust_p_values

    overall = {id(m["overall"]) for m in models.values() if isinstance(m.get("overall"), dict)}
    # A comparison whose rows are all unchanged ("identical", e.g. a model whose responses came
    # from the shared cache on both sides) cannot raise a label; it does not take a share of alpha.
    tested = [c for c in comment_comparisons(models) if c.get("p_value") is not None and c.get("test") != "identical"]
    n_overall = sum(1 for c in tested if id(c) in overall)
    n_other = len(tested) - n_overall
    weights = None
    if method == "holm" and n_overall and n_other:
        weights = [OVERALL_SHARE / n_overall if id(c) in overall else (1 - OVERALL_SHARE) / n_other for c in tested]
    adjusted = adjust_p_values([float(c["p_value"]) for c in tested], method, weights)
    for comparison, p_adj in zip(tested, adjusted, strict=True):
        comparison["p_raw"] = comparison["p_value"]
        comparison["p_value"] = round(p_adj, 6)
        comparison["label"] = label_for(comparison["delta"], comparison["p_value"], alpha)
    return len(tested)
