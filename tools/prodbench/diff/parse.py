"""Read the diff document from untrusted JSON, strictly: :func:`parse_document`.

:func:`prodbench.diff.stage.compute_diff` writes the document as plain JSON. The comment
poster (``comment.yml``) reads it back from a workflow artifact that the pull request's
author controls, so :func:`parse_document` checks every field the renderer reads (type,
presence, allowed values) and turns it into the frozen dataclasses of
:mod:`prodbench.diff.document`. A malformed document is rejected with a
:class:`~prodbench.core.errors.UserError` naming the field, e.g.
``models["gpt"].overall.p_value: expected a number or null, got a string``. Keys the
renderer does not read (``moved``, ``task_types``, ``plots``, ...) are ignored.
"""

from __future__ import annotations

import json
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.limits import MAX_DEPTH, too_deep
from prodbench.diff import fields as read
from prodbench.diff.document import (
    COMPARED_STATUSES,
    COUNT_KEYS,
    NO_USAGE,
    ONE_SIDED_STATUSES,
    SCHEMA_VERSION,
    Comparison,
    ConfigChange,
    Coverage,
    CoverageCell,
    CoverageSide,
    DiffDocument,
    GoldenChange,
    ModelDiff,
    Prompts,
    RevisionRef,
    RowChange,
    RowChanges,
    Settings,
    Share,
    Unevaluated,
    Unpaired,
    Usage,
    Verdict,
)

__all__ = ["parse_document"]


def _revision(value: Any, path: str) -> RevisionRef:
    obj = read.as_object(value, path)
    return RevisionRef(read.text(obj, "label", path), read.text(obj, "sha", path, null=True))


def _comparison(value: Any, path: str) -> Comparison:
    obj = read.as_object(value, path)

    def opt(key: str) -> float | None:
        return read.number(obj, key, path, null=True)

    return Comparison(n=read.integer(obj, "n", path), base=opt("base"), head=opt("head"), delta=opt("delta"),
                      ci_low=opt("ci_low"), ci_high=opt("ci_high"), p_value=opt("p_value"),
                      test=read.text(obj, "test", path, null=True), label=read.text(obj, "label", path))


def _config_change(value: Any, path: str) -> ConfigChange:
    obj = read.as_object(value, path)
    return ConfigChange(read.text(obj, "key", path), read.get(obj, "base", path), read.get(obj, "head", path))


def _row_change(value: Any, path: str) -> RowChange:
    obj = read.as_object(value, path)

    def opt(key: str) -> str | None:
        return read.text(obj, key, path, null=True)

    return RowChange(id=read.text(obj, "id", path), task_type=opt("task_type"), difficulty=opt("difficulty"),
                     base_score=read.number(obj, "base_score", path),
                     head_score=read.number(obj, "head_score", path), delta=read.number(obj, "delta", path),
                     prompt=opt("prompt"), base_output=opt("base_output"), head_output=opt("head_output"))


def _row_changes(value: Any, path: str) -> RowChanges:
    obj = read.as_object(value, path)
    return RowChanges(read.integer(obj, "improved", path), read.integer(obj, "regressed", path),
                      read.array(obj, "top_improved", path, _row_change),
                      read.array(obj, "top_regressed", path, _row_change))


def _unpaired(value: Any, path: str) -> Unpaired:
    obj = read.as_object(value, path)
    (added, a), (removed, r), (modified, m) = (read.child(obj, k, path) for k in ("added", "removed", "modified"))
    return Unpaired(added_mean=read.number(added, "mean", a, null=True), added_n=read.integer(added, "n", a),
                    removed_mean=read.number(removed, "mean", r, null=True),
                    removed_n=read.integer(removed, "n", r),
                    modified_base_mean=read.number(modified, "base_mean", m, null=True),
                    modified_head_mean=read.number(modified, "head_mean", m, null=True),
                    modified_n=read.integer(modified, "n", m))


def _unevaluated_item(value: Any, path: str) -> Unevaluated:
    obj = read.as_object(value, path)
    return Unevaluated(read.text(obj, "id", path), read.text(obj, "reason", path))


def _unevaluated(value: Any, path: str) -> list[Unevaluated]:
    return read.items(value, path, _unevaluated_item)


def _usage(value: Any, path: str) -> Usage:
    if value is None:
        return NO_USAGE
    obj = read.as_object(value, path)
    latency, where = read.child(obj, "latency_s", path)
    return Usage(tokens=read.integer(obj, "tokens", path), cost_usd=read.number(obj, "cost_usd", path, null=True),
                 latency_p50=read.number(latency, "p50", where, null=True),
                 latency_p90=read.number(latency, "p90", where, null=True), calls=read.integer(obj, "calls", path))


