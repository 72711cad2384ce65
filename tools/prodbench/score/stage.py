"""The score stage: apply the scoring plan to run results (``results/scores.jsonl``).

:func:`score_results` builds every planned scorer once (reporting all bad settings at
once, located in params.yaml or the prompt file), scores each run row (model-based scorers
concurrently) and assembles one :class:`~prodbench.core.records.ScoreRow` per (model,
prompt) with :func:`~prodbench.core.records.build_score_row`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.records import LoadedPrompt, ScorerEntry, ScoreRow, build_score_row
from prodbench.score.judge_choice import JUDGE_SCORERS, check_judge, preflight_judge
from prodbench.score.plan import PlannedScorer, ScorerBuilder, plan_for, prompt_problem
from prodbench.score.scorers import Context, Item, ScoreResult, SettingsError

DEFAULT_PASS_THRESHOLD = 0.5

Outcome = ScoreResult | Awaitable[ScoreResult]


@dataclass
class _Job:
    """One run row to score: its prompt, and each planned scorer's outcome (or the run error)."""

    prompt: LoadedPrompt
    model: str
    run_error: str | None = None
    planned: list[PlannedScorer] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def score_results(
    records: list[LoadedPrompt],
    results: Iterable[dict[str, Any]],
    params: dict[str, Any],
    *,
    cache_dir: str | Path | None = None,
    rubric_dirs: Iterable[str | Path] = (),
) -> list[ScoreRow]:
    """Score every run result row with its prompt's scoring plan.

    Args:
        records: Prompt records (golden + current rotating), as loaded by ``load_prompts``.
        results: Run result rows of one or more models (``results/run/<model>.jsonl``).
            Rows whose id is not among ``records`` are ignored (stale prompts).
        params: Loaded params.yaml.
        cache_dir: Cache directory for model-based scorers (``cache/judge``), or None.
        rubric_dirs: Extra directories holding judge rubrics (the project's ``rubrics/``).

    Returns:
        Score rows sorted by (model, id), as in docs/ARCHITECTURE.md.

    Raises:
        UserError: Unknown scorers, bad scorer settings or a task type without a plan, each
            located in params.yaml or the prompt file.
    """
    results = list(results)
    context = Context(params=params, cache_dir=cache_dir, shared={"rubric_dirs": [str(d) for d in rubric_dirs]})
    responses: dict[Any, dict[Any, Any]] = {}
    for row in results:
        responses.setdefault(row.get("model"), {})[row.get("id")] = row.get("response")
    context.shared["responses"] = responses
    threshold = float((params.get("score") or {}).get("pass_threshold", DEFAULT_PASS_THRESHOLD))
    builder = ScorerBuilder(context)
    plans = _build_plans(records, params, builder)
    builder.raise_problems()
    by_id = {r.id: r for r in records}
    _check_judge(params, plans, [row for row in results if not row.get("error") and row.get("id") in by_id])

    jobs: list[_Job] = []
    for run_row in results:
        rid = run_row.get("id")
        prompt = by_id.get(rid) if isinstance(rid, str) else None
        if prompt is None:
            continue
        jobs.append(_start_job(prompt, run_row, plans[prompt.id], builder))
    builder.raise_problems()
    _await_outcomes(jobs)
    rows = [_score_row(job, threshold) for job in jobs]
    rows.sort(key=lambda r: (r["model"], r["id"]))
    return rows


def _build_plans(records: list[LoadedPrompt], params: dict[str, Any],
                 builder: ScorerBuilder) -> dict[str, list[PlannedScorer]]:
    """Every prompt's plan, with each scorer built once; a task type without scorers is a problem."""
    plans: dict[str, list[PlannedScorer]] = {}
    for record in records:
        plans[record.id] = plan_for(record, params, builder)
        if not plans[record.id]:
            builder.problems.append(Problem(
                record.file, record.line, "task_type",
                f"prompt {record.id}: no scorers for task type {record.task_type!r}; add it to score.plan "
                "(or score.reference_free for prompts without reference), or give the prompt `checks`"))
        for planned in plans[record.id]:
            builder.build(planned)
    return plans


