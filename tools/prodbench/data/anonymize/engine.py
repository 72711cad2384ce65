"""The detection entry point: :func:`detect` runs every detector and resolves overlaps."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence

from prodbench.core.errors import UserError
from prodbench.data.anonymize.gates import gate_for
from prodbench.data.anonymize.names import find_names_and_places
from prodbench.data.anonymize.patterns import STRUCTURED_DETECTORS
from prodbench.data.anonymize.types import ENTITY_TYPES, PRIORITY, Finding

ENGINES = ("builtin", "presidio")
PLACEHOLDER_RE = re.compile(r"<[A-Z][A-Z_]*_\d+>")


def _rank(f: Finding) -> float:
    # a checksummed IBAN/card/SSN beats the generic high-entropy "secret" guess
    if f.detector == "secret-entropy":
        return PRIORITY["SSN"] + 0.5
    return PRIORITY.get(f.type, 99)


def _order(f: Finding) -> tuple[int, int, str, float, str]:
    return (f.start, f.end, f.type, f.score, f.detector)  # Finding's own ordering, as a fast key


def _greedy(cluster: list[Finding], kept: list[Finding]) -> None:
    """Greedy by rank within one cluster; a binary search per candidate over the kept spans."""
    if len(cluster) == 1:
        kept.append(cluster[0])
        return
    starts: list[int] = []
    ends: list[int] = []
    for finding in sorted(cluster, key=lambda f: (_rank(f), -(f.end - f.start), f.start)):
        i = bisect_left(starts, finding.end)
        if i and ends[i - 1] > finding.start:
            continue
        starts.insert(i, finding.start)
        ends.insert(i, finding.end)
        kept.append(finding)


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep non-overlapping findings: higher-priority type first, then the longer span.

    A name inside an e-mail address or a phone number inside a URL is part of the
    bigger finding, so it is dropped rather than replaced twice.

    Sort and sweep: findings sorted by start fall into clusters of chained overlaps;
    a finding can only compete with findings of its own cluster, so the greedy
    rank-order choice runs per cluster (kept spans are disjoint, so one binary search
    tells whether a candidate overlaps one). Same result as checking all pairs, in
    O(n log n) for clusters of bounded size (a cluster is one run of overlapping text).
    """
    ordered = sorted((f for f in findings if f.end > f.start), key=lambda f: f.start)
    kept: list[Finding] = []
    cluster: list[Finding] = []
    cluster_end = -1
    for finding in ordered:
        if cluster and finding.start >= cluster_end:
            _greedy(cluster, kept)
            cluster = []
        cluster.append(finding)
        cluster_end = max(cluster_end, finding.end) if len(cluster) > 1 else finding.end
    if cluster:
        _greedy(cluster, kept)
    return sorted(kept, key=_order)


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the placeholders (``<PERSON_1>``) an earlier anonymization left in ``text``."""
    if "<" not in text:
        return []
    return [m.span() for m in PLACEHOLDER_RE.finditer(text)]


def mask_placeholders(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank out placeholder spans (same length, so offsets hold) before the detectors run.

    A detector then never sees ``SECRET_1>.csv`` or ``DATE`` inside a placeholder, and a
    placeholder never joins a neighbouring word into a bigger finding.
    """
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(" " * (end - start))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint union of ``spans``."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _outside(findings: list[Finding], spans: list[tuple[int, int]]) -> list[Finding]:
    """Drop findings that touch a placeholder span (binary search per finding)."""
    if not spans:
        return findings
    span_starts = [s for s, _ in spans]
    kept = []
    for f in findings:
        i = bisect_left(span_starts, f.end)
        if i and spans[i - 1][1] > f.start:
            continue
        kept.append(f)
    return kept


def _allowed(text: str, finding: Finding, allowlist: Iterable[str]) -> bool:
    value = text[finding.start: finding.end].casefold()
    for item in allowlist:
        item = item.casefold()
        if value == item or (item.startswith("@") is False and value.endswith("@" + item)):
            return True
        if "." in item and value.endswith("." + item):
            return True
    return False


def raw_findings(text: str, engine: str = "builtin") -> list[Finding]:
    """Every detector's findings on ``text``, overlaps not yet resolved."""
    found: list[Finding] = []
    passed: dict[Callable[[str], bool], bool] = {}  # each gate evaluated once per text
    for detector in STRUCTURED_DETECTORS:
        gate = gate_for(detector)  # a necessary condition: skipping a failed one changes nothing
        if gate is not None:
            ok = passed.get(gate)
            if ok is None:
                ok = passed[gate] = gate(text)
            if not ok:
                continue
        found.extend(detector(text))
    if engine == "builtin":
        found.extend(find_names_and_places(text))
    else:
        from prodbench.data.anonymize.presidio_engine import presidio_findings

        found.extend(presidio_findings(text))
    return found


def detect(
    text: str,
    *,
    entities: Iterable[str] | None = None,
    allowlist: Iterable[str] = (),
    engine: str = "builtin",
    protected: Sequence[tuple[int, int]] = (),
) -> list[Finding]:
    """Find personal data in ``text``.

    Args:
        text: The text to scan.
        entities: Restrict to these entity types (default: all of :data:`ENTITY_TYPES`).
        allowlist: Values (or e-mail domains) that are never reported, e.g. the product's
            own support address.
        engine: ``builtin`` (default) or ``presidio`` (needs ``presidio-analyzer`` and a
            spaCy model; its findings are merged with the builtin structured detectors).
        protected: Spans that are already replacements (surrogates this run inserted):
            masked like placeholders, and nothing touching them is reported.

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
    if engine not in ENGINES:
        raise UserError(f"unknown anonymize engine {engine!r}; use one of {', '.join(ENGINES)}")
    # placeholders left by an earlier anonymization pass are not personal data: the
    # detectors see them blanked out, and nothing that touches one is reported
    spans = _merge([*placeholder_spans(text), *protected]) if protected else placeholder_spans(text)
    found = raw_findings(mask_placeholders(text, spans), engine)
    allowlist = tuple(allowlist)
    kept = resolve_overlaps(_outside(found, spans))
    return [f for f in kept if f.type in wanted and not (allowlist and _allowed(text, f, allowlist))]
