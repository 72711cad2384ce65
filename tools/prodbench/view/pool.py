"""The Review view's operations on the pool: list, edit, approve and reject items.

Every change goes through the same checks as ``prodbench validate`` (the prompt schema, the
built-in record rules and the registered extra rules such as the PII gate, run by
:class:`prodbench.validate.lines.LineChecker` exactly as a validation run calls them) and is
written back atomically with a minimal diff: only the lines of the changed records change, and a
changed line keeps the JSON spacing style of the original. Rejecting is ``prodbench review``'s
reject (:func:`prodbench.data.review.reject`): a tombstone in the PII ledger, the text removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.core.fsutil import atomic_write_bytes
from prodbench.core.project import Project
from prodbench.core.prompts import POOL, iter_records

#: The fields a reviewer may edit.
EDITABLE = ("messages", "task_type", "difficulty", "tags", "reference", "checks")
DECISIONS = ("approved", "rejected")


@dataclass(frozen=True)
class PoolItem:
    """A pool record and where it lives (``label`` is the path relative to the project)."""

    path: Path
    label: str
    line: int
    record: dict[str, Any]


def pool_files(project: Project) -> dict[str, Path]:
    """Pool files by label (path relative to the project root)."""
    return {project.rel(p): p for p in sorted(project.pool_dir.rglob("*.jsonl")) if p.is_file()}


def load_pool(project: Project) -> list[PoolItem]:
    """Every pool record, in file and line order."""
    return [PoolItem(path, label, number, record)
            for label, path in pool_files(project).items() for number, record in iter_records(path, label)]


def status_of(record: dict[str, Any]) -> str:
    """``pending`` (also when ``review`` is missing), ``approved`` or ``rejected``."""
    return str((record.get("review") or {}).get("status", "pending"))


def pool_payload(project: Project, params: dict[str, Any], reviewer: str | None) -> dict[str, Any]:
    """The Review view's document: every pool item with its record and review facts."""
    taxonomy = params.get("taxonomy") or {}
    items = []
    for item in load_pool(project):
        record = item.record
        tagger = (record.get("origin") or {}).get("tagger") or {}
        items.append({"file": item.label, "line": item.line, "id": record.get("id"), "record": record,
                      "status": status_of(record),
                      "attention": list((record.get("review") or {}).get("needs_attention") or []),
                      "confidence": tagger.get("confidence")})
    return {"items": items, "task_types": list(taxonomy.get("task_types") or {}),
            "difficulties": list(taxonomy.get("difficulties") or []), "reviewer": reviewer}


def filter_items(items: list[PoolItem], *, status: str | None = None, task_type: str | None = None,
                 source: str | None = None, needs_attention: bool = False,
                 max_confidence: float | None = None) -> list[PoolItem]:
    """The items matching every given filter (the CLI's export; the page filters the same way)."""
    def keep(item: PoolItem) -> bool:
        r = item.record
        confidence = ((r.get("origin") or {}).get("tagger") or {}).get("confidence")
        return ((status is None or status_of(r) == status)
                and (task_type is None or r.get("task_type") == task_type)
                and (source is None or r.get("source") == source)
                and (not needs_attention or bool((r.get("review") or {}).get("needs_attention")))
                and (max_confidence is None or (isinstance(confidence, (int, float)) and confidence <= max_confidence)))
    return [item for item in items if keep(item)]


