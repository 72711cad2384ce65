"""Log entries: production/pilot logs streamed into :class:`LogEntry` items and shaped.

Stages 1 and 2 of ``prodbench ingest`` (the rest is in :mod:`prodbench.data.ingest`):

1. read: the files and shapes of :mod:`prodbench.data.readers` (JSONL, CSV/TSV, JSON arrays,
   ``.gz``; OpenAI, Anthropic, Responses API, Batch API, request/response, traces, ShareGPT,
   ``turns``, conversation exports, prompt/response, ``--map``), auto-detected per record. A
   bad record is yielded as ``(line, reason)`` and never stops the file; reasons never contain
   log text.
2. shape: system messages are dropped, assistant replies become turns for the model
   (``content: null``), so a multi-turn log is replayed turn by turn; tool calls and tool
   results are kept as context in the user turn they answer; text is normalised (NFC, control
   characters, whitespace).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.data.readers import (
    LOG_SUFFIXES,
    LogFile,
    Malformed,
    Position,
    ReadContext,
    Reader,
    available,
    get_reader,
    read_object,
)

__all__ = ["FORMATS", "LogEntry", "Malformed", "entries", "entry_from_object", "iter_log", "normalize_content",
           "raw_logs", "shape_messages"]

FORMATS = tuple(available())
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class LogEntry:
    """One usable log entry: its line, log id, canonical messages, format and dropped parts."""

    line: int
    log_id: str | None
    messages: list[dict[str, Any]]
    fmt: str
    dropped: dict[str, int] = field(default_factory=dict)


def entry_from_object(obj: Any, reader: Reader | None, line: int, ctx: ReadContext) -> LogEntry:
    """One parsed log object as a :class:`LogEntry` (raises :class:`Malformed`)."""
    fmt, parsed = read_object(obj, reader, ctx)
    return LogEntry(line, parsed.log_id, parsed.messages, fmt, dict(ctx.dropped))


def entries(log: LogFile, reader: Reader | None, ctx: ReadContext) -> Iterator[LogEntry | tuple[int, str]]:
    """The entries of an open :class:`LogFile`, or ``(line, reason)`` for a bad record."""
    for line, item in log:
        if isinstance(item, str):
            yield line, item
            continue
        try:
            yield entry_from_object(item, reader, line, ctx)
        except Malformed as exc:
            yield line, str(exc)


def iter_log(path: Path, fmt: str = "auto", prompt_column: str = "prompt", id_column: str = "id",
             mapping: dict[str, tuple[str, ...]] | None = None, resume: Position | None = None,
             ) -> Iterator[LogEntry | tuple[int, str]]:
    """Stream a whole log file: yields entries, or ``(line, reason)`` for malformed records.

    Raises:
        UserError: Unknown format (the message lists the available ones).
    """
    reader = get_reader(fmt)
    ctx = ReadContext(prompt_column, id_column, mapping)
    yield from entries(LogFile(path, fmt, resume), reader, ctx)


def raw_logs(directory: Path) -> list[Path]:
    """Log files under a raw-data directory (``.jsonl``, ``.json``, ``.ndjson``, ``.csv``, ``.tsv``,
    each optionally ``.gz``), sorted."""
    if not directory.is_dir():
        return []

    def is_log(path: Path) -> bool:
        name = path.name.lower()
        name = name[:-3] if name.endswith(".gz") else name
        return name.endswith(LOG_SUFFIXES)

    return sorted(p for p in directory.rglob("*") if p.is_file() and is_log(p) and not p.name.startswith("."))


# --------------------------------------------------------------------------- shaping


def normalize_content(text: str) -> str:
    """NFC, no control characters, trimmed lines, at most one blank line in a row."""
    text = CONTROL_RE.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def shape_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Benchmark messages: no system prompt, assistant replies become turns for the model.

    Consecutive user messages are merged; a ``tool`` message (a rendered tool call or result)
    is appended as context to the user turn it follows (or, before any, the next one).

    Raises:
        Malformed: No user message remains.
    """
    shaped: list[dict[str, Any]] = []
    pending: list[str] = []  # tool context not yet placed

    def place() -> None:
        if pending and shaped and shaped[-1]["role"] == "user":
            shaped[-1]["content"] += "\n\n" + "\n".join(pending)
            pending.clear()

    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role == "tool":
            if isinstance(content, str) and content.strip():
                pending.append(content)
            continue
        place()
        if role == "user":
            if not isinstance(content, str) or not content.strip():
                continue
            if pending:  # context logged before any user turn: it leads the first one
                content = "\n".join(pending) + "\n\n" + content
                pending.clear()
            if shaped and shaped[-1]["role"] == "user":  # merge consecutive user messages
                shaped[-1]["content"] += "\n" + content
            else:
                shaped.append({"role": "user", "content": content})
        elif role == "assistant" and shaped and shaped[-1]["role"] == "user":
            shaped.append({"role": "assistant", "content": None})
    place()
    users = [m for m in shaped if m["role"] == "user"]
    if not users:
        raise Malformed("no user message")
    if pending:  # tool context after the last model turn: keep it with the last user turn
        users[-1]["content"] += "\n\n" + "\n".join(pending)
    return shaped
