"""The golden-set lock: ``prompts/golden.lock``.

The golden set never changes silently. ``prodbench golden freeze`` records a content
hash for every golden record (the whole public record, so editing a reference, a task
type or a message all count), a version and a reason. ``prodbench validate`` compares
the golden files with the lock and fails on any edit, removal or addition, telling the
user to run ``prodbench golden bump --reason "..."`` when the change is deliberate. A
bump increments the version and appends what changed (ids only) to the history.

Importing this module registers :func:`rule_golden_lock` with ``prodbench.validate.rules``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError
from prodbench.core.fsutil import atomic_write_bytes, write_json
from prodbench.core.project import Project
from prodbench.core.prompts import canonical_json, find_jsonl, iter_records, public_record

LOCK_FORMAT = 1
BUMP_HINT = 'run `prodbench golden bump --reason "<why>"` to record a deliberate change'


def record_hash(record: dict[str, Any]) -> str:
    """Hash of the whole public record (any edit changes it)."""
    return hashlib.sha256(canonical_json(public_record(record))).hexdigest()[:16]


def golden_hashes(project: Project) -> tuple[dict[str, str], dict[str, str]]:
    """Hash every golden record.

    Returns:
        ``(hashes, locations)``: id -> hash, and id -> ``file:line`` for messages.

    Raises:
        UserError: A golden file has a malformed line (validate reports it in detail).
    """
    hashes: dict[str, str] = {}
    where: dict[str, str] = {}
    for path in find_jsonl(project, project.golden_dir):  # the files validate and run see
        label = project.rel(path)
        for line, record in iter_records(path, label):
            rid = str(record.get("id"))
            hashes[rid] = record_hash(record)
            where[rid] = f"{label}:{line}"
    return hashes, where


def set_hash(hashes: dict[str, str]) -> str:
    """One hash over the whole set (id order independent)."""
    return hashlib.sha256(canonical_json(sorted(hashes.items()))).hexdigest()[:16]


def read_lock(project: Project) -> dict[str, Any] | None:
    """The parsed lock, or None when there is none.

    Raises:
        UserError: The lock exists but is not valid JSON of the expected shape.
    """
    path = project.golden_lock
    if not path.is_file():
        return None
    try:
        lock = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise UserError("", [Problem(project.rel(path), 0, "", f"not valid JSON: {exc}")]) from None
    if not isinstance(lock, dict) or not isinstance(lock.get("items"), dict):
        raise UserError("", [Problem(project.rel(path), 0, "items", "the lock has no 'items' mapping")])
    return lock


def compare(lock_items: dict[str, str], hashes: dict[str, str]) -> dict[str, list[str]]:
    """Ids added, removed and changed relative to the lock."""
    return {
        "added": sorted(set(hashes) - set(lock_items)),
        "removed": sorted(set(lock_items) - set(hashes)),
        "changed": sorted(i for i in set(hashes) & set(lock_items) if hashes[i] != lock_items[i]),
    }


def _state_digest(project: Project) -> str:
    """One digest over the lock and every golden file (names and bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(Path(__file__).read_bytes())  # a change in how records are hashed invalidates it
    lock = project.golden_lock
    digest.update(lock.read_bytes() if lock.is_file() else b"<no lock>")
    for path in find_jsonl(project, project.golden_dir):
        digest.update(project.rel(path).encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def check_lock(project: Project, use_cache: bool = True) -> list[Problem]:
    """Problems for every golden change the lock does not record (empty when in sync).

    When neither the lock nor any golden file changed since the last clean check, the
    answer is known without parsing: ``cache/validate/golden-clean`` keeps the digest of
    the last state that was in sync (one fast hash over the bytes instead of re-parsing
    and re-hashing every record).
    """
    marker = project.cache_dir / "validate" / "golden-clean"
    state = _state_digest(project) if use_cache else ""
    if use_cache and marker.is_file() and marker.read_text(encoding="utf-8").strip() == state:
        return []
    problems = _check_lock_uncached(project)
    if use_cache and not problems:
        with contextlib.suppress(OSError):  # a read-only checkout still validates, uncached
            atomic_write_bytes(marker, state.encode() + b"\n")
    return problems


def _check_lock_uncached(project: Project) -> list[Problem]:
    label = project.rel(project.golden_lock)
    try:
        hashes, where = golden_hashes(project)
        lock = read_lock(project)
    except UserError as exc:
        return list(exc.problems) or [Problem(label, 0, "", exc.message)]
    if lock is None:
        if not hashes:
            return []
        return [Problem(label, 0, "", f"missing: the golden set has {len(hashes)} records but no lock; "
                        "run `prodbench golden freeze --reason \"<why>\"`")]
    delta = compare(lock["items"], hashes)
    problems = []
    if lock.get("count") != len(lock["items"]):  # a hand edit of the lock
        problems.append(Problem(label, 0, "count", f"the lock says {lock.get('count')!r} records but lists "
                                f"{len(lock['items'])}; the lock was edited by hand: {BUMP_HINT}"))
    if "set_hash" in lock and lock.get("set_hash") != set_hash(lock["items"]):
        problems.append(Problem(label, 0, "set_hash", f"does not match the listed items; the lock was edited "
                                f"by hand: {BUMP_HINT}"))
    for rid in delta["added"]:
        file, _, line = where[rid].rpartition(":")
        problems.append(Problem(file, int(line), "id", f"golden record {rid!r} is not in {label}; {BUMP_HINT}"))
    for rid in delta["changed"]:
        file, _, line = where[rid].rpartition(":")
        problems.append(Problem(file, int(line), "", f"golden record {rid!r} was edited since {label} "
                                f"version {lock.get('version')}; golden prompts must not change — revert "
                                f"the edit, or {BUMP_HINT}"))
    for rid in delta["removed"]:
        problems.append(Problem(label, 0, f"items.{rid}", f"golden record {rid!r} was removed from "
                                f"prompts/golden; restore it, or {BUMP_HINT}"))
    return problems


def _today() -> str:
    return _dt.date.today().isoformat()


def _write_lock(project: Project, hashes: dict[str, str], version: int, reason: str,
                history: list[dict[str, Any]]) -> dict[str, Any]:
    lock = {
        "format": LOCK_FORMAT,
        "version": version,
        "reason": reason,
        "date": _today(),
        "set_hash": set_hash(hashes),
        "count": len(hashes),
        "items": dict(sorted(hashes.items())),
        "history": history,
    }
    write_json(project.golden_lock, lock)
    return lock


def freeze(project: Project, reason: str = "initial golden set") -> dict[str, Any]:
    """Write the first lock.

    Raises:
        UserError: The golden set is empty, or a lock already exists (use :func:`bump`).
    """
    hashes, _ = golden_hashes(project)
    if not hashes:
        raise UserError(f"no golden records under {project.rel(project.golden_dir)}; nothing to freeze")
    existing = read_lock(project)
    if existing is not None:
        if existing["items"] == hashes:
            return existing
        raise UserError(f"{project.rel(project.golden_lock)} already exists and differs from the golden set; "
                        f"{BUMP_HINT}")
    entry = {"version": 1, "date": _today(), "reason": reason, "added": sorted(hashes), "removed": [], "changed": []}
    return _write_lock(project, hashes, 1, reason, [entry])


def bump(project: Project, reason: str) -> dict[str, Any]:
    """Record a deliberate golden change: new version, reason, and which ids changed.

    Raises:
        UserError: No reason given, no lock yet, or nothing changed.
    """
    if not reason or not reason.strip():
        raise UserError("a bump needs a reason: prodbench golden bump --reason \"<why>\"", exit_code=2)
    lock = read_lock(project)
    if lock is None:
        return freeze(project, reason)
    hashes, _ = golden_hashes(project)
    delta = compare(lock["items"], hashes)
    if not any(delta.values()):
        raise UserError(f"the golden set matches {project.rel(project.golden_lock)} version "
                        f"{lock.get('version')}; nothing to bump")
    version = int(lock.get("version") or 0) + 1
    history = list(lock.get("history") or [])
    history.append({"version": version, "date": _today(), "reason": reason.strip(), **delta})
    return _write_lock(project, hashes, version, reason.strip(), history)


def rule_golden_lock(run: Any) -> list[Problem]:
    """Validate project rule: the golden set matches the lock (full scans only)."""
    if not getattr(run, "full_scan", False):
        return []
    return check_lock(run.project)


def _register() -> None:
    from prodbench.validate.rules import register_project_rule

    register_project_rule(rule_golden_lock)


def lock_path(project: Project) -> Path:
    """Where the lock lives (``prompts/golden.lock``)."""
    return project.golden_lock


_register()
