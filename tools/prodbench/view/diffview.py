"""The data of the Diff view: ``reports/diff.json`` checked, plus the prompt texts of both sides.

The diff document is untrusted (a pull request's author controls it), so it is read with
:func:`prodbench.diff.parse.parse_document`, the same strict reader the comment poster uses.
It names the changed, added and removed prompts by id only; their texts come from git: the
base revision's prompt files at ``base.sha`` and the head's at ``head.sha`` (or the working
tree when the head is the working tree). A line diff of each changed prompt is computed here.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import tempfile
from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.params import load_params
from prodbench.core.project import Project
from prodbench.core.prompts import GOLDEN, POOL, ROTATING, load_prompts

#: At most this many prompts per category get their texts (the page lists the ids of the rest).
TEXT_LIMIT = 500


def transcript(record: dict[str, Any] | None) -> str | None:
    """A prompt record's conversation as plain text, one ``role: content`` block per message."""
    if record is None:
        return None
    blocks = []
    for message in record.get("messages") or []:
        content = message.get("content")
        blocks.append(f"{message.get('role')}: " + ("<the model answers here>" if content is None else str(content)))
    for key in ("reference", "checks"):
        if record.get(key) is not None:
            blocks.append(f"{key}: " + json.dumps(record[key], ensure_ascii=False, sort_keys=True))
    return "\n".join(blocks)


def line_diff(base: str | None, head: str | None) -> list[list[str]]:
    """``[[op, line], ...]`` with op ``" "`` (same), ``"-"`` (base only) or ``"+"`` (head only)."""
    ops: list[list[str]] = []
    for line in difflib.ndiff((base or "").splitlines(), (head or "").splitlines()):
        if line[:1] in (" ", "-", "+"):
            ops.append([line[0], line[2:]])
    return ops


def _records(root: Path) -> dict[str, dict[str, Any]]:
    project = Project(root)
    params = load_params(project)
    return {p.id: dict(p.record) for p in load_prompts(project, params, (GOLDEN, ROTATING, POOL))}


def _side(project: Project, sha: str | None, tmp: Path, name: str) -> dict[str, dict[str, Any]]:
    """The prompt records of one side: a commit's (through git) or the working tree's."""
    if sha is None:
        return _records(project.root)
    from prodbench.diff.git import materialise

    return _records(materialise(project.root, sha, tmp / name).root)


def diff_payload(project: Project, path: Path) -> dict[str, Any] | None:
    """The Diff view's document, or None when ``path`` does not exist.

    Returns:
        ``{"doc": the parsed document as plain JSON, "texts": {id: {"kind", "base", "head", "ops"}},
        "texts_note": why texts are missing, or None}``.

    Raises:
        UserError: The document is not valid JSON or fails the strict reader (field named).
    """
    from prodbench.diff.parse import parse_document

    if not path.is_file():
        return None
    label = project.rel(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{label}: not a JSON diff document ({exc}); re-run `prodbench diff`") from None
    try:
        document = parse_document(raw)
    except UserError as exc:
        raise UserError(f"{label}: {exc}") from None
    doc = dataclasses.asdict(document)
    texts: dict[str, dict[str, Any]] = {}
    note = None
    wanted = {"modified": document.prompts.modified[:TEXT_LIMIT], "added": document.prompts.added[:TEXT_LIMIT],
              "removed": document.prompts.removed[:TEXT_LIMIT]}
    if any(wanted.values()):
        try:
            with tempfile.TemporaryDirectory(prefix="prodbench-view-") as tmp:
                base = _side(project, document.base.sha, Path(tmp), "base") if document.base.sha else {}
                head = _side(project, document.head.sha, Path(tmp), "head")
        except UserError as exc:
            base, head, note = {}, {}, f"prompt texts unavailable: {exc}"
        if document.base.sha is None:
            note = note or "prompt texts unavailable: the diff names no base commit"
        for kind, ids in wanted.items():
            for rid in ids:
                old, new = transcript(base.get(rid)), transcript(head.get(rid))
                texts[rid] = {"kind": kind, "base": old, "head": new, "ops": line_diff(old, new)}
    return {"doc": doc, "texts": texts, "texts_note": note, "file": label}


__all__ = ["diff_payload", "line_diff", "transcript"]
