"""The PII ledger: keyed hashes of removed values and tombstones of rejected records.

``prompts/pii.ledger`` (params ``anonymize.ledger.path``) is committed to git. It holds

* one header line: format version and a *salt check* (the keyed hash of a fixed string,
  so a wrong salt is noticed instead of silently matching nothing);
* ``{"h": ..., "f": ..., "n": 2, "type": "PERSON"}``: a value that ingest or ``prodbench
  purge`` removed, as the keyed hash (BLAKE2b-128, key = SHA-256 of the salt) of its
  casefolded word sequence (``h``), of its first word (``f``, a pre-filter that makes the
  gate one hash per distinct word) and its word count. Never the value;
* ``{"tombstone": id, "content": sha256}``: a record rejected in review or purged; ingest
  never adds a record with that id or that anonymized content again.

Threat model (see docs/data.md): the salt is the secret. It lives in the environment
variable named by ``anonymize.ledger.salt_env`` (default ``PRODBENCH_LEDGER_SALT``): a CI
secret and the ingest operators' shell, never git. Without the salt the ledger reveals only
how many values of each type were removed; with it, anyone can test guesses, and names are
low-entropy, so the salt must be guarded like the raw logs. Where it is missing (forks,
a contributor's clone) ingest does not ledger and the gate reports ``ledger check skipped:
no salt`` instead of failing. Tombstones use a plain SHA-256 of already anonymized text and
need no salt.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.core.fsutil import atomic_write_bytes

DEFAULT_PATH = "prompts/pii.ledger"
DEFAULT_SALT_ENV = "PRODBENCH_LEDGER_SALT"
MIN_SALT = 16
FORMAT = 1
NOT_LEDGERED = frozenset({"LOCATION"})  # a town alone identifies nobody and would flag ordinary prompts
# Words are split at whitespace and punctuation (ASCII and common Unicode quotes, dashes, CJK
# punctuation); ``str.translate`` + ``split`` is about twice as fast as ``re.findall(r"\w+")``.
_PUNCT = "".join(c for c in string.punctuation if c != "_") + "‘’‚“”„«»‹›–—…·•¡¿、。，：；！？（）［］｛｝"
_TO_SPACE = str.maketrans(dict.fromkeys(_PUNCT, " "))
WORD_RE = re.compile(r"[^\s" + re.escape(_PUNCT) + r"]+")
_SALT_PROBE = b"prodbench-ledger-salt-check"


def words(text: str) -> list[str]:
    """The casefolded word sequence the ledger hashes (punctuation and spacing ignored)."""
    return text.casefold().translate(_TO_SPACE).split()


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, casefolded word)`` for each word of ``text``."""
    return [(m.start(), m.end(), m.group().casefold()) for m in WORD_RE.finditer(text)]


