"""The score stage's core: apply the scoring plan to run results and summarise them.

* :func:`plan_for` - the scorers (name, weight, settings) for one prompt: the task type's
  plan from ``score.plan`` merged with the record's ``checks`` (``false`` disables a
  scorer, an object adds it or overrides its settings; ``weight`` may be set there too).
* :func:`score_results` - per (model, prompt) score rows (``results/scores.jsonl``).
* :func:`summarize` - the metrics document (``metrics/scores.json``).

Row and document layouts are specified in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.core import stats
from prodbench.core.errors import Problem, UserError
from prodbench.core.prompts import content_hash
from prodbench.core.records import LoadedPrompt
from prodbench.score.scorers import Context, Item, ScoreResult, SettingsError, get_scorer

RESERVED_KEYS = ("scorer", "weight")
DEFAULT_PASS_THRESHOLD = 0.5
STAT_DIGITS = 4
JUDGE_SCORERS = ("judge", "judge_pairwise")


@dataclass
class PlannedScorer:
    """One scorer applied to one prompt.

    Attributes:
        name: Registered scorer name.
        weight: Relative weight (normalised over the scorers that produced a score).
        settings: Settings passed to the scorer factory.
        origin: Where the settings came from, as a :class:`Problem` location (file, line, field).
    """

    name: str
    weight: float
    settings: dict[str, Any] = field(default_factory=dict)
    origin: tuple[str, int, str] = ("params.yaml", 0, "score.plan")


def plan_for(prompt: LoadedPrompt, params: dict[str, Any]) -> list[PlannedScorer]:
    """The scorers for ``prompt``: its task type's plan, merged with its ``checks``.

    Raises:
        UserError: A check has a bad value (e.g. a negative weight).
    """
    record = prompt.record
    task_type = record.get("task_type")
    plan = ((params.get("score") or {}).get("plan") or {}).get(task_type) or []
    planned: dict[str, PlannedScorer] = {}
    for index, entry in enumerate(plan):
        name = entry["scorer"]
        settings = {k: v for k, v in entry.items() if k not in RESERVED_KEYS}
        planned[name] = PlannedScorer(name, float(entry.get("weight", 1.0)), settings,
                                      ("params.yaml", 0, f"score.plan.{task_type}[{index}]"))
    where = (prompt.file, prompt.line)
    for name, check in (record.get("checks") or {}).items():
        origin = (*where, f"checks.{name}")
        if check is False:
            planned.pop(name, None)
            continue
        overrides = dict(check) if isinstance(check, dict) else {}
        weight = overrides.pop("weight", None)
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0):
            raise UserError("", [Problem(*where, f"checks.{name}.weight", "weight must be a number >= 0")])
        if name in planned:
            current = planned[name]
            planned[name] = PlannedScorer(name, float(weight) if weight is not None else current.weight,
                                          {**current.settings, **overrides}, origin)
        else:
            planned[name] = PlannedScorer(name, float(weight) if weight is not None else 1.0, overrides, origin)
    return list(planned.values())


def _settings_key(name: str, settings: dict[str, Any]) -> str:
    return name + json.dumps(settings, sort_keys=True, default=str)


class _Builder:
    """Builds (and memoises) scorer callables, collecting located problems."""

    def __init__(self, context: Context):
        self.context = context
        self.cache: dict[str, Any] = {}
        self.problems: list[Problem] = []

    def build(self, planned: PlannedScorer) -> Any:
        key = _settings_key(planned.name, planned.settings)
        if key not in self.cache:
            try:
                self.cache[key] = get_scorer(planned.name)(planned.settings, self.context)
            except (SettingsError, UserError) as exc:
                self.problems.append(Problem(*planned.origin, str(exc)))
                self.cache[key] = None
        return self.cache[key]


def _row_base(model: str, prompt: LoadedPrompt) -> dict[str, Any]:
    return {
        "model": model,
        "id": prompt.id,
        "set": prompt.set,
        "task_type": prompt.task_type,
        "difficulty": prompt.difficulty,
        "prompt_hash": content_hash(prompt.record),
    }


def _combine(entries: list[dict[str, Any]], threshold: float) -> tuple[float | None, bool | None, str | None]:
    scored = [e for e in entries if e["score"] is not None]
    if not entries:
        return None, None, "no scorers planned for this prompt"
    if not scored:
        return None, None, "every scorer failed: " + "; ".join(str(e["error"]) for e in entries)[:300]
    total = sum(e["weight"] for e in scored)
    if total <= 0:
        value = sum(e["score"] for e in scored) / len(scored)
    else:
        value = sum(e["weight"] * e["score"] for e in scored) / total
    value = round(value, 6)
    return value, value >= threshold, None


def score_results(
    records: list[LoadedPrompt],
    results: Iterable[dict[str, Any]],
    params: dict[str, Any],
    *,
    cache_dir: str | Path | None = None,
    rubric_dirs: Iterable[str | Path] = (),
) -> list[dict[str, Any]]:
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
    by_id = {r.id: r for r in records}
    context = Context(params=params, cache_dir=cache_dir, shared={"rubric_dirs": [str(d) for d in rubric_dirs]})
    context.shared["responses"] = {}
    for row in results:
        context.shared["responses"].setdefault(row.get("model"), {})[row.get("id")] = row.get("response")
    threshold = float((params.get("score") or {}).get("pass_threshold", DEFAULT_PASS_THRESHOLD))
    builder = _Builder(context)
    plans: dict[str, list[PlannedScorer]] = {}
    missing_plan: dict[str, LoadedPrompt] = {}
    for record in records:
        plans[record.id] = plan_for(record, params)
        if not plans[record.id]:
            missing_plan.setdefault(str(record.task_type), record)
        for planned in plans[record.id]:
            builder.build(planned)
    for task_type, example in sorted(missing_plan.items(), key=lambda kv: str(kv[0])):
        builder.problems.append(Problem(
            "params.yaml", 0, f"score.plan.{task_type}",
            f"no scorers for task type {task_type!r} (e.g. {example.location}"
            f" {example.id}); add it to score.plan or give the prompt `checks`"))
    if builder.problems:
        raise UserError(f"{len(builder.problems)} problem(s) in the scoring plan", _unique(builder.problems))

    rows: list[dict[str, Any]] = []
    pending: list[tuple[dict[str, Any], int, Any]] = []
    for run_row in results:
        record = by_id.get(run_row.get("id"))
        if record is None:
            continue
        row = _row_base(str(run_row.get("model")), record)
        rows.append(row)
        if run_row.get("error"):
            error = run_row["error"]
            row.update(score=None, passed=None, scorers=[],
                       error=f"run error: {error.get('type', 'Error')}" if isinstance(error, dict) else "run error")
            continue
        item = Item(record=record.record, response=str(run_row.get("response") or ""), run_row=run_row,
                    model=str(run_row.get("model")))
        row["scorers"] = []
        for planned in plans[record.id]:
            entry = {"name": planned.name, "weight": planned.weight}
            row["scorers"].append(entry)
            try:
                outcome = builder.build(planned)(item)
            except SettingsError as exc:
                builder.problems.append(Problem(*planned.origin, f"{exc} (prompt {record.id})"))
                outcome = ScoreResult.failed(str(exc))
            if inspect.isawaitable(outcome):
                pending.append((entry, len(rows) - 1, outcome))
            else:
                _fill(entry, outcome)
    if builder.problems:
        raise UserError(f"{len(builder.problems)} problem(s) in the scoring plan", _unique(builder.problems))
    if pending:
        _run_async(pending)
    for row in rows:
        if "score" not in row:
            row["score"], row["passed"], row["error"] = _combine(row["scorers"], threshold)
    rows.sort(key=lambda r: (r["model"], r["id"]))
    return rows


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _fill(entry: dict[str, Any], outcome: ScoreResult) -> None:
    entry.update(score=outcome.score, passed=outcome.passed, rationale=outcome.rationale, error=outcome.error)
    if outcome.details:
        entry["details"] = outcome.details


def _run_async(pending: list[tuple[dict[str, Any], int, Any]]) -> None:
    async def gather() -> list[Any]:
        return await asyncio.gather(*(coroutine for _, _, coroutine in pending), return_exceptions=True)

    outcomes = asyncio.run(gather())
    for (entry, _, _), outcome in zip(pending, outcomes, strict=True):
        if isinstance(outcome, UserError):
            raise outcome
        if isinstance(outcome, BaseException):
            outcome = ScoreResult.failed(f"scorer crashed: {type(outcome).__name__}: {outcome}"[:200])
        _fill(entry, outcome)


# ---------------------------------------------------------------- summary


def _stat(rows: list[dict[str, Any]], boot: dict[str, Any]) -> dict[str, Any]:
    scores = [r["score"] for r in rows if r.get("score") is not None]
    interval = stats.bootstrap_ci(scores, confidence=float(boot.get("confidence", 0.95)),
                                  resamples=int(boot.get("resamples", 2000)), seed=int(boot.get("seed", 0)))

    def rnd(value: float | None) -> float | None:
        return None if value is None else round(value, STAT_DIGITS)

    passed = sum(1 for r in rows if r.get("score") is not None and r.get("passed"))
    return {"mean": rnd(interval.mean), "ci_low": rnd(interval.ci_low), "ci_high": rnd(interval.ci_high),
            "n": interval.n, "pass_rate": rnd(passed / interval.n) if interval.n else None}


def _group(rows: list[dict[str, Any]], key: str, order: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row.get(key)), []).append(row)
    ordered = [k for k in order if k in groups] + sorted(k for k in groups if k not in set(order))
    return {k: groups[k] for k in ordered}


def summarize(score_rows: list[dict[str, Any]], run_rows: list[dict[str, Any]], params: dict[str, Any]) -> dict:
    """Build the metrics document (``metrics/scores.json``) from score and run rows.

    Per model: ``overall``, ``golden``, ``rotating`` (None without a rotating slice),
    ``by_task_type`` and ``by_difficulty`` (each a STAT: mean, 95% bootstrap CI, n,
    pass rate), token totals, cost (None when no provider reports it), latency
    percentiles over rows without a run error (a cache hit keeps the latency measured
    when the response was generated, so re-runs report the same figures), run error
    counts and scoring error counts.
    """
    boot = (params.get("score") or {}).get("bootstrap") or {}
    difficulties = list((params.get("taxonomy") or {}).get("difficulties") or [])
    task_types = list(((params.get("taxonomy") or {}).get("task_types") or {}).keys())
    models: dict[str, Any] = {}
    names = sorted({r["model"] for r in score_rows} | {str(r.get("model")) for r in run_rows})
    for name in names:
        mine = [r for r in score_rows if r["model"] == name]
        runs = [r for r in run_rows if str(r.get("model")) == name]
        by_set = _group(mine, "set")
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        for run in runs:
            for key in usage:
                usage[key] += int(((run.get("usage") or {}).get(key)) or 0)
        costs = [r.get("cost_usd") for r in runs if r.get("cost_usd") is not None]
        latencies = [r.get("latency_s") for r in runs if not r.get("error")]
        models[name] = {
            "overall": _stat(mine, boot),
            "golden": _stat(by_set.get("golden", []), boot),
            "rotating": _stat(by_set["rotating"], boot) if "rotating" in by_set else None,
            "by_task_type": {k: _stat(v, boot) for k, v in _group(mine, "task_type", task_types).items()},
            "by_difficulty": {k: _stat(v, boot) for k, v in _group(mine, "difficulty", difficulties).items()},
            "tokens": usage,
            "cost_usd": round(sum(costs), 6) if costs else None,
            "latency_s": stats.percentiles(latencies),
            "errors": sum(1 for r in runs if r.get("error")),
            "score_errors": sum(1 for r in mine if r.get("score") is None and not str(r.get("error", "")).startswith("run error")),
            "n_rows": len(mine),
        }
        judged = judge_summary(mine)
        if judged is not None:
            models[name]["judge"] = judged
    return {"models": models}


def judge_summary(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Judge reliability for one model: judged items, judge errors and mean k-sample agreement.

    Returns None when no judge scorer ran for these rows.
    """
    entries = [s for r in rows for s in r.get("scorers") or [] if s.get("name") in JUDGE_SCORERS]
    if not entries:
        return None
    agreements = [s["details"]["agreement"] for s in entries if (s.get("details") or {}).get("agreement") is not None]
    return {
        "items": len(entries),
        "errors": sum(1 for s in entries if s.get("score") is None),
        "mean_agreement": round(sum(agreements) / len(agreements), STAT_DIGITS) if agreements else None,
    }
