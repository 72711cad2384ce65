"""The diff document (``reports/diff.json``) as typed objects, parsed once and strictly.

:func:`prodbench.diff.stage.compute_diff` writes the document as plain JSON. The comment
poster (``comment.yml``) reads it back from a workflow artifact that the pull request's
author controls, so :func:`parse_document` checks every field the renderer reads (type,
presence, allowed values) and turns it into frozen dataclasses. A malformed document is
rejected with a :class:`~prodbench.core.errors.UserError` naming the field, e.g.
``models["gpt"].overall.p_value: expected a number or null, got a string``. Keys the
renderer does not read (``moved``, ``task_types``, ``plots``, ...) are ignored.

Strings stay untrusted after parsing: the renderer still escapes every one of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import UserError
from prodbench.diff.fields import (
    PREFIX,
    array,
    as_object,
    at,
    boolean,
    child,
    get,
    integer,
    items,
    mapping,
    number,
    pair_item,
    text,
    text_item,
)

SCHEMA_VERSION = 1
COMPARED_STATUSES = ("changed", "unchanged")
ONE_SIDED_STATUSES = ("added", "removed")


# --------------------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class RevisionRef:
    """One side of the comparison: a label (branch, ``working tree``) and its commit."""

    label: str
    sha: str | None


@dataclass(frozen=True, slots=True)
class Settings:
    """The comparison's knobs (``alpha`` and the bootstrap ``seed`` are shown in the comment)."""

    alpha: float
    seed: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """The one-line conclusion."""

    kind: str
    regressions: list[str]
    improvements: list[str]
    unevaluated: int


@dataclass(frozen=True, slots=True)
class GoldenChange:
    """A change touching the golden set."""

    id: str
    change: str


@dataclass(frozen=True, slots=True)
class Prompts:
    """How the prompt sets of base and head relate."""

    counts: dict[str, int]
    added: list[str]
    removed: list[str]
    modified: list[str]
    golden_changes: list[GoldenChange]
    golden_lock_changed: bool
    total_base: int
    total_head: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """A paired comparison (:func:`prodbench.diff.stats.compare_paired`)."""

    n: int = 0
    base: float | None = None
    head: float | None = None
    delta: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    test: str | None = None
    label: str = "no paired rows"


NO_COMPARISON = Comparison()


@dataclass(frozen=True, slots=True)
class RowChange:
    """One paired row whose score changed, with the texts shown for it."""

    id: str
    task_type: str | None
    difficulty: str | None
    base_score: float
    head_score: float
    delta: float
    prompt: str | None
    base_output: str | None
    head_output: str | None


@dataclass(frozen=True, slots=True)
class RowChanges:
    """How many paired rows improved or regressed, and the largest changes."""

    improved: int
    regressed: int
    top_improved: list[RowChange]
    top_regressed: list[RowChange]


@dataclass(frozen=True, slots=True)
class Unpaired:
    """Mean scores of the rows without a counterpart (added, removed, modified)."""

    added_mean: float | None
    added_n: int
    removed_mean: float | None
    removed_n: int
    modified_base_mean: float | None
    modified_head_mean: float | None
    modified_n: int


@dataclass(frozen=True, slots=True)
class Unevaluated:
    """A row that could not be evaluated, and why."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens, cost, latency percentiles and new calls of one side (None = unknown)."""

    tokens: int | None = None
    cost_usd: float | None = None
    latency_p50: float | None = None
    latency_p90: float | None = None
    calls: int | None = None


NO_USAGE = Usage()


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """A changed setting; ``base``/``head`` are JSON values (None when absent on that side)."""

    key: str
    base: Any
    head: Any


@dataclass(frozen=True, slots=True)
class ModelDiff:
    """One model's comparison.

    A model on both sides (status ``changed``/``unchanged``) has the comparisons; a model
    on one side only (``added``/``removed``) has ``mean`` and ``n`` instead.
    """

    status: str
    config_changes: list[ConfigChange]
    unevaluated: dict[str, list[Unevaluated]]
    usage: dict[str, Usage]
    overall: Comparison | None = None
    golden: Comparison | None = None
    by_task_type: dict[str, Comparison] = field(default_factory=dict)
    by_difficulty: dict[str, Comparison] = field(default_factory=dict)
    rows: RowChanges | None = None
    unpaired: Unpaired | None = None
    mean: float | None = None
    n: int | None = None


@dataclass(frozen=True, slots=True)
class Share:
    """A task type's or difficulty's share of the prompts and its target."""

    share: float
    target: float | None


