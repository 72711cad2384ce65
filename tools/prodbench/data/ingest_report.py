"""The ingest report (``reports/ingest.json``): counts and reasons, ids and line numbers only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.core.fsutil import write_json

__all__ = ["MAX_LISTED", "IngestReport", "write_report"]

MAX_LISTED = 1000  # malformed lines / drops listed in the report (all are counted)


@dataclass
class IngestReport:
    """Counts and reasons of one ingest run (ids and line numbers only, never text)."""

    files: list[str] = field(default_factory=list)
    read: int = 0
    added: int = 0
    malformed: int = 0
    malformed_lines: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    dropped_counts: Counter[str] = field(default_factory=Counter)
    task_types: Counter[str] = field(default_factory=Counter)
    difficulties: Counter[str] = field(default_factory=Counter)
    needs_review: int = 0
    anonymized: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    dropped_parts: Counter[str] = field(default_factory=Counter)
    sources: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unusable: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    llm_tagger: dict[str, Any] | None = None
    tagging: dict[str, Any] | None = None
    ledger: str = "not used"

    def as_dict(self) -> dict[str, Any]:
        """The report as written to ``reports/ingest.json``."""
        return {
            "files": self.files, "read": self.read, "added": self.added, "malformed": self.malformed,
            "malformed_lines": self.malformed_lines, "dropped_total": sum(self.dropped_counts.values()),
            "dropped_by_reason": dict(self.dropped_counts), "dropped": self.dropped,
            "task_types": dict(self.task_types), "difficulties": dict(self.difficulties),
            "needs_review": self.needs_review, "anonymized": dict(self.anonymized),
            "formats": dict(self.formats), "outputs": self.outputs, "llm_tagger": self.llm_tagger,
            "ledger": self.ledger, "dropped_parts": dict(self.dropped_parts), "sources": self.sources,
            "warnings": self.warnings, "unusable": self.unusable,
            "tagging": self.tagging,
        }

    def merge(self, other: IngestReport) -> IngestReport:
        """Add ``other`` (another source's run) into this report and return it (``llm_tagger`` is kept)."""
        self.files += other.files
        self.read += other.read
        self.added += other.added
        self.malformed += other.malformed
        self.malformed_lines += other.malformed_lines
        self.dropped += other.dropped
        self.dropped_counts.update(other.dropped_counts)
        self.task_types.update(other.task_types)
        self.difficulties.update(other.difficulties)
        self.needs_review += other.needs_review
        self.anonymized.update(other.anonymized)
        self.formats.update(other.formats)
        self.dropped_parts.update(other.dropped_parts)
        self.sources += other.sources
        self.warnings += other.warnings
        self.unusable += other.unusable
        self.outputs += other.outputs
        return self

    def summary(self) -> str:
        """One line for the terminal: read, added, dropped by reason, malformed, marked for review."""
        dropped = sum(self.dropped_counts.values())
        return (f"read {self.read}, added {self.added}, dropped {dropped} "
                f"({', '.join(f'{k} {v}' for k, v in sorted(self.dropped_counts.items())) or 'none'}), "
                f"malformed {self.malformed}, {self.needs_review} marked for review")

    def details(self) -> list[str]:
        """Terminal lines after the summary: formats read, parts dropped, each log's read mode."""
        out = []
        if self.formats:
            out.append("formats: " + ", ".join(f"{k} {v}" for k, v in sorted(self.formats.items())))
        if self.dropped_parts:
            out.append("non-text parts dropped: " + ", ".join(f"{k} {v}" for k, v in sorted(self.dropped_parts.items())))
        for src in self.sources:
            if src["mode"] != "new":
                out.append(f"{src['file']}: {src['mode']}, read from line {src['from_line']} ({src['entries']} record(s))")
        return out + [f"warning: {w}" for w in self.warnings]


def write_report(path: Path, report: IngestReport) -> None:
    """Write the ingest report (JSON, sorted keys; ids and line numbers only)."""
    write_json(path, report.as_dict())
