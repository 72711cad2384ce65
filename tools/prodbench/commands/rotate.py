"""``prodbench rotate``: sample the quarterly rotating slice from the approved pool."""

from __future__ import annotations

import click

from prodbench.commands._common import load_context


@click.command("rotate")
@click.option("--period", required=True, help="Quarter label, e.g. 2027Q1 (slice goes to prompts/rotating/<period>/).")
@click.option("--size", type=int, default=None, help="Items in the slice [default: params rotation.size].")
@click.option("--seed", type=int, default=None, help="Sampling seed [default: params rotation.seed].")
@click.option("--force", is_flag=True, help="Re-sample a period that already has a slice.")
@click.option("--no-set-current", is_flag=True, help="Do not update rotation.current in params.yaml.")
def command(period: str, size: int | None, seed: int | None, force: bool, no_set_current: bool) -> None:
    """Sample the quarterly rotating slice from the approved pool (stratified, seeded).

    Writes prompts/rotating/<period>/. Picks approved pool items towards the coverage targets (golden set + slice), never overlapping
    the golden set or the last rotation.exclude_recent slices, with a seeded shuffle
    (same pool + params + period = same slice), then sets rotation.current in
    params.yaml (comments kept). Older slices stay for history.

    \b
    Example:
      prodbench rotate --period 2027Q1 --size 30
    """
    from prodbench.data.rotate import rotate

    project, params = load_context()
    result = rotate(project, params, period, size, seed, force=force, set_current=not no_set_current)
    for problem in result.unscorable:
        click.echo(f"warning: not sampled, the scoring plan cannot score it: {problem}", err=True)
    click.echo(result.summary())
    click.echo("difficulty: " + ", ".join(f"{k} {v}" for k, v in sorted(result.difficulties.items())))
    if len(result.selected) < (size or (params.get("rotation") or {}).get("size", 30)):
        click.echo(f"warning: only {len(result.selected)} eligible items; the slice is smaller than asked", err=True)
    if not no_set_current:
        click.echo(f"params.yaml: rotation.current = {period}")
