"""``prodbench view --export DIR``: the Results and Diff views as one self-contained, read-only HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prodbench.core.fsutil import atomic_write_text
from prodbench.core.project import Project
from prodbench.view.diffview import diff_payload
from prodbench.view.page import exported_page
from prodbench.view.results import results_payload

EXPORT_NAME = "prodbench-view.html"


def export_html(project: Project, params: dict[str, Any], out_dir: Path, diff_path: Path) -> Path:
    """Write ``DIR/prodbench-view.html`` (atomically) and return its path.

    The file holds the results and, when ``diff_path`` exists, the diff; it loads nothing
    from anywhere (its Content-Security-Policy allows only its own inlined script and style).
    """
    data = {"results": results_payload(project, params), "diff": diff_payload(project, diff_path)}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / EXPORT_NAME
    atomic_write_text(path, exported_page(data))
    return path


__all__ = ["EXPORT_NAME", "export_html"]
