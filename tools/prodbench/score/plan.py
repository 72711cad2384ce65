"""The scoring plan: which scorers apply to a prompt, and building them once.

* :func:`plan_for` - the scorers (name, weight, settings) for one prompt: the task type's
  plan from ``score.plan`` merged with the record's ``checks`` (``false`` disables a
  scorer, an object adds it or overrides its settings; ``weight`` may be set there too).
* :class:`ScorerBuilder` - builds (and memoises) the scorer callables of a plan, collecting
  every bad setting as a located :class:`~prodbench.core.errors.Problem`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.records import LoadedPrompt
from prodbench.score.scorers import Context, ScorerFn, SettingsError, get_scorer

RESERVED_KEYS = ("scorer", "weight")

Origin = tuple[str, int, str]


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
    origin: Origin = ("params.yaml", 0, "score.plan")


def _valid_weight(weight: Any) -> bool:
    return not isinstance(weight, bool) and isinstance(weight, (int, float)) and weight >= 0


def plan_for(prompt: LoadedPrompt, params: dict[str, Any]) -> list[PlannedScorer]:
    """The scorers for ``prompt``: its task type's plan, merged with its ``checks``.

    Args:
        prompt: The prompt, as loaded by :func:`prodbench.core.prompts.load_prompts`.
        params: Loaded params.yaml (``score.plan``).

    Returns:
        The planned scorers, plan entries first (in plan order), then scorers the checks add.

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
    for name, check in (record.get("checks") or {}).items():
        origin: Origin = (prompt.file, prompt.line, f"checks.{name}")
        if check is False:
            planned.pop(name, None)
            continue
        overrides = dict(check) if isinstance(check, dict) else {}
        weight = overrides.pop("weight", None)
        if weight is not None and not _valid_weight(weight):
            raise UserError("", [Problem(prompt.file, prompt.line, f"checks.{name}.weight",
                                         "weight must be a number >= 0")])
        current = planned.get(name)
        if current is not None:
            planned[name] = PlannedScorer(name, float(weight) if weight is not None else current.weight,
                                          {**current.settings, **overrides}, origin)
        else:
            planned[name] = PlannedScorer(name, float(weight) if weight is not None else 1.0, overrides, origin)
    return list(planned.values())


class ScorerBuilder:
    """Builds (and memoises) scorer callables, collecting located problems.

    Attributes:
        context: What every scorer factory receives (params, cache directory, shared data).
        problems: Bad settings found so far, each located where the settings came from.
    """

    def __init__(self, context: Context) -> None:
        self.context = context
        self._cache: dict[str, ScorerFn | None] = {}
        self.problems: list[Problem] = []

    def build(self, planned: PlannedScorer) -> ScorerFn | None:
        """The scorer for ``planned`` (built once per name and settings), or None if it cannot be built."""
        key = planned.name + json.dumps(planned.settings, sort_keys=True, default=str)
        if key not in self._cache:
            try:
                self._cache[key] = get_scorer(planned.name)(planned.settings, self.context)
            except (SettingsError, UserError) as exc:
                self.problems.append(Problem(*planned.origin, str(exc)))
                self._cache[key] = None
        return self._cache[key]

    def raise_problems(self) -> None:
        """Raise every problem found so far at once (duplicates dropped), if any.

        Raises:
            UserError: At least one problem was found.
        """
        if self.problems:
            unique = list(dict.fromkeys(self.problems))
            raise UserError(f"{len(self.problems)} problem(s) in the scoring plan", unique)
