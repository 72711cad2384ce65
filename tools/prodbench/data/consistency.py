"""Consistent replacement across a record and a log batch.

The detector finds a value where its context gives it away ("my name is Thelma") and can
miss the same value elsewhere ("Thelma again: ..."). After the :class:`Anonymizer` has
replaced what it detected in every text of a record, :class:`BatchSweep` replaces every
other occurrence (case-insensitive, whole words, punctuation and spacing of up to three
characters between words) of

* each value removed from the same record, with the same placeholder, and
* each word of a person's name removed from the same record ("Okonkwo" after "Thelma
  Okonkwo"), with that name's placeholder, and
* each value removed from an earlier record of the same ingest run (the batch), with a
  placeholder of its type, numbered in this record (a lone word detected on its own stays in
  its record: :func:`carries`).

Values too unspecific to sweep for (short or common single words, locations: see
:func:`prodbench.data.ledger.worth_ledgering`) are left to the detector. The removed
values live in memory only, for the length of the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from prodbench.data.anonymize import Anonymizer
from prodbench.data.anonymize.patterns import personal_ip
from prodbench.data.anonymize.types import IP_ADDRESS, PERSON
from prodbench.data.ledger import Ledger, word_spans, words, worth_ledgering

MAX_BATCH_VALUES = 50_000  # values remembered across records of one run (the most recent are kept)


def record_mapping(anonymizer: Anonymizer) -> dict[tuple[str, str], str]:
    """``(type, casefolded value) -> replacement`` of the record being anonymized."""
    return anonymizer.mapping()


def placeholder_for(anonymizer: Anonymizer, kind: str, value: str) -> str:
    """The replacement of ``value`` in the current record (a new one if it is new)."""
    return anonymizer.replacement_for(kind, value)


class BatchSweep:
    """Replaces every remaining occurrence of removed values in one record's texts.

    Args:
        common: Common words never swept for alone (the detector lexicon's), or a function
            giving them, called on first use (loading the lexicon costs seconds, and an
            ingest with nothing new never needs it).
    """

    def __init__(self, common: frozenset[str] | Callable[[], frozenset[str]] = frozenset()) -> None:
        self._common = common
        self.batch: dict[str, tuple[str, str]] = {}  # " ".join(words) -> (type, value)
        self.swept = 0
        self.carried: list[tuple[str, str]] = []

    @property
    def common(self) -> frozenset[str]:
        """The common words (loaded on first use)."""
        if callable(self._common):
            self._common = self._common()
        return self._common

    def _key(self, kind: str, value: str) -> str | None:
        tokens = words(value)
        return " ".join(tokens) if worth_ledgering(kind, tokens, self.common) else None

    def apply(self, anonymizer: Anonymizer, texts: list[str | None],
              originals: list[str | None] | None = None) -> list[str | None]:
        """Sweep ``texts`` (one record, already anonymized) and remember its values for the batch.

        Args:
            anonymizer: The anonymizer that just anonymized the record (its mapping is read).
            texts: The record's anonymized texts (None for turns the model generates).
            originals: The same texts before anonymization: a word of a name is carried beyond
                the record only if it is capitalised there.

        Returns:
            The swept texts. :attr:`carried` then lists the ``(type, words)`` carried to later
            records (what :func:`ledger_record` ledgers).
        """
        wanted: dict[str, tuple[str, str]] = dict(self.batch)
        mapping = record_mapping(anonymizer)
        for kind, value in mapping:
            key = self._key(kind, value)
            if key is not None:
                wanted[key] = (kind, value)
        for kind, value in mapping:  # "Okonkwo" alone after "Thelma Okonkwo": the same person
            for part in name_parts(kind, value, self.common):
                wanted.setdefault(part, (kind, value))
        if wanted:
            firsts = {k.split(" ", 1)[0] for k in wanted}
            longest = max(k.count(" ") for k in wanted) + 1
            texts = [t if t is None else self._sweep(anonymizer, t, wanted, firsts, longest) for t in texts]
        self.carried = []
        for kind, value in record_mapping(anonymizer):
            if not carries(kind, value, self.common):
                continue
            key = self._key(kind, value)
            parts = name_parts(kind, value, self.common)
            if originals is not None:
                parts = [p for p in parts if _capitalised(p, originals)]
            for k in ([key] if key is not None else []) + parts:
                self.batch.pop(k, None)
                self.batch[k] = (kind, value)
                self.carried.append((kind, k))
        while len(self.batch) > MAX_BATCH_VALUES:
            self.batch.pop(next(iter(self.batch)))
        return texts

    def _sweep(self, anonymizer: Anonymizer, text: str, wanted: dict[str, tuple[str, str]], firsts: set[str],
               longest: int) -> str:
        spans = word_spans(text)
        out: list[str] = []
        pos = i = 0
        while i < len(spans):
            if spans[i][2] in firsts:
                for n in range(min(longest, len(spans) - i), 0, -1):
                    group = spans[i: i + n]
                    if any(len(text[a[1]: b[0]]) > 3 for a, b in zip(group, group[1:], strict=False)):
                        continue  # words of one value are at most 3 characters apart
                    found = wanted.get(" ".join(w for _, _, w in group))
                    if found is None:
                        continue
                    out += [text[pos: group[0][0]], placeholder_for(anonymizer, *found)]
                    pos = group[-1][1]
                    self.swept += 1
                    anonymizer.counts[found[0]] += 1
                    anonymizer.record_counts[found[0]] += 1
                    i += n - 1
                    break
            i += 1
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)

    def removed_values(self, anonymizer: Anonymizer) -> list[tuple[str, str]]:
        """``(type, value)`` pairs removed from the current record (to ledger)."""
        return list(record_mapping(anonymizer))


def carries(kind: str, value: str, common: frozenset[str] = frozenset()) -> bool:
    """Whether a removed value is carried beyond its record (to later records and the ledger).

    Carrying a false detection would spread the damage over the whole batch, so only values
    that look like real personal data are carried: not a lone alphabetic word detected on its
    own ("Ring"), not a name holding a common word ("The Ring"), not a loopback, private or
    documentation IP address. Everything removed is still swept in its own record.
    """
    tokens = words(value)
    if not tokens or (len(tokens) == 1 and tokens[0].isalpha()):
        return False
    if kind == PERSON and any(t in common for t in tokens):
        return False
    if kind == IP_ADDRESS:
        return personal_ip(value)
    return True


# Words of places and streets that a name detection can swallow ("Monte Flavio", "Square Saint
# Nicolas"): never swept for or ledgered alone.
_PLACE_WORDS_TEXT = """
    square street road avenue lane drive place plaza court park hill mount monte mont monti saint sainte
    santa santo san sankt rue via viale piazza strasse straße gasse platz weg port lake river bridge
    north south east west upper lower new old city town village
"""
PLACE_WORDS = frozenset(_PLACE_WORDS_TEXT.split())


def name_parts(kind: str, value: str, common: frozenset[str] = frozenset()) -> list[str]:
    """The single words of a multi-word person name that are specific enough to sweep for alone."""
    tokens = words(value)
    if kind != PERSON or len(tokens) < 2:
        return []
    return [t for t in tokens if worth_ledgering(kind, [t], common) and t.isalpha() and t not in PLACE_WORDS]


def ledger_record(ledger: Ledger, sweep: BatchSweep) -> None:
    """Add what the last :meth:`BatchSweep.apply` carried beyond its record to ``ledger``."""
    if ledger.salt:
        for kind, key in sweep.carried:
            ledger.add_value(kind, key, sweep.common)


def _capitalised(word: str, originals: list[str | None]) -> bool:
    pattern = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)
    return any(m.group()[:1].isupper() for t in originals if t for m in pattern.finditer(t))


def common_words() -> frozenset[str]:
    """The detector lexicon's common words (empty if the lexicon is unavailable)."""
    try:
        from prodbench.data.anonymize.lexicon import load_lexicon

        lexicon: Any = load_lexicon()
        return frozenset(getattr(lexicon, "common_words", frozenset()))
    except Exception:  # noqa: BLE001 - the lexicon belongs to the detector; sweeping works without it
        return frozenset()
