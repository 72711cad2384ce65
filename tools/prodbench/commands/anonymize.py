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
def command(source: Path | None, text: str | None, jsonl: bool, output: Path | None,
            replacement: str | None, detect_only: bool, keep_fields: tuple[str, ...]) -> None:
    """Detect and replace personal data in text or JSONL.

    Finds names, e-mails, phones, cards, IBANs, keys and more. Reads SOURCE, --text or stdin,
    line by line (memory stays flat; lines end at \\n only). Placeholders (<PERSON_1>) or Faker
    surrogates stay consistent within a text file (or a JSONL record). In JSONL only free text
    is rewritten: ids, origin and other structured fields are copied byte for byte. Running it
    again on its own output changes nothing. The value -> replacement mapping is never written.

    \b
    Examples:
      prodbench anonymize --text "I'm Jane Roe, jane@corp.io"
      prodbench anonymize --jsonl export.jsonl -o clean.jsonl
      prodbench anonymize --detect-only notes.txt
    """
    from prodbench.core.errors import UserError
    from prodbench.data.anonymize import Anonymizer, anonymize_text, detect
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
    keep = st.KEEP_KEYS | frozenset(keep_fields)

    def run(handle: IO[bytes], write: Callable[[bytes], Any]) -> None:
        if detect_only:
            st.detect_lines(handle, write, label, engine, allowlist)
        elif jsonl:
            st.anonymize_jsonl(handle, write, anon, label, keep)
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
    click.echo(f"{output}: {sum(anon.counts.values())} replacement(s) "
               f"({', '.join(f'{k} {v}' for k, v in sorted(anon.counts.items())) or 'none'})", err=True)
