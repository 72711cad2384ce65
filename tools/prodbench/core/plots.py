"""Matplotlib plots of the score stage's metrics (Agg backend, PNG).

One palette keyed by model name (:func:`model_colors`) so a model keeps its colour in
every plot (the diff engineer's plots reuse it). Every plot has a title, labelled axes
and a legend outside the data area; long category labels are wrapped, never overlapped.

matplotlib is imported inside the functions (this module is imported by light commands).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# Okabe-Ito colour-blind-safe palette (black moved last), then tab10 extras.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#8C564B", "#7F7F7F")
DPI = 110


def model_colors(names: Iterable[str]) -> dict[str, str]:
    """A stable colour per model: models are sorted by name and take palette colours in turn.

    Pass every model of the benchmark (e.g. ``params["models"]``) so a model keeps its
    colour across plots even when some plots show a subset.
    """
    ordered = sorted(set(names))
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(ordered)}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _wrap(label: str, width: int = 12) -> str:
    return "\n".join(textwrap.wrap(label.replace("_", " "), width, break_long_words=False)) or label


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    tmp.replace(path)
    _pyplot().close(fig)
    return path


def _n_label(group: str, stats_by_model: dict[str, dict[str, dict[str, Any] | None]]) -> str:
    """``n=12`` (or ``n=10-12`` when models scored different numbers of rows) for a group."""
    ns = sorted({(stats.get(group) or {}).get("n", 0) for stats in stats_by_model.values() if stats})
    if not ns:
        return "n=0"
    return f"n={ns[0]}" if len(ns) == 1 else f"n={ns[0]}-{ns[-1]}"


def grouped_scores(
    groups: Sequence[str],
    stats_by_model: dict[str, dict[str, dict[str, Any] | None]],
    colors: dict[str, str],
    title: str,
    xlabel: str,
    path: Path,
) -> Path:
    """Grouped bar chart: mean score per group and model with 95% CI error bars.

    Args:
        groups: Categories on the x axis, in display order.
        stats_by_model: ``{model: {group: STAT}}`` (STAT as in metrics/scores.json).
        colors: Colour per model (:func:`model_colors`).
        title: Plot title.
        xlabel: x-axis label.
        path: Output PNG.
    """
    plt = _pyplot()
    models = list(stats_by_model)
    width = 0.8 / max(1, len(models))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(groups) * max(1, len(models)) ** 0.5 + 2), 4.4))
    for i, model in enumerate(models):
        xs, means, lows, highs = [], [], [], []
        for j, group in enumerate(groups):
            stat = (stats_by_model[model] or {}).get(group)
            if not stat or stat.get("mean") is None:
                continue
            mean = stat["mean"]
            lo = stat["ci_low"] if stat.get("ci_low") is not None else mean
            hi = stat["ci_high"] if stat.get("ci_high") is not None else mean
            xs.append(j - 0.4 + width * (i + 0.5))
            means.append(mean)
            lows.append(mean - lo)
            highs.append(hi - mean)
        ax.bar(xs, means, width * 0.92, yerr=[lows, highs], capsize=3, color=colors.get(model),
               label=model, error_kw={"elinewidth": 1, "ecolor": "#333333"})
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"{_wrap(g)}\n{_n_label(g, stats_by_model)}" for g in groups], fontsize=9)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("mean score (0-1), 95% CI")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(title="model", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, path)


def coverage_heatmap(coverage: dict[str, Any], path: Path, title: str = "Coverage: prompts per cell vs target") -> Path:
    """Heatmap of prompt counts per task type x difficulty, annotated ``count / target``.

    Cells are coloured by count / target (red = short of target, green = at or above it).

    Args:
        coverage: ``{"task_types", "difficulties", "counts": {tt: {d: n}}, "targets": {tt: {d: x}}}``.
        path: Output PNG.
        title: Plot title.
    """
    plt = _pyplot()
    from matplotlib.colors import LinearSegmentedColormap

    rows, cols = coverage["task_types"], coverage["difficulties"]
    ratio = []
    for tt in rows:
        line = []
        for d in cols:
            count, target = coverage["counts"][tt][d], coverage["targets"][tt][d]
            line.append(min(count / target, 1.5) if target else 1.5)
        ratio.append(line)
    cmap = LinearSegmentedColormap.from_list("coverage", ["#d73027", "#fee08b", "#1a9850", "#1a9850"])
    fig, ax = plt.subplots(figsize=(1.5 * len(cols) + 3.0, 0.55 * len(rows) + 1.8))
    image = ax.imshow(ratio, cmap=cmap, vmin=0, vmax=1.5, aspect="auto")
    for i, tt in enumerate(rows):
        for j, d in enumerate(cols):
            count, target = coverage["counts"][tt][d], coverage["targets"][tt][d]
            ax.text(j, i, f"{count} / {target:.1f}", ha="center", va="center", fontsize=9,
                    color="white" if ratio[i][j] < 0.35 else "black")
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r.replace("_", " ") for r in rows])
    ax.set_xlabel("difficulty")
    ax.set_ylabel("task type")
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
    bar.set_label("count / target (capped at 1.5)")
    return _save(fig, path)


def latency_cost(metrics: dict[str, Any], colors: dict[str, str], path: Path) -> Path:
    """Two panels per model: latency percentiles (p50/p90/p99) and tokens or cost per prompt."""
    plt = _pyplot()
    models = list(metrics["models"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(8.0, 1.6 * len(models) + 6), 4.2))
    labels = ("p50", "p90", "p99")
    width = 0.8 / len(labels)
    shades = (1.0, 0.7, 0.45)
    for i, model in enumerate(models):
        lat = metrics["models"][model].get("latency_s") or {}
        for k, label in enumerate(labels):
            value = lat.get(label)
            if value is None:
                continue
            left.bar(i - 0.4 + width * (k + 0.5), value, width * 0.92, color=colors.get(model), alpha=shades[k])
    left.set_xticks(range(len(models)))
    left.set_xticklabels([_wrap(m, 16) for m in models], fontsize=9)
    left.set_ylabel("seconds per prompt")
    left.set_xlabel("model")
    left.set_title("Latency percentiles (p50 / p90 / p99)")
    left.grid(axis="y", alpha=0.3)
    left.set_axisbelow(True)
    from matplotlib.patches import Patch

    top = max([v for m in models for v in (metrics["models"][m].get("latency_s") or {}).values() if v] or [1.0])
    left.set_ylim(0, top * 1.3)
    left.legend(handles=[Patch(color="#555555", alpha=a, label=lbl) for lbl, a in zip(labels, shades, strict=True)],
                title="bars left to right", loc="upper center", ncol=3, frameon=False, fontsize=8, title_fontsize=8)

    has_cost = any(metrics["models"][m].get("cost_usd") for m in models)
    values = []
    for model in models:
        data = metrics["models"][model]
        n = max(1, data.get("n_rows") or data["overall"].get("n") or 1)
        values.append((data.get("cost_usd") or 0.0) / n if has_cost else (data.get("tokens") or {}).get(
            "total_tokens", 0) / n)
    right.bar(range(len(models)), values, 0.6, color=[colors.get(m) for m in models])
    for x, value in enumerate(values):
        right.annotate(f"{value:.4g}", (x, value), ha="center", va="bottom", fontsize=8)
    right.set_xticks(range(len(models)))
    right.set_xticklabels([_wrap(m, 16) for m in models], fontsize=9)
    right.set_xlabel("model")
    right.set_ylabel("USD per prompt" if has_cost else "tokens per prompt (prompt + completion)")
    right.set_title("Cost per prompt" if has_cost else "Tokens per prompt (no provider cost reported)")
    right.grid(axis="y", alpha=0.3)
    right.set_axisbelow(True)
    fig.tight_layout()
    return _save(fig, path)


def write_plots(metrics: dict[str, Any], coverage: dict[str, Any], params: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write every report plot as PNG into ``out_dir``; returns the paths.

    Files: ``scores_by_task_type.png``, ``scores_by_difficulty.png``, ``coverage.png``,
    ``latency_cost.png``.
    """
    colors = model_colors([*(params.get("models") or {}), *metrics["models"]])
    taxonomy = params.get("taxonomy") or {}
    task_types = [t for t in (taxonomy.get("task_types") or {}) if any(
        t in m["by_task_type"] for m in metrics["models"].values())]
    task_types += sorted({t for m in metrics["models"].values() for t in m["by_task_type"]} - set(task_types))
    difficulties = [d for d in taxonomy.get("difficulties") or [] if any(
        d in m["by_difficulty"] for m in metrics["models"].values())]
    difficulties += sorted({d for m in metrics["models"].values() for d in m["by_difficulty"]} - set(difficulties))
    paths = []
    if metrics["models"]:
        paths.append(grouped_scores(task_types, {m: v["by_task_type"] for m, v in metrics["models"].items()}, colors,
                                    "Score by task type (95% bootstrap CI)", "task type",
                                    out_dir / "scores_by_task_type.png"))
        paths.append(grouped_scores(difficulties, {m: v["by_difficulty"] for m, v in metrics["models"].items()},
                                    colors, "Score by difficulty (95% bootstrap CI)", "difficulty",
                                    out_dir / "scores_by_difficulty.png"))
        paths.append(latency_cost(metrics, colors, out_dir / "latency_cost.png"))
    if coverage["task_types"] and coverage["difficulties"]:
        paths.append(coverage_heatmap(coverage, out_dir / "coverage.png"))
    return paths
