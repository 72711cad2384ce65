"""``prodbench ingest``: production/pilot logs -> anonymized, de-duplicated, tagged pool items."""

from __future__ import annotations

from pathlib import Path

import click

from prodbench.commands._common import AliasedOption, load_context
from prodbench.data.readers import available


@click.command("ingest")
@click.argument("logs", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(available()), default="auto", show_default=True,
              metavar="NAME", help="Log shape: auto (detected per record; .csv/.tsv are CSV, .gz decompressed) "
              f"or one of {', '.join(available()[1:])} (docs/data.md 'Log formats').")
@click.option("--map", "mapping", default=None, metavar="TARGET=PATH,...",
              help="Read any other shape by field paths, e.g. messages=data.chat,id=meta.uid "
              "(targets: messages, prompt, turns, system, id; params ingest.map).")
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
def command(logs: tuple[Path, ...], fmt: str, mapping: str | None, source: str | None, raw_dir: Path | None, prompt_column: str | None,
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

    Incremental: prompts/ingest.ledger remembers how far each log was read and the
    content hash of every record it gave, so re-ingest reads only appended data and never
    brings back a record rejected, removed or edited in the pool; an edited or truncated
    log is read again with a warning. Exits 1 when a log yields no usable entry.

    \b
    Examples:
      prodbench ingest data/raw/support-2026-10.jsonl.gz
      prodbench ingest exports/pilot.csv --source pilot --prompt-column question
      prodbench ingest export.jsonl --map messages=data.chat,id=meta.uid
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
                                              id_column=id_column, mapping=mapping)
        result = ingest_files(project, params, paths, settings, output=output, llm_tagger=tagger)
        click.echo(f"{src}: {result.summary()}", err=True)
        for line in result.details():
            click.echo(line, err=True)
        for warning in (result.tagging or {}).get("warnings", []):
            click.echo(f"warning: {warning}", err=True)
        for bad in result.malformed_lines[:20]:
            click.echo(f"{bad['file']}:{bad['line']}: {bad['reason']}", err=True)
        if result.malformed > 20:
            click.echo(f"... {result.malformed - 20} more malformed line(s), see the report", err=True)
        combined = result if combined is None else combined.merge(result)
    if combined is None:
        from prodbench.data.ingest_report import IngestReport

        combined = IngestReport()
        click.echo("no logs to ingest", err=True)
    if combined.ledger != "not used":
        click.echo(f"PII ledger: {combined.ledger}", err=True)
    write_report(report or project.root / "reports" / "ingest.json", combined)
    if combined.unusable:
        raise UserError("\n".join(f"{u['file']}:{u['line']}: {u['reason']}" for u in combined.unusable)
                        + f"\n{len(combined.unusable)} log file(s) yielded nothing usable (see docs/data.md "
                        "'Log formats': --format, --map)")

