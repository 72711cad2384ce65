"""Every model-layer test runs on both call paths: the OpenAI-compatible fast path and litellm."""

from __future__ import annotations

import pytest

from call_paths import call_path, parametrize_call_path  # noqa: F401  (call_path: autouse fixture)

SINGLE_PATH_MODULES = ("test_fast_path", "test_model_config", "test_local_batch", "test_local_server",
                       "test_local_capi")  # compare the paths themselves / no HTTP


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.endswith(SINGLE_PATH_MODULES):
        return
    parametrize_call_path(metafunc)
