"""Pair the prompt records of two revisions by id and content hash.

A row is *unchanged* when both revisions have the same id with the same content hash
(:func:`prodbench.core.prompts.content_hash`): only those rows are compared pairwise.
Same id with a different hash is *modified*; ids on one side only are *added* or
*removed*. Changes touching the golden set are collected separately, since the
golden set is meant never to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prodbench.core.prompts import content_hash
from prodbench.core.records import LoadedPrompt


@dataclass
class Pairing:
    """How the rows of base and head relate.

    Attributes:
        unchanged: Ids present on both sides with identical content.
        modified: Ids present on both sides with different content.
        added: Ids only in head.
        removed: Ids only in base.
        moved: Ids whose set changed (e.g. rotating -> golden), content aside.
        golden_changes: ``{"id", "change", "set"}`` for every golden-set change.
        golden_lock_changed: The golden lock file differs.
    """

    unchanged: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    golden_changes: list[dict[str, str]] = field(default_factory=list)
    golden_lock_changed: bool = False

    def counts(self) -> dict[str, int]:
        """Number of ids per category."""
        return {"unchanged": len(self.unchanged), "modified": len(self.modified), "added": len(self.added),
                "removed": len(self.removed), "moved": len(self.moved)}


def by_id(records: list[LoadedPrompt]) -> dict[str, LoadedPrompt]:
    """Index records by id (first occurrence wins; ``validate`` rejects duplicates)."""
    index: dict[str, LoadedPrompt] = {}
    for record in records:
        index.setdefault(record.id, record)
    return index


def pair_records(base: list[LoadedPrompt], head: list[LoadedPrompt],
                 golden_lock_changed: bool = False) -> Pairing:
    """Classify every id of ``base`` and ``head``.

    Args:
        base: Base-revision prompts (from ``load_prompts``).
        head: Head-revision records.
        golden_lock_changed: Whether ``prompts/golden.lock`` differs between the two.
    """
    base_index, head_index = by_id(base), by_id(head)
    pairing = Pairing(golden_lock_changed=golden_lock_changed)
    for rid in sorted(set(base_index) | set(head_index)):
        old, new = base_index.get(rid), head_index.get(rid)
        if old is None:
            pairing.added.append(rid)
            change = "added"
        elif new is None:
            pairing.removed.append(rid)
            change = "removed"
        elif content_hash(old.record) != content_hash(new.record):
            pairing.modified.append(rid)
            change = "modified"
        else:
            pairing.unchanged.append(rid)
            change = ""
        if old is not None and new is not None and old.set != new.set:
            pairing.moved.append(rid)
            change = change or f"moved {old.set} -> {new.set}"
        sets = {r.set for r in (old, new) if r is not None}
        if change and "golden" in sets:
            pairing.golden_changes.append({"id": rid, "change": change, "set": "golden"})
    return pairing
