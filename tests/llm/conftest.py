"""Every model-layer test runs on both call paths: the OpenAI-compatible fast path and litellm."""

from __future__ import annotations

import pytest

CALL_PATHS = ("fast", "litellm")
SINGLE_PATH_MODULES = ("test_fast_path", "test_model_config")  # compare the paths themselves / no calls


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.endswith(SINGLE_PATH_MODULES):
        return
    if "call_path" in metafunc.fixturenames:
        metafunc.parametrize("call_path", CALL_PATHS, indirect=True)


@pytest.fixture(autouse=True)
def call_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The call path under test (``PRODBENCH_CALL_PATH``)."""
    path = getattr(request, "param", "fast")
    monkeypatch.setenv("PRODBENCH_CALL_PATH", path)
    return path
