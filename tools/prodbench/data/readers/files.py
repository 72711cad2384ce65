"""Log files: JSONL (line by line), CSV/TSV (header mapping), JSON arrays or one pretty-printed
object, each optionally gzip-compressed; read from where an earlier ingest stopped.

:class:`LogFile` yields ``(line, object)`` for each parsed record or ``(line, reason)`` for a bad
one, and keeps its position: the byte offset (in the decompressed stream) after the last record
yielded, the line count and a BLAKE2b hash of every byte up to there. Given the position an
earlier run stopped at (:class:`Position`), it skips that prefix (hashing it, without parsing)
and checks the hash: equal means the file only grew and reading goes on from there (``appended``
or ``unchanged``); a different hash, a record crossing the old offset or a shorter file means the
file was edited or truncated (``changed``), and it is read again from the start.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

__all__ = ["LOG_SUFFIXES", "LogFile", "Position", "file_kind"]

LOG_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv", ".tsv")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Position:
    """How far a log file was read: byte offset (decompressed), lines, hash of the bytes before."""

    offset: int = 0
    lines: int = 0
    prefix: str = ""


def _inner_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


def file_kind(path: Path, fmt: str) -> str:
    """``csv``, ``tsv``, ``whole`` (a JSON array or one pretty-printed object) or ``lines`` (JSONL)."""
    suffix = _inner_suffix(path)
    if fmt == "csv" or suffix in (".csv", ".tsv"):
        return "tsv" if suffix == ".tsv" else "csv"
    with _open(path) as handle:
        head = handle.read(1 << 16)
        first = head.lstrip(BOM + b" \t\r\n")[:1]
        if first == b"[":
            return "whole"
        if first == b"{" and suffix == ".json":
            line = head.lstrip(BOM + b" \t\r\n").split(b"\n", 1)[0]
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                return "whole"  # one object spread over lines
    return "lines"


class LogFile:
    """One log file read as records with its position (see the module docstring).

    Args:
        path: The file (``.gz`` decompressed on the fly).
        fmt: The ``--format`` name (``csv`` forces CSV parsing).
        resume: Where an earlier ingest stopped, or None to read everything.
    """

    def __init__(self, path: Path, fmt: str = "auto", resume: Position | None = None) -> None:
        self.path = path
        self.kind = file_kind(path, fmt)
        self.resume = resume if resume is not None and resume.offset > 0 else None
        self.mode = "new" if self.resume is None else "appended"
        self.offset = 0
        self.lines = 0
        self.header: list[str] | None = None
        self._hash = hashlib.blake2b(digest_size=16)
        self._prefix = self._hash.hexdigest()
        self._prefix_checked = self.resume is None
        self._consumed = self._line_no = 0

    def position(self) -> Position:
        """Where reading stands now (after the last record yielded)."""
        return Position(self.offset, self.lines, self._prefix)

    def _advance(self, end: int, end_line: int) -> None:
        self.offset, self.lines, self._prefix = end, end_line, self._hash.hexdigest()

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        records = self._whole() if self.kind == "whole" else self._records()
        for line, end, end_line, item in records:
            if not self._prefix_checked:
                if end < self.resume.offset:  # type: ignore[union-attr]
                    continue
                if not self._check(end, end_line):
                    yield from self._restart()
                    return
                continue
            self._advance(end, end_line)
            yield line, item
        if not self._prefix_checked:  # the file ends before the old offset: truncated
            yield from self._restart()

    def _check(self, end: int, end_line: int) -> bool:
        """At the first record ending at or past the old offset: is the prefix unchanged?"""
        self._prefix_checked = True
        resume = self.resume
        assert resume is not None
        if end == resume.offset and self._hash.hexdigest() == resume.prefix:
            self._advance(end, end_line)
            self.mode = "appended"
            return True
        return False

    def _restart(self) -> Iterator[tuple[int, Any]]:
        self.mode = "changed"
        self._hash = hashlib.blake2b(digest_size=16)
        self.offset = self.lines = 0
        self._prefix_checked = True
        records = self._whole() if self.kind == "whole" else self._records()
        for line, end, end_line, item in records:
            self._advance(end, end_line)
            yield line, item

    # ------------------------------------------------------------------ raw lines

    def _raw_lines(self, handle: IO[bytes]) -> Iterator[bytes]:
        """Every physical line, hashed as it is consumed (``self._consumed`` grows with it)."""
        for number, raw in enumerate(handle):
            self._hash.update(raw)
            self._consumed += len(raw)
            self._line_no += 1
            yield raw[len(BOM):] if number == 0 and raw.startswith(BOM) else raw

    def _records(self) -> Iterator[tuple[int, int, int, Any]]:
        """``(first line, end offset, lines so far, parsed object or reason)`` per record."""
        self._consumed = 0
        self._line_no = 0
        with _open(self.path) as handle:
            if self.kind == "lines":
                for raw in self._raw_lines(handle):
                    if not raw.strip():
                        continue
                    try:
                        item: Any = orjson.loads(raw)
                    except orjson.JSONDecodeError as exc:
                        item = f"malformed JSON ({str(exc).split(':')[0]})"
                    yield self._line_no, self._consumed, self._line_no, item
                return
            yield from self._csv_records(handle)

    def _csv_records(self, handle: IO[bytes]) -> Iterator[tuple[int, int, int, Any]]:
        text = (raw.decode("utf-8", errors="replace") for raw in self._raw_lines(handle))
        reader = csv.reader(text, delimiter="\t" if self.kind == "tsv" else ",")
        header: list[str] | None = None
        while True:
            start = self._line_no + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, self._consumed, self._line_no, f"malformed CSV ({exc.__class__.__name__})"
                continue
            if header is None:
                header = [h.strip() for h in row]
                self.header = header
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield start, self._consumed, self._line_no, "wrong number of columns"
                continue
            yield start, self._consumed, self._line_no, dict(zip(header, row, strict=True))

    # ------------------------------------------------------------------ whole documents

    def _whole(self) -> Iterator[tuple[int, int, int, Any]]:
        """A JSON array (one record per element, each at its first line) or one object."""
        with _open(self.path) as handle:
            data = handle.read()
        self._hash.update(data)
        end, lines = len(data), data.count(b"\n")
        if self.resume is not None and not self._prefix_checked:
            same = end == self.resume.offset and self._hash.hexdigest() == self.resume.prefix
            self._prefix_checked = True
            if same:
                self._advance(end, lines)
                self.mode = "unchanged"
                return
            self._hash = hashlib.blake2b(data, digest_size=16)
            self.mode = "changed"
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
        decoder = json.JSONDecoder()
        index = len(text) - len(text.lstrip())
        if not text[index:].startswith("["):
            try:
                item: Any = orjson.loads(data.lstrip(BOM))
            except orjson.JSONDecodeError as exc:
                item = f"malformed JSON ({str(exc).split(':')[0]})"
            yield text.count("\n", 0, index) + 1, end, lines, item
            return
        index += 1
        while True:
            while index < len(text) and text[index] in " \t\r\n,":
                index += 1
            if index >= len(text):
                yield text.count("\n") + 1, end, lines, "malformed JSON array (no closing ']')"
                return
            if text[index] == "]":
                return
            line = text.count("\n", 0, index) + 1
            try:
                item, index = decoder.raw_decode(text, index)
            except json.JSONDecodeError as exc:
                yield line, end, lines, f"malformed JSON in the array ({exc.msg})"
                return
            yield line, end, lines, item
