"""Tests of the local OpenAI-compatible test server, through litellm over real HTTP."""

from __future__ import annotations

import os

import pytest

from llm_server import LLMServer, llm_server  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def litellm():
    """litellm, imported when a test here runs (never while the suite is being collected)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    return pytest.importorskip("litellm")

MESSAGES = [{"role": "user", "content": "What is the Pro plan?"}]


def _call(litellm, server: LLMServer, **kwargs):
    return litellm.completion(
        model="openai/test-model", api_base=server.api_base, api_key="test", messages=MESSAGES, **kwargs
    )


def test_deterministic_answer_and_counters(llm_server, litellm):  # noqa: F811
    first = _call(litellm, llm_server)
    second = _call(litellm, llm_server)
    assert first.choices[0].message.content == "Answer to: What is the Pro plan?"
    assert second.choices[0].message.content == first.choices[0].message.content
    assert llm_server.total_calls == 2
    assert llm_server.calls_by_prompt["What is the Pro plan?"] == 2
    assert llm_server.requests[0]["messages"] == MESSAGES
    assert first.usage.total_tokens == first.usage.prompt_tokens + first.usage.completion_tokens > 0


def test_custom_responder(litellm):
    with LLMServer(responder=lambda body: {"content": body["model"].upper(), "finish_reason": "length"}) as server:
        reply = _call(litellm, server)
    assert reply.choices[0].message.content == "TEST-MODEL"
    assert reply.choices[0].finish_reason == "length"


@pytest.mark.parametrize(
    ("kind", "error"),
    [("429", "RateLimitError"), ("500", "InternalServerError"), ("malformed", None)],
)
def test_fault_injection(kind, error, litellm):
    with LLMServer() as server:
        rule = server.fail(kind, times=1, retry_after=0.1)
        with pytest.raises(Exception) as info:
            _call(litellm, server, max_retries=0, num_retries=0)
        if error:
            assert type(info.value).__name__ == error
        assert rule.hits == 1
        # the rule is used up: the next call succeeds
        assert _call(litellm, server, max_retries=0).choices[0].message.content.startswith("Answer to:")
        assert server.total_calls == 2
        assert server.faults_served[kind] == 1


def test_hang_times_out_and_match_selects_prompt(litellm):
    with LLMServer() as server:
        server.fail("hang", times=None, match="Pro plan")
        with pytest.raises(litellm.Timeout):
            _call(litellm, server, timeout=0.5, max_retries=0)
        other = litellm.completion(
            model="openai/x", api_base=server.api_base, api_key="test",
            messages=[{"role": "user", "content": "hello"}], timeout=5,
        )
        assert other.choices[0].message.content == "Answer to: hello"
