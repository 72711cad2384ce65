"""``prodbench anonymize``: detect and replace personal data in text or JSONL."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from prodbench.commands._common import load_context


@click.command("anonymize")
@click.argument("source", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text", "text", default=None, help="Anonymize this text instead of a file or stdin.")
@click.option("--jsonl", is_flag=True, help="SOURCE is JSONL: anonymize every string value of every record.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the result to FILE (atomically) instead of stdout.")
@click.option("--replacement", type=click.Choice(["placeholder", "surrogate"]), default=None,
              help="Override params anonymize.replacement.")
@click.option("--detect-only", is_flag=True, help="Only list findings (type and position, never the value).")
@click.option("--keep-field", "keep_fields", multiple=True, metavar="KEY",
              help="JSONL: also copy this key untouched (besides id, *_id, origin, role, ...). Repeatable.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for --jsonl and --detect-only (default: every core; 1 = this process).")
@click.option("--engine", "run_engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where the workers run: local processes, or a Dask cluster (needs prodbench[dask]).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="--engine dask: address of a running scheduler (tcp://host:8786); default: a local cluster.")
def command(source: Path | None, text: str | None, jsonl: bool, output: Path | None,
            replacement: str | None, detect_only: bool, keep_fields: tuple[str, ...], jobs: int | None,
            run_engine: str, scheduler: str | None) -> None:
    """Detect and replace personal data in text or JSONL.

    Finds names, e-mails, phones, cards, IBANs, keys and more. Reads SOURCE, --text or stdin,
    line by line (memory stays flat; lines end at \\n only). Placeholders (<PERSON_1>) or Faker
    surrogates stay consistent within a text file (or a JSONL record). In JSONL only free text
    is rewritten: ids, origin and other structured fields are copied byte for byte. Running it
    again on its own output changes nothing. The value -> replacement mapping is never written.
    JSONL records and --detect-only lines are spread over every core (--jobs) or a Dask cluster
    (--engine dask); the output is the same, in input order. Plain text runs in one process
    (its placeholders are numbered across the whole file).

    \b
    Examples:
      prodbench anonymize --text "I'm Jane Roe, jane@corp.io"
      prodbench anonymize --jsonl export.jsonl -o clean.jsonl
      prodbench anonymize --detect-only notes.txt
      prodbench anonymize --jsonl big.jsonl -o clean.jsonl --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from collections import Counter

    from prodbench.core.errors import UserError
    from prodbench.data.anonymize import Anonymizer, anonymize_text, detect
    from prodbench.data.anonymize import parallel as par
    from prodbench.data.anonymize import stream as st

    try:
        _, params = load_context()
    except UserError:
        params = {}
    settings = params.get("anonymize") or {}
    allowlist = tuple((params.get("validate") or {}).get("pii_allowlist") or ())
    engine = settings.get("engine", "builtin")
    mode = replacement or settings.get("replacement", "placeholder")
    if text is not None:
        if detect_only:
            found = detect(text, engine=engine, allowlist=allowlist)
            click.echo("".join(f"1:{f.start}-{f.end}: {f.type}\n" for f in found), nl=False)
        else:
            click.echo(anonymize_text(text, mode, engine, allowlist), nl=False)
        return
    anon = Anonymizer(mode, engine, allowlist)
    label = str(source) if source else "<stdin>"
    spec = par.Spec(mode, engine, allowlist, st.KEEP_KEYS | frozenset(keep_fields))
    counts: Counter[str] = anon.counts
    if not (jsonl or detect_only):
        jobs, run_engine = 1, "local"  # plain text: one mapping for the whole file, so one process
        if scheduler is not None:
            raise UserError("--scheduler needs --jsonl or --detect-only input", exit_code=2)

    where = par.Where(jobs, run_engine, scheduler)
    par.check(where)

    def run(handle: IO[bytes], write: Callable[[bytes], Any]) -> None:
        if detect_only:
            par.detect_lines(handle, write, spec, label, where)
        elif jsonl:
            counts.update(par.anonymize_jsonl(handle, write, spec, label, where))
        else:
            st.anonymize_lines(handle, write, anon, label)

    with open(source, "rb") if source else contextlib.nullcontext(sys.stdin.buffer) as handle:
        if output is None:
            out = sys.stdout.buffer
            run(handle, out.write)
            out.flush()
            return
        with st.atomic_output(output) as sink:
            run(handle, sink.write)
    click.echo(f"{output}: {sum(counts.values())} replacement(s) "
               f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items())) or 'none'})", err=True)
