"""Checked against production: the launch history and benchmark-vs-production correlation.

Modules (docs/production.md):

* ``launch``: ``prodbench launch record``: the benchmark scores of each shipped version,
  appended to ``metrics/history.jsonl``.
* ``inputs``: metric declarations, the production metrics file and its join with the history.
* ``correlate``: ``prodbench correlate``: the analysis (:func:`analyse`, pure) and the run
  that reads inputs and writes the report, JSON and plots.
* ``correlation_stats``: Spearman/Kendall/Pearson, bootstrap CIs, pairwise agreement (numpy, scipy).
* ``render``: the markdown report ``reports/correlation.md``.
* ``plots``: scatter and heatmap figures (matplotlib).

The names below are the public API. They are imported on first use, so importing this
package loads neither numpy, scipy nor matplotlib::

    from prodbench.production import record_launch, run_correlate
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prodbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from prodbench.production.correlate import (
        CorrelateSettings,
        Outputs,
        analyse,
        default_outputs,
        run_correlate,
    )
    from prodbench.production.correlation_stats import correlate_pairs
    from prodbench.production.inputs import (
        Joined,
        MetricDecl,
        Production,
        join,
        metric_decls,
        read_production,
    )
    from prodbench.production.launch import RecordResult, history_path, read_history, record_launch
    from prodbench.production.plots import write_plots
    from prodbench.production.render import render_markdown

_EXPORTS = {
    "CorrelateSettings": "correlate", "Outputs": "correlate", "analyse": "correlate",
    "default_outputs": "correlate", "run_correlate": "correlate",
    "correlate_pairs": "correlation_stats",
    "Joined": "inputs", "MetricDecl": "inputs", "Production": "inputs", "join": "inputs",
    "metric_decls": "inputs", "read_production": "inputs",
    "RecordResult": "launch", "history_path": "launch", "read_history": "launch", "record_launch": "launch",
    "write_plots": "plots",
    "render_markdown": "render",
}

__all__ = [
    "CorrelateSettings", "Joined", "MetricDecl", "Outputs", "Production", "RecordResult", "analyse",
    "correlate_pairs", "default_outputs", "history_path", "join", "metric_decls", "read_history",
    "read_production", "record_launch", "render_markdown", "run_correlate", "write_plots",
]

__getattr__ = lazy_attributes(__name__, _EXPORTS)
