"""``prodbench ingest``: production/pilot logs -> anonymized, de-duplicated, tagged pool items."""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.commands._common import AliasedOption, load_context


@click.command("ingest")
@click.argument("logs", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", "openai", "jsonl", "csv", "conversation"]),
              default="auto", show_default=True, help="Log shape (auto: sniffed per line, .csv is CSV).")
@click.option("--source", type=click.Choice(["production", "pilot"]), default=None,
              help="Record source [default: pilot for files under a 'pilot' folder, else production].")
@click.option("--raw-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Ingest every log under this directory (default when no LOGS: data/raw).")
@click.option("--prompt-column", default=None, help="Prompt column/field for jsonl/csv (params ingest.prompt_column).")
@click.option("--id-column", default=None, help="Log id column/field (params ingest.id_column).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Pool file to append to [default: prompts/pool/<source>.jsonl].")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSON report (drops, malformed lines, tags) "
              "[default: reports/ingest.json under the project root].")
@click.option("--model", "-m", "llm_model", cls=AliasedOption, hidden_aliases=("--llm-tagger",), default=None,
              metavar="NAME", help="Tag with this model from params.yaml (default: params ingest.llm_tagger).")
def command(logs: tuple[Path, ...], fmt: str, source: str | None, raw_dir: Path | None, prompt_column: str | None,
            id_column: str | None, output: Path | None, report: Path | None, llm_model: str | None) -> None:
    """Ingest production/pilot logs into prompts/pool/ (anonymized, de-duplicated, tagged).

    Streams each log (a 1 GB log needs no more memory than a small one), counts
    malformed lines with their line numbers without stopping, anonymizes every message,
    drops exact and near duplicates of anything already in prompts/ (with reasons in
    the report), auto-tags task type and difficulty, and appends the new records with
    review.status pending. Raw text never leaves the log; the record keeps the log id.
    A value removed once is replaced wherever else it appears in the record and the
    run, and its keyed hash goes to the PII ledger (prompts/pii.ledger) when
    $PRODBENCH_LEDGER_SALT is set; records rejected in review are never added back.

    \b
    Examples:
      prodbench ingest data/raw/support-2026-10.jsonl --format openai
      prodbench ingest exports/pilot.csv --format csv --source pilot --prompt-column question
      prodbench ingest              # every log under data/raw/ (the DVC ingest stage)
    """
    from prodbench.core.errors import UserError
    from prodbench.data.ingest import IngestSettings, ingest_files, raw_logs
    from prodbench.data.ingest_report import write_report
    from prodbench.data.tagging import LLMTagger

    project, params = load_context()
    llm_model = llm_model or (params.get("ingest") or {}).get("llm_tagger")
    tagger = None
    if llm_model:
        models = params.get("models") or {}
        if llm_model not in models:
            raise UserError(f"--model {llm_model!r} (the LLM tagger) is not a key of params.yaml models "
                            f"({', '.join(sorted(models))})", exit_code=2)
        tagger = LLMTagger(llm_model, models[llm_model], project.cache_dir / "tagger", params.get("taxonomy") or {},
                           run_params=params.get("run"))
    if logs:
        files = list(logs)
    else:
        directory = raw_dir or project.root / "data" / "raw"
        files = raw_logs(directory)
    groups: dict[str, list[Path]] = {}
    for path in files:
        src = source or ("pilot" if "pilot" in path.resolve().parts[-4:-1] else "production")
        groups.setdefault(src, []).append(path)
    combined = None
    for src, paths in sorted(groups.items()):
        settings = IngestSettings.from_params(params, fmt=fmt, source=src, prompt_column=prompt_column,
                                              id_column=id_column)
        result = ingest_files(project, params, paths, settings, output=output, llm_tagger=tagger)
        click.echo(f"{src}: {result.summary()}", err=True)
        for warning in (result.tagging or {}).get("warnings", []):
            click.echo(f"warning: {warning}", err=True)
        for bad in result.malformed_lines[:20]:
            click.echo(f"{bad['file']}:{bad['line']}: {bad['reason']}", err=True)
        if result.malformed > 20:
            click.echo(f"... {result.malformed - 20} more malformed line(s), see {report}", err=True)
        combined = result if combined is None else combined.merge(result)
    if combined is None:
        from prodbench.data.ingest_report import IngestReport

        combined = IngestReport()
        click.echo("no logs to ingest", err=True)
    if combined.ledger != "not used":
        click.echo(f"PII ledger: {combined.ledger}", err=True)
    write_report(report or project.root / "reports" / "ingest.json", combined)

