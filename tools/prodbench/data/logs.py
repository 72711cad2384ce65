"""Log readers: production/pilot logs streamed into :class:`LogEntry` items and shaped.

Stages 1 and 2 of ``prodbench ingest`` (the rest is in :mod:`prodbench.data.ingest`):

1. read: ``openai`` (JSONL with ``messages``), ``jsonl`` (a prompt column), ``csv`` (a
   prompt column), ``conversation`` (JSONL exports with ``turns``/``conversation``
   lists of ``{speaker|role|author, text|content|message}``) or ``auto`` (sniffed per
   line; ``.csv`` files are CSV). A malformed line is yielded as ``(line, reason)``
   and never stops the file; reasons never contain log text.
2. shape: system messages are dropped, assistant replies become turns for the model
   (``content: null``), so a multi-turn log is replayed turn by turn; text is normalised
   (NFC, control characters, whitespace).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError

FORMATS = ("auto", "openai", "jsonl", "csv", "conversation")
ID_KEYS = ("id", "log_id", "request_id", "conversation_id", "session_id", "uuid")
TURN_LIST_KEYS = ("turns", "conversation", "messages", "dialog", "dialogue", "transcript")
ROLE_KEYS = ("role", "speaker", "author", "from", "sender")
TEXT_KEYS = ("content", "text", "message", "body", "value")
USER_ROLES = {"user", "human", "customer", "client", "visitor", "end_user", "enduser"}
ASSISTANT_ROLES = {"assistant", "agent", "bot", "ai", "model", "gpt", "support", "system_reply"}
LOG_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv", ".tsv")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Malformed(Exception):
    """A log entry that cannot be used (the message never contains log text)."""


@dataclass
class LogEntry:
    """One usable log entry: its line, log id and OpenAI-style messages."""

    line: int
    log_id: str | None
    messages: list[dict[str, Any]]
    fmt: str


# --------------------------------------------------------------------------- reading


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in obj and obj[key] is not None:
            return obj[key]
    return None


def _log_id(obj: dict[str, Any], id_column: str) -> str | None:
    value = obj.get(id_column) if id_column in obj else _first(obj, ID_KEYS)
    return None if value is None else str(value)


def _turns_to_messages(turns: Any) -> list[dict[str, Any]]:
    if not isinstance(turns, list) or not turns:
        raise Malformed("conversation has no turns")
    messages: list[dict[str, Any]] = []
    for index, turn in enumerate(turns):
        if isinstance(turn, str):
            messages.append({"role": "user" if index % 2 == 0 else "assistant", "content": turn})
            continue
        if not isinstance(turn, dict):
            raise Malformed(f"turn {index} is not an object")
        role = str(_first(turn, ROLE_KEYS) or "").strip().lower()
        text = _first(turn, TEXT_KEYS)
        if role in USER_ROLES:
            role = "user"
        elif role in ASSISTANT_ROLES:
            role = "assistant"
        elif role != "system":
            raise Malformed(f"turn {index} has an unknown speaker role")
        if text is not None and not isinstance(text, str):
            raise Malformed(f"turn {index} text is not a string")
        messages.append({"role": role, "content": text})
    return messages


def entry_from_object(obj: Any, fmt: str, line: int, prompt_column: str, id_column: str) -> LogEntry:
    """Turn one parsed log object into a :class:`LogEntry` (raises :class:`Malformed`)."""
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    if fmt == "auto":
        if isinstance(obj.get("messages"), list):
            fmt = "openai"
        elif _first(obj, TURN_LIST_KEYS) is not None:
            fmt = "conversation"
        elif prompt_column in obj:
            fmt = "jsonl"
        else:
            raise Malformed(f"cannot tell the format: no 'messages', turns list or '{prompt_column}' field")
    if fmt == "openai":
        messages = obj.get("messages")
        if not isinstance(messages, list):
            raise Malformed("no 'messages' list")
        messages = _turns_to_messages(messages)
    elif fmt == "conversation":
        messages = _turns_to_messages(_first(obj, TURN_LIST_KEYS))
    else:  # jsonl / csv
        prompt = obj.get(prompt_column)
        if not isinstance(prompt, str) or not prompt.strip():
            raise Malformed(f"missing or empty '{prompt_column}' field")
        messages = [{"role": "user", "content": prompt}]
    return LogEntry(line, _log_id(obj, id_column), messages, fmt)


def iter_log(path: Path, fmt: str, prompt_column: str = "prompt", id_column: str = "id"
             ) -> Iterator[LogEntry | tuple[int, str]]:
    """Stream a log file: yields entries, or ``(line, reason)`` for malformed lines."""
    if fmt not in FORMATS:
        raise UserError(f"unknown log format {fmt!r}; use one of {', '.join(FORMATS)}", exit_code=2)
    if fmt == "csv" or (fmt == "auto" and path.suffix.lower() in (".csv", ".tsv")):
        yield from _iter_csv(path, prompt_column, id_column)
        return
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield number, f"malformed JSON ({str(exc).split(':')[0]})"
                continue
            try:
                yield entry_from_object(obj, fmt, number, prompt_column, id_column)
            except Malformed as exc:
                yield number, str(exc)


def _iter_csv(path: Path, prompt_column: str, id_column: str) -> Iterator[LogEntry | tuple[int, str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        if reader.fieldnames is None or prompt_column not in reader.fieldnames:
            raise UserError(f"{path}: CSV header has no '{prompt_column}' column (set ingest.prompt_column "
                            "or --prompt-column)")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, f"malformed CSV ({exc.__class__.__name__})"
                continue
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                yield line, "wrong number of columns"
                continue
            try:
                yield entry_from_object(row, "csv", line, prompt_column, id_column)
            except Malformed as exc:
                yield line, str(exc)



def raw_logs(directory: Path) -> list[Path]:
    """Log files under a raw-data directory (``*.jsonl``, ``*.json``, ``*.csv``, ``*.tsv``), sorted."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in LOG_SUFFIXES
                  and not p.name.startswith("."))


# --------------------------------------------------------------------------- shaping


def normalize_content(text: str) -> str:
    """NFC, no control characters, trimmed lines, at most one blank line in a row."""
    text = CONTROL_RE.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def shape_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Benchmark messages: no system prompt, assistant replies become turns for the model.

    Raises:
        Malformed: No user message remains.
    """
    shaped: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "system":
            continue
        if role == "user":
            content = message.get("content")
            if not isinstance(content, str) or not content.strip():
                continue
            if shaped and shaped[-1]["role"] == "user":  # merge consecutive user messages
                shaped[-1]["content"] += "\n" + content
            else:
                shaped.append({"role": "user", "content": content})
        elif role == "assistant" and shaped and shaped[-1]["role"] == "user":
            shaped.append({"role": "assistant", "content": None})
    if not any(m["role"] == "user" for m in shaped):
        raise Malformed("no user message")
    return shaped
