"""``prodbench diff``: what a change (base -> head) does to scores, coverage and cost.

Pipeline::

    base = materialise(REV)            # git archive into a temp dir, user's tree untouched
    head = working tree (or REV)
    evaluate both on the shared cache  # diff.evaluate: run_model + score_results
    doc = compute_diff(...)            # pure: pairing, paired tests, coverage, config, cost
    write reports/diff.json + reports/pr-comment.md (diff.render)

:func:`compute_diff` is pure (no I/O) and produces the JSON document that the
renderer, the workflows and the tests consume.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodbench.core.fsutil import atomic_write_text, json_plain, write_json
from prodbench.core.project import Project
from prodbench.core.records import LoadedPrompt
from prodbench.diff.document import SCHEMA_VERSION
from prodbench.diff.evaluate import ModelEval, RevisionData, evaluate_revision, load_revision
from prodbench.diff.git import materialise, working_tree
from prodbench.diff.pairing import Pairing, by_id, pair_records
from prodbench.diff.stats import (
    ADJUSTMENT,
    IMPROVEMENT,
    NO_DATA,
    NOISE,
    REGRESSION,
    adjust_labels,
    compare_paired,
)

TEXT_LIMIT = 1500  # characters of prompt/output kept per row in diff.json
_SECRET_KEYS = ("api_key", "token", "secret", "password", "authorization")


@dataclass
class DiffSettings:
    """Knobs of the comparison (from ``params.yaml`` ``diff`` and ``score.bootstrap``)."""

    alpha: float = 0.05
    top_rows: int = 5
    resamples: int = 2000
    confidence: float = 0.95
    seed: int = 0
    fail_on_regression: bool = False

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DiffSettings:
        """Read the ``diff`` and ``score.bootstrap`` sections."""
        diff = params.get("diff") or {}
        boot = (params.get("score") or {}).get("bootstrap") or {}
        return cls(alpha=float(diff.get("alpha", 0.05)), top_rows=int(diff.get("top_rows", 5)),
                   resamples=int(boot.get("resamples", 2000)), confidence=float(boot.get("confidence", 0.95)),
                   seed=int(boot.get("seed", 0)), fail_on_regression=bool(diff.get("fail_on_regression", False)))


# --------------------------------------------------------------------------- helpers
def prompt_text(record: Mapping[str, Any] | None) -> str:
    """The text shown for a prompt: its last user message (earlier turns summarised)."""
    if not record:
        return ""
    messages = record.get("messages") or []
    users = [m for m in messages if m.get("role") == "user"]
    last = users[-1].get("content") if users else (messages[-1].get("content") if messages else "")
    text = last if isinstance(last, str) else str(last)
    turns = len(users)
    return f"[{turns} user turns; last:] {text}" if turns > 1 else text


def _clip(text: Any, limit: int = TEXT_LIMIT) -> str | None:
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f" … [{len(text) - limit} more characters]"


def _flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(config, dict):
        out: dict[str, Any] = {}
        for key, value in config.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): config}


def _mask(key: str, value: Any) -> Any:
    leaf = key.rsplit(".", 1)[-1].lower()
    if value is not None and any(word in leaf for word in _SECRET_KEYS) and not leaf.endswith("_env"):
        return "***"
    return value


def config_changes(base: dict[str, Any] | None, head: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Changed fields of a model config, ``[{"key", "base", "head"}]`` (secret-looking values masked)."""
    old, new = _flatten(base or {}), _flatten(head or {})
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key) or (key in old) != (key in new):
            changes.append({"key": key, "base": _mask(key, old.get(key)), "head": _mask(key, new.get(key))})
    return changes


def usage_summary(evaluation: ModelEval | None) -> dict[str, Any] | None:
    """Tokens, cost and latency (of the original calls, cached or not) of one evaluation."""
    if evaluation is None:
        return None
    from prodbench.core.stats import percentiles

    runs = list(evaluation.runs.values())
    tokens = sum(int(((r.get("usage") or {}).get("total_tokens")) or 0) for r in runs)
    costs = [r["cost_usd"] for r in runs if r.get("cost_usd") is not None]
    latencies = [float(r["latency_s"]) for r in runs if r.get("error") is None and r.get("turns")]
    return {"rows": len(runs), "tokens": tokens, "cost_usd": round(sum(costs), 6) if costs else None,
            "latency_s": percentiles(latencies, (50, 90)),
            "calls": sum(1 for r in runs for t in r.get("turns") or [] if not t.get("cached"))}


