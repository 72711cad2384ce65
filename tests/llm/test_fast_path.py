"""The OpenAI-compatible fast path: which models take it, and that it behaves like litellm.

Error records, prices and the no-litellm start are compared with litellm itself, over real HTTP
against tests/llm_server.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest

from llm_server import LLMServer
from prodbench.llm import LLMClient, ModelConfig, RetryPolicy
from prodbench.llm.fast_openai import fast_endpoint
from prodbench.llm.prices import table_prices

BASE = {"api_base": "http://127.0.0.1:9/v1"}


@pytest.mark.parametrize(("model", "connection", "gen", "url"), [
    ("openai/fake", BASE, {"temperature": 0}, "http://127.0.0.1:9/v1/chat/completions"),
    ("hosted_vllm/meta/llama", BASE, {"seed": 1, "top_p": 0.9}, "http://127.0.0.1:9/v1/chat/completions"),
    ("ollama/llama3", {}, {}, "http://localhost:11434/v1/chat/completions"),
    ("ollama_chat/llama3", {"api_base": "http://box:11434"}, {}, "http://box:11434/v1/chat/completions"),
    ("openai/gpt-4o-mini", {"api_key": "k"}, {}, "https://api.openai.com/v1/chat/completions"),
    ("openai/o3-mini", {"api_key": "k"}, {"max_tokens": 5}, None),  # litellm rewrites its parameters
    ("openai/fake", BASE, {"drop_params": True}, None),  # a litellm-only keyword
    ("anthropic/claude-3-5-haiku", BASE, {}, None),  # not OpenAI-compatible
    ("gpt-4o-mini", BASE, {}, None),  # no provider prefix: litellm decides
])
def test_which_models_take_the_fast_path(model, connection, gen, url, monkeypatch) -> None:
    monkeypatch.delenv("OLLAMA_API_BASE", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_BASE", raising=False)
    endpoint = fast_endpoint(model, connection, gen)
    assert (endpoint.url if endpoint else None) == url
    monkeypatch.setenv("PRODBENCH_CALL_PATH", "litellm")
    assert fast_endpoint(model, connection, gen) is None


@pytest.mark.parametrize("model", ["openai/gpt-4o-mini", "openai/gpt-4o", "openai/gpt-3.5-turbo", "openai/fake-model",
                                   "hosted_vllm/meta-llama/Llama-3-8b", "ollama/llama3", "ollama_chat/llama3",
                                   "custom_openai/gpt-4o", "openai/gpt-4.1-nano", "ollama/mistral"])
def test_price_table_lookup_agrees_with_litellm(model) -> None:
    from prodbench.llm.loader import litellm_module

    try:
        info = litellm_module().get_model_info(model)
        expected = (float(info.get("input_cost_per_token") or 0), float(info.get("output_cost_per_token") or 0))
        expected = expected if any(expected) else None
    except Exception:  # noqa: BLE001 - unknown to litellm
        expected = None
    assert table_prices(model) == expected


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODBENCH_TEST_FAST_KEY", "test-key")


def _client(server: LLMServer, **cfg) -> LLMClient:
    config = ModelConfig.from_params("fake", {"model": "openai/fake", "api_base": server.api_base,
                                              "api_key_env": "PRODBENCH_TEST_FAST_KEY", **cfg})
    return LLMClient(config, RetryPolicy(timeout_s=0.5, max_retries=0))


@pytest.mark.parametrize("kind", ["429", "500", "malformed", "disconnect", "hang"])
def test_error_records_match_litellm(kind, monkeypatch) -> None:
    records = {}
    with LLMServer() as server:
        for path in ("fast", "litellm"):
            monkeypatch.setenv("PRODBENCH_CALL_PATH", path)
            server.fail(kind, times=1, retry_after=0.1)
            client = _client(server)
            outcome = client.complete_sync([{"role": "user", "content": "hi"}])
            assert client.path == path
            records[path] = (outcome.error["type"], outcome.error["status"])
    assert records["fast"] == records["litellm"]


def test_a_run_on_the_fast_path_never_imports_litellm(tmp_path) -> None:
    code = textwrap.dedent(f"""
        import sys
        from prodbench.core.records import LoadedPrompt
        from prodbench.run.stage import run_model
        records = [LoadedPrompt(record={{"id": f"p-{{i}}", "messages": [{{"role": "user", "content": f"q{{i}}"}}],
                   "task_type": "fact_recall", "difficulty": "easy", "source": "synthetic"}},
                   set="golden", file="x.jsonl", line=i + 1) for i in range(5)]
        cfg = {{"model": "openai/fake", "api_base": sys.argv[1], "temperature": 0.0}}
        rows = run_model(records, "fake", cfg, {{"concurrency": 4}}, {str(tmp_path)!r})
        print(sum(r["error"] is None for r in rows), "litellm" in sys.modules)
    """)
    with LLMServer() as server:
        out = subprocess.run([sys.executable, "-c", code, server.api_base], capture_output=True, text=True,
                             timeout=120)
        assert server.total_calls == 5
    assert out.stdout.split() == ["5", "False"], out.stderr


@pytest.mark.parametrize("path", ["fast", "litellm"])
def test_cost_is_the_same_on_both_paths(path, monkeypatch) -> None:
    monkeypatch.setenv("PRODBENCH_CALL_PATH", path)
    with LLMServer(responder=lambda body: {"content": "ok", "usage": {"prompt_tokens": 1000, "completion_tokens": 100,
                                                                       "total_tokens": 1100}}) as server:
        client = _client(server, model="openai/gpt-4o-mini")
        outcome = asyncio.run(client.complete([{"role": "user", "content": "x"}]))
    assert client.path == path
    assert outcome.response["cost_usd"] == pytest.approx(1000 * 1.5e-07 + 100 * 6e-07)
