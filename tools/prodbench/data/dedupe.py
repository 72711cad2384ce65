"""De-duplication: exact (normalised text hash) and near-duplicate (MinHash LSH).

The index holds, per kept prompt, an 8-byte exact hash and a MinHash signature
(``num_perm`` 32-bit values); no text is kept, so memory grows with the number of
distinct prompts, not with the size of the log being read.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

PLACEHOLDER_RE = re.compile(r"<([A-Z_]+?)_\d+>")
PUNCT_RE = re.compile(r"[^\w<>]+", re.UNICODE)
SHINGLE = 5


def normalize_text(text: str) -> str:
    """Text used for duplicate detection: NFKC, casefolded, placeholders without their
    number, punctuation and whitespace runs collapsed to one space."""
    text = unicodedata.normalize("NFKC", text)
    text = PLACEHOLDER_RE.sub(lambda m: f"<{m.group(1).lower()}>", text)
    return PUNCT_RE.sub(" ", text.casefold()).strip()


def record_text(record: dict[str, Any]) -> str:
    """The text that identifies a prompt: its non-null message contents, in order."""
    parts = [m.get("content") for m in record.get("messages") or [] if isinstance(m, dict)]
    return "\n".join(p for p in parts if isinstance(p, str))


def exact_key(normalized: str) -> bytes:
    """8-byte hash of a normalised text."""
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest()


def shingles(normalized: str, size: int = SHINGLE) -> list[bytes]:
    """Character ``size``-grams of the normalised text (the whole text if shorter)."""
    data = normalized.encode("utf-8")
    if len(data) <= size:
        return [data]
    return [data[i: i + size] for i in range(len(data) - size + 1)]


@dataclass(frozen=True)
class Duplicate:
    """Why a prompt was dropped.

    Attributes:
        kind: ``exact`` or ``near``.
        of: Key (usually the id) of the prompt it duplicates.
        of_set: Set of that prompt (golden, rotating, pool, or ``batch`` for the same log).
        similarity: Estimated Jaccard similarity (1.0 for exact duplicates).
    """

    kind: str
    of: str
    of_set: str
    similarity: float

    def reason(self) -> str:
        if self.kind == "exact":
            return f"exact duplicate of {self.of} ({self.of_set})"
        return f"near duplicate of {self.of} ({self.of_set}), estimated Jaccard {self.similarity:.2f}"


class DedupeIndex:
    """Exact + near-duplicate index over prompt texts.

    Args:
        threshold: Jaccard similarity at or above which two prompts are near-duplicates.
        num_perm: MinHash permutations (more = more precise estimates, more memory).
        seed: MinHash seed (fixed: results are deterministic).
    """

    def __init__(self, threshold: float = 0.85, num_perm: int = 64, seed: int = 1):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self._exact: dict[bytes, tuple[str, str]] = {}
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._sigs: dict[str, Any] = {}
        self._sets: dict[str, str] = {}
        self._permutations: tuple[Any, Any] | None = None

    def __len__(self) -> int:
        return len(self._exact)

    def __contains__(self, rid: object) -> bool:
        """Whether a prompt with this key (id) is indexed."""
        return rid in self._sigs

    def _minhash(self, normalized: str) -> Any:
        from datasketch import MinHash

        if self._permutations is None:
            mh = MinHash(num_perm=self.num_perm, seed=self.seed)
            self._permutations = (mh.permutations, getattr(mh, "scheme", None))
        else:
            perms, scheme = self._permutations
            extra = {"scheme": scheme} if scheme else {}
            mh = MinHash(num_perm=self.num_perm, seed=self.seed, permutations=perms, **extra)
        mh.update_batch(shingles(normalized))
        return mh

    def check(self, text: str) -> tuple[Duplicate | None, Any]:
        """Return ``(duplicate or None, signature)`` for ``text`` (the signature feeds :meth:`add`)."""
        normalized = normalize_text(text)
        key = exact_key(normalized)
        if key in self._exact:
            of, of_set = self._exact[key]
            return Duplicate("exact", of, of_set, 1.0), (key, None)
        mh = self._minhash(normalized)
        best: tuple[float, str] | None = None
        for candidate in self._lsh.query(mh):
            similarity = float(mh.jaccard(self._sigs[candidate]))
            if similarity >= self.threshold and (best is None or (similarity, candidate) > best):
                best = (similarity, candidate)
        if best is not None:
            return Duplicate("near", best[1], self._sets[best[1]], best[0]), (key, mh)
        return None, (key, mh)

    def add(self, rid: str, text: str | None = None, set_name: str = "batch", signature: Any = None) -> None:
        """Index a prompt under ``rid`` (pass the ``signature`` from :meth:`check` to save work)."""
        if signature is None:
            normalized = normalize_text(text or "")
            signature = (exact_key(normalized), self._minhash(normalized))
        key, mh = signature
        self._exact.setdefault(key, (rid, set_name))
        if mh is not None and rid not in self._sigs:
            self._sigs[rid] = mh
            self._sets[rid] = set_name
            self._lsh.insert(rid, mh)

    def add_record(self, record: dict[str, Any], set_name: str) -> None:
        """Index a prompt record (keyed by its id)."""
        self.add(str(record.get("id")), record_text(record), set_name)
