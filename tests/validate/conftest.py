"""Fixtures of the validate tests (the fixture projects come from tests/conftest.py).

Test modules here get everything through fixtures: a ``conftest`` module name imported
with ``from conftest import ...`` would be this file, not the root one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from prodbench.validate import rules

NO_EXTRA_RULES_ENV = {"PRODBENCH_VALIDATE_RULE_MODULES": ""}


def _expected_problems(rootpath: Path) -> list[dict[str, Any]]:
    path = rootpath / "tests" / "fixtures" / "validate" / "bad" / "expected.json"
    return json.loads(path.read_text(encoding="utf-8"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``expected_problem`` with each entry of ``fixtures/validate/bad/expected.json``."""
    if "expected_problem" in metafunc.fixturenames:
        expected = _expected_problems(metafunc.config.rootpath)
        metafunc.parametrize("expected_problem", expected, ids=[f"{e['file'].split('/')[-1]}:{e['line']}" for e in expected])


@pytest.fixture(scope="session")
def expected_problems(pytestconfig: pytest.Config) -> list[dict[str, Any]]:
    """Every problem the bad fixture project must produce (``file``, ``line``, ``field``, ``message``)."""
    return _expected_problems(pytestconfig.rootpath)


@pytest.fixture(scope="session")
def no_extra_rules_env() -> dict[str, str]:
    """The environment for a ``prodbench validate`` subprocess with the built-in rules only."""
    return {**os.environ, **NO_EXTRA_RULES_ENV}


@pytest.fixture
def builtin_rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run validate with its built-in rules only (no PII gate or golden lock)."""
    monkeypatch.setattr(rules, "EXTRA_RECORD_RULES", [])
    monkeypatch.setattr(rules, "EXTRA_PROJECT_RULES", [])
    monkeypatch.setattr(rules, "RULE_MODULES", [])
    for key, value in NO_EXTRA_RULES_ENV.items():
        monkeypatch.setenv(key, value)
