"""Plot helpers: labels never overlap once there are many launches; the rank trend is monotone."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402

from prodbench.production.plots import ALWAYS_LABEL, place_labels, rank_trend, slug  # noqa: E402


def _boxes(fig, texts):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def test_crowded_labels_do_not_overlap() -> None:
    rng = np.random.default_rng(0)
    n = ALWAYS_LABEL + 25
    xs, ys = rng.normal(0, 1, n).tolist(), rng.normal(0, 1, n).tolist()
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(xs, ys)
    texts, omitted = place_labels(ax, xs, ys, [f"2026.{i:02d}" for i in range(n)])
    boxes = _boxes(fig, texts)
    assert len(texts) + omitted == n
    assert len(texts) > n // 3  # most labels still find a free spot
    assert all(box.width > 10 for box in boxes)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    plt.close(fig)


def test_few_points_are_all_labelled_without_overlap_when_there_is_room() -> None:
    xs = [0.50, 0.51, 0.52, 0.70, 0.90]
    ys = [0.60, 0.61, 0.60, 0.75, 0.80]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(xs, ys)
    texts, omitted = place_labels(ax, xs, ys, ["v1", "v2", "v3", "v4", "v5"])
    assert omitted == 0 and len(texts) == 5
    boxes = _boxes(fig, texts)
    assert all(box.width > 5 for box in boxes)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    plt.close(fig)


def test_rank_trend_is_monotone_and_stays_in_the_data_range() -> None:
    xs = [0.1, 0.4, 0.35, 0.8, 0.6, 0.9]
    ys = [1.0, 3.0, 2.0, 10.0, 4.0, 6.0]
    grid, trend = rank_trend(xs, ys)
    assert grid[0] == min(xs) and grid[-1] == max(xs)
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(trend))
    assert min(ys) <= min(trend) and max(trend) <= max(ys)
    falling = rank_trend(xs, [-y for y in ys])[1]
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(falling))
    assert rank_trend([0.5, 0.5, 0.5], [1.0, 2.0, 3.0]) is None


def test_slug_makes_file_names() -> None:
    assert slug("difficulty:hard") == "difficulty_hard"
    assert slug("open_writing") == "open_writing"
