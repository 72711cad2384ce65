"""``prodbench anonymize``: detect and replace personal data in text or JSONL."""

from __future__ import annotations

import sys
from pathlib import Path

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
def command(source: Path | None, text: str | None, jsonl: bool, output: Path | None,
            replacement: str | None, detect_only: bool) -> None:
    """Detect and replace personal data in text or JSONL.

    Finds names, e-mails, phones, cards, IBANs, keys and more. Reads SOURCE, --text or stdin. Placeholders (<PERSON_1>) or Faker surrogates stay
    consistent within a text (or a JSONL record). The value -> replacement mapping is
    never written anywhere.

    \b
    Examples:
      prodbench anonymize --text "I'm Jane Roe, jane@corp.io"
      prodbench anonymize --jsonl export.jsonl -o clean.jsonl
      prodbench anonymize --detect-only notes.txt
    """
    import orjson

    from prodbench.core.errors import Problem, UserError
    from prodbench.core.fsutil import atomic_write_text
    from prodbench.data.anonymize import Anonymizer, detect

    try:
        _, params = load_context()
    except UserError:
        params = {}
    settings = params.get("anonymize") or {}
    allowlist = tuple((params.get("validate") or {}).get("pii_allowlist") or ())
    engine = settings.get("engine", "builtin")
    anon = Anonymizer(replacement or settings.get("replacement", "placeholder"), engine, allowlist)
    raw = text if text is not None else (source.read_text(encoding="utf-8") if source else sys.stdin.read())
    if detect_only:
        lines = []
        for number, line in enumerate(raw.splitlines(), start=1):
            lines += [f"{number}:{f.start}-{f.end}: {f.type}" for f in detect(line, engine=engine,
                                                                               allowlist=allowlist)]
        out = "\n".join(lines) + ("\n" if lines else "")
    elif jsonl:
        rows = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise UserError("", [Problem(str(source or "<stdin>"), number, "", f"malformed JSON: {exc}")]) \
                    from None
            anon.reset()
            rows.append(orjson.dumps(anon.value(record)).decode())
        out = "\n".join(rows) + ("\n" if rows else "")
    else:
        out = anon.text(raw)
    if output is not None:
        atomic_write_text(output, out)
        click.echo(f"{output}: {sum(anon.counts.values())} replacement(s) "
                   f"({', '.join(f'{k} {v}' for k, v in sorted(anon.counts.items())) or 'none'})", err=True)
    else:
        click.echo(out, nl=False)
