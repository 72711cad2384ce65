"""Small file-system helpers: atomic writes, JSONL append, stable JSON."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from prodbench.core.secrets import redact_bytes


def confine(path: str | os.PathLike[str], root: str | os.PathLike[str], what: str = "output") -> Path:
    """``path`` resolved (symlinks and ``..`` followed), proved to lie inside ``root``.

    Every path prodbench writes that is built from configuration (model names, shard suffixes,
    ids) goes through here, so a name like ``../../pwned`` can never write outside the project
    even if a check upstream were bypassed.

    Raises:
        UserError: The resolved path is outside ``root``.
    """
    from prodbench.core.errors import UserError

    resolved, base = Path(path).resolve(), Path(root).resolve()
    if resolved != base and base not in resolved.parents:
        raise UserError(f"{path}: refusing to write this {what}: it resolves to {resolved}, outside {base}",
                        exit_code=2)
    return resolved


def check_writable(directory: str | os.PathLike[str], what: str) -> None:
    """Create ``directory`` if needed and prove a file can be created and written in it.

    Called before the first paid call, so a read-only folder, a file where the folder should
    be, or a full disk stops the run before anything is spent.

    Raises:
        StorageError: With the folder, what it is for and the operating system's reason.
    """
    from prodbench.core.errors import StorageError

    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe.", dir=directory)
        try:
            os.write(fd, b"0" * 512)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise StorageError.from_os_error(exc, directory, what) from None


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], on_wait: Any = None) -> Iterator[bool]:
    """Hold an exclusive advisory lock on ``path`` (created) for the block; yields whether it waited.

    ``fcntl.flock``: released by the kernel when the process dies, so a killed run never
    leaves a stale lock. ``on_wait()`` is called once if another process holds it. Where
    ``fcntl`` does not exist (Windows) the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield False
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        waited = False
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waited = True
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield waited
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open a temp file next to ``path`` for writing; it replaces ``path`` only if the block succeeds.

    On an error the temp file is removed and an existing ``path`` is left as it was; parent
    directories are created. The data is fsynced before the rename.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file in the same dir + fsync + rename).

    Args:
        path: Destination path; parent directories are created.
        data: Bytes to write.
    """
    with atomic_output(path) as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (secret values and key shapes masked)."""
    atomic_write_bytes(path, redact_bytes(text.encode("utf-8")))


def dumps_stable(obj: Any, indent: bool = True) -> bytes:
    """Serialise ``obj`` as JSON with sorted keys (diff-friendly), ending in a newline."""
    option = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    if indent:
        option |= orjson.OPT_INDENT_2
    return orjson.dumps(obj, option=option) + b"\n"


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Atomically write ``obj`` as stable, indented JSON (secret values and key shapes masked)."""
    atomic_write_bytes(path, redact_bytes(dumps_stable(obj)))


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> None:
    """Atomically write ``rows`` as JSON Lines (sorted keys, one object per line; secrets masked)."""
    option = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE
    atomic_write_bytes(path, redact_bytes(b"".join(orjson.dumps(row, option=option) for row in rows)))


def append_jsonl(handle: Any, row: Any) -> None:
    """Append one JSON line to an open binary file handle and flush it to disk.

    A crash can at worst leave a truncated last line, which :func:`read_jsonl`
    with ``tolerate_truncated_tail=True`` skips.
    """
    handle.write(orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
    handle.flush()
    os.fsync(handle.fileno())


def read_jsonl(path: str | os.PathLike[str], tolerate_truncated_tail: bool = False) -> list[Any]:
    """Read a JSON Lines file written by prodbench.

    Args:
        path: File to read.
        tolerate_truncated_tail: Skip a final line that does not parse (left by a crash
            in the middle of a write).

    Returns:
        The parsed rows, in file order.
    """
    rows: list[Any] = []
    with open(path, "rb") as handle:
        lines = handle.read().split(b"\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rows.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            if tolerate_truncated_tail and index >= len(lines) - 2:
                continue
            raise
    return rows


def parse_jsonl_objects(data: bytes, label: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Any]]:
    """Parse JSON Lines that must hold one object per line, collecting every bad line.

    Args:
        data: The file's bytes.
        label: File name used in problems.

    Returns:
        ``(rows, problems)``: ``(line_number, object)`` pairs and one
        :class:`~prodbench.core.errors.Problem` per line that is not a JSON object.
    """
    from prodbench.core.errors import Problem

    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[Any] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problems.append(Problem(label, number, "", f"invalid JSON: {exc}"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(label, number, "", "expected a JSON object per line"))
            continue
        rows.append((number, row))
    return rows, problems


def json_plain(value: Any) -> Any:
    """Deep-convert to plain JSON types: dicts, lists, str, int, float, bool, None.

    Tuples become lists, scalar subclasses their base type, anything else its ``str``.
    """
    if isinstance(value, dict):
        return {str(k): json_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return str(value)
