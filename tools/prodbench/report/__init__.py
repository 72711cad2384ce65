"""The report stage: reports/report.md, plot data for ``dvc plots`` and the coverage cells they show.

Public API (used by ``prodbench report`` and the tests)::

    from prodbench.report import build_report, cells_from_table, plot_data
    cells = cells_from_table(coverage_table(records, params))   # prodbench.core.coverage
    text = build_report(metrics, score_rows, cells, params)      # deterministic markdown

PNG plots are drawn by :mod:`prodbench.core.plots` (matplotlib is imported only there, and
only when drawing), so importing this package stays cheap.
"""

from prodbench.report.stage import PLOT_FILES, build_report, cells_from_table, coverage_cells, plot_data

__all__ = ["PLOT_FILES", "build_report", "cells_from_table", "coverage_cells", "plot_data"]
