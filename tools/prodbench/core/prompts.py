"""Find and load prompt records (golden set, current rotating slice, pool).

A prompt record is one JSONL line (see ``schemas/prompt.schema.json``). Loading here
assumes the files are valid (``prodbench validate`` is the gate); malformed lines
still raise a located :class:`UserError` rather than a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError
from prodbench.core.limits import loads
from prodbench.core.project import Project, package_schema
from prodbench.core.records import LoadedPrompt, canonical_json, content_hash

__all__ = ["GOLDEN", "POOL", "ROTATING", "LoadedPrompt", "PromptFile", "canonical_json", "check_record", "content_hash",
           "current_period", "find_jsonl", "iter_records", "load_prompts", "prompt_files", "public_record", "set_of_path"]

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


def _outside_link(project: Project, path: Path) -> UserError:
    target = path.resolve()
    return UserError("", [Problem(project.rel(path.parent) + "/" + path.name, 0, "",
                                  f"symbolic link to {target}, outside the repository: prompt files and "
                                  "folders must live in the repository (copy the file in instead)")])


def find_jsonl(project: Project, root: Path) -> list[Path]:
    """Every ``*.jsonl`` file under ``root`` (a folder or a file), sorted: the ONE discovery walk.

    ``prodbench validate`` and every loader (run, score, coverage, diff) find prompt files
    through this function, so what is run is always what was validated. Symbolic links (to
    files or folders) are followed when their target lies inside the repository and rejected
    otherwise; a broken link is an error too. A folder reached twice (a link loop) is walked once.

    Raises:
        UserError: A link leads outside the repository, or is broken.
    """
    repo = project.root.resolve()
    found: list[Path] = []

    def inside(path: Path) -> bool:
        target = path.resolve()
        return target == repo or repo in target.parents

    def visit(directory: Path, seen: frozenset[Path]) -> None:
        real = directory.resolve()
        if real in seen:
            return
        seen = seen | {real}
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            path = Path(entry.path)
            if entry.is_symlink() and not inside(path):
                raise _outside_link(project, path)
            if entry.is_dir(follow_symlinks=True):
                visit(path, seen)
            elif entry.name.endswith(".jsonl"):
                if not entry.is_file(follow_symlinks=True):
                    raise UserError("", [Problem(project.rel(path), 0, "", "broken symbolic link")])
                found.append(path)

    if root.is_symlink() and not inside(root):
        raise _outside_link(project, root)
    if root.is_dir():
        visit(root, frozenset())
    elif root.is_file():
        found.append(root)
    return found


def prompt_files(project: Project, params: dict[str, Any], sets: tuple[str, ...] = (GOLDEN, ROTATING)) -> list[PromptFile]:
    """List the prompt files of the requested sets, sorted for determinism (see :func:`find_jsonl`).

    Args:
        project: The project.
        params: Loaded params (for the current rotating period).
        sets: Which sets to include: ``golden``, ``rotating`` (current period only), ``pool``.
    """
    files: list[PromptFile] = []
    if GOLDEN in sets:
        files += [PromptFile(p, GOLDEN) for p in find_jsonl(project, project.golden_dir)]
    if ROTATING in sets:
        period = current_period(params)
        if period:
            files += [PromptFile(p, ROTATING) for p in find_jsonl(project, project.rotating_dir / period)]
    if POOL in sets:
        files += [PromptFile(p, POOL) for p in find_jsonl(project, project.pool_dir)]
    return files


def set_of_path(project: Project, path: Path) -> str:
    """Which set a prompt file path belongs to (golden, rotating, pool or other), by where it is listed.

    The path as listed counts, not a link's target: a golden file linked to a pool file is golden.
    """
    try:
        first = Path(os.path.abspath(path)).relative_to(os.path.abspath(project.prompts_dir)).parts[0]
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
            record = loads(line, label, number)  # limits: nesting depth, number size
            if not isinstance(record, dict):
                raise UserError("", [Problem(label, number, "", "a prompt record must be a JSON object")])
            yield number, record


@lru_cache(maxsize=1)
def _record_validator() -> Any:
    import jsonschema_rs

    schema = orjson.loads(package_schema("prompt.schema.json").read_bytes())
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def check_record(record: dict[str, Any], label: str, line: int) -> None:
    """Refuse a record that does not match the packaged prompt schema (``file:line: field: reason``).

    Loaders call this so run, score and diff never act on a record ``prodbench validate``
    would reject (a missing ``id``, ``messages`` as a string, ...).
    """
    validator = _record_validator()
    if validator.is_valid(record):
        return
    problems = []
    for error in list(validator.iter_errors(record))[:5]:
        field = ".".join(str(p) for p in error.instance_path) or "(record)"
        problems.append(Problem(label, line, field, f"{str(error.message)[:200]} (run `prodbench validate`)"))
    raise UserError("", problems)


def load_prompts(project: Project, params: dict[str, Any],
                 sets: tuple[str, ...] = (GOLDEN, ROTATING)) -> list[LoadedPrompt]:
    """Load every record of the requested sets, each with its set, file and line beside it.

    Each record is checked against the packaged prompt schema (:func:`check_record`).
    """
    prompts = []
    for prompt_file in prompt_files(project, params, sets):
        label = project.rel(prompt_file.path)
        for line, record in iter_records(prompt_file.path, label):
            check_record(record, label, line)
            prompts.append(LoadedPrompt(record, prompt_file.set_name, label, line))  # type: ignore[arg-type]
    return prompts


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record without ``_``-prefixed keys (which no file format allows)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
