"""The detection entry point: :func:`detect` runs every detector and resolves overlaps."""

from __future__ import annotations

import re
from collections.abc import Iterable

from prodbench.core.errors import UserError
from prodbench.data.anonymize.names import find_names_and_places
from prodbench.data.anonymize.patterns import STRUCTURED_DETECTORS
from prodbench.data.anonymize.types import ENTITY_TYPES, PRIORITY, Finding

ENGINES = ("builtin", "presidio")
PLACEHOLDER_RE = re.compile(r"<[A-Z][A-Z_]*_\d+>")


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep non-overlapping findings: higher-priority type first, then the longer span.

    A name inside an e-mail address or a phone number inside a URL is part of the
    bigger finding, so it is dropped rather than replaced twice.
    """
    def rank(f: Finding) -> float:
        # a checksummed IBAN/card/SSN beats the generic high-entropy "secret" guess
        if f.detector == "secret-entropy":
            return PRIORITY["SSN"] + 0.5
        return PRIORITY.get(f.type, 99)

    ranked = sorted(findings, key=lambda f: (rank(f), -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if finding.end <= finding.start:
            continue
        if any(finding.start < k.end and k.start < finding.end for k in kept):
            continue
        kept.append(finding)
    return sorted(kept)


def _allowed(text: str, finding: Finding, allowlist: Iterable[str]) -> bool:
    value = text[finding.start: finding.end].casefold()
    for item in allowlist:
        item = item.casefold()
        if value == item or (item.startswith("@") is False and value.endswith("@" + item)):
            return True
        if "." in item and value.endswith("." + item):
            return True
    return False


def detect(
    text: str,
    *,
    entities: Iterable[str] | None = None,
    allowlist: Iterable[str] = (),
    engine: str = "builtin",
) -> list[Finding]:
    """Find personal data in ``text``.

    Args:
        text: The text to scan.
        entities: Restrict to these entity types (default: all of :data:`ENTITY_TYPES`).
        allowlist: Values (or e-mail domains) that are never reported, e.g. the product's
            own support address.
        engine: ``builtin`` (default) or ``presidio`` (needs ``presidio-analyzer`` and a
            spaCy model; its findings are merged with the builtin structured detectors).

    Returns:
        Non-overlapping findings sorted by position. They carry type and offsets only,
        never the value.

    Raises:
        UserError: Unknown engine or entity type, or Presidio is not installed.
    """
    wanted = set(entities) if entities is not None else set(ENTITY_TYPES)
    unknown = wanted - set(ENTITY_TYPES)
    if unknown:
        raise UserError(f"unknown entity type(s) {sorted(unknown)}; known: {', '.join(ENTITY_TYPES)}")
    if not text:
        return []
    found: list[Finding] = []
    for detector in STRUCTURED_DETECTORS:
        found.extend(detector(text))
    if engine == "builtin":
        found.extend(find_names_and_places(text))
    elif engine == "presidio":
        from prodbench.data.anonymize.presidio_engine import presidio_findings

        found.extend(presidio_findings(text))
    else:
        raise UserError(f"unknown anonymize engine {engine!r}; use one of {', '.join(ENGINES)}")
    allowlist = tuple(allowlist)
    # placeholders left by an earlier anonymization pass are not personal data
    found = [f for f in found if not PLACEHOLDER_RE.fullmatch(text, f.start, f.end)]
    kept = resolve_overlaps(found)
    return [f for f in kept if f.type in wanted and not (allowlist and _allowed(text, f, allowlist))]
