"""``prodbench coverage``: the task type x difficulty coverage table against targets."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prodbench.commands._common import AliasedOption


@click.command("coverage")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "md"]),
    default="text",
    show_default=True,
    envvar="PRODBENCH_COVERAGE_FORMAT",
    help="text: terminal tables; json: the full table (sorted keys); md: GitHub markdown. "
    "[env: PRODBENCH_COVERAGE_FORMAT]",
)
@click.option(
    "--set",
    "set_names",
    type=click.Choice(["golden", "rotating", "all"]),
    multiple=True,
    help="Show only these sets (repeatable; default: golden, rotating and all). "
    "The metrics file always holds every set.",
)
@click.option(
    "--metrics",
    "metrics_file",
    cls=AliasedOption,
    hidden_aliases=("--metrics-file",),
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the JSON table (default: metrics/coverage.json under the project root).",
)
@click.option("--no-write", is_flag=True, help="Do not write the metrics file.")
@click.option(
    "--strict",
    is_flag=True,
    help="Exit with code 1 when a cell of the golden + rotating benchmark is below coverage.min_per_cell.",
)
def command(
    output_format: str, set_names: tuple[str, ...], metrics_file: Path | None, no_write: bool, strict: bool
) -> None:
    """Show the task type x difficulty coverage table against targets.

    Counts prompts per cell for the golden set, the current rotating slice
    (params.yaml rotation.current) and both together, with each row's share, the
    target share from params.yaml coverage, and the shortfall (prompts missing to
    reach the target count or coverage.min_per_cell). Cells below the minimum are
    flagged. Writes metrics/coverage.json (sorted keys, stable for `dvc metrics diff`).

    \b
    Examples:
      prodbench coverage
      prodbench coverage --format md --set all
      prodbench coverage --format json --no-write | jq .sets.all.below_min
    """
    from prodbench.commands._common import load_context
    from prodbench.core.coverage import SETS, coverage_markdown, coverage_table, render_rich
    from prodbench.core.fsutil import dumps_stable, write_json
    from prodbench.core.prompts import load_prompts

    project, params = load_context()
    table = coverage_table(load_prompts(project, params), params)
    if not no_write:
        write_json(metrics_file or project.metrics_dir / "coverage.json", table)
    shown = [s for s in SETS if s in set_names] if set_names else list(SETS)
    if output_format == "json":
        if set_names:
            table = {**table, "sets": {s: table["sets"][s] for s in shown}}
        click.echo(dumps_stable(table).decode("utf-8"), nl=False)
    elif output_format == "md":
        click.echo(coverage_markdown(table, shown), nl=False)
    else:
        from rich.console import Console

        console = Console(width=None if sys.stdout.isatty() else 120)
        for renderable in render_rich(table, shown):
            console.print(renderable)
    if strict and table["sets"]["all"]["below_min"]:
        click.echo(f"{len(table['sets']['all']['below_min'])} cell(s) below coverage.min_per_cell", err=True)
        click.get_current_context().exit(1)