@dataclass(frozen=True, slots=True)
class CoverageSide:
    """Coverage of one revision."""

    min_per_cell: int
    below_min: list[tuple[str, str]]
    task_type: dict[str, Share]
    difficulty: dict[str, Share]


@dataclass(frozen=True, slots=True)
class CoverageCell:
    """Base -> head prompt count of one task type x difficulty cell."""

    task_type: str
    difficulty: str
    base: int
    head: int
    delta: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """The coverage delta."""

    base: CoverageSide
    head: CoverageSide
    cells: list[CoverageCell]
    newly_below_min: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class DiffDocument:
    """The whole diff document, as the renderer reads it."""

    base: RevisionRef
    head: RevisionRef
    settings: Settings
    cached_only: bool
    verdict: Verdict
    prompts: Prompts
    models: dict[str, ModelDiff]
    coverage: Coverage
    params_changes: list[ConfigChange]


# --------------------------------------------------------------------------- parts
def _revision(value: Any, path: str) -> RevisionRef:
    obj = as_object(value, path)
    return RevisionRef(text(obj, "label", path), text(obj, "sha", path, null=True))


def _comparison(value: Any, path: str) -> Comparison:
    obj = as_object(value, path)

    def opt(key: str) -> float | None:
        return number(obj, key, path, null=True)

    return Comparison(n=integer(obj, "n", path), base=opt("base"), head=opt("head"), delta=opt("delta"),
                      ci_low=opt("ci_low"), ci_high=opt("ci_high"), p_value=opt("p_value"),
                      test=text(obj, "test", path, null=True), label=text(obj, "label", path))


def _config_change(value: Any, path: str) -> ConfigChange:
    obj = as_object(value, path)
    return ConfigChange(text(obj, "key", path), get(obj, "base", path), get(obj, "head", path))


def _row_change(value: Any, path: str) -> RowChange:
    obj = as_object(value, path)

    def opt(key: str) -> str | None:
        return text(obj, key, path, null=True)

    return RowChange(id=text(obj, "id", path), task_type=opt("task_type"), difficulty=opt("difficulty"),
                     base_score=number(obj, "base_score", path), head_score=number(obj, "head_score", path),
                     delta=number(obj, "delta", path), prompt=opt("prompt"), base_output=opt("base_output"),
                     head_output=opt("head_output"))


def _row_changes(value: Any, path: str) -> RowChanges:
    obj = as_object(value, path)
    return RowChanges(integer(obj, "improved", path), integer(obj, "regressed", path),
                      array(obj, "top_improved", path, _row_change), array(obj, "top_regressed", path, _row_change))


def _unpaired(value: Any, path: str) -> Unpaired:
    obj = as_object(value, path)
    (added, a), (removed, r), (modified, m) = (child(obj, k, path) for k in ("added", "removed", "modified"))
    return Unpaired(added_mean=number(added, "mean", a, null=True), added_n=integer(added, "n", a),
                    removed_mean=number(removed, "mean", r, null=True), removed_n=integer(removed, "n", r),
                    modified_base_mean=number(modified, "base_mean", m, null=True),
                    modified_head_mean=number(modified, "head_mean", m, null=True),
                    modified_n=integer(modified, "n", m))


def _unevaluated_item(value: Any, path: str) -> Unevaluated:
    obj = as_object(value, path)
    return Unevaluated(text(obj, "id", path), text(obj, "reason", path))


def _unevaluated(value: Any, path: str) -> list[Unevaluated]:
    return items(value, path, _unevaluated_item)


def _usage(value: Any, path: str) -> Usage:
    if value is None:
        return NO_USAGE
    obj = as_object(value, path)
    latency, where = child(obj, "latency_s", path)
    return Usage(tokens=integer(obj, "tokens", path), cost_usd=number(obj, "cost_usd", path, null=True),
                 latency_p50=number(latency, "p50", where, null=True),
                 latency_p90=number(latency, "p90", where, null=True), calls=integer(obj, "calls", path))


