"""The run journal: finished rows of a ``--no-cache``/``--refresh`` run, for resuming it.

With the cache on, the cache itself is the journal (a resumed run finds every finished call
there); with it off, each finished row is appended here (flushed per row, fsynced at the end)
and an interrupted run reuses the rows whose prompt and config are unchanged.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Any, cast

import orjson

from prodbench.core.errors import StorageError
from prodbench.core.limits import read_jsonl_rows
from prodbench.core.records import RunRow
from prodbench.core.secrets import redact_obj


def load_journal(path: Path, prompt_hashes: dict[str, str], chash: str) -> dict[str, RunRow]:
    """Rows of an interrupted run that are still valid (same prompt and config, no error)."""
    if not path.is_file():
        return {}
    done: dict[str, RunRow] = {}
    # a torn or corrupted line is skipped with a file:line warning (that row is simply run again)
    for _, row in read_jsonl_rows(path, skip_bad=True):
        if row.get("error") is not None:
            continue
        rid = row.get("id")
        if rid in prompt_hashes and row.get("prompt_hash") == prompt_hashes[rid] and row.get("config_hash") == chash:
            done[rid] = cast(RunRow, row)
    return done


class Journal:
    """Append-only writer of finished rows (one JSON line each, flushed per row).

    Args:
        path: The journal file (created with its parent directory).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle: IO[bytes] = open(path, "ab")  # noqa: SIM115 - closed by close()
            _terminate_torn_line(self._handle)
        except OSError as exc:
            raise StorageError.from_os_error(exc, path, "run journal") from None

    def write(self, row: RunRow) -> None:
        """Append one row (secrets masked) and flush it to the OS.

        Raises:
            StorageError: The disk is full or the file cannot be written.
        """
        try:
            self._handle.write(orjson.dumps(redact_obj(row), option=orjson.OPT_SORT_KEYS) + b"\n")
            self._handle.flush()
        except OSError as exc:
            raise StorageError.from_os_error(exc, self.path, "run journal") from None

    def close(self) -> None:
        """fsync (best effort) and close."""
        with contextlib.suppress(OSError):
            self._handle.flush()
            os.fsync(self._handle.fileno())
        with contextlib.suppress(OSError):
            self._handle.close()


def _terminate_torn_line(handle: Any) -> None:
    """If the journal ends mid-line (a crash during a write), start the next row on a new line."""
    if handle.tell() == 0:
        return
    with open(handle.name, "rb") as reader:
        reader.seek(-1, os.SEEK_END)
        if reader.read(1) != b"\n":
            handle.write(b"\n")
