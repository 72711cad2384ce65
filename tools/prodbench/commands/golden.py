"""``prodbench golden``: freeze, bump and check the golden-set lock (prompts/golden.lock)."""

from __future__ import annotations

import click

from prodbench.commands._common import load_context


@click.group("golden")
def command() -> None:
    """Freeze, bump or check the golden-set lock (prompts/golden.lock).

    The lock holds a content hash per golden record, a version and a reason;
    `prodbench validate` fails on any golden edit, removal or addition the lock does
    not record.
    """


@command.command("freeze")
@click.option("--reason", default="initial golden set", show_default=True, help="Why the set is frozen.")
def freeze_cmd(reason: str) -> None:
    """Write prompts/golden.lock for the current golden set (first time only)."""
    from prodbench.data.golden import freeze

    project, _ = load_context()
    lock = freeze(project, reason)
    click.echo(f"{project.rel(project.golden_lock)}: version {lock['version']}, {lock['count']} records "
               f"(set hash {lock['set_hash']})")


@command.command("bump")
@click.option("--reason", required=True, help="Why the golden set changes (kept in the lock history).")
def bump_cmd(reason: str) -> None:
    """Record a deliberate golden-set change: new version, reason, changed ids."""
    from prodbench.data.golden import bump

    project, _ = load_context()
    lock = bump(project, reason)
    last = lock["history"][-1]
    summary = ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in last.items()
                        if k in ("added", "removed", "changed"))
    click.echo(f"{project.rel(project.golden_lock)}: version {lock['version']} ({summary})")


@command.command("check")
def check_cmd() -> None:
    """Compare the golden set with the lock (the same check validate runs)."""
    from prodbench.data.golden import check_lock

    project, _ = load_context()
    problems = check_lock(project)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.get_current_context().exit(1)
    click.echo("golden set matches the lock")