def _model(value: Any, path: str) -> ModelDiff:
    obj = as_object(value, path)
    status = text(obj, "status", path)
    if status not in (*COMPARED_STATUSES, *ONE_SIDED_STATUSES):
        raise UserError(f"{PREFIX}: {at(path, 'status')}: expected one of "
                        f"{', '.join((*COMPARED_STATUSES, *ONE_SIDED_STATUSES))}")
    changes = array(obj, "config_changes", path, _config_change)
    unevaluated = mapping(obj, "unevaluated", path, _unevaluated)
    usage = mapping(obj, "usage", path, _usage)
    if status in ONE_SIDED_STATUSES:
        return ModelDiff(status, changes, unevaluated, usage, mean=number(obj, "mean", path, null=True),
                         n=integer(obj, "n", path))
    return ModelDiff(status, changes, unevaluated, usage,
                     overall=_comparison(get(obj, "overall", path), at(path, "overall")),
                     golden=_comparison(get(obj, "golden", path), at(path, "golden")),
                     by_task_type=mapping(obj, "by_task_type", path, _comparison),
                     by_difficulty=mapping(obj, "by_difficulty", path, _comparison),
                     rows=_row_changes(get(obj, "rows", path), at(path, "rows")),
                     unpaired=_unpaired(get(obj, "unpaired", path), at(path, "unpaired")))


def _verdict(value: Any, path: str) -> Verdict:
    obj = as_object(value, path)
    return Verdict(text(obj, "kind", path), array(obj, "regressions", path, text_item),
                   array(obj, "improvements", path, text_item), integer(obj, "unevaluated", path))


def _golden_change(value: Any, path: str) -> GoldenChange:
    obj = as_object(value, path)
    return GoldenChange(text(obj, "id", path), text(obj, "change", path))


def _prompts(value: Any, path: str) -> Prompts:
    obj = as_object(value, path)
    (counts, counts_path), (total, total_path) = child(obj, "counts", path), child(obj, "total", path)
    return Prompts(counts={k: integer(counts, k, counts_path) for k in ("unchanged", "modified", "added", "removed")},
                   added=array(obj, "added", path, text_item), removed=array(obj, "removed", path, text_item),
                   modified=array(obj, "modified", path, text_item),
                   golden_changes=array(obj, "golden_changes", path, _golden_change),
                   golden_lock_changed=boolean(obj, "golden_lock_changed", path),
                   total_base=integer(total, "base", total_path), total_head=integer(total, "head", total_path))


def _share(value: Any, path: str) -> Share:
    obj = as_object(value, path)
    return Share(number(obj, "share", path), number(obj, "target", path, null=True))


def _coverage_side(value: Any, path: str) -> CoverageSide:
    obj = as_object(value, path)
    return CoverageSide(integer(obj, "min_per_cell", path), array(obj, "below_min", path, pair_item),
                        mapping(obj, "task_type", path, _share), mapping(obj, "difficulty", path, _share))


def _coverage_cell(value: Any, path: str) -> CoverageCell:
    obj = as_object(value, path)
    return CoverageCell(text(obj, "task_type", path), text(obj, "difficulty", path), integer(obj, "base", path),
                        integer(obj, "head", path), integer(obj, "delta", path))


def _coverage(value: Any, path: str) -> Coverage:
    obj = as_object(value, path)
    return Coverage(_coverage_side(get(obj, "base", path), at(path, "base")),
                    _coverage_side(get(obj, "head", path), at(path, "head")),
                    array(obj, "cells", path, _coverage_cell), array(obj, "newly_below_min", path, pair_item))


# --------------------------------------------------------------------------- entry point
def parse_document(doc: Any) -> DiffDocument:
    """Check an (untrusted) diff document and return it as typed objects.

    Args:
        doc: The decoded JSON of ``reports/diff.json``.

    Raises:
        UserError: It is not a diff document, has another ``schema_version``, or a field is
            missing or of the wrong type (the message names the field).
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise UserError("not a prodbench diff document (expected an object with 'models')")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise UserError(f"unsupported diff document: schema_version {json.dumps(version)[:20]} "
                        f"(this prodbench reads {SCHEMA_VERSION})")
    settings, where = child(doc, "settings", "")
    return DiffDocument(
        base=_revision(get(doc, "base", ""), "base"),
        head=_revision(get(doc, "head", ""), "head"),
        settings=Settings(number(settings, "alpha", where), integer(settings, "seed", where)),
        cached_only=boolean(doc, "cached_only", ""),
        verdict=_verdict(get(doc, "verdict", ""), "verdict"),
        prompts=_prompts(get(doc, "prompts", ""), "prompts"),
        models=mapping(doc, "models", "", _model),
        coverage=_coverage(get(doc, "coverage", ""), "coverage"),
        params_changes=array(doc, "params_changes", "", _config_change),
    )


__all__ = ["DiffDocument", "ModelDiff", "Comparison", "Coverage", "parse_document", "SCHEMA_VERSION"]
