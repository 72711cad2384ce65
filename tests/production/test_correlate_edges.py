"""Correlation intervals at the edges: perfectly ordered launches never get a zero-width CI."""

from __future__ import annotations

import pytest

from prodbench.production.correlation_stats import correlate_pairs, edge_floor


@pytest.mark.parametrize("n", [5, 8, 20])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_perfectly_ordered_launches_get_a_real_interval(n: int, sign: float) -> None:
    x = [float(i) for i in range(n)]
    y = [sign * (v * v + 1) for v in x]
    result = correlate_pairs(x, y, resamples=300, seed=1)
    for method in ("spearman", "kendall", "pearson"):
        cell = result[method]
        assert cell["ci_low"] < cell["ci_high"], (method, cell)
        assert cell["ci_low"] <= cell["value"] <= cell["ci_high"]
    assert result["spearman"]["value"] == pytest.approx(sign)


def test_floor_narrows_with_more_launches_and_is_everything_when_too_few() -> None:
    assert edge_floor("kendall", 1.0, 4, 0.95) == (-1.0, 1.0)
    few = edge_floor("spearman", 1.0, 6, 0.95)
    many = edge_floor("spearman", 1.0, 30, 0.95)
    assert few[0] < many[0] < 1.0


def test_ordinary_correlations_keep_the_bootstrap_interval() -> None:
    x = [0.1, 0.5, 0.3, 0.9, 0.7, 0.2, 0.8, 0.4]
    y = [1.0, 2.5, 2.9, 3.1, 2.0, 0.5, 4.0, 1.5]
    from prodbench.production.correlation_stats import bootstrap_ci, cell_seed, pairwise_complete

    xa, ya = pairwise_complete(x, y)
    boot = bootstrap_ci(xa, ya, 300, 0.95, cell_seed(0, "a"))
    result = correlate_pairs(x, y, resamples=300, seed=cell_seed(0, "a"))
    assert result["spearman"]["ci_low"] == boot["spearman"]["ci_low"]
    assert result["spearman"]["ci_high"] == boot["spearman"]["ci_high"]
