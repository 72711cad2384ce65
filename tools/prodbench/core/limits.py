"""Input limits applied by every reader, so no file can make prodbench crash, hang or eat memory.

* YAML (params.yaml): aliases are counted *before* anything is built. The expanded size of
  the document (each alias counts as the whole node it points to) must stay under
  :data:`MAX_YAML_NODES`; a "billion laughs" file of a few kilobytes is refused in
  milliseconds instead of taking minutes and gigabytes.
* JSON (prompts, results, caches, journals, the diff artifact): nesting deeper than
  :data:`MAX_DEPTH` and numbers too large for a double are refused with ``file:line``
  (orjson itself refuses numbers beyond a double and nesting beyond 1024; our limit is
  lower so that recursive code further on, e.g. schema validation, is always safe).
* JSON Lines readers: :func:`read_jsonl_rows` reads objects with an optional unique key
  (a duplicated result row is an error) and either refuses bad lines (inputs) or skips them
  with a ``file:line`` warning (caches and journals, which a crash can tear).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError

__all__ = ["MAX_DEPTH", "MAX_YAML_NODES", "check_depth", "check_yaml_expansion", "loads", "read_jsonl_rows",
           "too_deep", "warn"]

#: Deepest JSON nesting accepted anywhere (a prompt record is about 4 deep).
MAX_DEPTH = 64
#: Largest expanded YAML document (nodes, aliases expanded) accepted.
MAX_YAML_NODES = 200_000
#: Bad lines listed in one error before "... and N more".
MAX_LISTED = 20
_ANCHOR = re.compile(r"(?:^|[\s\[{,:-])&[^\s,\[\]{}]")


def warn(message: str) -> None:
    """Print a warning on stderr (``file:line: ...``); never raises."""
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"warning: {message}\n")


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests objects/arrays more than ``limit`` levels (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return False


def check_depth(value: Any, label: str, line: int = 0, raw: bytes | None = None) -> None:
    """Raise a located :class:`UserError` when ``value`` nests deeper than :data:`MAX_DEPTH`.

    ``raw`` (the line's bytes) lets the common case skip the walk: a line with fewer opening
    brackets than the limit cannot be too deep.
    """
    if raw is not None and raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH:
        return
    if too_deep(value):
        raise UserError("", [Problem(label, line, "", f"JSON nested deeper than {MAX_DEPTH} levels")])


def _json_message(exc: Exception) -> str:
    text = str(exc)
    if "infinity" in text or "out of range" in text:
        return "a number is too large (beyond a double)"
    if "depth limit" in text or "recursion" in text:
        return f"JSON nested deeper than {MAX_DEPTH} levels"
    return f"invalid JSON: {text}"


def loads(data: bytes | str, label: str, line: int = 0) -> Any:
    """Parse JSON with the limits above.

    Raises:
        UserError: ``label:line: invalid JSON / number too large / nested too deep``.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise UserError("", [Problem(label, line, "", _json_message(exc))]) from None
    check_depth(value, label, line, data if isinstance(data, bytes) else None)
    return value


def read_jsonl_rows(path: str | os.PathLike[str], label: str | None = None, *, unique: str | None = None,
                    required: tuple[str, ...] = (), skip_bad: bool = False,
                    on_skip: Callable[[str], None] = warn) -> list[tuple[int, dict[str, Any]]]:
    """``(line, object)`` pairs of a JSON Lines file, each line checked.

    Args:
        path: The file.
        label: Name used in messages (default: ``path``).
        unique: A key whose string value must be unique (``"id"`` for result rows).
        required: Keys each object must have, as non-empty strings.
        skip_bad: Skip bad lines with a ``file:line`` warning (caches, journals) instead of
            refusing the file (inputs).
        on_skip: Where the warnings go.

    Raises:
        UserError: (``skip_bad`` off) every bad line, as ``file:line: field: reason``.
    """
    label = label or str(path)
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    with open(path, "rb") as handle:
        data = handle.read()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            row = loads(raw, label, number)
            if not isinstance(row, dict):
                raise UserError("", [Problem(label, number, "", "expected a JSON object per line")])
            for key in required:
                if not isinstance(row.get(key), str) or not row[key]:
                    raise UserError("", [Problem(label, number, key, "missing or not a non-empty string")])
            if unique is not None:
                value = row.get(unique)
                if value in seen:
                    raise UserError("", [Problem(label, number, unique,
                                                 f"duplicated row {value!r} (first at line {seen[value]})")])
                if isinstance(value, str):
                    seen[value] = number
        except UserError as exc:
            if skip_bad:
                on_skip(f"{exc} (line skipped)")
                continue
            problems.extend(exc.problems)
            continue
        rows.append((number, row))
    if problems:
        more = len(problems) - MAX_LISTED
        raise UserError(f"... and {more} more" if more > 0 else "", problems[:MAX_LISTED])
    return rows


def check_yaml_expansion(text: str, label: str) -> None:
    """Refuse a YAML document whose aliases would expand beyond :data:`MAX_YAML_NODES` nodes.

    Works on the parser's event stream (nothing is built), so the cost is one pass over the
    text. Skipped entirely when the text defines no anchor.

    Raises:
        UserError: ``label:line: YAML aliases expand to more than N nodes``.
    """
    if not _ANCHOR.search(text):
        return
    from ruamel.yaml import YAML
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent

    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[0, None]]
    total = 0
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, AliasEvent):
            size = sizes.get(str(event.anchor), 1)
            stack[-1][0] += size
            total += size
        elif isinstance(event, CollectionStartEvent):
            stack.append([1, event.anchor])
            total += 1
        elif isinstance(event, CollectionEndEvent):
            count, anchor = stack.pop()
            if anchor is not None:
                sizes[str(anchor)] = count
            stack[-1][0] += count
        elif isinstance(event, NodeEvent):  # a scalar
            stack[-1][0] += 1
            total += 1
            if event.anchor is not None:
                sizes[str(event.anchor)] = 1
        if total > MAX_YAML_NODES:
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            raise UserError("", [Problem(label, line, "", f"YAML aliases expand to more than {MAX_YAML_NODES:,} "
                                                          "nodes (an alias bomb?); write the values out instead")])


def file_label(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` when inside it, for messages."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)