def check_record(project: Project, params: dict[str, Any], label: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """The ``(field, message)`` problems ``prodbench validate`` reports for ``record`` in the pool file ``label``."""
    from prodbench.validate import rules
    from prodbench.validate.lines import LineChecker
    from prodbench.validate.schema import schema_checker

    rules.load_rule_modules()
    checker = LineChecker(schema_checker(project), list(rules.EXTRA_RECORD_RULES), None)
    context = rules.FileContext(label, POOL, POOL, params, project)
    found, _, _ = checker.check(context, [(1, orjson.dumps(record) + b"\n")])
    return [(field, message) for _, field, message in found]


def _dump_like(raw: bytes, record: dict[str, Any]) -> bytes:
    """``record`` as one JSON line in the style of ``raw`` (``", "`` separators and escapes, or compact)."""
    if raw.lstrip().startswith(b'{"') and b'": ' in raw[:200]:
        return json.dumps(record, ensure_ascii=b"\\u" in raw).encode("utf-8")
    return orjson.dumps(record)


def rewrite(path: Path, changes: dict[str, dict[str, Any] | None]) -> set[str]:
    """Replace (or, for None, remove) the records ``changes`` names, in one atomic rewrite.

    Lines of other records keep their exact bytes. Returns the ids found.
    """
    lines = path.read_bytes().split(b"\n")
    found: set[str] = set()
    out: list[bytes] = []
    for raw in lines:
        record_id = orjson.loads(raw).get("id") if raw.strip() else None
        if record_id in changes and record_id not in found:
            found.add(record_id)
            new = changes[record_id]
            if new is not None:
                out.append(_dump_like(raw, new))
            continue
        out.append(raw)
    data = b"\n".join(out)
    if found:
        atomic_write_bytes(path, data if data.endswith(b"\n") or not data else data + b"\n")
    return found


def _find(project: Project, label: str, record_id: str) -> PoolItem:
    path = pool_files(project).get(label)
    if path is None:
        raise UserError(f"{label}: not a pool file (prompts/pool/*.jsonl)", exit_code=2)
    for number, record in iter_records(path, label):
        if record.get("id") == record_id:
            return PoolItem(path, label, number, record)
    raise UserError(f"{label}: record {record_id!r} is not in the file (edited elsewhere? reload)")


def edited(record: dict[str, Any], changes: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """``record`` with ``changes`` applied (None deletes), and the problems of the change itself.

    Only :data:`EDITABLE` fields change; messages keep their roles and which turns the model
    generates (only their text is edited). A corrected ``task_type`` or ``difficulty`` no
    longer needs attention.
    """
    problems: list[tuple[str, str]] = []
    new = dict(record)
    for key, value in changes.items():
        if key not in EDITABLE:
            problems.append((key, f"cannot be edited here (editable: {', '.join(EDITABLE)})"))
            continue
        if key == "messages":
            old = record.get("messages") or []
            if not isinstance(value, list) or len(value) != len(old) or any(
                    not isinstance(m, dict) or m.get("role") != o.get("role")
                    or (m.get("content") is None) != (o.get("content") is None) for m, o in zip(value, old, strict=True)):
                problems.append(("messages", "only the text of the messages can be edited (same roles and turns)"))
                continue
        if value is None or value == [] and key == "tags":
            new.pop(key, None)
        else:
            new[key] = value
    review = dict(new.get("review") or {})
    attention = [f for f in review.get("needs_attention", []) if f not in changes]
    if "needs_attention" in review:
        if attention:
            review["needs_attention"] = attention
        else:
            review.pop("needs_attention")
        new["review"] = review
    return new, problems


def edit_item(project: Project, params: dict[str, Any], label: str, record_id: str,
              changes: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Validate and save an edit. Returns ``(saved record, [])`` or ``(None, problems)`` (nothing written)."""
    item = _find(project, label, record_id)
    new, problems = edited(item.record, changes)
    problems += check_record(project, params, label, new)
    if problems:
        return None, problems
    rewrite(item.path, {record_id: new})
    return new, []


def decide_items(project: Project, params: dict[str, Any], targets: list[tuple[str, str]], status: str,
                 reviewer: str | None, date: str | None = None) -> dict[str, Any]:
    """Approve or reject the pool items ``targets`` (``(file label, id)`` pairs).

    Approving records the reviewer and the date like ``prodbench review`` (one rewrite per file);
    an item that would then fail validation is left as it is and reported. Rejecting calls
    :func:`prodbench.data.review.reject` for each item.

    Returns:
        ``{"approved" | "rejected": count, "problems": [{"file", "id", "field", "message"}]}``.
    """
    from prodbench.data.review import PendingItem, reject, today

    if status not in DECISIONS:
        raise UserError(f"decision: {status!r} is not one of {', '.join(DECISIONS)}", exit_code=2)
    if not reviewer:
        raise UserError("who is reviewing? start `prodbench view --reviewer NAME` (or set PRODBENCH_REVIEWER)",
                        exit_code=2)
    items = [_find(project, label, rid) for label, rid in dict.fromkeys(targets)]
    problems: list[dict[str, Any]] = []
    done = 0
    if status == "rejected":
        from prodbench.data.ledger import open_ledger

        ledger = open_ledger(project.root, params)
        for item in items:
            reject(PendingItem(item.path, item.line, item.record), ledger)
            done += 1
        return {"rejected": done, "problems": problems}
    review = {"status": "approved", "reviewer": reviewer, "date": date or today()}
    by_file: dict[Path, dict[str, dict[str, Any] | None]] = {}
    for item in items:
        new = {**item.record, "review": dict(review)}
        found = check_record(project, params, item.label, new)
        if found:
            problems += [{"file": item.label, "id": item.record.get("id"), "field": f, "message": m} for f, m in found]
            continue
        by_file.setdefault(item.path, {})[str(item.record.get("id"))] = new
    for path, changes in by_file.items():
        done += len(rewrite(path, changes))
    return {"approved": done, "problems": problems}


__all__ = ["DECISIONS", "EDITABLE", "PoolItem", "check_record", "decide_items", "edit_item", "edited",
           "filter_items", "load_pool", "pool_files", "pool_payload", "rewrite", "status_of"]