def _check_judge(params: dict[str, Any], plans: dict[str, list[PlannedScorer]],
                 to_score: list[dict[str, Any]]) -> None:
    """The judge is chosen explicitly and usable before any verdict is asked (no silent fallback).

    Raises:
        UserError: No judge chosen, an embedded judge for API models, an unknown pairwise
            baseline, or the judge fails its provider checks (only when a judged row is due).
    """
    judged = {rid: [p for p in plan if p.name in JUDGE_SCORERS] for rid, plan in plans.items()}
    problems = check_judge(params, [p for planned in judged.values() for p in planned])
    if problems:
        raise UserError(f"{len(problems)} problem(s) with the judge", problems)
    if any(judged.get(str(row.get("id"))) for row in to_score):
        preflight_judge(params)


def _start_job(prompt: LoadedPrompt, run_row: dict[str, Any], plan: list[PlannedScorer],
               builder: ScorerBuilder) -> _Job:
    """Call every planned scorer on ``run_row`` (model-based ones return awaitables)."""
    model = str(run_row.get("model"))
    error = run_row.get("error")
    if error:
        kind = f"run error: {error.get('type', 'Error')}" if isinstance(error, dict) else "run error"
        return _Job(prompt, model, run_error=kind)
    item = Item(record=prompt.record, response=str(run_row.get("response") or ""), run_row=run_row, model=model)
    job = _Job(prompt, model, planned=plan)
    for planned in plan:
        scorer = builder.build(planned)
        if scorer is None:  # already reported by builder.build
            job.outcomes.append(ScoreResult.failed("scorer could not be built"))
            continue
        try:
            job.outcomes.append(scorer(item))
        except SettingsError as exc:  # this prompt lacks what the scorer needs: name the prompt
            builder.problems.append(prompt_problem(prompt, planned, str(exc)))
            job.outcomes.append(ScoreResult.failed(str(exc)))
    return job


def _await_outcomes(jobs: list[_Job]) -> None:
    """Resolve every awaitable outcome concurrently; a crashed scorer becomes a failed result.

    Raises:
        UserError: A scorer raised one (e.g. a judge without its API key).
    """
    pending = [(job, index, outcome) for job in jobs for index, outcome in enumerate(job.outcomes)
               if inspect.isawaitable(outcome)]
    if not pending:
        return

    async def gather() -> list[Any]:
        return await asyncio.gather(*(awaitable for _, _, awaitable in pending), return_exceptions=True)

    for (job, index, _), outcome in zip(pending, asyncio.run(gather()), strict=True):
        if isinstance(outcome, UserError):
            raise outcome
        if isinstance(outcome, BaseException):
            outcome = ScoreResult.failed(f"scorer crashed: {type(outcome).__name__}: {outcome}"[:200])
        job.outcomes[index] = outcome


def _entry(planned: PlannedScorer, outcome: ScoreResult) -> ScorerEntry:
    entry: ScorerEntry = {"name": planned.name, "weight": planned.weight, "score": outcome.score,
                          "passed": outcome.passed, "rationale": outcome.rationale, "error": outcome.error}
    if outcome.details:
        entry["details"] = outcome.details
    return entry


def _score_row(job: _Job, threshold: float) -> ScoreRow:
    """The job's score row: run error, every scorer failed, or the weighted mean of the scores."""
    if job.run_error is not None:
        return build_score_row(job.prompt, job.model, [], score=None, passed=None, error=job.run_error,
                               error_kind="run")
    results = [o for o in job.outcomes if isinstance(o, ScoreResult)]
    entries = [_entry(planned, outcome) for planned, outcome in zip(job.planned, results, strict=True)]
    if not entries:
        return build_score_row(job.prompt, job.model, entries, score=None, passed=None,
                               error="no scorers planned for this prompt", error_kind="score")
    scored = [(planned.weight, outcome.score) for planned, outcome in zip(job.planned, results, strict=True)
              if outcome.score is not None]
    if not scored:
        error = "every scorer failed: " + "; ".join(str(e["error"]) for e in entries)[:300]
        return build_score_row(job.prompt, job.model, entries, score=None, passed=None, error=error,
                               error_kind="score")
    total = sum(weight for weight, _ in scored)
    if total <= 0:
        value = sum(score for _, score in scored) / len(scored)
    else:
        value = sum(weight * score for weight, score in scored) / total
    value = round(value, 6)
    return build_score_row(job.prompt, job.model, entries, score=value, passed=value >= threshold)
