"""Surrogate values for ``anonymize.replacement: surrogate``, chosen so that a second pass is a no-op.

A surrogate is drawn from a fixed, finite pool per type (built once from Faker with a fixed
seed) or has a reserved shape (``+1-202-555-01xx``, ``…@example.com``, ``192.0.2.x``, the
``4111 1111 1111 1111`` test card, ``000-00-xxxx``). The same value gets the same surrogate for
the same salt, in any run (the pool index is a keyed hash of type and value).

Idempotency across runs: before detection, :func:`surrogate_spans` marks every pool value and
reserved shape in the text as already replaced, so anonymizing a surrogate-mode output again
changes nothing. The price, stated honestly: a real value that is *exactly* a pool value (one of
2,000 generated full names, 500 fictional town names such as "Lake Jamesside", 500 street
addresses, a 1 January birth date) is kept as it is.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from prodbench.data.anonymize.types import (
    ADDRESS,
    CREDIT_CARD,
    DATE_OF_BIRTH,
    EMAIL,
    IBAN,
    ID_NUMBER,
    IP_ADDRESS,
    LOCATION,
    PERSON,
    PHONE,
    SECRET,
    SSN,
    URL_CREDENTIALS,
)

POOL_SEED = 20261201
POOL_SIZES = {PERSON: 2000, LOCATION: 500, ADDRESS: 500}
LITERALS = {
    CREDIT_CARD: "4111 1111 1111 1111",
    IBAN: "GB82 WEST 1234 5698 7654 32",
    ID_NUMBER: "XX000000000",
    URL_CREDENTIALS: "https://user:REDACTED@example.com/",
    SECRET: "REDACTED_SECRET",
}
RESERVED_SHAPES = (
    r"\+1-202-555-01\d\d",  # NANP numbers reserved for fiction
    r"(?<![\w.+-])[a-z0-9._]+@example\.com\b",  # RFC 2606 domain
    r"(?<![\d.])192\.0\.2\.\d{1,3}(?![\d.])",  # RFC 5737 documentation range
    r"(?<![\d-])000-00-\d{4}(?![\d-])",  # SSN area 000 is never issued
    r"(?<![\d-])(?:19|20)\d\d-01-01(?![\d-])",  # surrogate birth dates
)


@lru_cache(maxsize=1)
def pools() -> dict[str, tuple[str, ...]]:
    """The surrogate pools (deterministic: Faker ``en_US`` with :data:`POOL_SEED`)."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(POOL_SEED)
    makers = {PERSON: lambda: f"{fake.first_name()} {fake.last_name()}", LOCATION: fake.city,
              ADDRESS: fake.street_address}
    out: dict[str, tuple[str, ...]] = {}
    for kind, size in POOL_SIZES.items():
        seen: dict[str, None] = {}
        while len(seen) < size:
            seen.setdefault(makers[kind](), None)
        out[kind] = tuple(seen)
    return out


@lru_cache(maxsize=1)
def _surrogate_re() -> re.Pattern[str]:
    values = sorted({v for pool in pools().values() for v in pool} | set(LITERALS.values()), key=len, reverse=True)
    words = "|".join(re.escape(v) for v in values)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)|" + "|".join(RESERVED_SHAPES))


def surrogate_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are surrogate values (never replaced again)."""
    return [m.span() for m in _surrogate_re().finditer(text)]


def seed_of(salt: str, kind: str, value: str) -> int:
    """Keyed hash of a (type, casefolded value) pair: the same value, salt and type give the same seed."""
    digest = hashlib.sha256(f"{salt}\0{kind}\0{value.casefold().strip()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def surrogate(kind: str, seed: int) -> str:
    """The surrogate for ``kind`` picked by ``seed`` (a pool value or a reserved shape)."""
    if kind in POOL_SIZES:
        pool = pools()[kind]
        return pool[seed % len(pool)]
    if kind in LITERALS:
        return LITERALS[kind]
    if kind == EMAIL:
        first, _, last = pools()[PERSON][seed % POOL_SIZES[PERSON]].casefold().partition(" ")
        return re.sub(r"[^a-z0-9.]", "", f"{first}.{last}") + "@example.com"
    if kind == PHONE:
        return f"+1-202-555-01{seed % 100:02d}"
    if kind == SSN:
        return f"000-00-{seed % 10000:04d}"
    if kind == IP_ADDRESS:
        return f"192.0.2.{seed % 254 + 1}"
    if kind == DATE_OF_BIRTH:
        return f"{1940 + seed % 66}-01-01"
    return f"<{kind}>"
