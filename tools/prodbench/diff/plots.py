"""Matplotlib PNGs of a diff (shipped in the workflow artifact; the comment uses Mermaid)."""

from __future__ import annotations

import re
from pathlib import Path

from prodbench.diff.document import DiffDocument
from prodbench.diff.stats import IMPROVEMENT, REGRESSION


def write_plots(doc: DiffDocument, out_dir: Path) -> list[Path]:
    """Write one grouped bar chart per model: mean score per task type, base vs head.

    Args:
        doc: The (parsed) diff document.
        out_dir: Directory for the PNGs (created).

    Returns:
        The written paths.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from prodbench.core.plots import model_colors

    out_dir.mkdir(parents=True, exist_ok=True)
    colors = model_colors(doc.models)  # the same colour per model as the report
    paths = []
    for name, model in doc.models.items():
        by_task = model.by_task_type
        if not by_task:
            continue
        cats = list(by_task)
        base = [by_task[c].base or 0.0 for c in cats]
        head = [by_task[c].head or 0.0 for c in cats]
        fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(cats) + 2), 3.6))
        xs = range(len(cats))
        ax.bar([x - 0.2 for x in xs], base, width=0.4, label="base", color="#b8b8b8")
        ax.bar([x + 0.2 for x in xs], head, width=0.4, label="head", color=colors.get(name))
        for x, cat in zip(xs, cats, strict=True):
            if by_task[cat].label in (IMPROVEMENT, REGRESSION):
                ax.annotate("*", (x + 0.2, head[x]), ha="center", va="bottom", fontsize=14)
        ax.set_xticks(list(xs), cats, rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("mean score (paired rows)")
        ax.set_title(f"{name}: base vs head per task type (* significant)")
        ax.legend()
        fig.tight_layout()
        path = out_dir / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-task-types.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
