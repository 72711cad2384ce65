"""The reader registry: one pure function per log shape, registered with a decorator.

A reader turns one parsed log object (a JSONL line, a CSV row, a JSON array element) into
canonical messages: ``{"role": "system"|"user"|"assistant"|"tool", "content": str | None}``
(``tool`` holds rendered tool calls and results, kept as context by the shaper). Readers are
tried in registration priority order by ``auto``; ``--format NAME`` forces one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import UserError

__all__ = [
    "ID_KEYS", "Malformed", "Parsed", "ReadContext", "Reader", "available", "get_reader", "read_object",
    "readers", "register", "sniff_id",
]

# Keys sniffed (in order) for a log id when ``ingest.id_column`` is not in the object.
ID_KEYS = ("id", "uid", "log_id", "request_id", "custom_id", "trace_id", "conversation_id", "session_id",
           "question_id", "uuid")


class Malformed(Exception):
    """A log entry that cannot be used (the message never contains log text)."""


@dataclass
class ReadContext:
    """What readers share for one file: settings and the per-object dropped-part counter.

    Attributes:
        prompt_column: The prompt field of prompt/response logs and CSV (``ingest.prompt_column``).
        id_column: The log-id field tried first (``ingest.id_column``).
        mapping: ``--map`` targets -> field paths (the ``mapped`` reader), or None.
        dropped: Non-text content parts dropped from the current object, by kind (``image``, ...).
    """

    prompt_column: str = "prompt"
    id_column: str = "id"
    mapping: dict[str, tuple[str, ...]] | None = None
    dropped: Counter[str] = field(default_factory=Counter)


@dataclass
class Parsed:
    """What a reader returns: canonical messages and, if the reader knows it, the log id."""

    messages: list[dict[str, Any]]
    log_id: str | None = None


ReaderFn = Callable[[dict[str, Any], ReadContext], Parsed]


@dataclass(frozen=True)
class Reader:
    """A registered log shape.

    Attributes:
        name: The format name (``--format NAME``, report counts).
        fn: Parsed object -> :class:`Parsed` (raises :class:`Malformed`).
        detect: Whether ``auto`` picks this reader for an object (None: never auto-detected).
        priority: Auto-detection order (lower first).
        example: A one-line example (docs, ``--help``).
    """

    name: str
    fn: ReaderFn
    detect: Callable[[dict[str, Any], ReadContext], bool] | None
    priority: int
    example: str


FIELD_NAME_RE = re.compile(r"[a-z_][A-Za-z0-9_]{0,39}")
_READERS: dict[str, Reader] = {}
_ALIASES: dict[str, str] = {}


def register(name: str, *, detect: Callable[[dict[str, Any], ReadContext], bool] | None, priority: int,
             example: str, aliases: tuple[str, ...] = ()) -> Callable[[ReaderFn], ReaderFn]:
    """Register a reader function under ``name`` (decorator).

    Args:
        name: Format name.
        detect: Auto-detection predicate, or None for readers used only by name.
        priority: Auto-detection order (lower first).
        example: One-line example of the shape.
        aliases: Older or alternative names accepted by ``--format``.

    Returns:
        The decorator (it returns the function unchanged).
    """

    def decorator(fn: ReaderFn) -> ReaderFn:
        if name in _READERS:
            raise ValueError(f"log reader {name!r} registered twice")
        _READERS[name] = Reader(name, fn, detect, priority, example)
        for alias in aliases:
            _ALIASES[alias] = name
        return fn

    return decorator


def available() -> list[str]:
    """The format names ``--format`` accepts (``auto`` and ``csv`` first, then the readers)."""
    return ["auto", "csv", *sorted(_READERS), *sorted(_ALIASES)]


def readers() -> list[Reader]:
    """The registered readers in auto-detection order."""
    return sorted(_READERS.values(), key=lambda r: (r.priority, r.name))


def get_reader(name: str) -> Reader | None:
    """The reader forced by ``--format name`` (None for ``auto`` and ``csv``: detected per object).

    Raises:
        UserError: Unknown name (the message lists what is available).
    """
    if name in ("auto", "csv"):
        return None
    name = _ALIASES.get(name, name)
    if name not in _READERS:
        raise UserError(f"unknown log format {name!r}; available: {', '.join(available())}", exit_code=2)
    return _READERS[name]


def _detect(obj: dict[str, Any], ctx: ReadContext) -> Reader:
    if ctx.mapping is not None:
        return _READERS["mapped"]
    for reader in readers():
        if reader.detect is not None and reader.detect(obj, ctx):
            return reader
    names = sorted(k for k in map(str, obj) if FIELD_NAME_RE.fullmatch(k))  # never a value-like key
    keys = ", ".join(names[:8]) + (f" (+{len(obj) - len(names[:8])} more)" if len(obj) > len(names[:8]) else "")
    raise Malformed(f"cannot tell the log format (top-level keys: {keys or 'none listed'}); use --format or --map")


def sniff_id(obj: dict[str, Any], id_column: str) -> str | None:
    """The log id of an object: ``id_column`` first, then the usual id keys."""
    for key in (id_column, *ID_KEYS):
        value = obj.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value)
    return None


def read_object(obj: Any, reader: Reader | None, ctx: ReadContext) -> tuple[str, Parsed]:
    """Read one parsed log object with ``reader`` (None: auto-detected).

    Returns:
        ``(format name, parsed)``; ``ctx.dropped`` holds the parts dropped from this object.

    Raises:
        Malformed: Not an object, no reader fits, or the reader rejects it.
    """
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    ctx.dropped = Counter()
    reader = reader or _detect(obj, ctx)
    parsed = reader.fn(obj, ctx)
    if parsed.log_id is None:
        parsed.log_id = sniff_id(obj, ctx.id_column)
    return reader.name, parsed
