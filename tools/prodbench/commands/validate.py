"""``prodbench validate``: check prompt files against the schema and the repo rules."""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.commands._common import load_context


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="PRODBENCH_VALIDATE_FORMAT",
    help="text: one `file:line: field: message` per problem; json: a machine-readable report "
    "(sorted, no timestamps). [env: PRODBENCH_VALIDATE_FORMAT]",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE (atomically) instead of stdout; a one-line summary still "
    "goes to stderr.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="PRODBENCH_VALIDATE_NO_CACHE",
    help="Re-run the slow extra rules (personal-data gate) on every line instead of skipping lines "
    "that passed them before under the same params and code (cache/validate/). "
    "[env: PRODBENCH_VALIDATE_NO_CACHE]",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    envvar="PRODBENCH_VALIDATE_JOBS",
    help="Worker processes (default: decided per run: one per CPU, at most 4, when thousands of "
    "lines need the slow personal-data gate or the input is very large; else 1, i.e. no "
    "workers). [env: PRODBENCH_VALIDATE_JOBS]",
)
def command(
    paths: tuple[Path, ...], output_format: str, output: Path | None, no_cache: bool, jobs: int | None
) -> None:
    """Check prompt files against the schema and the repo rules.

    Streams every prompts/**/*.jsonl (golden set, rotating slices, pool), or only the
    PATHS given (files or directories), and reports ALL problems in one pass as
    `file:line: field: message`: malformed JSON, schema violations, duplicate ids,
    task types or difficulties missing from params.yaml's taxonomy, empty messages,
    conversations that do not end with a turn for the model, non-UTF-8 files, BOM,
    CRLF line endings, missing final newline, golden/rotating overlap, plus any rules
    registered by other modules (personal-data gate, golden lock).

    Exit code: 0 when clean, 1 when problems were found, 2 on usage errors.

    \b
    Examples:
      prodbench validate
      prodbench validate prompts/golden/safety.jsonl
      prodbench validate --format json --output reports/validation.json
    """
    from prodbench.core.fsutil import atomic_write_bytes
    from prodbench.validate import render_json, render_text, validate_paths

    project, params = load_context()
    report = validate_paths(project, params, paths, use_cache=not no_cache, jobs=jobs)
    data = render_json(report) if output_format == "json" else render_text(report).encode("utf-8")
    if output is not None:
        atomic_write_bytes(output, data)
        click.echo(report.summary_line(), err=True)
    else:
        click.echo(data.decode("utf-8"), nl=False)
        if output_format == "json":
            click.echo(report.summary_line(), err=True)
    if not report.ok:
        click.get_current_context().exit(1)
