"""The metrics document (``metrics/scores.json``) summarising score and run rows.

* :func:`summarize` - per model: overall, golden and rotating statistics, by task type and
  by difficulty, tokens, cost, latency percentiles and error counts.
* :func:`judge_summary` - judge reliability (judged items, errors, mean agreement).

Every statistic is a :class:`~prodbench.core.records.Stat` built by
:func:`~prodbench.core.records.build_stat`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from prodbench.core import stats
from prodbench.core.records import STAT_DIGITS, Stat, build_stat

JUDGE_SCORERS = ("judge", "judge_pairwise")

Row = Mapping[str, Any]


class JudgeSummary(TypedDict):
    """Judge reliability for one model (``judge`` in a model's metrics): which judge, how often, how reliably."""

    model: str | None
    items: int
    errors: int
    mean_agreement: float | None


def _stat(rows: Sequence[Row], boot: Mapping[str, Any]) -> Stat:
    """Mean score with its bootstrap interval, count and pass rate of ``rows`` (unscored rows left out)."""
    scores = [float(r["score"]) for r in rows if r.get("score") is not None]
    interval = stats.bootstrap_ci(scores, confidence=float(boot.get("confidence", 0.95)),
                                  resamples=int(boot.get("resamples", 2000)), seed=int(boot.get("seed", 0)))
    passed = sum(1 for r in rows if r.get("score") is not None and r.get("passed"))
    return build_stat(interval.mean, interval.ci_low, interval.ci_high, interval.n, passed)


def _group(rows: Sequence[Row], key: str, order: Iterable[str] = ()) -> dict[str, list[Row]]:
    """``rows`` grouped by ``str(row[key])``: groups named in ``order`` first, then the rest sorted."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row.get(key)), []).append(row)
    order = list(order)
    ordered = [k for k in order if k in groups] + sorted(k for k in groups if k not in set(order))
    return {k: groups[k] for k in ordered}


def _is_score_error(row: Row) -> bool:
    """True for a row the scorers could not score although its run succeeded (``error_kind`` ``score``)."""
    return row.get("score") is None and row.get("error_kind") == "score"


def summarize(score_rows: Sequence[Row], run_rows: Sequence[Row], params: Mapping[str, Any],
              benchmark: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the metrics document (``metrics/scores.json``) from score and run rows.

    Per model: ``overall``, ``golden``, ``rotating`` (None without a rotating slice),
    ``by_task_type`` and ``by_difficulty`` (each a :class:`~prodbench.core.records.Stat`: mean,
    95% bootstrap CI, n, pass rate), token totals, cost (None when no provider reports it),
    latency percentiles over rows without a run error (a cache hit keeps the latency measured
    when the response was generated, so re-runs report the same figures), run error counts and
    scoring error counts (rows whose ``error_kind`` is ``score``), plus ``judge`` when a judge
    scorer ran.

    Args:
        score_rows: Score rows (:func:`prodbench.score.stage.score_results`).
        run_rows: Run result rows of the same models (for tokens, cost, latency and run errors).
        params: Loaded params.yaml (``score.bootstrap``, taxonomy order, ``score.judge.model``).
        benchmark: What the scores were computed from
            (:func:`prodbench.score.provenance.benchmark_provenance`), kept as ``benchmark``.

    Returns:
        ``{"models": {name: summary}}`` with models in sorted name order, plus ``benchmark`` when given.
    """
    boot = (params.get("score") or {}).get("bootstrap") or {}
    difficulties = list((params.get("taxonomy") or {}).get("difficulties") or [])
    task_types = list(((params.get("taxonomy") or {}).get("task_types") or {}).keys())
    models: dict[str, Any] = {}
    names = sorted({str(r["model"]) for r in score_rows} | {str(r.get("model")) for r in run_rows})
    for name in names:
        mine = [r for r in score_rows if r["model"] == name]
        runs = [r for r in run_rows if str(r.get("model")) == name]
        by_set = _group(mine, "set")
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        for run in runs:
            for key in usage:
                usage[key] += int(((run.get("usage") or {}).get(key)) or 0)
        costs = [float(r["cost_usd"]) for r in runs if r.get("cost_usd") is not None]
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
            "score_errors": sum(1 for r in mine if _is_score_error(r)),
            "n_rows": len(mine),
        }
        judged = judge_summary(mine, ((params.get("score") or {}).get("judge") or {}).get("model"))
        if judged is not None:
            models[name]["judge"] = judged
    document: dict[str, Any] = {"models": models}
    if benchmark is not None:
        document["benchmark"] = dict(benchmark)
    return document


def judge_summary(rows: Sequence[Row], model: str | None = None) -> JudgeSummary | None:
    """Judge reliability for one model: the judge model, judged items, judge errors, mean k-sample agreement.

    Returns:
        The summary, or None when no judge scorer ran for these rows.
    """
    entries = [s for r in rows for s in r.get("scorers") or [] if s.get("name") in JUDGE_SCORERS]
    if not entries:
        return None
    agreements = [float(s["details"]["agreement"]) for s in entries
                  if (s.get("details") or {}).get("agreement") is not None]
    return {
        "model": model,
        "items": len(entries),
        "errors": sum(1 for s in entries if s.get("score") is None),
        "mean_agreement": round(sum(agreements) / len(agreements), STAT_DIGITS) if agreements else None,
    }
