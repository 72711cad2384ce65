"""Shared pytest setup: isolate state in temp dirs and never touch the network.

Per-area fixtures live in ``tests/_<area>_helpers.py``; this file only holds what every
test needs (environment isolation, markers, a copy of the repository to work in).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Offline and quiet: no price-list download, no telemetry, no analytics.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_TELEMETRY", "False")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# End-to-end tests commit in temporary repositories; give git an identity there.
for _key, _value in (("GIT_AUTHOR_NAME", "prodbench tests"), ("GIT_COMMITTER_NAME", "prodbench tests"),
                     ("GIT_AUTHOR_EMAIL", "tests@prodbench.example"), ("GIT_COMMITTER_EMAIL", "tests@prodbench.example")):
    os.environ.setdefault(_key, _value)
os.environ.pop("PRODBENCH_ROOT", None)
for _secret in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN"):
    if not os.environ.get("PRODBENCH_LIVE_TESTS"):
        os.environ.pop(_secret, None)

HAS_LLAMA_CPP = importlib.util.find_spec("llama_cpp") is not None


def pytest_sessionstart(session: pytest.Session) -> None:
    """On CI, refuse to run with a tool missing that would silently skip tests."""
    if not os.environ.get("CI"):
        return
    missing = [name for name in ("git", "dvc", "actionlint") if shutil.which(name) is None]
    if not HAS_LLAMA_CPP:
        missing.append("llama_cpp (pip install -e '.[local]')")
    if missing:
        pytest.exit(f"CI is missing {', '.join(missing)}: tests would be skipped, not run", returncode=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip live-API tests unless opted in, and embedded-model tests without llama_cpp."""
    live = os.environ.get("PRODBENCH_LIVE_TESTS") == "1"
    for item in items:
        if "live" in item.keywords and not live:
            item.add_marker(pytest.mark.skip(reason="live API test: set PRODBENCH_LIVE_TESTS=1 to run"))
        if "local_model" in item.keywords and not HAS_LLAMA_CPP:
            item.add_marker(pytest.mark.skip(reason="embedded model needs the [local] extra (llama-cpp-python)"))


def loaded(record: dict, set_name: str = "golden", file: str | None = None, line: int = 1):
    """``record`` as :func:`prodbench.core.prompts.load_prompts` returns it (a ``LoadedPrompt``)."""
    from prodbench.core.records import LoadedPrompt

    return LoadedPrompt(record, set_name, file or f"prompts/{set_name}/x.jsonl", line)


REPO_FILES = ("params.yaml", "dvc.yaml", "schemas", "prompts", ".dvcignore", "tools")
_NOT_COPIED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def copy_repo(dest: Path, include: tuple[str, ...] = REPO_FILES) -> Path:
    """Copy the project's files into ``dest`` and return it.

    ``tools/`` is copied because DVC stages list their code folders as dependencies; the code
    that runs is still the installed package.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in include:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, dirs_exist_ok=True, ignore=_NOT_COPIED)
        elif source.is_file():
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's params, schemas, prompts and dvc.yaml; cwd is set to it."""
    root = copy_repo(tmp_path / "project")
    monkeypatch.chdir(root)
    return root


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root directory (tests read its params.yaml, schemas and fixtures)."""
    return REPO_ROOT


# --------------------------------------------------------------------------- validate fixture projects
# Used by tests/validate and tests/core/test_coverage_table.py.

VALIDATE_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "validate"


def _make_project(root: Path, prompts: str | None = "good", rotation: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    params = (REPO_ROOT / "params.yaml").read_text(encoding="utf-8")
    # The fixture's prompts decide the rotating slice, not the repository's live one.
    params, count = re.subn(r"(?m)^  current: \S+", f"  current: {rotation or 'null'}", params)
    assert count == 1, "params.yaml has no single rotation.current line"
    (root / "params.yaml").write_text(params, encoding="utf-8")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    if prompts is not None:
        shutil.copytree(VALIDATE_FIXTURES / prompts / "prompts", root / "prompts")
    return root


@pytest.fixture(scope="session")
def make_project() -> Callable[..., Path]:
    """``make_project(root, prompts="good", rotation=None)``: a project to validate, in ``root``.

    The repository's params.yaml (with ``rotation.current`` set to ``rotation``) and schemas,
    plus the prompts of ``tests/fixtures/validate/<prompts>/`` (``good`` or ``bad``; None: no
    prompts). Returns ``root``.
    """
    return _make_project
