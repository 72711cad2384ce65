"""``prodbench correlate``: do benchmark scores predict production user metrics?"""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.commands._common import load_context

_path = click.Path(dir_okay=False, path_type=Path)


@click.command("correlate")
@click.option("--history", type=_path, default=None, help="Launch history (default: metrics/history.jsonl).")
@click.option("--production", "production_file", type=_path, default=None,
              help="Production metrics CSV/JSONL (default: production.metrics_file in params.yaml).")
@click.option("--report", type=_path, default=None, help="Markdown report (default: reports/correlation.md).")
@click.option("--json", "json_path", type=_path, default=None, help="JSON results (default: metrics/correlation.json).")
@click.option("--plots-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Plot directory (default: plots/correlation).")
@click.option("--no-plots", is_flag=True, help="Skip the plots (faster).")
@click.option("--if-present", is_flag=True,
              help="Exit 0 with a note when the production metrics file does not exist (for CI).")
def command(
    history: Path | None,
    production_file: Path | None,
    report: Path | None,
    json_path: Path | None,
    plots_dir: Path | None,
    no_plots: bool,
    if_present: bool,
) -> None:
    """Correlate launched versions' benchmark scores with production user metrics.

    Joins metrics/history.jsonl (from `prodbench launch record`) with the production
    metrics file by version; for the overall score, the golden and rotating sets, each task
    type and each difficulty, reports Spearman rho, Kendall tau-b and Pearson r with
    bootstrap 95% CIs, pairwise agreement and plain-words findings. Writes
    reports/correlation.md, metrics/correlation.json and plots/correlation/*.png.
    """
    from prodbench.production.correlate import Outputs, default_outputs, run_correlate

    project, params = load_context()
    default_file = (params.get("production") or {}).get("metrics_file", "data/production/metrics.csv")
    prod_path = production_file or project.root / default_file
    if if_present and not prod_path.is_file():
        click.echo(f"no production metrics at {project.rel(prod_path)} yet: nothing to correlate (see docs/production.md)")
        return
    defaults = default_outputs(project)
    outputs = Outputs(
        report or defaults.report,
        json_path or defaults.json,
        None if no_plots else (plots_dir or defaults.plots_dir),
    )
    doc = run_correlate(project, params, history=history, production_file=prod_path, outputs=outputs)
    for warning in doc["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    for metric, finding in zip(doc["metrics"], doc["findings"], strict=False):
        click.echo(f"{metric}: {finding}")
    written = [project.rel(outputs.report), project.rel(outputs.json)]
    if doc["plots"] and outputs.plots_dir is not None:
        written.append(f"{len(doc['plots'])} plot(s) in {project.rel(outputs.plots_dir)}")
    click.echo("wrote " + ", ".join(written))
