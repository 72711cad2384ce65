"""How rules plug into ``prodbench validate``: the contexts they see and where they register.

Two kinds of rules exist:

* a record rule, :data:`RecordRule`: ``rule(record, ctx) -> iterable of (field, message)``,
  called for every schema-valid record with the :class:`FileContext` of its file (label,
  set, scope, params, project). It returns ``()`` when the record is fine. Messages must
  not echo personal data (name the entity type, not the value). A rule must be a pure
  function of the record and ``ctx``: it may run in a worker process (state kept between
  calls is not seen by the main process), and its verdict for a line is cached (see
  :class:`prodbench.validate.cache.RuleCache`) under a fingerprint of params.yaml and the
  rule's code.
* a project rule, :data:`ProjectRule`: ``rule(run) -> iterable of Problem``, called once
  after streaming with the :class:`RunContext` (e.g. the golden lock only makes sense when
  ``run.full_scan`` is true).

The built-in rules live in :mod:`prodbench.validate.builtin`. Other modules (the PII gate,
the golden lock) register extra ones with :func:`register_record_rule` and
:func:`register_project_rule` when they are imported; :func:`load_rule_modules` imports
:data:`RULE_MODULES` before a validation so that they can. A module that is not installed
is skipped silently; ``PRODBENCH_VALIDATE_RULE_MODULES`` overrides the list (empty:
built-in rules only).
"""

from __future__ import annotations

import difflib
import importlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.core.errors import Problem
from prodbench.core.project import Project


@dataclass(frozen=True)
class FileContext:
    """What a record rule knows about the file a record comes from.

    Attributes:
        file: Path label used in problems (relative to the project root).
        set_name: ``golden``, ``rotating``, ``pool`` or ``other``.
        scope: Id-uniqueness scope: ``golden``, ``rotating/<period>``, ``pool`` or ``other``.
        params: The loaded params.yaml.
        project: The project.
        skip_extra: True when the whole file passed the extra rules before (unchanged since).
        task_types: Task types of params.yaml's taxonomy (derived).
        difficulties: Difficulties of params.yaml's taxonomy (derived).
    """

    file: str
    set_name: str
    scope: str
    params: dict[str, Any]
    project: Project | None = None
    skip_extra: bool = False
    task_types: frozenset[str] = field(init=False)
    difficulties: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        taxonomy = self.params.get("taxonomy") or {}
        object.__setattr__(self, "task_types", frozenset(taxonomy.get("task_types") or ()))
        object.__setattr__(self, "difficulties", frozenset(taxonomy.get("difficulties") or ()))


@dataclass(frozen=True)
class RunContext:
    """What a project rule knows about a validation run.

    Attributes:
        project: The project.
        params: The loaded params.yaml.
        files: The validated files as ``(path, set_name)``, in validation order.
        full_scan: True when every prompt file of the project was validated (no PATHS given).
    """

    project: Project
    params: dict[str, Any]
    files: list[tuple[Path, str]]
    full_scan: bool


RecordRule = Callable[[dict[str, Any], FileContext], Iterable[tuple[str, str]]]
ProjectRule = Callable[[RunContext], Iterable[Problem]]

#: Extra per-record rules registered by other modules (see :func:`register_record_rule`).
EXTRA_RECORD_RULES: list[RecordRule] = []
#: Extra whole-run rules registered by other modules (see :func:`register_project_rule`).
EXTRA_PROJECT_RULES: list[ProjectRule] = []
#: Modules imported before validating so they can register rules (missing ones are skipped).
RULE_MODULES: list[str] = ["prodbench.data.anonymize.gate", "prodbench.data.golden", "prodbench.score.scorable"]

_loaded_rule_modules: set[str] = set()


def register_record_rule(rule: RecordRule) -> None:
    """Add ``rule`` to :data:`EXTRA_RECORD_RULES` (once; registering again is a no-op)."""
    if rule not in EXTRA_RECORD_RULES:
        EXTRA_RECORD_RULES.append(rule)


def register_project_rule(rule: ProjectRule) -> None:
    """Add ``rule`` to :data:`EXTRA_PROJECT_RULES` (once; registering again is a no-op)."""
    if rule not in EXTRA_PROJECT_RULES:
        EXTRA_PROJECT_RULES.append(rule)


def load_rule_modules() -> None:
    """Import :data:`RULE_MODULES` once so they can register extra rules.

    ``PRODBENCH_VALIDATE_RULE_MODULES`` (comma-separated module names, empty for none)
    overrides the list, e.g. to time the built-in rules alone.

    Raises:
        ModuleNotFoundError: A listed module exists but one of its own imports is missing.
    """
    override = os.environ.get("PRODBENCH_VALIDATE_RULE_MODULES")
    names = RULE_MODULES if override is None else [n.strip() for n in override.split(",") if n.strip()]
    for name in names:
        if name in _loaded_rule_modules:
            continue
        _loaded_rule_modules.add(name)
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A ``; did you mean 'x'?`` suffix for a message when a close choice exists, else ``""``."""
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
