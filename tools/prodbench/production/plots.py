"""Plots of ``prodbench correlate`` (matplotlib, Agg backend).

- ``scatter_<slice>.png``: benchmark score of the slice vs each production metric, one
  panel per metric, each launch labelled with its version, plus the fitted rank trend
  (a least-squares line in rank space mapped back to the data, so it is monotone and
  insensitive to outliers, like Spearman rho). The y axis points towards "better":
  lower-is-better metrics are drawn with an inverted axis.
- ``heatmap_rho.png``: Spearman rho by slice x metric.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prodbench.core.fsutil import atomic_write_bytes

TREND_COLOURS = {"predicts": "#1a7f37", "inverse": "#cf222e"}
PANEL_COLUMNS = 3
ALWAYS_LABEL = 15  # up to this many launches every point is labelled, overlap or not
VERDICT_WORDS = {"predicts": "predicts", "inverse": "inverse (worse outcomes)", "no_signal": "does not predict",
                 "insufficient": "too few launches", "undefined": "no variation"}
_OFFSETS = [(7, 7, "left", "bottom"), (7, -7, "left", "top"), (-7, 7, "right", "bottom"),
            (-7, -7, "right", "top"), (0, 10, "center", "bottom"), (0, -10, "center", "top"),
            (10, 0, "left", "center"), (-10, 0, "right", "center"), (14, 14, "left", "bottom"),
            (-14, -14, "right", "top"), (14, -14, "left", "top"), (-14, 14, "right", "bottom")]


def slug(name: str) -> str:
    """File-name-safe form of a slice name (``difficulty:hard`` -> ``difficulty_hard``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "slice"


def _save(fig: Any, path: Path) -> Path:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def rank_trend(xs: list[float], ys: list[float], points: int = 200) -> tuple[list[float], list[float]] | None:
    """Monotone trend: regress rank(y) on rank(x), map the fitted ranks back to data values.

    Returns:
        Grid x values and trend y values, or None with fewer than 2 distinct x or y.
    """
    import numpy as np
    from scipy.stats import rankdata

    x, y = np.asarray(xs, float), np.asarray(ys, float)
    if len(np.unique(x)) < 2 or len(np.unique(y)) < 2:
        return None
    rx, ry = rankdata(x), rankdata(y)
    slope, intercept = np.polyfit(rx, ry, 1)
    ux, ix = np.unique(x, return_index=True)
    uy, iy = np.unique(y, return_index=True)
    grid = np.linspace(ux[0], ux[-1], points)
    fitted_rank = intercept + slope * np.interp(grid, ux, rx[ix])
    return grid.tolist(), np.interp(fitted_rank, ry[iy], uy).tolist()


def _overlap(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(
    ax: Any, xs: list[float], ys: list[float], labels: list[str], avoid: list[tuple[float, float]] | None = None
) -> tuple[list[Any], int]:
    """Annotate points, trying several offsets per label so labels do not overlap.

    Each label takes the first offset whose box overlaps no earlier label, no marker, no
    point of ``avoid`` (e.g. the trend line) and stays inside the axes; failing that, the
    offset with the least overlap. With many points (more than ``ALWAYS_LABEL``), a label
    that cannot avoid another label is left out rather than drawn over it.

    Returns:
        The text artists and the number of labels left out.
    """
    import numpy as np

    renderer = ax.figure.canvas.get_renderer()
    ax.get_xlim(), ax.get_ylim()  # apply pending autoscaling before transforming data points
    axes_box = ax.get_window_extent(renderer)
    scale = ax.figure.dpi / 72.0
    obstacles = [(*ax.transData.transform((x, y)), 4.0) for x, y in zip(xs, ys, strict=True)]
    obstacles += [(*ax.transData.transform((x, y)), 2.0) for x, y in avoid or []]
    fixed = np.array([(px - r, py - r, px + r, py + r) for px, py, r in obstacles]).reshape(-1, 4)
    placed = np.empty((0, 4))

    def overlap(box: np.ndarray, others: np.ndarray) -> float:
        if not len(others):
            return 0.0
        w = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
        h = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
        return float(np.sum(np.clip(w, 0, None) * np.clip(h, 0, None)))

    texts, omitted = [], 0
    for x, y, label in zip(xs, ys, labels, strict=True):
        probe = ax.text(x, y, label, fontsize=8)  # a plain Text measures before the first draw
        extent = probe.get_window_extent(renderer)
        probe.remove()
        width, height = extent.width * 1.05, extent.height * 1.1
        px, py = ax.transData.transform((x, y))
        best = None
        for dx, dy, ha, va in _OFFSETS:
            ax0 = px + dx * scale - {"left": 0, "center": width / 2, "right": width}[ha]
            ay0 = py + dy * scale - {"bottom": 0, "center": height / 2, "top": height}[va]
            box = np.array([ax0, ay0, ax0 + width, ay0 + height])
            label_cost = overlap(box, placed)
            outside = (max(0, axes_box.x0 - box[0]) + max(0, box[2] - axes_box.x1)
                       + max(0, axes_box.y0 - box[1]) + max(0, box[3] - axes_box.y1))
            cost = label_cost * 4 + overlap(box, fixed) + outside * 50
            if best is None or cost < best[0]:
                best = (cost, label_cost, box, dx, dy, ha, va)
            if cost == 0:
                break
        assert best is not None  # _OFFSETS is not empty
        _cost, label_cost, box, dx, dy, ha, va = best
        if label_cost > 0 and len(xs) > ALWAYS_LABEL:
            omitted += 1
            continue
        texts.append(ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                 fontsize=8, color="#24292f"))
        placed = np.vstack([placed, box])
    return texts, omitted


def _metric_label(name: str, meta: dict[str, Any]) -> str:
    better = "higher is better" if meta["direction"] == "higher_is_better" else "lower is better, axis inverted"
    return f"{name} ({meta['kind']}; {better})"


def scatter_figure(doc: dict[str, Any], slice_name: str) -> Any:
    """One figure per slice: a panel per production metric."""
    import math

    import matplotlib.pyplot as plt

    metrics = list(doc["metrics"])
    cols = min(PANEL_COLUMNS, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.4 * rows), squeeze=False)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    trends: list[list[tuple[float, float]]] = []
    for ax, metric in zip(axes.flat, metrics, strict=False):
        cell = doc["results"][slice_name][metric]
        meta = doc["metrics"][metric]
        pts = cell["points"]
        xs = [p["benchmark"] for p in pts]
        ys = [p["production"] for p in pts]
        ax.scatter(xs, ys, s=36, color="#0969da", zorder=3, label="launch (labelled by version)")
        if meta["direction"] == "lower_is_better":
            ax.invert_yaxis()
        trend = rank_trend(xs, [meta["sign"] * y for y in ys]) if pts else None
        trends.append([])
        if trend is not None:
            tx, ty = trend
            trends[-1] = [(a, meta["sign"] * b) for a, b in zip(tx, ty, strict=True)]
            ax.plot(tx, [meta["sign"] * v for v in ty], linestyle="--", linewidth=1.6,
                    color=TREND_COLOURS.get(cell["verdict"], "#6e7781"), zorder=2, label="fitted rank trend")
        if pts:
            xpad = (max(xs) - min(xs)) * 0.15 or 0.05
            ypad = (max(ys) - min(ys)) * 0.15 or abs(ys[0]) * 0.1 or 0.05
            ax.set_xlim(min(xs) - xpad, max(xs) + xpad)
            lo, hi = min(ys) - ypad, max(ys) + ypad
            ax.set_ylim((hi, lo) if meta["direction"] == "lower_is_better" else (lo, hi))
        rho = cell["spearman"]
        if rho["value"] is None:
            stat = f"n={cell['n']}: correlation undefined" if cell["n"] >= 3 else f"n={cell['n']}: too few launches"
        else:
            ci = "" if rho["ci_low"] is None else f" [{rho['ci_low']:.2f}, {rho['ci_high']:.2f}]"
            stat = f"rho {rho['value']:.2f}{ci}, n={cell['n']}"
        verdict = VERDICT_WORDS.get(cell["verdict"], "")
        ax.set_title(f"{metric} vs {slice_name} ({cell['scope']})\n{stat}: {verdict}", fontsize=10)
        ax.set_xlabel(f"benchmark score: {slice_name} (mean)")
        ax.set_ylabel(_metric_label(metric, meta), fontsize=9)
        ax.grid(True, alpha=0.3)
        if pts:
            ax.legend(loc="best", fontsize=8, framealpha=0.85)
    fig.suptitle(f"Does the {slice_name} score predict production? (one point per launch)", fontsize=12)
    fig.tight_layout()
    for ax, metric, trend_points in zip(axes.flat, metrics, trends, strict=False):
        pts = doc["results"][slice_name][metric]["points"]
        if pts:
            _texts, omitted = place_labels(ax, [p["benchmark"] for p in pts], [p["production"] for p in pts],
                                           [p["label"] for p in pts], avoid=trend_points)
            if omitted:
                ax.text(0.99, 0.01, f"{omitted} label(s) left out to avoid overlap", transform=ax.transAxes,
                        ha="right", va="bottom", fontsize=7, color="#57606a")
    return fig


