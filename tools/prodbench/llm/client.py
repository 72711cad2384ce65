"""The one way to call a model: :class:`LLMClient` (run stage, LLM judge and LLM tagger alike).

An :class:`LLMClient` is built from a :class:`~prodbench.llm.config.ModelConfig` and a
:class:`~prodbench.llm.config.RetryPolicy`, optionally with a
:class:`~prodbench.llm.cache.ResponseCache`. Each :meth:`LLMClient.complete` looks the
request up in the cache, else calls litellm with a per-call timeout and our retries
(:mod:`prodbench.llm.retry`: backoff with jitter on 429/5xx/timeouts, ``Retry-After``
honoured, error messages redacted), prices the response and stores it. Every caller so gets
retries, timeouts, caching, routers and the embedded model the same way.

litellm is imported lazily (:func:`prodbench.llm.loader.litellm_module`), configured once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from prodbench.llm.cache import ResponseCache, cache_key
from prodbench.llm.config import ModelConfig, RetryPolicy
from prodbench.llm.loader import litellm_module
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
    "error_record", "is_retryable", "litellm_module", "parse_response", "price", "retry_after_s",
]

_PRICES: dict[str, tuple[float, float] | None] = {}


def token_prices(model: str) -> tuple[float, float] | None:
    """``(input, output)`` USD per token from litellm's local price table, or None (memoised)."""
    if model not in _PRICES:
        try:
            info = litellm_module().get_model_info(model)
            prices = (float(info.get("input_cost_per_token") or 0.0), float(info.get("output_cost_per_token") or 0.0))
            _PRICES[model] = prices if any(prices) else None
        except Exception:  # noqa: BLE001 - unknown to the price table: cost stays null
            _PRICES[model] = None
    return _PRICES[model]


def price(model: str, usage: dict[str, Any] | None) -> float | None:
    """Cost in USD of one response from its token usage, where the price is known."""
    prices = token_prices(model)
    if prices is None or not usage:
        return None
    return round(prices[0] * int(usage.get("prompt_tokens") or 0)
                 + prices[1] * int(usage.get("completion_tokens") or 0), 10)


def parse_response(response: Any) -> dict[str, Any]:
    """Pull content, finish reason, usage and cost out of a litellm ModelResponse."""
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
) -> CallOutcome:
    """Run ``call`` with a per-call timeout and retries.

    Args:
        call: Zero-argument coroutine factory performing one completion.
        settings: Timeout, retries and backoff.
        on_retry: Called with the error type before each retry (progress counters).

    Returns:
        A :class:`CallOutcome`; never raises for model/API errors.
    """
    outcome = CallOutcome()
    timeout = settings.timeout_s
    max_retries = settings.max_retries
    while True:
        outcome.attempts += 1
        start = time.perf_counter()
        try:
            # litellm gets the same timeout; this guard also covers a provider that ignores it.
            response = await asyncio.wait_for(call(), timeout + 5.0)
            outcome.latency_s = time.perf_counter() - start
            outcome.response = parse_response(response)
            outcome.error = None
            return outcome
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every provider error becomes a record
            outcome.latency_s = time.perf_counter() - start
            outcome.error = error_record(exc)
            if outcome.attempts > max_retries or not is_retryable(exc):
                return outcome
            outcome.retries.append(outcome.error["type"])
            if on_retry is not None:
                on_retry(outcome.error["type"])
            await asyncio.sleep(backoff_delay(outcome.attempts, settings, retry_after_s(exc)))


class LLMClient:
    """Calls one model: cache lookup, litellm call with retries, pricing, cache store.

    Args:
        config: The model.
        retry: Timeout, retries and backoff.
        cache: Where successful responses are looked up and stored (None: no cache).
        params: Generation parameters to send (default: ``config.gen``); part of
            :meth:`key` and so of the cache key.

    The litellm side (import, router, static keyword arguments, connection) is set up on the
    first call that misses the cache, or by :meth:`setup`, so a fully cached client never
    imports litellm.
    """

    def __init__(self, config: ModelConfig, retry: RetryPolicy, *, cache: ResponseCache | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        self.config = config
        self.retry = retry
        self.cache = cache
        self.params: dict[str, Any] = dict(config.gen if params is None else params)
        self._acompletion: Callable[..., Awaitable[Any]] | None = None
        self._kwargs: dict[str, Any] = {}
        self.router: Any = None

    def key(self, messages: list[dict[str, Any]]) -> str:
        """The cache key of a request: (config hash, messages, generation parameters)."""
        return cache_key(self.config.hash, messages, self.params)

    def cached(self, key: str) -> dict[str, Any] | None:
        """The cached response for ``key`` (None: not cached or no cache)."""
        return self.cache.get(key) if self.cache is not None else None

    def setup(self) -> None:
        """Import litellm, build the router if any and resolve the connection (idempotent).

        Raises:
            UserError: A named environment variable is missing.
        """
        if self._acompletion is not None:
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
        outcome = await call_with_retries(lambda: acompletion(model=model, messages=messages, **kwargs),
                                          self.retry, on_retry=on_retry)
        if outcome.response is not None:
            response = {**outcome.response, "latency_s": round(outcome.latency_s, 4)}
            if response.get("cost_usd") is None:
                response["cost_usd"] = price(self.config.price_model, response.get("usage"))
            outcome.response = response
            if key is not None and self.cache is not None:
                self.cache.put(key, response)
        return outcome

    def complete_sync(self, messages: list[dict[str, Any]], **kwargs: Any) -> CallOutcome:
        """:meth:`complete` for synchronous callers (the tagger): runs its own event loop."""
        return asyncio.run(self.complete(messages, **kwargs))