def _model(value: Any, path: str) -> ModelDiff:
    obj = read.as_object(value, path)
    status = read.text(obj, "status", path)
    if status not in (*COMPARED_STATUSES, *ONE_SIDED_STATUSES):
        raise UserError(f"{read.PREFIX}: {read.at(path, 'status')}: expected one of "
                        f"{', '.join((*COMPARED_STATUSES, *ONE_SIDED_STATUSES))}")
    changes = read.array(obj, "config_changes", path, _config_change)
    unevaluated = read.mapping(obj, "unevaluated", path, _unevaluated)
    usage = read.mapping(obj, "usage", path, _usage)
    if status in ONE_SIDED_STATUSES:
        return ModelDiff(status, changes, unevaluated, usage, mean=read.number(obj, "mean", path, null=True),
                         n=read.integer(obj, "n", path))
    return ModelDiff(status, changes, unevaluated, usage,
                     overall=_comparison(read.get(obj, "overall", path), read.at(path, "overall")),
                     golden=_comparison(read.get(obj, "golden", path), read.at(path, "golden")),
                     by_task_type=read.mapping(obj, "by_task_type", path, _comparison),
                     by_difficulty=read.mapping(obj, "by_difficulty", path, _comparison),
                     rows=_row_changes(read.get(obj, "rows", path), read.at(path, "rows")),
                     unpaired=_unpaired(read.get(obj, "unpaired", path), read.at(path, "unpaired")))


def _verdict(value: Any, path: str) -> Verdict:
    obj = read.as_object(value, path)
    return Verdict(read.text(obj, "kind", path), read.array(obj, "regressions", path, read.text_item),
                   read.array(obj, "improvements", path, read.text_item), read.integer(obj, "unevaluated", path))


def _golden_change(value: Any, path: str) -> GoldenChange:
    obj = read.as_object(value, path)
    return GoldenChange(read.text(obj, "id", path), read.text(obj, "change", path))


def _prompts(value: Any, path: str) -> Prompts:
    obj = read.as_object(value, path)
    (counts, counts_path), (total, total_path) = read.child(obj, "counts", path), read.child(obj, "total", path)

    def ids(key: str) -> list[str]:
        return read.array(obj, key, path, read.text_item)

    return Prompts(counts={k: read.integer(counts, k, counts_path) for k in COUNT_KEYS},
                   added=ids("added"), removed=ids("removed"), modified=ids("modified"),
                   golden_changes=read.array(obj, "golden_changes", path, _golden_change),
                   golden_lock_changed=read.boolean(obj, "golden_lock_changed", path),
                   total_base=read.integer(total, "base", total_path),
                   total_head=read.integer(total, "head", total_path))


def _share(value: Any, path: str) -> Share:
    obj = read.as_object(value, path)
    return Share(read.number(obj, "share", path), read.number(obj, "target", path, null=True))


def _coverage_side(value: Any, path: str) -> CoverageSide:
    obj = read.as_object(value, path)
    return CoverageSide(read.integer(obj, "min_per_cell", path), read.array(obj, "below_min", path, read.pair_item),
                        read.mapping(obj, "task_type", path, _share), read.mapping(obj, "difficulty", path, _share))


def _coverage_cell(value: Any, path: str) -> CoverageCell:
    obj = read.as_object(value, path)
    return CoverageCell(read.text(obj, "task_type", path), read.text(obj, "difficulty", path),
                        read.integer(obj, "base", path), read.integer(obj, "head", path),
                        read.integer(obj, "delta", path))


def _coverage(value: Any, path: str) -> Coverage:
    obj = read.as_object(value, path)
    return Coverage(_coverage_side(read.get(obj, "base", path), read.at(path, "base")),
                    _coverage_side(read.get(obj, "head", path), read.at(path, "head")),
                    read.array(obj, "cells", path, _coverage_cell),
                    read.array(obj, "newly_below_min", path, read.pair_item))


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
    if too_deep(doc):  # before any recursive walk
        raise UserError(f"{read.PREFIX}: JSON nested deeper than {MAX_DEPTH} levels")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise UserError(f"unsupported diff document: schema_version {json.dumps(version)[:20]} "
                        f"(this prodbench reads {SCHEMA_VERSION})")
    settings, where = read.child(doc, "settings", "")
    return DiffDocument(
        base=_revision(read.get(doc, "base", ""), "base"),
        head=_revision(read.get(doc, "head", ""), "head"),
        settings=Settings(read.number(settings, "alpha", where), read.integer(settings, "seed", where)),
        cached_only=read.boolean(doc, "cached_only", ""),
        verdict=_verdict(read.get(doc, "verdict", ""), "verdict"),
        prompts=_prompts(read.get(doc, "prompts", ""), "prompts"),
        models=read.mapping(doc, "models", "", _model),
        coverage=_coverage(read.get(doc, "coverage", ""), "coverage"),
        params_changes=read.array(doc, "params_changes", "", _config_change),
    )

