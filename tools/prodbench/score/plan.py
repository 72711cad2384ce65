"""The scoring plan: which scorers apply to a prompt, and building them once.

* :func:`plan_for` - the scorers (name, weight, settings) for one prompt: the task type's
  plan from ``score.plan`` merged with the record's ``checks`` (``false`` disables a
  scorer, an object adds it or overrides its settings; ``weight`` may be set there too).
  A prompt with neither ``reference`` nor ``checks`` (a freshly ingested one) that its task
  type's plan cannot score is scored by the reference-free plan
  ``score.reference_free.<task type>`` (or its ``default``) when params.yaml has one: an LLM
  judge with a rubric and k samples, or pairwise against a baseline model.
* :class:`ScorerBuilder` - builds (and memoises) the scorer callables of a plan, collecting
  every bad setting as a located :class:`~prodbench.core.errors.Problem`.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.records import LoadedPrompt
from prodbench.score.scorers import Context, Item, ScorerFn, SettingsError, get_scorer

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


def is_reference_free(record: Any) -> bool:
    """True for a record with neither ``reference`` nor ``checks`` (nothing to score against)."""
    return not record.get("reference") and not record.get("checks")


def _entries(entries: list[dict[str, Any]], where: str) -> dict[str, PlannedScorer]:
    planned: dict[str, PlannedScorer] = {}
    for index, entry in enumerate(entries):
        name = entry["scorer"]
        settings = {k: v for k, v in entry.items() if k not in RESERVED_KEYS}
        planned[name] = PlannedScorer(name, float(entry.get("weight", 1.0)), settings,
                                      ("params.yaml", 0, f"{where}[{index}]"))
    return planned


def reference_free_plan(record: Any, params: dict[str, Any]) -> list[PlannedScorer]:
    """``score.reference_free.<task type>`` (else its ``default``) as planned scorers; empty when neither exists."""
    free = ((params.get("score") or {}).get("reference_free")) or {}
    task_type = record.get("task_type")
    for key in (task_type, "default"):
        if isinstance(key, str) and free.get(key):
            return list(_entries(list(free[key]), f"score.reference_free.{key}").values())
    return []


def plan_for(prompt: LoadedPrompt, params: dict[str, Any], builder: ScorerBuilder | None = None) -> list[PlannedScorer]:
    """The scorers for ``prompt``: its task type's plan, merged with its ``checks``.

    A record with neither ``reference`` nor ``checks`` whose task type plan cannot score it
    (a scorer needs a reference: tried on an empty response, no model called) takes the
    reference-free plan instead (:func:`reference_free_plan`), when params.yaml has one.

    Args:
        prompt: The prompt, as loaded by :func:`prodbench.core.prompts.load_prompts`.
        params: Loaded params.yaml (``score.plan``, ``score.reference_free``).
        builder: Builds the scorers for that trial (one is made when None; pass the stage's own).

    Returns:
        The planned scorers, plan entries first (in plan order), then scorers the checks add.

    Raises:
        UserError: A check has a bad value (e.g. a negative weight).
    """
    record = prompt.record
    task_type = record.get("task_type")
    planned = _entries(list(((params.get("score") or {}).get("plan") or {}).get(task_type) or []),
                       f"score.plan.{task_type}")
    if is_reference_free(record):
        free = reference_free_plan(record, params)
        if free:
            builder = builder or ScorerBuilder(Context(params=params))
            if not planned or builder.cannot_score(prompt, list(planned.values())):
                return free
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


def prompt_problem(prompt: LoadedPrompt, planned: PlannedScorer, message: str) -> Problem:
    """A scorer that cannot score ``prompt``, located at the prompt (file:line, id), naming the plan entry."""
    source = planned.origin[2] if planned.origin[0] == "params.yaml" else "its checks"
    return Problem(prompt.file, prompt.line, f"checks.{planned.name}",
                   f"prompt {prompt.id}: {message} (scorer from {source}); give the prompt a `reference` or "
                   f"`checks`, or score its task type with score.reference_free")


class ScorerBuilder:
    """Builds (and memoises) scorer callables, collecting located problems.

    Attributes:
        context: What every scorer factory receives (params, cache directory, shared data).
        problems: Bad settings found so far, each located where the settings came from.
    """

    def __init__(self, context: Context) -> None:
        self.context = context
        self._cache: dict[str, ScorerFn | None] = {}
        self._trials: dict[str, str | None] = {}  # scorer key -> why it cannot score a prompt without reference
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

    def cannot_score(self, prompt: LoadedPrompt, plan: list[PlannedScorer]) -> list[tuple[PlannedScorer, str]]:
        """The planned scorers that cannot score ``prompt`` and why, tried on a stand-in response.

        Only a prompt without ``reference`` is tried (a missing reference is what a plan
        can lack for a prompt; settings errors surface when the scorer is built), and each
        scorer and settings once: whether it needs a reference does not depend on the text.
        No model is called: a model-based scorer's coroutine is created and closed. A scorer
        that cannot be built is a plan problem (in :attr:`problems`), not listed here.
        """
        if prompt.record.get("reference"):
            return []
        # not empty: an empty response scores 0 before a scorer looks at its settings
        item = Item(record=prompt.record, response="A stand-in answer.", run_row={}, model="")
        out = []
        for planned in plan:
            scorer = self.build(planned)
            if scorer is None:
                continue
            key = planned.name + json.dumps(planned.settings, sort_keys=True, default=str)
            if key not in self._trials:
                self._trials[key] = None
                try:
                    outcome = scorer(item)
                except SettingsError as exc:
                    self._trials[key] = str(exc)
                else:
                    if inspect.iscoroutine(outcome):
                        outcome.close()
            if self._trials[key] is not None:
                out.append((planned, str(self._trials[key])))
        return out

    def raise_problems(self) -> None:
        """Raise every problem found so far at once (duplicates dropped), if any.

        Raises:
            UserError: At least one problem was found.
        """
        if self.problems:
            unique = list(dict.fromkeys(self.problems))
            raise UserError(f"{len(self.problems)} problem(s) in the scoring plan", unique)
