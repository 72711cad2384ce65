"""Evaluate one revision's prompts and models on the shared response cache.

Each revision (base, head) is run through :func:`prodbench.run.stage.run_model` with the
working tree's ``cache/responses``: rows the other side already produced are cache
hits, so only rows neither side has cached are called. ``cached_only`` (fork pull
requests without API keys) never calls a model: rows without a cached response are
reported as not evaluated instead of being dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from prodbench.core.errors import UserError
from prodbench.core.params import load_params
from prodbench.core.project import Project
from prodbench.core.prompts import load_prompts
from prodbench.core.records import LoadedPrompt, RunRow, ScoreRow
from prodbench.diff.git import Revision
from prodbench.llm.config import ModelConfig


@dataclass
class RevisionData:
    """A revision's benchmark definition.

    Attributes:
        revision: Where it came from.
        params: Its validated params.yaml.
        records: Its golden + current rotating prompt records.
        golden_lock: Text of ``prompts/golden.lock`` (None if absent).
    """

    revision: Revision
    params: dict[str, Any]
    records: list[LoadedPrompt]
    golden_lock: str | None


@dataclass
class ModelEval:
    """One model's results on one revision.

    Attributes:
        config: The model config at that revision.
        runs: Run rows by id.
        scores: Score rows by id.
        unevaluated: ``{"id", "reason"}`` for rows without a usable score.
        cache_only: The model was not called (cached responses only).
    """

    config: dict[str, Any]
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)  # RunRow; diff/stage.py reads them as dicts
    scores: dict[str, ScoreRow] = field(default_factory=dict)
    unevaluated: list[dict[str, str]] = field(default_factory=list)
    cache_only: bool = False


def load_revision(revision: Revision) -> RevisionData:
    """Load params and prompts of a materialised revision.

    Raises:
        UserError: The revision's params.yaml or prompt files are invalid (named by revision).
    """
    project = Project(revision.root)
    try:
        params = load_params(project)
        records = load_prompts(project, params)
    except UserError as exc:
        raise UserError(f"{exc.message} (in revision {revision.label})".strip(), exc.problems) from None
    lock = project.golden_lock.read_text(encoding="utf-8") if project.golden_lock.is_file() else None
    return RevisionData(revision, params, records, lock)


def cached_rows(records: list[LoadedPrompt], model_name: str, model_cfg: ModelConfig | Mapping[str, Any],
                cache_dir: Path) -> tuple[list[RunRow], list[str]]:
    """Build run rows from the response cache alone, never calling the model.

    Returns:
        ``(rows, missing_ids)``: result rows (built by the run stage's own runner, so the same
        shape) for records whose every generated turn is cached, and the ids of the others.
    """
    from prodbench.llm.cache import ResponseCache
    from prodbench.llm.config import RunSettings, as_model_config
    from prodbench.run.progress import RunStats
    from prodbench.run.runner import Runner

    config = as_model_config(model_name, model_cfg)
    runner = Runner(config, RunSettings(), ResponseCache(cache_dir / model_name, read=True, write=False),
                    RunStats(model_name))
    rows: list[RunRow] = []
    missing: list[str] = []
    for record in records:
        row = runner.cached_row(record)
        if row is None or not row["turns"]:
            missing.append(record.id)
        else:
            rows.append(row)
    return rows, missing


def _cannot_call(config: ModelConfig) -> str | None:
    """Why the model cannot be called here (e.g. its API key is missing), or None."""
    try:
        config.preflight()
    except UserError as exc:
        return str(exc).splitlines()[0][:200]
    return None


def evaluate_model(data: RevisionData, model_name: str, cache_dir: Path, cached_only: bool = False,
                   show_progress: bool | None = None, cache_fallback: bool = False) -> ModelEval:
    """Run (or read from cache) and score one model on one revision.

    Args:
        data: The revision.
        model_name: A model of that revision's params.
        cache_dir: The shared ``cache/responses`` directory.
        cached_only: Never call the model.
        show_progress: Progress bar (None = when stderr is a TTY).
        cache_fallback: If the model cannot be called (missing API key, unknown provider),
            use its cached responses instead of failing (fork pull requests).
    """
    from prodbench.run.stage import run_model
    from prodbench.score.stage import score_results

    raw = data.params["models"][model_name]
    config = ModelConfig.from_params(model_name, raw)
    result = ModelEval(config=raw)
    reason = "no cached response (cached-only run)" if cached_only else None
    if not cached_only and cache_fallback:
        why = _cannot_call(config)
        reason = f"no cached response and the model cannot be called: {why}" if why else None
    if reason:
        result.cache_only = True
        runs, missing = cached_rows(data.records, model_name, config, cache_dir)
        result.unevaluated += [{"id": rid, "reason": reason} for rid in missing]
    else:
        runs = run_model(data.records, model_name, config, data.params.get("run"), cache_dir,
                         show_progress=show_progress)
    result.runs = {row["id"]: cast(dict[str, Any], row) for row in runs}
    evaluable = [row for row in runs if row.get("error") is None]
    for row in runs:
        if row.get("error") is not None:
            error = row["error"] or {}
            result.unevaluated.append({"id": str(row["id"]),
                                       "reason": f"run error: {error.get('type', 'error')}"})
    ids = {str(row["id"]) for row in evaluable}
    records = [r for r in data.records if r.id in ids]
    rubrics = [data.revision.root / "rubrics"] if (data.revision.root / "rubrics").is_dir() else []
    score_rows = (score_results(records, cast(list[dict[str, Any]], evaluable), data.params,
                                cache_dir=cache_dir.parent / "judge", rubric_dirs=rubrics) if records else [])
    for score_row in score_rows:
        if score_row.get("model") not in (None, model_name):
            continue
        result.scores[str(score_row["id"])] = score_row
        if score_row.get("score") is None:
            result.unevaluated.append({"id": str(score_row["id"]), "reason": "not scorable (every scorer errored)"})
    result.unevaluated.sort(key=lambda item: item["id"])
    return result


def evaluate_revision(data: RevisionData, cache_dir: Path, models: list[str] | None = None,
                      cached_only: bool = False, show_progress: bool | None = None,
                      cache_fallback: bool = False) -> dict[str, ModelEval]:
    """Evaluate every model (or the named ones) of a revision (see :func:`evaluate_model`)."""
    names = [m for m in (data.params.get("models") or {}) if models is None or m in models]
    return {name: evaluate_model(data, name, cache_dir, cached_only, show_progress, cache_fallback)
            for name in names}
