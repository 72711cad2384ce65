"""Streaming anonymization of text and JSONL files (``prodbench anonymize``), line by line.

Memory stays flat: one line is held at a time. Lines are split on ``\\n`` only (U+2028 and
U+2029 are ordinary characters inside JSON strings, and ingest writes them). Structured
fields (``id``, ``*_id``, ``origin``, ``role``, ...) are copied untouched, and a record in
which nothing is found is written back byte for byte. Bad input (binary data, invalid
UTF-8, an over-long line, malformed or too deeply nested JSON) raises a
:class:`~prodbench.core.errors.UserError` naming ``file:line``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson

from prodbench.core import fsutil
from prodbench.core.errors import Problem, UserError
from prodbench.data.anonymize.engine import detect
from prodbench.data.anonymize.replace import STRUCTURED_KEYS, Anonymizer

MAX_LINE_BYTES = 16 * 1024 * 1024
KEEP_KEYS = STRUCTURED_KEYS  # copied byte for byte (plus any key ending in _id)


def fail(label: str, number: int, message: str) -> UserError:
    """The error for bad input at ``label:number`` (printed as ``file:line: message``)."""
    return UserError("", [Problem(label, number, "", message)])


_fail = fail


def read_lines(handle: IO[bytes], label: str) -> Iterator[tuple[int, str, bytes]]:
    """Yield ``(line number, decoded line without its newline, newline bytes)``.

    Args:
        handle: A binary stream.
        label: File name used in error messages.

    Raises:
        UserError: NUL bytes (binary data), invalid UTF-8 or a line over
            :data:`MAX_LINE_BYTES`, at ``file:line``.
    """
    number = 0
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise _fail(label, number, f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB; "
                        "split the input into records of reasonable size")
        body = raw[:-1] if raw.endswith(b"\n") else raw
        newline = raw[len(body):]
        nul = body.find(b"\0")
        if nul >= 0:
            raise _fail(label, number, f"binary data (NUL byte at column {nul + 1}); "
                        "anonymize reads UTF-8 text or JSONL")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(label, number, f"not valid UTF-8 (byte 0x{body[exc.start]:02x} at column "
                        f"{exc.start + 1}); convert the file to UTF-8") from None
        yield number, text, newline


def anonymize_jsonl(handle: IO[bytes], write: Callable[[bytes], Any], anon: Anonymizer, label: str,
                    keep: frozenset[str] = KEEP_KEYS) -> int:
    """Anonymize a JSONL stream record by record; returns the number of records.

    Placeholders restart at 1 for every record. A record with no finding is written back
    exactly as read; blank lines are kept.
    """
    records = 0
    for number, line, newline in read_lines(handle, label):
        if not line.strip():
            write(line.encode() + newline)
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise _fail(label, number, f"malformed JSON: {exc}") from None
        anon.reset()
        try:
            clean = anon.value(record, keep)
        except ValueError as exc:
            raise _fail(label, number, str(exc)) from None
        records += 1
        if sum(anon.record_counts.values()) == 0:
            write(line.encode() + newline)
        else:
            write(orjson.dumps(clean) + (newline or b""))
    return records


def anonymize_lines(handle: IO[bytes], write: Callable[[bytes], Any], anon: Anonymizer, label: str) -> int:
    """Anonymize plain text line by line, one mapping for the whole stream; returns the line count."""
    count = 0
    for count, line, newline in read_lines(handle, label):  # noqa: B007
        write(anon.text(line).encode() + newline)
    return count


def detect_lines(handle: IO[bytes], write: Callable[[bytes], Any], label: str, engine: str,
                 allowlist: tuple[str, ...]) -> int:
    """Write ``line:start-end: TYPE`` for every finding (never the value); returns the finding count."""
    found = 0
    for number, line, _ in read_lines(handle, label):
        for f in detect(line, engine=engine, allowlist=allowlist):
            write(f"{number}:{f.start}-{f.end}: {f.type}\n".encode())
            found += 1
    return found


atomic_output = fsutil.atomic_output  # kept: the anonymize command writes through it
