"""The result of a validation run and its two renderings (text and stable JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import Problem
from prodbench.core.fsutil import dumps_stable


@dataclass
class FileSummary:
    """Per-file counts reported in the JSON report."""

    file: str
    set_name: str
    records: int = 0
    problems: int = 0


@dataclass
class ValidationReport:
    """The result of a validation run.

    Attributes:
        problems: Every problem found, in file order.
        files: One summary per validated file.
    """

    problems: list[Problem] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    @property
    def records(self) -> int:
        """Records parsed in every file."""
        return sum(f.records for f in self.files)

    def sorted_problems(self) -> list[Problem]:
        """Problems sorted by file, line, field and message (deterministic output)."""
        return sorted(self.problems, key=lambda p: (p.file, p.line, p.field, p.message))

    def as_dict(self) -> dict[str, Any]:
        """A deterministic JSON document (no timestamps, sorted problems)."""
        by_set: dict[str, int] = {}
        for summary in self.files:
            by_set[summary.set_name] = by_set.get(summary.set_name, 0) + summary.records
        return {
            "ok": self.ok,
            "summary": {
                "files": len(self.files),
                "records": self.records,
                "problems": len(self.problems),
                "records_by_set": dict(sorted(by_set.items())),
            },
            "files": [
                {"file": f.file, "set": f.set_name, "records": f.records, "problems": f.problems}
                for f in sorted(self.files, key=lambda f: f.file)
            ],
            "problems": [p.as_dict() for p in self.sorted_problems()],
        }

    def summary_line(self) -> str:
        """One line such as ``60 records in 6 files: no problems``."""
        head = f"{self.records} records in {len(self.files)} files"
        if self.ok:
            return f"{head}: no problems"
        return f"{head}: {len(self.problems)} problem(s)"


def render_text(report: ValidationReport) -> str:
    """Problems one per line (``file:line: field: message``) and a summary line."""
    lines = [str(p) for p in report.sorted_problems()]
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> bytes:
    """The report as stable JSON (sorted keys, no timestamps)."""
    return dumps_stable(report.as_dict())