def coverage_summary(records: list[LoadedPrompt], params: dict[str, Any]) -> dict[str, Any]:
    """Counts per task type x difficulty (golden + rotating), shares against targets, cells below the minimum.

    Built on :func:`prodbench.core.coverage.coverage_table` (its ``all`` set).
    """
    from prodbench.core.coverage import coverage_table

    table = coverage_table(records, params)
    data = table["sets"]["all"]
    cells = {tt: {d: int(cell["count"]) for d, cell in row.items()} for tt, row in data["cells"].items()}
    below = [[tt, d] for tt, row in data["cells"].items() for d, cell in row.items() if cell.get("below_min")]

    def shares(group: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {k: {"n": v["count"], "share": v["share"] or 0.0, "target": v["target"],
                    "shortfall": v.get("shortfall", 0)} for k, v in group.items()}

    return {"total": data["n"], "cells": cells, "min_per_cell": table["min_per_cell"], "below_min": below,
            "task_type": shares(data["by_task_type"]), "difficulty": shares(data["by_difficulty"])}


def coverage_delta(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    """Cell-by-cell base -> head counts, plus cells that newly fell below their minimum."""
    rows = []
    for task in sorted(set(base["cells"]) | set(head["cells"]),
                       key=lambda t: (list(head["cells"]).index(t) if t in head["cells"] else 999, t)):
        diffs = list(dict.fromkeys([*base["cells"].get(task, {}), *head["cells"].get(task, {})]))
        for difficulty in diffs:
            old = base["cells"].get(task, {}).get(difficulty, 0)
            new = head["cells"].get(task, {}).get(difficulty, 0)
            rows.append({"task_type": task, "difficulty": difficulty, "base": old, "head": new, "delta": new - old})
    base_below = {tuple(c) for c in base["below_min"]}
    newly = [c for c in head["below_min"] if tuple(c) not in base_below]
    return {"base": base, "head": head, "cells": rows, "newly_below_min": newly,
            "changed": any(r["delta"] for r in rows)}


# --------------------------------------------------------------------------- comparison
def _row_detail(rid: str, prompt: LoadedPrompt, base_eval: ModelEval, head_eval: ModelEval,
                base_score: float, head_score: float) -> dict[str, Any]:
    return {"id": rid, "task_type": prompt.task_type, "difficulty": prompt.difficulty,
            "base_score": base_score, "head_score": head_score, "delta": round(head_score - base_score, 6),
            "prompt": _clip(prompt_text(prompt.record)),
            "base_output": _clip(base_eval.runs.get(rid, {}).get("response")),
            "head_output": _clip(head_eval.runs.get(rid, {}).get("response"))}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 6) if values else None


def _score(evaluation: ModelEval, rid: str) -> float | None:
    row = evaluation.scores.get(rid)
    value = row.get("score") if row else None
    return None if value is None else float(value)


def compare_model(name: str, pairing: Pairing, base: RevisionData, head: RevisionData,
                  base_eval: ModelEval, head_eval: ModelEval, settings: DiffSettings) -> dict[str, Any]:
    """Paired comparison of one model present in both revisions."""
    head_idx = by_id(head.records)

    def compare(ids: list[str]) -> dict[str, Any]:
        return compare_paired([_score(base_eval, i) for i in ids], [_score(head_eval, i) for i in ids],
                              alpha=settings.alpha, resamples=settings.resamples,
                              confidence=settings.confidence, seed=settings.seed)

    paired = pairing.unchanged
    groups: dict[str, dict[str, list[str]]] = {"task_type": defaultdict(list), "difficulty": defaultdict(list)}
    for rid in paired:
        prompt = head_idx[rid]
        groups["task_type"][str(prompt.task_type)].append(rid)
        groups["difficulty"][str(prompt.difficulty)].append(rid)
    task_order = list(((head.params.get("taxonomy") or {}).get("task_types") or {}).keys())
    diff_order = list((head.params.get("taxonomy") or {}).get("difficulties") or [])

    def ordered(group: dict[str, list[str]], order: list[str]) -> dict[str, Any]:
        keys = [k for k in order if k in group] + sorted(k for k in group if k not in order)
        return {k: compare(group[k]) for k in keys}

    details = []
    for rid in paired:
        old, new = _score(base_eval, rid), _score(head_eval, rid)
        if old is not None and new is not None and old != new:
            details.append(_row_detail(rid, head_idx[rid], base_eval, head_eval, old, new))
    improved = sorted((d for d in details if d["delta"] > 0), key=lambda d: (-d["delta"], d["id"]))
    regressed = sorted((d for d in details if d["delta"] < 0), key=lambda d: (d["delta"], d["id"]))
    golden_ids = [rid for rid in paired if head_idx[rid].set == "golden"]

    def side_mean(evaluation: ModelEval, ids: list[str]) -> dict[str, Any]:
        scores = [s for s in (_score(evaluation, i) for i in ids) if s is not None]
        return {"n": len(ids), "scored": len(scores), "mean": _mean(scores)}

    modified_rows = [{"id": rid, "base_score": _score(base_eval, rid), "head_score": _score(head_eval, rid),
                      "task_type": head_idx[rid].task_type} for rid in pairing.modified]
    return {
        "status": "changed" if base_eval.config != head_eval.config else "unchanged",
        "config_changes": config_changes(base_eval.config, head_eval.config),
        "overall": compare(paired),
        "golden": compare(golden_ids),
        "by_task_type": ordered(groups["task_type"], task_order),
        "by_difficulty": ordered(groups["difficulty"], diff_order),
        "rows": {"improved": len(improved), "regressed": len(regressed),
                 "top_improved": improved[: settings.top_rows], "top_regressed": regressed[: settings.top_rows]},
        "unpaired": {"added": side_mean(head_eval, pairing.added),
                     "removed": side_mean(base_eval, pairing.removed),
                     "modified": {"n": len(pairing.modified),
                                  "base_mean": side_mean(base_eval, pairing.modified)["mean"],
                                  "head_mean": side_mean(head_eval, pairing.modified)["mean"],
                                  "rows": modified_rows[:50]}},
        "unevaluated": {"base": base_eval.unevaluated, "head": head_eval.unevaluated},
        "usage": {"base": usage_summary(base_eval), "head": usage_summary(head_eval)},
    }


def one_sided_model(evaluation: ModelEval, side: str) -> dict[str, Any]:
    """Summary of a model present in only one revision (added or removed)."""
    scores = [s for s in (_score(evaluation, i) for i in evaluation.scores) if s is not None]
    return {"status": "added" if side == "head" else "removed",
            "config_changes": config_changes(None if side == "head" else evaluation.config,
                                             evaluation.config if side == "head" else None),
            "mean": _mean(scores), "n": len(scores),
            "unevaluated": {side: evaluation.unevaluated},
            "usage": {side: usage_summary(evaluation)}}


def verdict(models: dict[str, dict[str, Any]], prompts: dict[str, Any], cached_only: bool) -> dict[str, Any]:
    """The one-line conclusion: regression / improvement / mixed / no significant change."""
    regressions = [n for n, m in models.items() if (m.get("overall") or {}).get("label") == REGRESSION]
    improvements = [n for n, m in models.items() if (m.get("overall") or {}).get("label") == IMPROVEMENT]
    compared = [n for n, m in models.items() if (m.get("overall") or {}).get("label") not in (None, NO_DATA)]
    if regressions and improvements:
        kind = "mixed"
    elif regressions:
        kind = "regression"
    elif improvements:
        kind = "improvement"
    elif compared:
        kind = "no significant change"
    else:
        kind = "no paired rows"
    unevaluated = sum(len(rows) for m in models.values() for rows in (m.get("unevaluated") or {}).values())
    return {"kind": kind, "regressions": regressions, "improvements": improvements,
            "golden_changed": bool(prompts["golden_changes"] or prompts["golden_lock_changed"]),
            "unevaluated": unevaluated, "cached_only": cached_only}


def compute_diff(base: RevisionData, head: RevisionData, base_evals: dict[str, ModelEval],
                 head_evals: dict[str, ModelEval], settings: DiffSettings, cached_only: bool = False) -> dict[str, Any]:
    """Build the diff document (``reports/diff.json``) from two evaluated revisions."""
    pairing = pair_records(base.records, head.records, golden_lock_changed=base.golden_lock != head.golden_lock)
    models: dict[str, dict[str, Any]] = {}
    for name in list(dict.fromkeys([*head_evals, *base_evals])):
        if name in base_evals and name in head_evals:
            models[name] = compare_model(name, pairing, base, head, base_evals[name], head_evals[name], settings)
        elif name in head_evals:
            models[name] = one_sided_model(head_evals[name], "head")
        else:
            models[name] = one_sided_model(base_evals[name], "base")
    labels = adjust_labels(models, settings.alpha)  # one family per comment: Holm across every label
    prompts = {"counts": pairing.counts(), "added": pairing.added, "removed": pairing.removed,
               "modified": pairing.modified, "moved": pairing.moved, "golden_changes": pairing.golden_changes,
               "golden_lock_changed": pairing.golden_lock_changed,
               "total": {"base": len(base.records), "head": len(head.records)}}
    base_cov, head_cov = coverage_summary(base.records, base.params), coverage_summary(head.records, head.params)
    other_params = config_changes({k: v for k, v in base.params.items() if k != "models"},
                                  {k: v for k, v in head.params.items() if k != "models"})

    def rev(data: RevisionData) -> dict[str, Any]:
        return {"label": data.revision.label, "sha": data.revision.sha}

    return json_plain({
        "schema_version": SCHEMA_VERSION,
        "base": rev(base),
        "head": rev(head),
        "settings": {"alpha": settings.alpha, "top_rows": settings.top_rows, "resamples": settings.resamples,
                     "confidence": settings.confidence, "seed": settings.seed,
                     "fail_on_regression": settings.fail_on_regression, "adjustment": ADJUSTMENT,
                     "labels": labels},
        "cached_only": cached_only,
        "verdict": verdict(models, prompts, cached_only),
        "prompts": prompts,
        "models": models,
        "coverage": coverage_delta(base_cov, head_cov),
        "params_changes": other_params,
        "task_types": list(((head.params.get("taxonomy") or {}).get("task_types") or {}).keys()),
    })


# --------------------------------------------------------------------------- orchestration
@dataclass
class DiffOutcome:
    """Result of :func:`run_diff`."""

    doc: dict[str, Any]
    json_path: Path
    comment_path: Path
    plots: list[Path]
    failed: bool


def run_diff(project: Project, base_rev: str, head_rev: str | None = None, *, cached_only: bool = False,
             models: list[str] | None = None, output_dir: Path | None = None, plots: bool = True,
             fail_on_regression: bool | None = None, show_progress: bool | None = None,
             cache_fallback: bool = False, log: Callable[[str], None] = lambda message: None) -> DiffOutcome:
    """Compare ``base_rev`` with ``head_rev`` (default: the working tree) and write the reports.

    Args:
        project: The working tree's project (its cache is shared by both sides).
        base_rev: Git revision of the base.
        head_rev: Git revision of the head, or None for the working tree.
        cached_only: Never call a model; rows without a cached response are listed.
        models: Restrict to these model names.
        output_dir: Where diff.json / pr-comment.md go (default ``reports/``).
        plots: Also write matplotlib PNGs next to the reports.
        fail_on_regression: Override the base revision's ``diff.fail_on_regression``.
        show_progress: Progress bars (None = when stderr is a TTY).
        cache_fallback: Models that cannot be called (no API key) use cached responses only.
        log: Progress messages.

    Returns:
        The outcome; ``failed`` is True when a significant regression should fail the run.
    """
    from prodbench.diff.parse import parse_document
    from prodbench.diff.render import render_comment

    output_dir = output_dir or project.reports_dir
    cache_dir = project.cache_dir / "responses"
    with tempfile.TemporaryDirectory(prefix="prodbench-diff-") as tmp:
        base = load_revision(materialise(project.root, base_rev, Path(tmp) / "base"))
        head_revision = (materialise(project.root, head_rev, Path(tmp) / "head") if head_rev
                         else working_tree(project.root))
        head = load_revision(head_revision)
        # The base branch's policy (alpha, gate) applies: a PR cannot loosen its own check.
        settings = DiffSettings.from_params(base.params)
        if fail_on_regression is not None:
            settings.fail_on_regression = fail_on_regression
        log(f"evaluating base {base_rev} ({len(base.records)} prompts)")
        base_evals = evaluate_revision(base, cache_dir, models, cached_only, show_progress, cache_fallback)
        log(f"evaluating head {head.revision.label} ({len(head.records)} prompts)")
        head_evals = evaluate_revision(head, cache_dir, models, cached_only, show_progress, cache_fallback)
        fell_back = any(e.cache_only for e in [*base_evals.values(), *head_evals.values()])
        doc = compute_diff(base, head, base_evals, head_evals, settings, cached_only or fell_back)
    document = parse_document(doc)  # the same typed view the comment poster reads back
    plot_paths: list[Path] = []
    if plots:
        from prodbench.diff.plots import write_plots

        plot_paths = write_plots(document, output_dir / "diff-plots")
        doc["plots"] = [project.rel(p) for p in plot_paths]
    json_path, comment_path = output_dir / "diff.json", output_dir / "pr-comment.md"
    write_json(json_path, doc)
    atomic_write_text(comment_path, render_comment(document))
    failed = settings.fail_on_regression and bool(doc["verdict"]["regressions"])
    return DiffOutcome(doc, json_path, comment_path, plot_paths, failed)


__all__ = ["DiffSettings", "compute_diff", "run_diff", "IMPROVEMENT", "REGRESSION", "NOISE", "NO_DATA"]
