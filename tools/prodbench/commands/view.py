"""``prodbench view``: the local page (Results, Diff, Review), its static export and the pool spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.commands._common import load_context


@click.command("view")
@click.option("--port", type=int, default=0, show_default=True, help="Port on 127.0.0.1 (0: a free random port).")
@click.option("--no-browser", is_flag=True, help="Print the URL instead of opening a browser.")
@click.option("--reviewer", default=None,
              help="Name recorded on review decisions [default: $PRODBENCH_REVIEWER, git user.name, $USER].")
@click.option("--diff", "diff_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The diff document of the Diff view [default: reports/diff.json].")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the Results and Diff views as one read-only HTML file in DIR and exit.")
@click.option("--pool-export", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the (filtered) pool to this .csv or .xlsx file and exit.")
@click.option("--pool-import", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Apply the decisions and edits of a filled-in .csv/.xlsx pool file (validated) and exit.")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected"]), default=None,
              help="--pool-export: only items with this review status.")
@click.option("--task-type", default=None, help="--pool-export: only items of this task type.")
@click.option("--source", type=click.Choice(["production", "pilot", "synthetic", "expert"]), default=None,
              help="--pool-export: only items from this source.")
@click.option("--needs-attention", is_flag=True, help="--pool-export: only items the tagger flagged.")
@click.option("--max-confidence", type=float, default=None, help="--pool-export: only items tagged with at most this confidence.")
def command(port: int, no_browser: bool, reviewer: str | None, diff_path: Path | None, export_dir: Path | None,
            pool_export: Path | None, pool_import: Path | None, status: str | None, task_type: str | None,
            source: str | None, needs_attention: bool, max_confidence: float | None) -> None:
    """Open a local page to read results, compare revisions and review the pool.

    The page has three views: Results (every model's answer per prompt, scores, scorer
    rationales, latency, tokens, cost; filters, sort, search), Diff (reports/diff.json:
    the significance summary, changed prompts with a text diff, row score changes) and
    Review (the pool: filters, bulk approve/reject, editing validated like `prodbench
    validate`, spreadsheet export/import, keyboard shortcuts).

    The server listens on 127.0.0.1 only, on a random port, and prints a URL with a
    one-time token; press Ctrl+C to stop it. --export DIR writes a self-contained
    read-only HTML file instead; --pool-export / --pool-import do the spreadsheet round
    trip from the terminal.
    """
    from prodbench.core.errors import UserError
    from prodbench.data.review import default_reviewer

    project, params = load_context()
    diff_path = diff_path or project.reports_dir / "diff.json"
    if sum(x is not None for x in (export_dir, pool_export, pool_import)) > 1:
        raise UserError("give one of --export, --pool-export, --pool-import", exit_code=2)
    if export_dir is not None:
        from prodbench.view.export import export_html

        path = export_html(project, params, export_dir, diff_path)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
        return
    if pool_export is not None:
        from prodbench.core.fsutil import atomic_write_bytes
        from prodbench.view.pool import filter_items, load_pool
        from prodbench.view.sheet import export_sheet

        fmt = pool_export.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise UserError(f"{pool_export}: the file must end in .csv or .xlsx", exit_code=2)
        items = filter_items(load_pool(project), status=status, task_type=task_type, source=source,
                             needs_attention=needs_attention, max_confidence=max_confidence)
        atomic_write_bytes(pool_export, export_sheet(items, fmt))
        click.echo(f"wrote {len(items)} pool items to {pool_export}")
        return
    reviewer = reviewer or default_reviewer()
    if pool_import is not None:
        from prodbench.view.sheet import import_sheet

        counts = import_sheet(project, params, pool_import.read_bytes(), pool_import.name, reviewer)
        click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))
        return
    from prodbench.view.server import ViewApp, ViewServer

    try:
        server = ViewServer(ViewApp(project, params, diff_path, reviewer), port)
        server.app.warm()
    except OSError as exc:
        raise UserError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror})", exit_code=2) from None
    click.echo(f"prodbench view: {server.url}\n(the token in the URL is this session's key; Ctrl+C stops)")
    if not no_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
