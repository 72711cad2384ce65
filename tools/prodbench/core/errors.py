"""User-facing errors.

Every mistake a user can make (bad JSONL, bad params.yaml, unknown scorer, missing
API key, ...) is raised as a :class:`UserError`. The CLI prints it as
``file:line: field: message`` and exits non-zero, never with a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem, printed as ``file:line: field: message``.

    Attributes:
        file: Path of the offending file (relative to the project root if possible).
        line: 1-based line number, or 0 when the problem concerns the whole file.
        field: Dotted/JSON-pointer-like path of the offending field ("" if none).
        message: What is wrong and, where possible, how to fix it.
    """

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{location}:{field} {self.message}"

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-serialisable form."""
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class UserError(Exception):
    """A mistake in the user's input or configuration; printed without a traceback.

    Args:
        message: Human-readable explanation (what and how to fix).
        problems: Optional list of located problems, printed one per line.
        exit_code: Process exit code (1 for bad input, 2 for usage errors).
    """

    def __init__(self, message: str, problems: list[Problem] | None = None, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.exit_code = exit_code

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)


class StorageError(UserError):
    """Prodbench could not write where it must (disk full, read-only folder, a file in the way).

    Exit code 4, so scripts can tell "fix the disk and re-run" from bad input. Everything
    already written (paid responses in the cache) is kept; a re-run continues from there.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=4)

    @classmethod
    def from_os_error(cls, exc: OSError, path: object, what: str, saved: str = "") -> StorageError:
        """The error for ``exc`` while writing ``what`` at ``path`` (``saved``: what is safe already)."""
        reason = exc.strerror or type(exc).__name__
        tail = f" {saved}" if saved else ""
        return cls(f"{path}: cannot write the {what}: {reason}.{tail} Free space or fix the permissions "
                   "and re-run: nothing already saved is called again.")
