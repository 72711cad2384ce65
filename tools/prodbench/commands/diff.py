"""``prodbench diff``: compare two revisions (base vs head) and write the PR comment."""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.core.errors import UserError

EXIT_REGRESSION = 3


@click.command("diff")
@click.option("--base", "base", required=True, help="Base git revision (e.g. main, origin/main, a sha).")
@click.option("--head", "head", default=None, help="Head git revision (default: the working tree).")
@click.option("--cached-only", is_flag=True,
              help="Never call a model: use cached responses only and list the rows that could not be "
                   "evaluated (fork pull requests without API keys).")
@click.option("--cached-only-without-keys", "cache_fallback", is_flag=True,
              help="Models that cannot be called here (missing API key) use cached responses only; "
                   "the others run normally. Used by the PR workflow (fork PRs get no secrets).")
@click.option("--model", "-m", "models", multiple=True, metavar="NAME",
              help="Only compare this model from params.yaml (repeatable; default: every model).")
@click.option("--output-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where to write diff.json and pr-comment.md (default: reports/).")
@click.option("--no-plots", is_flag=True, help="Skip the matplotlib PNGs.")
@click.option("--fail-on-regression/--no-fail-on-regression", default=None,
              help="Exit 3 on a significant regression (default: the base revision's diff.fail_on_regression).")
@click.option("--summary", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also append the comment to this file (e.g. $GITHUB_STEP_SUMMARY).")
def command(base: str, head: str | None, cached_only: bool, cache_fallback: bool, models: tuple[str, ...], output_dir: Path | None,
            no_plots: bool, fail_on_regression: bool | None, summary: Path | None) -> None:
    """Compare two revisions: score deltas, significance, coverage delta.

    Evaluates both revisions on the shared response cache, pairs rows by id and content hash and reports, per model, task type and
    difficulty: base and head scores, the delta, a paired significance test and a
    label (significant improvement / significant regression / within noise); plus
    added/removed/modified prompts, golden-set changes, the coverage delta, model
    config changes and cost. Writes reports/diff.json and reports/pr-comment.md.

    \b
    Examples:
      prodbench diff --base main
      prodbench diff --base origin/main --head HEAD --cached-only
    """
    from prodbench.commands._common import load_context
    from prodbench.diff.stage import run_diff

    project, _ = load_context()
    outcome = run_diff(project, base, head, cached_only=cached_only, models=list(models) or None,
                       output_dir=output_dir, plots=not no_plots, fail_on_regression=fail_on_regression,
                       cache_fallback=cache_fallback,
                       log=lambda message: click.echo(message, err=True))
    if summary is not None:
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(outcome.comment_path.read_text(encoding="utf-8") + "\n")
        except OSError as exc:
            raise UserError(f"cannot append to {summary}: {exc}") from None
    verdict = outcome.doc["verdict"]
    click.echo(f"verdict: {verdict['kind']}; wrote {project.rel(outcome.json_path)} and "
               f"{project.rel(outcome.comment_path)}")
    if verdict["unevaluated"]:
        click.echo(f"note: {verdict['unevaluated']} row(s) could not be evaluated (listed in the comment)", err=True)
    if outcome.failed:
        click.echo("failing: significant regression and diff.fail_on_regression is on", err=True)
        click.get_current_context().exit(EXIT_REGRESSION)
