"""``prodbench review``: walk pending pool items in the terminal (accept/reject/edit)."""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.commands._common import load_context

ACTIONS = {"a": "accept", "r": "reject", "t": "edit task type", "d": "edit difficulty", "s": "skip", "q": "quit"}


@click.command("review")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reviewer", default=None,
              help="Name recorded on decisions [default: $PRODBENCH_REVIEWER, git user.name, $USER].")
@click.option("--limit", type=int, default=None, help="Stop after this many items.")
def command(files: tuple[Path, ...], reviewer: str | None, limit: int | None) -> None:
    """Walk pending pool items in the terminal (accept, reject, edit tags).

    Keys: [a]ccept, [r]eject, edit [t]ask type / [d]ifficulty, [s]kip, [q]uit. Each decision is saved immediately (atomic rewrite of that pool file), so quitting or
    an interruption loses nothing. Approved items carry the reviewer and the date;
    `prodbench rotate` samples only approved items. A rejected item is removed from the
    pool; only its id and content hash stay, in the PII ledger (prompts/pii.ledger),
    so a re-ingest never adds it back.
    """
    from prodbench.core.errors import UserError
    from prodbench.data.ledger import open_ledger
    from prodbench.data.review import decide, default_reviewer, iter_pending, reject, render, retag

    project, params = load_context()
    reviewer = reviewer or default_reviewer()
    if not reviewer:
        raise UserError("who is reviewing? pass --reviewer NAME (or set PRODBENCH_REVIEWER)", exit_code=2)
    taxonomy = params.get("taxonomy") or {}
    task_types = list(taxonomy.get("task_types") or {})
    difficulties = list(taxonomy.get("difficulties") or [])
    ledger = open_ledger(project.root, params)
    items = list(iter_pending(project, list(files) or None))
    if limit is not None:
        items = items[:limit]
    if not items:
        click.echo("no pending pool items")
        return
    done = {"approved": 0, "rejected": 0, "skipped": 0}
    legend = "  ".join(f"[{k}] {v}" for k, v in ACTIONS.items())
    for position, item in enumerate(items, start=1):
        while True:
            click.echo("")
            click.echo(render(item, project.rel(item.path), position, len(items)))
            choice = click.prompt(legend, type=click.Choice(list(ACTIONS)), show_choices=False)
            if choice == "q":
                _summary(done)
                return
            if choice == "s":
                done["skipped"] += 1
                break
            if choice == "a":
                decide(item, "approved", reviewer)
                done["approved"] += 1
                break
            if choice == "r":
                reject(item, ledger)
                done["rejected"] += 1
                break
            field, options = ("task_type", task_types) if choice == "t" else ("difficulty", difficulties)
            value = click.prompt(f"{field} ({', '.join(options)})", type=click.Choice(options), show_choices=False,
                                 default=str(item.record.get(field)))
            record = retag(item, field, value)
            item = type(item)(item.path, item.line, record)
    _summary(done)


def _summary(done: dict[str, int]) -> None:
    click.echo("\n" + ", ".join(f"{k} {v}" for k, v in done.items()))
