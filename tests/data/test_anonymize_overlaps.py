"""Overlap resolution: the O(n log n) sweep keeps exactly what the old all-pairs check kept."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path

import pytest

from prodbench.data.anonymize import Finding, resolve_overlaps
from prodbench.data.anonymize.engine import _rank, raw_findings
from prodbench.data.anonymize.types import ENTITY_TYPES

DEV = Path(__file__).resolve().parents[2] / "bench" / "pii_eval" / "data" / "dev.jsonl"


def quadratic_reference(findings: Iterable[Finding]) -> list[Finding]:
    """The implementation this replaced (issue #11: 44 s of 78 s on one 400 KB text)."""
    ranked = sorted(findings, key=lambda f: (_rank(f), -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if finding.end <= finding.start:
            continue
        if any(finding.start < k.end and k.start < finding.end for k in kept):
            continue
        kept.append(finding)
    return sorted(kept)


def test_same_result_as_the_quadratic_check_on_the_dev_corpus() -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    overlapping = 0
    for row in rows:
        found = raw_findings(row["text"])
        new = resolve_overlaps(found)
        assert new == quadratic_reference(found), row["id"]
        overlapping += len(found) - len(new)
    assert overlapping > 100  # the corpus does exercise overlaps


def test_same_result_on_random_dense_findings() -> None:
    rng = random.Random(11)
    detectors = ["regex", "secret-entropy", "names", ""]
    for _ in range(300):
        found = []
        for _ in range(rng.randint(0, 60)):
            start = rng.randint(0, 200)
            found.append(Finding(start, start + rng.randint(-2, 30), rng.choice(ENTITY_TYPES),
                                 detector=rng.choice(detectors)))
        new = resolve_overlaps(found)
        assert new == quadratic_reference(found)
        assert all(a.end <= b.start for a, b in zip(new, new[1:], strict=False))


def test_many_findings_do_bounded_work_per_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """600,000 findings: the pairwise work is per cluster of overlapping spans, never all pairs.

    Counted, not timed (a timed assertion fails on a loaded machine): the greedy choice compares
    findings only within one cluster, so the pairs it can look at are the sum of squared cluster
    sizes, which must stay a small multiple of n (all pairs would be n² / 2 = 1.8e11).
    """
    from prodbench.data.anonymize import engine

    rng = random.Random(3)
    found = [Finding(s, s + rng.randint(1, 12), rng.choice(ENTITY_TYPES)) for s in range(0, 600_000, 5)]
    sizes: list[int] = []
    real_greedy = engine._greedy

    def counting_greedy(cluster: list[Finding], kept: list[Finding]) -> None:
        sizes.append(len(cluster))
        real_greedy(cluster, kept)

    monkeypatch.setattr(engine, "_greedy", counting_greedy)
    kept = resolve_overlaps(found)
    assert sum(sizes) == len(found)
    assert sum(size * size for size in sizes) < 20 * len(found)
    assert 0 < len(kept) < len(found)
    assert all(a.end <= b.start for a, b in zip(kept, kept[1:], strict=False))
