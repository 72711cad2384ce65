"""The one way to call a model: :class:`LLMClient` (run stage, LLM judge and LLM tagger alike).

An :class:`LLMClient` is built from a :class:`~prodbench.llm.config.ModelConfig` and a
:class:`~prodbench.llm.config.RetryPolicy`, optionally with a
:class:`~prodbench.llm.cache.ResponseCache`. Each :meth:`LLMClient.complete` looks the
request up in the cache, else calls the model with a per-call timeout and our retries
(:mod:`prodbench.llm.retry`: backoff with jitter on 429/5xx/timeouts, ``Retry-After``
honoured, error messages redacted), paced to the model's rate limits
(:mod:`prodbench.llm.pacing`), prices the response and stores it. Every caller so gets
retries, timeouts, pacing, caching, routers and the embedded model the same way.

Two call paths, chosen once per client: OpenAI-compatible endpoints go over
:mod:`prodbench.llm.fast_openai` (aiohttp, no litellm import); everything else through litellm,
imported lazily (:func:`prodbench.llm.loader.litellm_module`) and configured once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from prodbench.llm.cache import ResponseCache, cache_key
from prodbench.llm.config import ModelConfig, RetryPolicy
from prodbench.llm.fast_openai import FastOpenAI, call_path, fast_endpoint
from prodbench.llm.loader import litellm_module
from prodbench.llm.pacing import Pacer, rate_headers
from prodbench.llm.prices import price, token_prices
from prodbench.llm.retry import (
    RETRY_STATUS,
    RETRY_TYPES,
    CallOutcome,
    backoff_delay,
    error_record,
    is_retryable,
    retry_after_s,
)

__all__ = [
    "RETRY_STATUS", "RETRY_TYPES", "CallOutcome", "LLMClient", "backoff_delay", "call_with_retries",
    "error_record", "is_retryable", "litellm_module", "parse_response", "price", "retry_after_s", "token_prices",
]


def parse_response(response: Any) -> dict[str, Any]:
    """Pull content, finish reason, usage and cost out of a litellm ModelResponse or a fast-path body."""
    if isinstance(response, dict):
        choice = response["choices"][0]
        usage = response.get("usage")
        return {
            "content": (choice.get("message") or {}).get("content") or "",
            "finish_reason": choice.get("finish_reason"),
            "usage": None if not isinstance(usage, dict) else {
                "prompt_tokens": usage.get("prompt_tokens"),
                "completion_tokens": usage.get("completion_tokens"),
                "total_tokens": usage.get("total_tokens"),
            },
            "cost_usd": None,
        }
    choice = response.choices[0]
    message = choice.message
    usage = getattr(response, "usage", None)
    usage_dict = None
    if usage is not None:
        usage_dict = {
            "prompt_tokens": getattr(usage, "prompt_tokens", None),
            "completion_tokens": getattr(usage, "completion_tokens", None),
            "total_tokens": getattr(usage, "total_tokens", None),
        }
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
    return {
        "content": message.content if message.content is not None else "",
        "finish_reason": choice.finish_reason,
        "usage": usage_dict,
        "cost_usd": float(cost) if isinstance(cost, (int, float)) and cost else None,
    }


async def call_with_retries(
    call: Callable[[], Awaitable[Any]],
    settings: RetryPolicy,
    on_retry: Callable[[str], None] | None = None,
    pacer: Pacer | None = None,
    tokens: float = 0.0,
) -> CallOutcome:
    """Run ``call`` with a per-call timeout and retries, each attempt paced by ``pacer``.

    Args:
        call: Zero-argument coroutine factory performing one completion.
        settings: Timeout, retries and backoff.
        on_retry: Called with the error type before each retry (progress counters).
        pacer: The model's :class:`~prodbench.llm.pacing.Pacer` (None: unpaced).
        tokens: Estimated tokens of one attempt (for a tokens-per-minute limit).

    Returns:
        A :class:`CallOutcome`; never raises for model/API errors.
    """
    outcome = CallOutcome()
    timeout = settings.timeout_s
    max_retries = settings.max_retries
    while True:
        outcome.attempts += 1
        if pacer is not None:
            await pacer.acquire(tokens)
        start = time.perf_counter()
        try:
            # the model call gets the same timeout; this guard also covers a provider that ignores it.
            response = await asyncio.wait_for(call(), timeout + 5.0)
            outcome.latency_s = time.perf_counter() - start
            outcome.response = parse_response(response)
            outcome.error = None
            if pacer is not None:
                pacer.release(rate_headers(response), rate_limited=False)
            return outcome
        except asyncio.CancelledError:
            if pacer is not None:
                pacer.release({}, rate_limited=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every provider error becomes a record
            outcome.latency_s = time.perf_counter() - start
            outcome.error = error_record(exc)
            if pacer is not None:
                pacer.release(rate_headers(exc), rate_limited=outcome.error["status"] == 429,
                              retry_after=retry_after_s(exc))
            if outcome.attempts > max_retries or not is_retryable(exc):
                return outcome
            outcome.retries.append(outcome.error["type"])
            if on_retry is not None:
                on_retry(outcome.error["type"])
            await asyncio.sleep(backoff_delay(outcome.attempts, settings, retry_after_s(exc)))


class LLMClient:
    """Calls one model: cache lookup, the call with retries and pacing, pricing, cache store.

    Args:
        config: The model.
        retry: Timeout, retries and backoff.
        cache: Where successful responses are looked up and stored (None: no cache).
        params: Generation parameters to send (default: ``config.gen``); part of
            :meth:`key` and so of the cache key.
        concurrency: Calls the caller keeps in flight (the pacer's ceiling).

    The call side (fast path or litellm import, router, static keyword arguments, connection)
    is set up on the first call that misses the cache, or by :meth:`setup`, so a fully cached
    client imports neither.
    """

    def __init__(self, config: ModelConfig, retry: RetryPolicy, *, cache: ResponseCache | None = None,
                 params: Mapping[str, Any] | None = None, concurrency: int = 1) -> None:
        self.config = config
        self.retry = retry
        self.cache = cache
        self.params: dict[str, Any] = dict(config.gen if params is None else params)
        self.pacer = Pacer(concurrency, config.rpm, config.tpm)
        self.fast: FastOpenAI | None = None
        self.direct = False  # the embedded model called in-process, without litellm
        self._acompletion: Callable[..., Awaitable[Any]] | None = None
        self._kwargs: dict[str, Any] = {}
        self.router: Any = None

    @property
    def path(self) -> str:
        """``fast``, ``embedded`` or ``litellm``: how calls go out (known after :meth:`setup`)."""
        return "fast" if self.fast is not None else "embedded" if self.direct else "litellm"

    def key(self, messages: list[dict[str, Any]]) -> str:
        """The cache key of a request: (config hash, messages, generation parameters)."""
        return cache_key(self.config.hash, messages, self.params)

    def cached(self, key: str) -> dict[str, Any] | None:
        """The cached response for ``key`` (None: not cached or no cache)."""
        return self.cache.get(key) if self.cache is not None else None

    def setup(self) -> None:
        """Choose the call path; for litellm, import it and build the router if any (idempotent).

        Raises:
            UserError: A named environment variable is missing.
        """
        if self._acompletion is not None:
            return
        if self.config.is_embedded and call_path() != "litellm":
            # in-process: no litellm import (3-4 s) and no per-call translation
            from prodbench.llm.providers.local_smollm2 import acompletion as embedded_acompletion

            self._kwargs = dict(self.params)
            self._acompletion = embedded_acompletion
            self.direct = True
            return
        if not self.config.router and not self.config.is_embedded:
            endpoint = fast_endpoint(self.config.model, self.config.connection, self.params)
            if endpoint is not None:
                self.fast = FastOpenAI(endpoint, self.retry.timeout_s)
                fast = self.fast

                async def fast_call(*, model: str, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
                    return await fast(messages, **kwargs)

                self._kwargs = dict(self.params)
                self._acompletion = fast_call
                return
        kwargs = {**self.params, **self.config.connection, "timeout": float(self.retry.timeout_s)}
        if not self.config.is_embedded:
            kwargs["max_retries"] = 0  # the openai SDK's own retries: ours are in call_with_retries
        litellm = litellm_module()
        if self.config.router:
            router_cfg = dict(self.config.router)
            router_cfg.setdefault("num_retries", 0)
            self.router = litellm.Router(**router_cfg)
            acompletion = self.router.acompletion
        else:
            acompletion = litellm.acompletion
        self._kwargs = kwargs
        self._acompletion = acompletion

    async def aclose(self) -> None:
        """Close the fast path's connections in the running event loop (litellm's stay pooled)."""
        if self.fast is not None:
            await self.fast.aclose()

    async def complete(self, messages: list[dict[str, Any]], *, key: str | None = None,
                       overrides: Mapping[str, Any] | None = None,
                       on_retry: Callable[[str], None] | None = None) -> CallOutcome:
        """One completion: from the cache if ``key`` is cached, else called (with retries) and stored.

        Args:
            messages: The chat messages to send.
            key: Cache key (see :meth:`key`); None: neither looked up nor stored.
            overrides: Keyword arguments for this call only (e.g. a judge sample's ``seed``).
            on_retry: Called with the error type before each retry.

        Returns:
            A :class:`CallOutcome` whose response carries ``content``, ``finish_reason``,
            ``usage``, ``cost_usd`` and ``latency_s``; never raises for model/API errors.

        Raises:
            UserError: The connection's environment variables are missing.
        """
        if key is not None:
            hit = self.cached(key)
            if hit is not None:
                return CallOutcome(response=hit, cached=True)
        self.setup()
        acompletion, kwargs = self._acompletion, self._kwargs
        if overrides:
            kwargs = {**kwargs, **overrides}
        assert acompletion is not None
        model = self.config.model
        tokens = 0.0
        if self.pacer.tokens is not None:  # a tokens-per-minute limit: estimate (about 4 characters a token)
            tokens = sum(len(str(m.get("content") or "")) for m in messages) / 4 + float(kwargs.get("max_tokens") or 256)
        outcome = await call_with_retries(lambda: acompletion(model=model, messages=messages, **kwargs),
                                          self.retry, on_retry=on_retry, pacer=self.pacer, tokens=tokens)
        if outcome.response is not None:
            response = {**outcome.response, "latency_s": round(outcome.latency_s, 4)}
            if response.get("cost_usd") is None:
                response["cost_usd"] = price(self.config.price_model, response.get("usage"),
                                             without_litellm=self.fast is not None or self.direct)
            outcome.response = response
            if key is not None and self.cache is not None:
                self.cache.put(key, response)
        return outcome

    async def _complete_and_close(self, messages: list[dict[str, Any]], **kwargs: Any) -> CallOutcome:
        try:
            return await self.complete(messages, **kwargs)
        finally:
            await self.aclose()

    def complete_sync(self, messages: list[dict[str, Any]], **kwargs: Any) -> CallOutcome:
        """:meth:`complete` for synchronous callers (the tagger): runs its own event loop."""
        return asyncio.run(self._complete_and_close(messages, **kwargs))
