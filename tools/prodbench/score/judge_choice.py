"""Which LLM judge scores: chosen explicitly in params.yaml, checked before the first verdict.

* :func:`check_judge` - when the scoring plan (task type plans, the reference-free plan or a
  prompt's checks) uses ``judge`` or ``judge_pairwise``, ``score.judge.model`` must be set:
  there is no implicit judge. The embedded 135M model as judge of models that all run on an
  API is refused unless ``score.judge.allow_embedded: true`` says it is meant (it is a weak
  judge, and loading it costs most of a cold score run). A pairwise baseline must be a model
  of params.yaml ``models``.
* :func:`preflight_judge` - the judge's provider checks (unknown model, missing API key, the
  embedded model not installed) once, before any prompt is scored: a clear error instead of
  one failed verdict per row.
* :func:`judge_label` - the judge as the metrics and the terminal name it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prodbench.core.errors import Problem, UserError
from prodbench.llm.config import is_embedded_model
from prodbench.score.plan import PlannedScorer

JUDGE_SCORERS = ("judge", "judge_pairwise")


def judge_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The ``score.judge`` section (empty if absent)."""
    return dict(((params.get("score") or {}).get("judge")) or {})


def judge_label(params: Mapping[str, Any]) -> str | None:
    """The judge model string from params.yaml, or None when none is chosen."""
    model = judge_params(params).get("model")
    return str(model) if model else None


def _where(planned: Iterable[PlannedScorer]) -> str:
    fields = sorted({p.origin[2] if p.origin[0] == "params.yaml" else f"checks of {p.origin[0]}" for p in planned})
    return ", ".join(fields[:3]) + (f" and {len(fields) - 3} more" if len(fields) > 3 else "")


def check_judge(params: Mapping[str, Any], planned: list[PlannedScorer]) -> list[Problem]:
    """Problems with the judge that ``planned`` (the judge scorers of the plan) needs.

    Args:
        params: Loaded params.yaml.
        planned: Every planned ``judge`` / ``judge_pairwise`` scorer (empty: nothing to check).
    """
    if not planned:
        return []
    problems: list[Problem] = []
    judge = judge_params(params)
    model = judge.get("model")
    models = params.get("models") or {}
    if not model:
        problems.append(Problem(
            "params.yaml", 0, "score.judge.model",
            f"the scoring plan uses an LLM judge ({_where(planned)}) but no judge is chosen: set "
            "score.judge.model to a litellm model string (e.g. openai/gpt-4o-mini, or one of your models' "
            "`model`), or local/smollm2-135m for the embedded offline model"))
    elif is_embedded_model(str(model)) and not judge.get("allow_embedded"):
        tested = [str((cfg or {}).get("model", "")) for cfg in models.values() if isinstance(cfg, Mapping)]
        if tested and not any(is_embedded_model(m) for m in tested):
            problems.append(Problem(
                "params.yaml", 0, "score.judge.model",
                f"the judge is the embedded model {model!r} while every model under test runs on an API: a "
                "135M model is a weak judge and loading it dominates a cold score run; choose the judge "
                "explicitly (e.g. one of your API models) or set score.judge.allow_embedded: true"))
    for scorer in planned:
        baseline = scorer.settings.get("baseline")
        if scorer.name == "judge_pairwise" and models and isinstance(baseline, str) and baseline not in models:
            problems.append(Problem(*scorer.origin[:2], f"{scorer.origin[2]}.baseline",
                                    f"baseline {baseline!r} is not a model of params.yaml models "
                                    f"({', '.join(sorted(models)) or 'none'})"))
    return list(dict.fromkeys(problems))


def preflight_judge(params: Mapping[str, Any]) -> None:
    """Check the judge's provider once (imports litellm): unknown model, missing key, embedded model missing.

    Raises:
        UserError: The judge cannot be used, located at ``score.judge``.
    """
    from prodbench.score.scorers.judge import DEFAULT_JUDGE, judge_model

    config = judge_model({**DEFAULT_JUDGE, **judge_params(params)})
    try:
        config.preflight()
    except UserError as exc:
        raise UserError(f"the judge (score.judge) cannot be used: {exc.message}".rstrip(": "),
                        exc.problems) from None
