"""Replace detected personal data, consistently within one record.

Two modes (``anonymize.replacement``):

* ``placeholder``: typed placeholders ``<PERSON_1>``, ``<EMAIL_2>``; the same value gets
  the same placeholder everywhere in the record (so a dialogue stays coherent).
* ``surrogate``: realistic fake values (:mod:`~prodbench.data.anonymize.surrogates`) picked
  by a keyed hash of the value, so the same value maps to the same fake everywhere and in
  every run with the same salt; surrogates already in a text are never replaced again.

The value -> replacement mapping lives only in memory; it is never written anywhere.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from prodbench.core.errors import UserError
from prodbench.data.anonymize.engine import detect, placeholder_spans
from prodbench.data.anonymize.surrogates import seed_of, surrogate, surrogate_spans
from prodbench.data.anonymize.types import Finding

MODES = ("placeholder", "surrogate")
MAX_DEPTH = 64  # JSON nesting accepted by Anonymizer.value
# JSON keys whose values are identifiers or metadata, never free text: never rewritten
STRUCTURED_KEYS = frozenset({"id", "origin", "role", "source", "task_type", "difficulty", "added", "type",
                             "tool_call_id", "model", "timestamp", "created", "created_at"})
MAX_ROUNDS = 4  # scans per text: the first, then re-scans until no finding is left


class Anonymizer:
    """Replaces personal data in all the texts of one record consistently.

    Create one per record (call :meth:`reset` between records) so placeholders restart at 1.

    Args:
        replacement: ``placeholder`` or ``surrogate``.
        engine: Detection engine (``builtin`` or ``presidio``).
        allowlist: Values never replaced.
        salt: Secret-free per-run salt mixed into surrogate seeds (keeps surrogates from
            being a simple function of the value across repos).
    """

    def __init__(self, replacement: str = "placeholder", engine: str = "builtin",
                 allowlist: tuple[str, ...] = (), salt: str = "prodbench"):
        if replacement not in MODES:
            raise UserError(f"unknown anonymize.replacement {replacement!r}; use one of {', '.join(MODES)}")
        self.replacement = replacement
        self.engine = engine
        self.allowlist = allowlist
        self.salt = salt
        self.counts: Counter[str] = Counter()  # cumulative over all records
        self.record_counts: Counter[str] = Counter()  # since the last reset()
        self._map: dict[tuple[str, str], str] = {}
        self._per_type: Counter[str] = Counter()
        self._seen: set[tuple[str, str]] = set()  # placeholders this record handed out

    def reset(self) -> None:
        """Forget the mapping (start a new record)."""
        self._map.clear()
        self._per_type.clear()
        self._seen.clear()
        self.record_counts = Counter()

    def mapping(self) -> dict[tuple[str, str], str]:
        """``(type, casefolded value) -> replacement`` of the current record (a copy)."""
        return dict(self._map)

    def replacement_for(self, kind: str, value: str) -> str:
        """The replacement of ``value`` in the current record (a new one if it is new).

        Used to replace a value everywhere it appears, also where no detector found it.
        """
        return self._replacement(kind, value)

    def _replacement(self, kind: str, value: str) -> str:
        key = (kind, value.casefold().strip())
        if key not in self._map:
            self._per_type[kind] += 1
            if self.replacement == "placeholder":
                self._map[key] = f"<{kind}_{self._per_type[kind]}>"
                self._seen.add((kind, self._map[key]))
            else:
                self._map[key] = surrogate(kind, seed_of(self.salt, kind, value))
        return self._map[key]

    def text(self, text: str) -> str:
        """Return ``text`` with every finding replaced; anonymizing the result again changes nothing.

        Replacing a value can change what the detectors see around it (``Thelma <LOCATION_1>``
        reads as a name once the town is gone), so the result is scanned again until no
        finding is left (at most :data:`MAX_ROUNDS` scans; texts without findings take one).
        Placeholders are never re-detected (see :func:`~prodbench.data.anonymize.engine.detect`),
        so the fixed point is also what a second run returns.
        """
        self._number_after_existing(text)
        # where replacements are (never re-scanned): this call's, and in surrogate mode every
        # surrogate value already in the text, so a second run over surrogate output is a no-op
        inserted = surrogate_spans(text) if self.replacement == "surrogate" else []
        for _ in range(MAX_ROUNDS):
            findings = detect(text, engine=self.engine, allowlist=self.allowlist, protected=inserted)
            if not findings:
                break
            text, inserted = self._replace(text, findings, inserted)
        return text

    def _number_after_existing(self, text: str) -> None:
        """Number new placeholders after those already in ``text`` so none is reused."""
        if self.replacement != "placeholder":
            return
        for start, end in placeholder_spans(text):
            kind, _, number = text[start + 1: end - 1].rpartition("_")
            if int(number) > self._per_type[kind] and (kind, text[start:end]) not in self._seen:
                self._per_type[kind] = int(number)

    def _replace(self, text: str, findings: list[Finding],
                 inserted: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
        """Replace ``findings``; return the new text and the (shifted) replacement spans."""
        out, pos, shift = [], 0, 0
        spans: list[tuple[int, int]] = []
        earlier = iter(inserted)  # disjoint from the findings (detect drops what touches them)
        pending = next(earlier, None)
        for f in findings:
            while pending is not None and pending[0] < f.start:
                spans.append((pending[0] + shift, pending[1] + shift))
                pending = next(earlier, None)
            new = self._replacement(f.type, text[f.start: f.end])
            out.append(text[pos: f.start])
            out.append(new)
            spans.append((f.start + shift, f.start + shift + len(new)))
            shift += len(new) - (f.end - f.start)
            self.counts[f.type] += 1
            self.record_counts[f.type] += 1
            pos = f.end
        while pending is not None:
            spans.append((pending[0] + shift, pending[1] + shift))
            pending = next(earlier, None)
        out.append(text[pos:])
        return "".join(out), spans

    def value(self, value: Any, keep: frozenset[str] = STRUCTURED_KEYS, depth: int = 0) -> Any:
        """Anonymize the free-text strings inside a JSON-like value (dicts, lists, strings).

        Values under a key in ``keep`` or ending in ``_id`` (ids, ``origin``, roles, ...) are
        identifiers or metadata, not free text: they are returned untouched.

        Raises:
            ValueError: The value is nested deeper than :data:`MAX_DEPTH` levels.
        """
        if depth > MAX_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v, keep, depth + 1) for v in value]
        if isinstance(value, dict):
            return {k: v if (k in keep or k.endswith("_id")) else self.value(v, keep, depth + 1)
                    for k, v in value.items()}
        return value


def anonymize_text(text: str, replacement: str = "placeholder", engine: str = "builtin",
                   allowlist: tuple[str, ...] = ()) -> str:
    """Convenience wrapper: anonymize a single text."""
    return Anonymizer(replacement, engine, allowlist).text(text)
