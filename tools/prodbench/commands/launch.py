"""``prodbench launch``: record launched model versions with their benchmark scores."""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.commands._common import AliasedOption, load_context


@click.group("launch")
def command() -> None:
    """Record launched model versions with their benchmark scores.

    The launch history (metrics/history.jsonl) says what the benchmark said about each
    shipped version.

    \b
    After each launch:
      prodbench launch record --model smollm2-support --version 2026.03
      git add metrics/history.jsonl && git commit -m "launch 2026.03"
    then `prodbench correlate` sets the history against production metrics.
    """


@command.command("record")
@click.option("--model", "-m", "model", required=True, metavar="NAME", help="Model name as scored in metrics/scores.json.")
@click.option("--version", "version", required=True, help="Launched version (join key with production metrics).")
@click.option("--date", "date", default=None, help="Launch date YYYY-MM-DD (default: today, UTC).")
@click.option(
    "--metrics",
    "scores_path",
    cls=AliasedOption,
    hidden_aliases=("--scores",),  # the spelling before options were made consistent
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Metrics document to read (default: metrics/scores.json).",
)
def record(model: str, version: str, date: str | None, scores_path: Path | None) -> None:
    """Record a launched version with its current benchmark scores.

    Appends MODEL at VERSION with the scores of metrics/scores.json to
    metrics/history.jsonl. Re-recording the same model and version replaces its entry (a note says so).
    """
    from prodbench.production.launch import record_launch

    project, params = load_context()
    result = record_launch(project, params, model, version, date, scores_path=scores_path)
    entry = result.entry
    overall = (entry["scores"].get("overall") or {}).get("mean")
    overall_text = f"{overall:.3f}" if isinstance(overall, (int, float)) else "n/a"
    bench = entry["benchmark"]
    if result.replaced is not None:
        click.echo(
            f"note: replaced the existing entry for {model} {entry['version']} "
            f"(recorded for {result.replaced.get('date', 'unknown date')})"
        )
    commit = (bench.get("commit") or "n/a")[:12]
    origin = "as scored" if bench.get("from") == "scores" else "current checkout: scores.json does not say"
    click.echo(
        f"recorded {model} {entry['version']} ({entry['date']}): overall {overall_text}, "
        f"golden lock {bench['golden_version'] or 'n/a'}, rotation {bench['rotation'] or 'none'}, "
        f"commit {commit} ({origin}) -> {project.rel(result.history_path)}"
    )
    if bench.get("uncommitted_changes"):
        click.echo(f"note: the scores were computed with uncommitted changes to prompts/ or params.yaml on top of {commit}")


@command.command("list")
def list_launches() -> None:
    """List recorded launches (model, version, date, overall score)."""
    from prodbench.production.launch import history_path, read_history

    project, _params = load_context()
    path = history_path(project)
    entries = read_history(path, project.rel(path))
    if not entries:
        click.echo(f"no launches recorded yet in {project.rel(path)}")
        return
    for entry in entries:
        overall = ((entry.get("scores") or {}).get("overall") or {}).get("mean")
        overall_text = f"{overall:.3f}" if isinstance(overall, (int, float)) else "n/a"
        click.echo(f"{entry.get('date', '?'):<10}  {entry['model']:<24} {str(entry['version']):<16} overall {overall_text}")
