"""Fixtures for run-stage tests: the local test server and small projects wired to it.

Functions tests need are factory fixtures (``fake_model``, ``prompt``, ``multi_turn``,
``make_project``, ...); ``key_env`` is the environment variable the fake model's key is read
from and ``fast_run`` the ``run`` settings with short timeouts and backoff.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from call_paths import call_path, parametrize_call_path  # noqa: F401  (call_path: autouse fixture)
from llm_server import LLMServer

KEY_ENV = "PRODBENCH_TEST_KEY"
FAST_RUN = {
    "concurrency": 8,
    "timeout_s": 2.0,
    "max_retries": 4,
    "backoff_base_s": 0.01,
    "backoff_max_s": 0.2,
    "max_failed_share": 0.05,
}


@pytest.fixture
def key_env() -> str:
    """Name of the environment variable holding the fake model's API key."""
    return KEY_ENV


@pytest.fixture
def fast_run() -> dict[str, Any]:
    """``run`` settings with short timeouts and backoff (a fresh copy per test)."""
    return dict(FAST_RUN)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    """A started test server, with the fake model's key set in the environment."""
    monkeypatch.setenv(KEY_ENV, "test-key")
    with LLMServer() as srv:
        yield srv


@pytest.fixture
def fake_model() -> Callable[..., dict[str, Any]]:
    """``fake_model(api_base, **overrides)``: a model config for the test server (litellm's openai provider)."""
    def make(api_base: str, **overrides: Any) -> dict[str, Any]:
        cfg: dict[str, Any] = {"model": "openai/fake-model", "api_base": api_base, "api_key_env": KEY_ENV,
                               "temperature": 0.0, "max_tokens": 32, "seed": 1}
        cfg.update(overrides)
        return cfg

    return make


def _prompt(i: int, **overrides: Any) -> dict[str, Any]:
    record = {"id": f"p-{i:04d}", "messages": [{"role": "user", "content": f"question {i}"}],
              "task_type": "fact_recall", "difficulty": "easy", "source": "synthetic"}
    record.update(overrides)
    return record


@pytest.fixture
def prompt() -> Callable[..., dict[str, Any]]:
    """``prompt(i, **overrides)``: a single-turn prompt record numbered ``i``."""
    return _prompt


@pytest.fixture
def multi_turn() -> Callable[[int], dict[str, Any]]:
    """``multi_turn(i)``: a three-message dialogue with two generated assistant turns."""
    def make(i: int) -> dict[str, Any]:
        return _prompt(i, task_type="multi_turn", messages=[
            {"role": "user", "content": f"first {i}"},
            {"role": "assistant", "content": None},
            {"role": "user", "content": f"second {i}"},
            {"role": "assistant", "content": None},
        ])

    return make


def _write_prompts(root: Path, records: list[dict[str, Any]], name: str = "set.jsonl") -> Path:
    path = root / "prompts" / "golden" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def write_prompts() -> Callable[..., Path]:
    """``write_prompts(root, records, name="set.jsonl")``: write records to prompts/golden/<name>."""
    return _write_prompts


@pytest.fixture
def make_project(repo_root: Path) -> Callable[..., Path]:
    """``make_project(root, models, records, run=None)``: a project with the repo's params/schemas."""
    def make(root: Path, models: dict[str, dict[str, Any]], records: list[dict[str, Any]],
             run: dict[str, Any] | None = None) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(repo_root / "schemas", root / "schemas", dirs_exist_ok=True)
        yaml = YAML(typ="safe")
        params = yaml.load((repo_root / "params.yaml").read_text(encoding="utf-8"))
        params["models"] = models
        params["run"] = {**FAST_RUN, **(run or {})}
        with open(root / "params.yaml", "w", encoding="utf-8") as handle:
            yaml.dump(params, handle)
        for sub in ("golden", "rotating", "pool"):
            (root / "prompts" / sub).mkdir(parents=True, exist_ok=True)
        _write_prompts(root, records)
        return root

    return make


@pytest.fixture
def read_rows() -> Callable[[Path], list[dict[str, Any]]]:
    """``read_rows(path)``: the rows of a results JSONL file."""
    def read(path: Path) -> list[dict[str, Any]]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    return read


@pytest.fixture
def subprocess_env() -> Callable[[Path], dict[str, str]]:
    """``subprocess_env(root)``: environment for ``prodbench`` in a subprocess against the test server."""
    def make(root: Path) -> dict[str, str]:
        env = dict(os.environ)
        env[KEY_ENV] = "test-key"
        env["PRODBENCH_ROOT"] = str(root)
        env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        return env

    return make


# ---------------------------------------------------------------------------------- call paths
# Every run-stage test that calls the test server runs twice: once on the OpenAI-compatible fast
# path (prodbench.llm.fast_openai) and once through litellm, unchanged, so both paths keep the same
# retries, Retry-After, caching, cost, resume and redaction behaviour.
SINGLE_PATH_TESTS = ("test_embedded_model_runs_offline", "test_dvc_repro_runs")  # no OpenAI endpoint / slow e2e


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.endswith("test_run_llm_server"):  # tests of the server itself, via litellm
        return
    if not metafunc.function.__name__.startswith(SINGLE_PATH_TESTS):
        parametrize_call_path(metafunc)
