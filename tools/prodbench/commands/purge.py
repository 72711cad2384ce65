"""``prodbench purge``: remove a record or a leaked value from the prompt files and the future."""

from __future__ import annotations

import sys

import click

from prodbench.commands._common import load_context
from prodbench.data.anonymize.types import ENTITY_TYPES


@click.command("purge")
@click.option("--id", "ids", multiple=True, metavar="ID", help="Remove this record (repeatable).")
@click.option("--values", "from_stdin", is_flag=True,
              help="Read leaked values from stdin, one per line (never pass them as arguments: shell history).")
@click.option("--type", "kind", type=click.Choice(list(ENTITY_TYPES)), default="PERSON", show_default=True,
              help="Entity type the values are ledgered as (named in validate's message).")
def command(ids: tuple[str, ...], from_stdin: bool, kind: str) -> None:
    """Remove a record or a leaked value from the prompt files and ledger it.

    --id ID removes the record from every file under prompts/ and leaves a tombstone (id
    and content hash) in the PII ledger, so a re-ingest never adds it back. --values reads
    leaked values from stdin (one per line, so they stay out of shell history and the
    process list), replaces them with <REDACTED> in every prompt text, and ledgers their
    keyed hashes (needs $PRODBENCH_LEDGER_SALT) so `prodbench validate` fails if they
    come back. Then it prints the git filter-repo / BFG steps that remove the same texts
    from the history, reading them from a file under .git/.

    \b
    Examples:
      prodbench purge --id prod-3f2a9c1b4d5e
      prodbench purge --values --type PHONE < leaked.txt     # or type them, then Ctrl-D
    """
    from prodbench.core.errors import UserError
    from prodbench.data.ledger import open_ledger
    from prodbench.data.purge import history_steps, purge_records, purge_values, replacements_file

    if bool(ids) == from_stdin:
        raise UserError("give either --id ID (records) or --values (leaked values on stdin)", exit_code=2)
    project, params = load_context()
    ledger = open_ledger(project.root, params)
    if ids:
        result = purge_records(project, list(ids), ledger)
        for label, rid in result.removed:
            click.echo(f"{label}: removed {rid} (tombstone kept in the PII ledger)", err=True)
    else:
        if sys.stdin.isatty():
            click.echo("leaked values, one per line; end with Ctrl-D:", err=True)
        values = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        if not values:
            raise UserError("no values on stdin", exit_code=2)
        result = purge_values(project, [(kind, v) for v in values], ledger)
        for label, count in sorted(result.replaced.items()):
            click.echo(f"{label}: {count} occurrence(s) replaced with <REDACTED>", err=True)
        if not result.replaced:
            click.echo("no occurrence in the working tree's prompt files", err=True)
        if ledger.salt:
            click.echo(f"PII ledger: {result.ledgered} new value(s) of {len(values)}", err=True)
        else:
            click.echo("PII ledger: values not ledgered: no salt (set the salt env var, see docs/data.md)", err=True)
    if result.history_texts:
        click.echo(history_steps(replacements_file(project, result.history_texts)))