def heatmap_figure(doc: dict[str, Any]) -> Any:
    """Spearman rho by slice (rows) x production metric (columns)."""
    import matplotlib.pyplot as plt
    import numpy as np

    slices, metrics = doc["slices"], list(doc["metrics"])
    values = np.array([[doc["results"][s][m]["spearman"]["value"] if doc["results"][s][m]["verdict"] != "insufficient"
                        else None for m in metrics] for s in slices], dtype=float)
    fig, ax = plt.subplots(figsize=(2.6 + 1.9 * len(metrics), 1.6 + 0.5 * len(slices)))
    cmap = plt.get_cmap("RdBu").with_extremes(bad="#eaeef2")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-1, vmax=1, aspect="auto")
    for i, s in enumerate(slices):
        for j, m in enumerate(metrics):
            cell = doc["results"][s][m]
            value = cell["spearman"]["value"]
            if cell["verdict"] == "insufficient":
                text, colour = f"n={cell['n']}\ntoo few", "#57606a"
            elif value is None:
                text, colour = "no\nvariation", "#57606a"
            else:
                mark = {"predicts": " ✓", "inverse": " ✗"}.get(cell["verdict"], "")
                text = f"{value:.2f}{mark}\nn={cell['n']}"
                colour = "white" if abs(value) > 0.6 else "#24292f"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color=colour,
                    fontweight="bold" if cell["verdict"] == "predicts" else "normal")
    ax.set_xticks(range(len(metrics)), [f"{m}\n({'↑' if doc['metrics'][m]['sign'] > 0 else '↓'} better)"
                                        for m in metrics], fontsize=9)
    ax.set_yticks(range(len(slices)), slices, fontsize=9)
    ax.set_xlabel("production metric")
    ax.set_ylabel("benchmark slice")
    ax.set_title("Spearman rho: benchmark slice vs production metric\n"
                 "✓ 95% CI above 0 (predicts), ✗ below 0; grey = too few launches", fontsize=10)
    bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
    bar.set_label("rho (> 0: higher score, better outcome)")
    fig.tight_layout()
    return fig


def write_plots(doc: dict[str, Any], plots_dir: Path) -> list[Path]:
    """Write the heatmap and one scatter figure per slice; remove stale ones.

    Returns:
        Paths written, heatmap first.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plots_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if doc["slices"] and doc["metrics"]:
        fig = heatmap_figure(doc)
        written.append(_save(fig, plots_dir / "heatmap_rho.png"))
        plt.close(fig)
        for slice_name in doc["slices"]:
            fig = scatter_figure(doc, slice_name)
            written.append(_save(fig, plots_dir / f"scatter_{slug(slice_name)}.png"))
            plt.close(fig)
    keep = {p.name for p in written}
    for old in [*plots_dir.glob("scatter_*.png"), *plots_dir.glob("heatmap_*.png")]:
        if old.name not in keep:
            old.unlink()
    return written
