"""Fixtures shared by the validate and coverage tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from prodbench.validate import stage as validate

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "validate"
NO_EXTRA_RULES_ENV = {"PRODBENCH_VALIDATE_RULE_MODULES": ""}


def make_project(root: Path, prompts_from: Path | None = None, rotation: str | None = None) -> Path:
    """A project in ``root``: the repo's params.yaml and schemas, prompts copied from a fixture."""
    root.mkdir(parents=True, exist_ok=True)
    params = (REPO_ROOT / "params.yaml").read_text(encoding="utf-8")
    # The fixture's prompts decide the rotating slice, not the repository's live one.
    params, count = re.subn(r"(?m)^  current: \S+", f"  current: {rotation or 'null'}", params)
    assert count == 1, "params.yaml has no single rotation.current line"
    (root / "params.yaml").write_text(params, encoding="utf-8")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    if prompts_from is not None:
        shutil.copytree(prompts_from / "prompts", root / "prompts")
    return root


@pytest.fixture
def builtin_rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run validate with its built-in rules only (no PII gate or golden lock)."""
    monkeypatch.setattr(validate, "EXTRA_RECORD_RULES", [])
    monkeypatch.setattr(validate, "EXTRA_PROJECT_RULES", [])
    monkeypatch.setattr(validate, "RULE_MODULES", [])
    for key, value in NO_EXTRA_RULES_ENV.items():
        monkeypatch.setenv(key, value)
