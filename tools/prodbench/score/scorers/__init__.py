"""Scorer registry.

A scorer is registered by name with :func:`register` on a small *factory*: a function
``factory(settings, context) -> scorer`` that checks its settings once and returns a
callable ``scorer(item) -> ScoreResult`` (or an awaitable of one, for scorers that call
a model). Settings come from the scoring plan in ``params.yaml`` (``score.plan``) merged
with the record's ``checks``. Bad settings raise :class:`SettingsError`, which the score
stage reports with the file, line and field they came from.

Example::

    from prodbench.score.scorers import ScoreResult, register

    @register("shouts")
    def shouts(settings, context):
        def score(item):
            ok = item.response.isupper()
            return ScoreResult(float(ok), ok, "all caps" if ok else "not all caps")
        return score
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import UserError

BUILTIN_MODULES = ("text", "structured", "safety", "judge")


class SettingsError(ValueError):
    """A scorer's settings are invalid (reported with the location they came from)."""


@dataclass(frozen=True)
class ScoreResult:
    """What a scorer says about one response.

    Attributes:
        score: Score in [0, 1], or None when the scorer could not score (see ``error``).
        passed: Whether the response meets the bar, or None on error.
        rationale: A short, human-readable reason (never contains personal data).
        error: Why scoring failed (e.g. an unparsable judge verdict), else None.
        details: Optional extra data (e.g. judge samples and agreement).
    """

    score: float | None
    passed: bool | None
    rationale: str
    error: str | None = None
    details: dict[str, Any] | None = None

    @classmethod
    def failed(cls, error: str) -> ScoreResult:
        """A result for a response that could not be scored."""
        return cls(None, None, error, error=error)

    @classmethod
    def boolean(cls, ok: bool, good: str, bad: str) -> ScoreResult:
        """A 0/1 result with one rationale per outcome."""
        return cls(1.0 if ok else 0.0, ok, good if ok else bad)


@dataclass(frozen=True)
class Item:
    """One response to score, with the prompt it answers.

    Attributes:
        record: The prompt record (``messages``, ``reference``, ``checks``, ...).
        response: The model's (last generated) response text.
        run_row: The run result row (usage, latency, ...).
        model: Name of the model under test.
    """

    record: Mapping[str, Any]
    response: str
    run_row: dict[str, Any] = field(default_factory=dict)
    model: str = ""

    @property
    def references(self) -> list[str]:
        """The record's reference answers as a list of strings (empty if none)."""
        reference = self.record.get("reference")
        if reference is None:
            return []
        if isinstance(reference, list):
            return [str(r) for r in reference]
        return [str(reference)]

    @property
    def prompt_text(self) -> str:
        """Every system/user message of the prompt, joined (what the model was given)."""
        return "\n".join(
            str(m.get("content") or "") for m in self.record.get("messages", []) if m.get("role") in ("system", "user")
        )


@dataclass
class Context:
    """Stage-wide information scorers may need (params, cache dir, shared clients).

    Attributes:
        params: The whole loaded params.yaml.
        cache_dir: Directory for scorer caches (e.g. ``cache/judge``), or None for no cache.
        shared: Per-run scratch space scorers may use (e.g. a judge client).
    """

    params: dict[str, Any] = field(default_factory=dict)
    cache_dir: Any = None
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def score_params(self) -> dict[str, Any]:
        """The ``score`` section of params."""
        return self.params.get("score") or {}


ScorerFn = Callable[[Item], ScoreResult | Awaitable[ScoreResult]]
Factory = Callable[[dict[str, Any], Context], ScorerFn]

_REGISTRY: dict[str, Factory] = {}
_DOCS: dict[str, str] = {}
_loaded = False


EMPTY_RESPONSE = "empty response (scores 0)"


def _empty_scores_zero(factory: Factory) -> Factory:
    """Wrap ``factory`` so that its scorer gives 0 to an empty or whitespace-only response."""

    def build(settings: dict[str, Any], context: Context) -> ScorerFn:
        scorer = factory(settings, context)

        def score(item: Item) -> ScoreResult | Awaitable[ScoreResult]:
            if not item.response.strip():
                return ScoreResult(0.0, False, EMPTY_RESPONSE)
            return scorer(item)

        return score

    build.__doc__, build.__qualname__ = factory.__doc__, factory.__qualname__
    return build


def register(name: str, *, rewards_silence: bool = False) -> Callable[[Factory], Factory]:
    """Register a scorer factory under ``name`` (decorator).

    An empty or whitespace-only response scores 0 (``passed`` False) without calling the
    scorer, unless the scorer says it explicitly rewards silence (``rewards_silence=True``).

    Raises:
        ValueError: ``name`` is already registered by another factory.
    """

    def decorate(factory: Factory) -> Factory:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.__qualname__ != factory.__qualname__:
            raise ValueError(f"scorer {name!r} is already registered")
        _REGISTRY[name] = factory if rewards_silence else _empty_scores_zero(factory)
        _DOCS[name] = (factory.__doc__ or "").strip().splitlines()[0] if factory.__doc__ else ""
        return factory

    return decorate


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        for module in BUILTIN_MODULES:
            importlib.import_module(f"prodbench.score.scorers.{module}")
        _loaded = True


def available() -> dict[str, str]:
    """Registered scorer names mapped to their one-line description."""
    _load_builtins()
    return {name: _DOCS[name] for name in sorted(_REGISTRY)}


def get_scorer(name: str) -> Factory:
    """The factory registered as ``name``.

    Raises:
        UserError: No scorer has that name (the message lists the available ones).
    """
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        names = ", ".join(sorted(_REGISTRY))
        raise UserError(f"unknown scorer {name!r}; available scorers: {names}") from None


__all__ = [
    "EMPTY_RESPONSE",
    "Context",
    "Item",
    "ScoreResult",
    "SettingsError",
    "available",
    "get_scorer",
    "register",
]