def content_hash(text: str) -> str:
    """SHA-256 of a record's (already anonymized, normalised) text: the tombstone key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ledger_settings(params: dict[str, Any]) -> tuple[str, str]:
    """``(path, salt_env)`` from params ``anonymize.ledger``."""
    conf = (params.get("anonymize") or {}).get("ledger") or {}
    return str(conf.get("path") or DEFAULT_PATH), str(conf.get("salt_env") or DEFAULT_SALT_ENV)


def worth_ledgering(kind: str, tokens: list[str], common: frozenset[str] = frozenset()) -> bool:
    """Whether a removed value is specific enough to ledger (and to sweep for).

    A single word must have 4+ characters and not be a common word; a lone number needs 5+
    digits. Locations are never ledgered.
    """
    if kind in NOT_LEDGERED or not tokens:
        return False
    if len(tokens) > 1:
        return True
    token = tokens[0]
    if token.isdigit():
        return len(token) >= 5
    return len(token) >= 4 and token not in common


@dataclass
class Ledger:
    """The ledger file in memory.

    Args:
        path: The ledger file.
        salt: The secret salt, or None (values can then be neither added nor checked).
    """

    path: Path
    salt: str | None
    values: dict[str, tuple[str, int]] = field(default_factory=dict)  # h -> (type, words)
    firsts: set[str] = field(default_factory=set)
    tombstone_ids: dict[str, str] = field(default_factory=dict)  # id -> content hash
    tombstone_contents: set[str] = field(default_factory=set)
    entries: list[dict[str, Any]] = field(default_factory=list)
    max_words: int = 0
    salt_check: str | None = None
    changed: bool = False
    _key: bytes = b""
    _seen: set[str] = field(default_factory=set)  # words hashed so far by find()
    _hits: set[str] = field(default_factory=set)  # those that start a ledgered value

    def __post_init__(self) -> None:
        if self.salt is not None:
            if len(self.salt) < MIN_SALT:
                raise UserError(f"the ledger salt must have at least {MIN_SALT} characters (a random string)",
                                exit_code=2)
            self._key = hashlib.sha256(self.salt.encode("utf-8")).digest()

    @classmethod
    def load(cls, path: Path, salt: str | None, label: str | None = None) -> Ledger:
        """Read ``path`` (a missing file is an empty ledger).

        Raises:
            UserError: A line is not a ledger entry (``file:line``), or the salt does not
                match the one the ledger was written with.
        """
        ledger = cls(path, salt)
        label = label or str(path)
        if path.is_file():
            for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
                if not raw.strip():
                    continue
                try:
                    entry = orjson.loads(raw)
                    ledger._take(entry, number)
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                    raise UserError(f"{label}:{number}: not a PII ledger entry ({exc})") from None
        if salt is not None and ledger.salt_check is not None and ledger.salt_check != ledger.digest(_SALT_PROBE):
            raise UserError(f"{label}: the ledger salt does not match the one it was written with "
                            "(check the salt environment variable)", exit_code=2)
        return ledger

    def _take(self, entry: dict[str, Any], number: int) -> None:
        if number == 1 and "prodbench_pii_ledger" in entry:
            if entry["prodbench_pii_ledger"] != FORMAT:
                raise ValueError(f"unknown ledger format {entry['prodbench_pii_ledger']!r}")
            self.salt_check = entry.get("salt_check")
            return
        if "tombstone" in entry:
            self.tombstone_ids[str(entry["tombstone"])] = str(entry["content"])
            self.tombstone_contents.add(str(entry["content"]))
        else:
            self.values[str(entry["h"])] = (str(entry["type"]), int(entry["n"]))
            self.firsts.add(str(entry["f"]))
            self._seen.clear()
            self._hits.clear()
            self.max_words = max(self.max_words, int(entry["n"]))
        self.entries.append(entry)

    # ------------------------------------------------------------------ hashing

    def digest(self, data: bytes) -> str:
        """The keyed hash of ``data`` (requires the salt)."""
        if not self._key:
            raise UserError("no ledger salt", exit_code=2)
        return hashlib.blake2b(data, key=self._key, digest_size=16).hexdigest()

    def _hash_words(self, tokens: Iterable[str]) -> str:
        return self.digest(" ".join(tokens).encode("utf-8"))

    # ------------------------------------------------------------------ adding

    def add_value(self, kind: str, value: str, common: frozenset[str] = frozenset()) -> bool:
        """Ledger a removed value (if specific enough, see :func:`worth_ledgering`); True if new."""
        tokens = words(value)
        if self.salt is None or not worth_ledgering(kind, tokens, common):
            return False
        digest = self._hash_words(tokens)
        if digest in self.values:
            return False
        entry = {"h": digest, "f": self._hash_words(tokens[:1]), "n": len(tokens), "type": kind}
        self._take(entry, 0)
        self.changed = True
        return True

    def add_tombstone(self, record_id: str, content: str, reason: str) -> None:
        """Remember a removed record by id and content hash (never its text)."""
        if self.tombstone_ids.get(record_id) == content:
            return
        self._take({"tombstone": record_id, "content": content, "reason": reason,
                    "date": _dt.date.today().isoformat()}, 0)
        self.changed = True

    def is_tombstoned(self, record_id: str, content: str) -> bool:
        """Whether a record with this id or this content was rejected or purged."""
        return record_id in self.tombstone_ids or content in self.tombstone_contents

    def save(self) -> None:
        """Rewrite the file atomically (header first, then the entries in the order added)."""
        if not self.changed:
            return
        check = self.digest(_SALT_PROBE) if self._key else self.salt_check
        header = {"prodbench_pii_ledger": FORMAT, "hash": "blake2b-128, key sha256(salt), casefolded words",
                  "salt_check": check}
        self.salt_check = check
        lines = [orjson.dumps(header)] + [orjson.dumps(e, option=orjson.OPT_SORT_KEYS) for e in self.entries]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path, b"\n".join(lines) + b"\n")
        self.changed = False

    # ------------------------------------------------------------------ checking

    def find(self, text: str) -> Iterator[tuple[str, int, int]]:
        """Ledgered values still in ``text``: ``(type, start, end)`` character spans.

        Each distinct word is hashed once per ledger (remembered across calls); a text none of
        whose words starts a ledgered value is passed with set operations only, and only words
        that start a ledgered value open the longer word n-grams.
        """
        if not self.values or not self._key:
            return
        distinct = set(words(text))
        for word in distinct.difference(self._seen):
            self._seen.add(word)
            if self._hash_words([word]) in self.firsts:
                self._hits.add(word)
        if distinct.isdisjoint(self._hits):
            return
        spans = word_spans(text)
        for i, (start, _, word) in enumerate(spans):
            if word not in self._hits:
                continue
            for n in range(min(self.max_words, len(spans) - i), 0, -1):
                found = self.values.get(self._hash_words(w for _, _, w in spans[i: i + n]))
                if found is not None and found[1] == n:
                    yield found[0], start, spans[i + n - 1][1]
                    break


def open_ledger(root: Path, params: dict[str, Any], env: dict[str, str] | None = None) -> Ledger:
    """The project's ledger with the salt from the environment (None if unset)."""
    rel, salt_env = ledger_settings(params)
    salt = (env if env is not None else os.environ).get(salt_env) or None
    return Ledger.load(root / rel, salt, label=rel)
