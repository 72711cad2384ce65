"""Light review of pending pool items.

Rejecting removes the record from the pool (it is committed to git: a rejected prompt may
hold personal data the anonymizer missed) and keeps only a tombstone (id and content hash)
in the PII ledger, so a re-ingest never brings it back.

The core functions here are pure file operations; ``prodbench review`` is the terminal
walk on top. Every decision is saved at once by rewriting the pool file atomically,
changing only the line of the reviewed record (other lines keep their exact bytes).
"""

from __future__ import annotations

import datetime as _dt
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.core.fsutil import atomic_write_bytes
from prodbench.core.project import Project
from prodbench.core.prompts import iter_records
from prodbench.data.ledger import Ledger


@dataclass(frozen=True)
class PendingItem:
    """A pending pool record and where it lives."""

    path: Path
    line: int
    record: dict[str, Any]


def iter_pending(project: Project, files: list[Path] | None = None) -> Iterator[PendingItem]:
    """Pending pool items (``review.status`` pending or missing), in file and line order."""
    paths = files or sorted(project.pool_dir.rglob("*.jsonl"))
    for path in paths:
        for number, record in iter_records(path, project.rel(path)):
            if (record.get("review") or {}).get("status", "pending") == "pending":
                yield PendingItem(path, number, record)


def update_record(path: Path, record_id: str, change: dict[str, Any]) -> dict[str, Any]:
    """Apply ``change`` (top-level keys; ``None`` deletes) to the record ``record_id`` and save atomically.

    Returns:
        The updated record.

    Raises:
        UserError: The record is no longer in the file.
    """
    lines = path.read_bytes().split(b"\n")
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        record = orjson.loads(raw)
        if record.get("id") != record_id:
            continue
        for key, value in change.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        lines[index] = orjson.dumps(record)
        data = b"\n".join(lines)
        atomic_write_bytes(path, data if data.endswith(b"\n") else data + b"\n")
        return record
    raise UserError(f"{path}: record {record_id!r} disappeared while reviewing (edited elsewhere?)")


def today() -> str:
    """Today's date (ISO)."""
    return _dt.date.today().isoformat()


def remove_record(path: Path, record_id: str) -> dict[str, Any]:
    """Remove the record ``record_id`` from ``path`` (atomic rewrite, other lines byte-identical).

    Returns:
        The removed record.

    Raises:
        UserError: The record is not in the file.
    """
    lines = path.read_bytes().split(b"\n")
    for index, raw in enumerate(lines):
        if raw.strip() and orjson.loads(raw).get("id") == record_id:
            record = orjson.loads(raw)
            del lines[index]
            data = b"\n".join(lines)
            atomic_write_bytes(path, data if data.endswith(b"\n") or not data else data + b"\n")
            return record
    raise UserError(f"{path}: record {record_id!r} disappeared while reviewing (edited elsewhere?)")


def tombstone(record: dict[str, Any]) -> str:
    """The content hash a removed record leaves in the ledger (same as ingest computes)."""
    from prodbench.data.dedupe import normalize_text, record_text
    from prodbench.data.ledger import content_hash

    return content_hash(normalize_text(record_text({"messages": record.get("messages") or []})))


def reject(item: PendingItem, ledger: Ledger, reason: str = "rejected in review") -> dict[str, Any]:
    """Reject an item: its text leaves the pool; the ledger keeps its id and content hash.

    The tombstone is saved before the record is removed, so an interruption can leave
    a tombstone for a record still in the pool (rejecting again finishes), never the reverse.
    """
    ledger.add_tombstone(item.record["id"], tombstone(item.record), reason)
    ledger.save()
    return remove_record(item.path, item.record["id"])


def decide(item: PendingItem, status: str, reviewer: str, note: str | None = None,
           date: str | None = None) -> dict[str, Any]:
    """Approve or reject an item in place, recording reviewer and date (``prodbench review`` rejects with
    :func:`reject`, which removes the text)."""
    if status not in ("approved", "rejected"):
        raise ValueError(status)
    review: dict[str, Any] = {"status": status, "reviewer": reviewer, "date": date or today()}
    if note:
        review["note"] = note
    return update_record(item.path, item.record["id"], {"review": review})


def retag(item: PendingItem, field: str, value: str) -> dict[str, Any]:
    """Change ``task_type`` or ``difficulty``; it no longer needs attention."""
    if field not in ("task_type", "difficulty"):
        raise ValueError(field)
    review = dict(item.record.get("review") or {"status": "pending"})
    attention = [f for f in review.get("needs_attention", []) if f != field]
    if attention:
        review["needs_attention"] = attention
    else:
        review.pop("needs_attention", None)
    change: dict[str, Any] = {field: value, "review": review}
    tags = list(item.record.get("tags") or [])
    if field == "task_type":
        tags = [t for t in tags if t != "multi_turn"] + (["multi_turn"] if value == "multi_turn" else [])
        change["tags"] = sorted(set(tags)) or None
    return update_record(item.path, item.record["id"], change)


def default_reviewer() -> str | None:
    """Reviewer name: ``$PRODBENCH_REVIEWER``, git ``user.name``, or ``$USER``."""
    name = os.environ.get("PRODBENCH_REVIEWER")
    if name:
        return name
    try:
        out = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("USER") or None


def render(item: PendingItem, label: str, position: int, total: int) -> str:
    """A readable view of one pending item."""
    r = item.record
    tagger = (r.get("origin") or {}).get("tagger") or {}
    attention = (r.get("review") or {}).get("needs_attention") or []
    lines = [
        f"[{position}/{total}] {r.get('id')}  ({label}:{item.line}, source {r.get('source')})",
        f"  task_type:  {r.get('task_type')}" + (f"  (confidence {tagger['confidence']})" if "confidence" in tagger
                                                 else "") + ("  <- check" if "task_type" in attention else ""),
        f"  difficulty: {r.get('difficulty')}" + ("  <- check" if "difficulty" in attention else ""),
    ]
    for message in r.get("messages") or []:
        content = message.get("content")
        text = "<the model answers here>" if content is None else content
        lines.append(f"  {message.get('role')}: " + text.replace("\n", "\n      "))
    return "\n".join(lines)
