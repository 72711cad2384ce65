"""``prodbench report``: the markdown report, PNG plots and plot data for ``dvc plots``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import orjson

from prodbench.commands._common import load_context
from prodbench.core.errors import Problem, UserError
from prodbench.core.fsutil import atomic_write_text, read_jsonl, write_json
from prodbench.core.project import Project
from prodbench.core.prompts import GOLDEN, ROTATING, load_prompts


def _read_inputs(project: Project, scores: Path, metrics: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    for path in (scores, metrics):
        if not path.is_file():
            raise UserError(f"{project.rel(path)} not found; run `prodbench score` (or `dvc repro`) first")
    try:
        rows = read_jsonl(scores)
    except ValueError as exc:
        raise UserError("", [Problem(project.rel(scores), 0, "", f"malformed JSONL: {exc}")]) from None
    try:
        document = orjson.loads(metrics.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UserError("", [Problem(project.rel(metrics), 0, "", f"malformed JSON: {exc}")]) from None
    if not isinstance(document, dict) or not isinstance(document.get("models"), dict):
        raise UserError("", [Problem(project.rel(metrics), 0, "models", "not a prodbench metrics document")])
    return rows, document


@click.command("report")
@click.option("--scores", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Per-row scores (default: results/scores.jsonl).")
@click.option("--metrics", "metrics_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Metrics document (default: metrics/scores.json).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Markdown report (default: reports/report.md).")
@click.option("--plots-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for PNG plots and plot data (default: plots/).")
@click.option("--no-plots", is_flag=True, help="Write only the markdown (and plot data), no PNGs.")
def command(scores: Path | None, metrics_path: Path | None, output: Path | None, plots_dir: Path | None,
            no_plots: bool) -> None:
    """Write the markdown report, PNG plots and plot data for `dvc plots`.

    Writes reports/report.md, PNG plots in plots/ and plot data in plots/data/ (for
    `dvc plots show`). Plots: score by task type and by difficulty per model (95% CI error bars), the
    coverage heatmap (task type x difficulty, counts vs targets) and latency/cost per
    model. Also writes metrics/coverage.json.
    """
    import os

    from prodbench.core.coverage import coverage_table
    from prodbench.report import build_report, cells_from_table, plot_data

    project, params = load_context()
    rows, metrics = _read_inputs(project, scores or project.results_dir / "scores.jsonl",
                                 metrics_path or project.metrics_dir / "scores.json")
    records = load_prompts(project, params, (GOLDEN, ROTATING))
    table = coverage_table(records, params)  # computed once: the report's cells and metrics/coverage.json
    cells = cells_from_table(table)
    out_plots = plots_dir or project.plots_dir
    for name, data in plot_data(metrics, records).items():
        write_json(out_plots / "data" / f"{name}.json", data)
    written: list[Path] = []
    if not no_plots:
        from prodbench.core.plots import write_plots

        written = write_plots(metrics, cells, params, out_plots)
    report_path = output or project.reports_dir / "report.md"
    prefix = Path(os.path.relpath(out_plots.resolve(), report_path.resolve().parent)).as_posix() + "/"
    atomic_write_text(report_path, build_report(metrics, rows, cells, params, prefix, [p.name for p in written]))
    write_json(project.metrics_dir / "coverage.json", table)
    click.echo(f"wrote {project.rel(report_path)} and {len(written)} plot(s) in {project.rel(out_plots)}")
