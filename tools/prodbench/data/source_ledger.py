"""The ingest ledger ``prompts/ingest.ledger``: how far each log was read, and what it gave.

Committed to git next to the pool, so every clone (and CI) re-ingests only new data. JSON lines:

* a header ``{"prodbench_ingest_ledger": 1}``;
* per log file (by its repository-relative path): ``{"source": ..., "offset": ..., "lines": ...,
  "prefix": ...}``, the byte offset (decompressed) after the last record read, its line count
  and the BLAKE2b-128 hash of every byte before it (:class:`~prodbench.data.readers.Position`);
* per record ingest produced: ``{"h": ..., "id": ...}``, the SHA-256 (first 128 bits) of its
  anonymized, normalised text (the hash tombstones use, never raw text) and the id it was added
  as (or duplicates). A later record with the same text is never added again, so a record
  rejected, removed or edited by hand in the pool stays as the reviewer left it.

Written atomically (temp file + rename) at each ingest checkpoint, after the pool append, so an
interrupted ingest resumes from the last checkpoint and at worst re-reads records the pool
already holds (dropped as duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from prodbench.core.errors import UserError
from prodbench.core.fsutil import atomic_write_bytes
from prodbench.data.readers import Position

__all__ = ["DEFAULT_PATH", "FORMAT", "IngestLedger"]

DEFAULT_PATH = "prompts/ingest.ledger"
FORMAT = 1
HASH_CHARS = 32


@dataclass
class IngestLedger:
    """The ingest ledger in memory.

    Attributes:
        path: The ledger file.
        sources: Log file (repository-relative) -> where reading stopped.
        seen: Content hash (first 32 hex characters) -> the record id it was added as or duplicates.
        changed: Whether :meth:`save` has something to write.
    """

    path: Path
    sources: dict[str, Position] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def load(cls, path: Path, label: str | None = None) -> IngestLedger:
        """Read ``path`` (a missing file is an empty ledger).

        Raises:
            UserError: A line is not a ledger entry (``file:line: reason``).
        """
        ledger = cls(path)
        label = label or str(path)
        if not path.is_file():
            return ledger
        for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                entry = orjson.loads(raw)
                if "prodbench_ingest_ledger" in entry:
                    if entry["prodbench_ingest_ledger"] != FORMAT:
                        raise ValueError(f"unknown ledger format {entry['prodbench_ingest_ledger']!r}")
                elif "source" in entry:
                    ledger.sources[str(entry["source"])] = Position(int(entry["offset"]), int(entry["lines"]),
                                                                    str(entry["prefix"]))
                else:
                    ledger.seen[str(entry["h"])] = str(entry["id"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise UserError(f"{label}:{number}: not an ingest ledger entry ({exc})") from None
        return ledger

    @staticmethod
    def key(content_hash: str) -> str:
        """The ledger key of a record's content hash (its first 128 bits)."""
        return content_hash[:HASH_CHARS]

    def seen_as(self, content_hash: str) -> str | None:
        """The id a record with this content was added as (or duplicated) earlier, if any."""
        return self.seen.get(self.key(content_hash))

    def add(self, content_hash: str, record_id: str) -> None:
        """Remember that a record with this content was read (added as, or duplicating, ``record_id``)."""
        key = self.key(content_hash)
        if key not in self.seen:
            self.seen[key] = record_id
            self.changed = True

    def set_position(self, source: str, position: Position) -> None:
        """Remember where reading ``source`` stopped."""
        if self.sources.get(source) != position:
            self.sources[source] = position
            self.changed = True

    def save(self) -> None:
        """Rewrite the file atomically (header, sources sorted, then records in the order read)."""
        if not self.changed:
            return
        lines = [orjson.dumps({"prodbench_ingest_ledger": FORMAT, "hash": "sha256[:32] of anonymized text"})]
        lines += [orjson.dumps({"source": name, "offset": p.offset, "lines": p.lines, "prefix": p.prefix})
                  for name, p in sorted(self.sources.items())]
        lines += [orjson.dumps({"h": h, "id": rid}) for h, rid in self.seen.items()]
        atomic_write_bytes(self.path, b"\n".join(lines) + b"\n")
        self.changed = False
