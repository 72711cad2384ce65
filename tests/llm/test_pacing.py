"""Pacing to rate limits (prodbench.llm.pacing) against the test server's request and token limits.

Small limits (a few seconds of traffic) on both call paths (tests/llm/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request

import pytest

from llm_server import LLMServer
from prodbench.llm import LLMClient, ModelConfig, RetryPolicy
from prodbench.llm.config import config_hash
from prodbench.llm.pacing import Pacer, parse_reset, rate_headers

KEY_ENV = "PRODBENCH_TEST_PACING_KEY"
RETRY = RetryPolicy(timeout_s=5.0, max_retries=6, backoff_base_s=0.05, backoff_max_s=2.0)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "test-key")


def _run(server: LLMServer, n: int, concurrency: int, **cfg) -> tuple[list, float, LLMClient]:
    config = ModelConfig.from_params("fake", {"model": "openai/fake", "api_base": server.api_base,
                                              "api_key_env": KEY_ENV, "max_tokens": 8, **cfg})
    client = LLMClient(config, RETRY, concurrency=concurrency)

    async def main() -> list:
        queue = list(range(n))
        out = []

        async def worker() -> None:
            while queue:
                i = queue.pop()
                out.append(await client.complete([{"role": "user", "content": f"question {i}"}]))
            await client.aclose()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return out

    start = time.monotonic()
    outcomes = asyncio.run(main())
    return outcomes, time.monotonic() - start, client


def _post(server: LLMServer) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(f"{server.api_base}/chat/completions", method="POST",
                                     data=json.dumps({"messages": [{"role": "user", "content": "hi"}]}).encode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def test_server_limit_answers_429_with_headers() -> None:
    with LLMServer() as server:
        server.limit(rpm=60, burst_s=2.0)  # 1 request/s, 2 at once
        answers = [_post(server) for _ in range(3)]
    assert [status for status, _ in answers] == [200, 200, 429]
    assert answers[0][1]["x-ratelimit-limit-requests"] == "60"
    assert answers[1][1]["x-ratelimit-remaining-requests"] == "0"
    assert 0.5 < float(answers[2][1]["retry-after"]) <= 1.0
    assert server.rate_limited == 1


@pytest.mark.parametrize(("limits", "config"), [({"rpm": 600}, {}), ({"rpm": 600}, {"rpm": 600}),
                                                ({"tpm": 3000}, {"tpm": 3000})])
def test_paced_run_stays_under_the_limit(limits, config) -> None:
    """600 requests/min with 0.5 s of burst: 24 calls need about 2 s; nearly none is refused."""
    with LLMServer() as server:
        server.limit(**limits, burst_s=0.5)
        outcomes, wall, client = _run(server, 24, 8, **config)
        refused = server.rate_limited
    assert all(o.error is None for o in outcomes)
    assert refused <= 3, f"{refused} requests answered 429"  # unpaced, 8 at once: most of the first 8 and more
    per_s = limits.get("rpm", 0) / 60 or limits.get("tpm", 0) / 60 / (2 + 8)  # tokens: 2 prompt words + max_tokens
    minimum = (24 - max(1, per_s * 0.5)) / per_s
    assert minimum * 0.9 <= wall <= minimum * 1.6 + 1.0


def test_unpaced_burst_is_refused_but_pacing_learns_from_429() -> None:
    """No limit headers, no config: AIMD on 429s still finishes every call."""
    with LLMServer() as server:
        server.limit(rpm=1200, burst_s=0.1)
        outcomes, _, client = _run(server, 20, 8)
    assert all(o.error is None for o in outcomes)
    assert client.pacer.requests is not None  # learned from x-ratelimit-limit-requests


def test_rpm_and_tpm_leave_the_config_hash_alone_when_unset() -> None:
    raw = {"model": "openai/x", "temperature": 0.0}
    assert ModelConfig.from_params("x", raw).hash == config_hash(raw)
    assert ModelConfig.from_params("x", {**raw, "rpm": 600}).rpm == 600
    assert ModelConfig.from_params("x", {**raw, "rpm": 600}).hash != config_hash(raw)


def test_reset_and_header_parsing() -> None:
    assert parse_reset("20ms") == pytest.approx(0.02)
    assert parse_reset("6m0s") == 360.0
    assert parse_reset("1m30.5s") == 90.5
    assert parse_reset("0.5") == 0.5
    assert parse_reset("soon") is None

    class Hidden:
        _hidden_params = {"additional_headers": {"llm_provider-x-ratelimit-remaining-requests": "3",
                                                 "llm_provider-content-type": "application/json"}}

    assert rate_headers(Hidden()) == {"x-ratelimit-remaining-requests": "3"}
    assert rate_headers({"_headers": {"X-RateLimit-Limit-Tokens": "100", "Retry-After": "1"}}) == {
        "x-ratelimit-limit-tokens": "100", "retry-after": "1"}


def test_a_429_halves_the_window_and_successes_grow_it_back() -> None:
    pacer = Pacer(16)
    pacer.probing = False

    async def go() -> None:
        for _ in range(8):
            await pacer.acquire()
        pacer.release({}, rate_limited=True, retry_after=0.0)
        assert pacer.limit == 4.0  # 8 in flight -> half
        for _ in range(7):
            pacer.release({}, rate_limited=False)
        assert 4.0 < pacer.limit < 8.0

    asyncio.run(go())
