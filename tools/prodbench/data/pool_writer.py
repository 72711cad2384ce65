"""``PoolWriter``: new pool records staged in a temp file and appended to the pool atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.fsutil import atomic_output

__all__ = ["PoolWriter"]


class PoolWriter:
    """Collects new records in a temp file; :meth:`commit` appends them atomically."""

    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self._open()

    def _open(self) -> None:
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".new", dir=self.target.parent)
        self.tmp = Path(name)
        self.handle = os.fdopen(fd, "wb")
        self.staged = 0

    def write(self, record: dict[str, Any]) -> None:
        """Stage one record (one JSONL line)."""
        self.handle.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        self.count += 1
        self.staged += 1

    def commit(self) -> None:
        """Append the staged records to the target in one atomic replace (nothing if none)."""
        self.handle.close()
        if not self.staged:
            self.tmp.unlink()
            return
        try:
            with atomic_output(self.target) as out:
                if self.target.is_file():
                    data = self.target.read_bytes()
                    out.write(data)
                    if data and not data.endswith(b"\n"):
                        out.write(b"\n")
                with open(self.tmp, "rb") as new:
                    while chunk := new.read(1 << 20):
                        out.write(chunk)
        finally:
            self.tmp.unlink(missing_ok=True)

    def checkpoint(self) -> None:
        """Commit what is staged and go on staging in a fresh temp file."""
        self.commit()
        self._open()

    def abort(self) -> None:
        """Discard the staged records; what earlier checkpoints appended stays."""
        self.handle.close()
        self.tmp.unlink(missing_ok=True)
