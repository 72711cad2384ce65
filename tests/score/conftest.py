"""Fixtures for the score stage tests (records, run rows and params come from ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prodbench.score.scorers import Context, Item, ScoreResult, get_scorer


@pytest.fixture
def apply_scorer(make_record: Callable[..., Any]) -> Callable[..., ScoreResult]:
    """Factory: ``apply_scorer(name, settings, response, record=None, params=None)`` builds scorer
    ``name`` with ``settings`` and scores one response to ``record`` (default: ``make_record()``)."""

    def apply(name: str, settings: dict[str, Any], response: str, rec: Any = None,
              params: dict[str, Any] | None = None) -> ScoreResult:
        scorer = get_scorer(name)(settings, Context(params=params or {}))
        result = scorer(Item(record=(rec or make_record()).record, response=response, model="m"))
        assert isinstance(result, ScoreResult), f"{name} is not a synchronous scorer"
        return result

    return apply
