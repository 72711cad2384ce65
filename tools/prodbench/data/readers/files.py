"""Log files: JSONL (line by line), CSV/TSV (header mapping), JSON arrays or one pretty-printed
object, each optionally gzip-compressed; read from where an earlier ingest stopped.

:class:`LogFile` yields ``(line, object)`` for each parsed record or ``(line, reason)`` for a bad
one, and keeps its position: the byte offset (in the decompressed stream) after the last record
yielded, the line count and a BLAKE2b hash of every byte up to there. Given the position an
earlier run stopped at (:class:`Position`), it hashes that prefix in 1 MiB chunks (without
parsing) and compares: equal means the file only grew and reading goes on from there (``appended``
or ``unchanged``); a different hash or a shorter file means the file was edited or truncated
(``changed``), and it is read again from the start. A JSON array is hashed whole: unchanged, it
gives nothing; changed, everything.
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

__all__ = ["LOG_SUFFIXES", "MAX_RECORD_BYTES", "LogFile", "Position", "file_kind"]

LOG_SUFFIXES = (".jsonl", ".json", ".ndjson", ".csv", ".tsv")
BOM = b"\xef\xbb\xbf"
CHUNK = 1 << 20
# A single log record larger than this is reported as a bad record instead of being parsed and
# anonymized (tens of megabytes of text in one prompt would hold ingest for minutes).
MAX_RECORD_BYTES = 4 << 20


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
        self._consumed = self._line_no = 0

    def position(self) -> Position:
        """Where reading stands now (after the last record yielded)."""
        return Position(self.offset, self.lines, self._prefix)

    def _advance(self, end: int, end_line: int) -> None:
        self.offset, self.lines, self._prefix = end, end_line, self._hash.hexdigest()

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        records = self._whole() if self.kind == "whole" else self._records()
        for line, end, end_line, item in records:
            self._advance(end, end_line)
            yield line, item

    def _skip_prefix(self, handle: IO[bytes]) -> bool:
        """Hash the first ``resume.offset`` bytes in chunks (no parsing); True if they are unchanged."""
        resume = self.resume
        assert resume is not None
        left = resume.offset
        while left > 0:
            chunk = handle.read(min(left, CHUNK))
            if not chunk:
                return False  # shorter than before: truncated
            self._hash.update(chunk)
            self._line_no += chunk.count(b"\n")
            left -= len(chunk)
        self._consumed = resume.offset
        return self._hash.hexdigest() == resume.prefix

    def _restart(self) -> None:
        """The log changed: read it again from the start."""
        self.mode = "changed"
        self.resume = None
        self._hash = hashlib.blake2b(digest_size=16)
        self._consumed = self._line_no = 0
        self._advance(0, 0)

    # ------------------------------------------------------------------ raw lines

    def _raw_lines(self, handle: IO[bytes]) -> Iterator[bytes]:
        """Every physical line, hashed as it is consumed (``self._consumed`` grows with it)."""
        for raw in handle:
            first = self._consumed == 0
            self._hash.update(raw)
            self._consumed += len(raw)
            self._line_no += 1
            yield raw[len(BOM):] if first and raw.startswith(BOM) else raw

    def _records(self) -> Iterator[tuple[int, int, int, Any]]:
        """``(first line, end offset, lines so far, parsed object or reason)`` per record."""
        if self.kind != "lines":
            self.header = self._csv_header()
        handle = _open(self.path)
        try:
            if self.resume is not None:
                if self._skip_prefix(handle):
                    self._advance(self._consumed, self._line_no)
                else:
                    handle.close()
                    handle = _open(self.path)
                    self._restart()
            if self.kind != "lines":
                yield from self._csv_records(handle)
                return
            for raw in self._raw_lines(handle):
                if not raw.strip():
                    continue
                if len(raw) > MAX_RECORD_BYTES:
                    yield self._line_no, self._consumed, self._line_no, (
                        f"record too large ({len(raw) / 1e6:.1f} MB, the limit is {MAX_RECORD_BYTES / 1e6:.1f} MB "
                        "per line): split the document, or anonymize it on its own with `prodbench anonymize`")
                    continue
                try:
                    item: Any = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    item = f"malformed JSON ({str(exc).split(':')[0]})"
                yield self._line_no, self._consumed, self._line_no, item
        finally:
            handle.close()

    def _csv_header(self) -> list[str] | None:
        with _open(self.path) as handle:
            text = (raw.decode("utf-8", errors="replace").lstrip("\ufeff") for raw in handle)
            try:
                return [h.strip() for h in next(csv.reader(text, delimiter=self._delimiter))]
            except (StopIteration, csv.Error):
                return None

    @property
    def _delimiter(self) -> str:
        return "\t" if self.kind == "tsv" else ","

    def _csv_records(self, handle: IO[bytes]) -> Iterator[tuple[int, int, int, Any]]:
        text = (raw.decode("utf-8", errors="replace") for raw in self._raw_lines(handle))
        reader = csv.reader(text, delimiter=self._delimiter)
        header = self.header
        skip_header = self._consumed == 0
        while True:
            start = self._line_no + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, self._consumed, self._line_no, f"malformed CSV ({exc.__class__.__name__})"
                continue
            if skip_header:
                skip_header = False
                continue
            if header is None or not any(cell.strip() for cell in row):
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
        if self.resume is not None:
            same = end == self.resume.offset and self._hash.hexdigest() == self.resume.prefix
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
