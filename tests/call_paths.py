"""The two call paths the model-layer and run-stage tests run on (tests/llm and tests/run conftests).

``fast`` is the OpenAI-compatible fast path (aiohttp), ``litellm`` every call through litellm;
``PRODBENCH_CALL_PATH`` selects one (subprocesses inherit it).
"""

from __future__ import annotations

import pytest

CALL_PATHS = ("fast", "litellm")


def parametrize_call_path(metafunc: pytest.Metafunc) -> None:
    """Run a test that uses ``call_path`` once per call path."""
    if "call_path" in metafunc.fixturenames:
        metafunc.parametrize("call_path", CALL_PATHS, indirect=True)


@pytest.fixture(autouse=True)
def call_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The call path under test (``PRODBENCH_CALL_PATH``; subprocesses inherit it)."""
    path = getattr(request, "param", "fast")
    monkeypatch.setenv("PRODBENCH_CALL_PATH", path)
    return path
