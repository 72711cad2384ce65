"""Fixtures of the real-prompts-in tests (anonymize, ingest, golden, rotate, review).

Test modules here get everything through fixtures: ``from conftest import ...`` in a test of
this folder would import this file, not ``tests/conftest.py``. Helpers that tests call are
factory fixtures (the fixture's value is the function).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from prodbench.cli import cli


def _record(rid: str, text: str, task_type: str = "fact_recall", difficulty: str = "easy",
            source: str = "expert", **extra: Any) -> dict[str, Any]:
    return {"id": rid, "messages": [{"role": "user", "content": text}], "task_type": task_type,
            "difficulty": difficulty, "source": source, **extra}


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _invoke(*args: str, input: str | None = None) -> Result:  # noqa: A002 - click's own name
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="session")
def make_record() -> Callable[..., dict[str, Any]]:
    """``make_record(id, text, task_type="fact_recall", difficulty="easy", source="expert", **extra)``:
    a minimal valid prompt record."""
    return _record


@pytest.fixture(scope="session")
def write_jsonl() -> Callable[[Path, list[dict[str, Any]]], Path]:
    """``write_jsonl(path, rows)``: write rows as JSONL (parents created); returns ``path``."""
    return _write_jsonl


@pytest.fixture(scope="session")
def read_jsonl() -> Callable[[Path], list[dict[str, Any]]]:
    """``read_jsonl(path)``: the JSON objects of a JSONL file (blank lines skipped)."""
    return _read_jsonl


@pytest.fixture(scope="session")
def invoke() -> Callable[..., Result]:
    """``invoke(*args, input=None)``: run the prodbench CLI in-process (cwd must be the project)."""
    return _invoke


@pytest.fixture(scope="session")
def repo_root(pytestconfig: pytest.Config) -> Path:
    """The repository root (where pyproject.toml is)."""
    return pytestconfig.rootpath


@pytest.fixture
def empty_project(project_dir: Path) -> Path:
    """``project_dir`` without the example prompts and golden lock (cwd is set to it).

    The project's tagging rules (``prompts/tagging_rules.yaml``, named in params.yaml) stay.
    """
    for path in sorted((project_dir / "prompts").rglob("*"), reverse=True):
        if path.is_file() and path.name != "tagging_rules.yaml":
            path.unlink()
    return project_dir
