"""Find and load prompt records (golden set, current rotating slice, pool).

A prompt record is one JSONL line (see ``schemas/prompt.schema.json``). Loading here
assumes the files are valid (``prodbench validate`` is the gate); malformed lines
still raise a located :class:`UserError` rather than a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError
from prodbench.core.project import Project
from prodbench.core.records import LoadedPrompt, canonical_json, content_hash

__all__ = ["GOLDEN", "POOL", "ROTATING", "LoadedPrompt", "PromptFile", "canonical_json", "content_hash",
           "current_period", "iter_records", "load_prompts", "prompt_files", "public_record", "set_of_path"]

GOLDEN = "golden"
ROTATING = "rotating"
POOL = "pool"


@dataclass(frozen=True)
class PromptFile:
    """A prompt file and the set it belongs to (golden, rotating or pool)."""

    path: Path
    set_name: str


def current_period(params: dict[str, Any]) -> str | None:
    """The current rotating period from params (``rotation.current``), or None."""
    return (params.get("rotation") or {}).get("current")


def prompt_files(project: Project, params: dict[str, Any], sets: tuple[str, ...] = (GOLDEN, ROTATING)) -> list[PromptFile]:
    """List the prompt files of the requested sets, sorted for determinism.

    Args:
        project: The project.
        params: Loaded params (for the current rotating period).
        sets: Which sets to include: ``golden``, ``rotating`` (current period only), ``pool``.
    """
    files: list[PromptFile] = []
    if GOLDEN in sets:
        files += [PromptFile(p, GOLDEN) for p in sorted(project.golden_dir.rglob("*.jsonl"))]
    if ROTATING in sets:
        period = current_period(params)
        if period:
            files += [PromptFile(p, ROTATING) for p in sorted((project.rotating_dir / period).rglob("*.jsonl"))]
    if POOL in sets:
        files += [PromptFile(p, POOL) for p in sorted(project.pool_dir.rglob("*.jsonl"))]
    return files


def set_of_path(project: Project, path: Path) -> str:
    """Which set a prompt file path belongs to (golden, rotating, pool or other)."""
    try:
        first = path.resolve().relative_to(project.prompts_dir.resolve()).parts[0]
    except (ValueError, IndexError):
        return "other"
    return first if first in (GOLDEN, ROTATING, POOL) else "other"


def iter_records(path: Path, label: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, record)`` for each non-blank line of a JSONL file.

    Raises:
        UserError: A line is not a JSON object.
    """
    label = label or str(path)
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise UserError("", [Problem(label, number, "", f"malformed JSON: {exc}")]) from None
            if not isinstance(record, dict):
                raise UserError("", [Problem(label, number, "", "a prompt record must be a JSON object")])
            yield number, record


def load_prompts(project: Project, params: dict[str, Any],
                 sets: tuple[str, ...] = (GOLDEN, ROTATING)) -> list[LoadedPrompt]:
    """Load every record of the requested sets, each with its set, file and line beside it."""
    prompts = []
    for prompt_file in prompt_files(project, params, sets):
        label = project.rel(prompt_file.path)
        for line, record in iter_records(prompt_file.path, label):
            prompts.append(LoadedPrompt(record, prompt_file.set_name, label, line))  # type: ignore[arg-type]
    return prompts


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record without ``_``-prefixed keys (which no file format allows)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
