"""Can the scoring plan score this prompt? Checked before any model runs.

:func:`unscorable` builds each prompt's plan (:func:`prodbench.score.plan.plan_for`: the task
type's plan, its checks, or the reference-free plan) and calls every planned scorer once on
a stand-in answer, without any model call (an LLM judge's coroutine is created and closed,
never awaited). A scorer that cannot work for the prompt (``contains_any`` with no reference
and no terms, a task type with no plan, a bad check) is a problem at the prompt's
``file:line``, the same one ``prodbench score`` would stop on later.

Used by ``prodbench validate`` (the project rule :func:`rule_scorable`, registered when this
module is imported; see ``prodbench.validate.rules.RULE_MODULES``) and ``prodbench rotate``
(pool items that cannot be scored are not sampled).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError
from prodbench.core.records import LoadedPrompt
from prodbench.score.plan import ScorerBuilder, plan_for, prompt_problem
from prodbench.score.scorers import Context


class ScorableCheck:
    """Checks prompts against one project's scoring plan (scorers built once per settings).

    Args:
        params: Loaded params.yaml.
        rubric_dirs: The project's rubric directories (``rubrics/``).
    """

    def __init__(self, params: dict[str, Any], rubric_dirs: Iterable[str | Path] = ()) -> None:
        self.params = params
        context = Context(params=params, cache_dir=None,
                          shared={"rubric_dirs": [str(d) for d in rubric_dirs], "responses": {}})
        self.builder = ScorerBuilder(context)

    def problems(self, prompt: LoadedPrompt) -> list[Problem]:
        """Why the plan cannot score ``prompt`` (empty when it can)."""
        if not isinstance(prompt.record.get("task_type"), str) or not isinstance(prompt.record.get("messages"), list):
            return []  # the schema check reports it
        try:
            plan = plan_for(prompt, self.params, self.builder)
        except UserError as exc:
            return list(exc.problems)
        if not plan:
            return [Problem(prompt.file, prompt.line, "task_type",
                            f"prompt {prompt.id}: no scorers for task type {prompt.task_type!r}; add it to "
                            "score.plan (or score.reference_free), or give the prompt `checks`")]
        out: list[Problem] = []
        for planned in plan:  # a bad check of this prompt is located at the prompt
            if self.builder.build(planned) is None and planned.origin[0] == prompt.file:
                out += [p for p in self.builder.problems if p.file == prompt.file and p.line == prompt.line]
        out += [prompt_problem(prompt, planned, message) for planned, message in self.builder.cannot_score(prompt, plan)]
        return out

    def plan_problems(self) -> list[Problem]:
        """Bad plan entries (unknown scorer, bad settings) found so far, located in params.yaml, once each."""
        return list(dict.fromkeys(p for p in self.builder.problems if p.file == "params.yaml"))


def unscorable(prompts: Iterable[LoadedPrompt], params: dict[str, Any],
               rubric_dirs: Iterable[str | Path] = ()) -> list[Problem]:
    """Every reason the plan cannot score one of ``prompts`` (prompt problems first, then plan problems)."""
    check = ScorableCheck(params, rubric_dirs)
    out = [problem for prompt in prompts for problem in check.problems(prompt)]
    return list(dict.fromkeys(out)) + check.plan_problems()


def _records(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    """``(line, record)`` of the JSON-object lines of a prompt file (bad lines are validate's to report)."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = orjson.loads(line) if line.strip() else None
            except orjson.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield number, record


def rule_scorable(run: Any) -> list[Problem]:
    """Validate project rule: every validated prompt can be scored by the plan (golden, rotating, pool)."""
    prompts = []
    for path, set_name in run.files:
        label = run.project.rel(path)
        prompts += [LoadedPrompt(record, set_name, label, line)  # type: ignore[arg-type]
                    for line, record in _records(path)]
    return unscorable(prompts, run.params, [run.project.root / "rubrics"])


def _register() -> None:
    from prodbench.validate.rules import register_project_rule

    register_project_rule(rule_scorable)


_register()
