"""The litellm call path of the run stage: setup, one call with retries, error records.

litellm is imported lazily (:func:`litellm_module`) with its price list read locally
(``LITELLM_LOCAL_MODEL_COST_MAP=True``, no download) and with the per-call work the run
stage does not need switched off (see ``docs/run.md`` for the profile behind each knob).
Retries are ours, not litellm's: exponential backoff with jitter on 429, 5xx, timeouts,
connection errors and malformed responses, honouring ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

_LITELLM: Any = None
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
RETRY_TYPES = {
    "RateLimitError", "InternalServerError", "ServiceUnavailableError", "APIConnectionError",
    "Timeout", "APITimeoutError", "TimeoutError", "BadGatewayError", "JSONDecodeError", "APIError",
}


def litellm_module() -> Any:
    """Import and configure litellm once (offline price list, quiet, lean per-call path)."""
    global _LITELLM
    if _LITELLM is not None:
        return _LITELLM
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    litellm.turn_off_message_logging = True
    litellm.num_retries = 0
    if os.environ.get("PRODBENCH_LITELLM_LEAN", "1") != "0":
        _lean(litellm)
    from prodbench.llm.providers import register

    register(litellm)
    _LITELLM = litellm
    return litellm


def _has_callbacks(litellm: Any) -> bool:
    """True if the user registered any litellm logging callback (then logging stays on)."""
    names = ("callbacks", "success_callback", "_async_success_callback", "input_callback",
             "failure_callback", "_async_failure_callback", "service_callback")
    return any(getattr(litellm, name, None) for name in names)


def _lean(litellm: Any) -> None:
    """Switch off per-call work the run stage does not use (measured in docs/run.md).

    * litellm prices every response through ``Logging.response_cost_calculator`` (model-info
      lookups, ~1/4 of the client CPU per call); the run stage prices a response itself from
      the model's per-token prices, looked up once per model (:func:`token_prices`).
    * With no logging callback registered, the success-logging pass (payload building,
      redaction, a scheduled task per call) has no consumer; it is skipped. If the user
      registers callbacks, it runs as usual.

    Each patch is applied only if the attribute exists, so a litellm upgrade that renames them
    degrades to the normal (slower) path. ``PRODBENCH_LITELLM_LEAN=0`` disables all of it.
    """
    try:
        from litellm.litellm_core_utils.litellm_logging import Logging
    except ImportError:  # pragma: no cover - layout of another litellm version
        Logging = None  # noqa: N806
    if Logging is not None and hasattr(Logging, "response_cost_calculator"):
        def _no_cost(self: Any, *args: Any, **kwargs: Any) -> None:
            return None

        Logging.response_cost_calculator = _no_cost
    utils = getattr(litellm, "utils", None)
    original = getattr(utils, "dispatch_success_logging", None)
    if callable(original) and not getattr(original, "_prodbench_lean", False):
        def dispatch_success_logging(*args: Any, **kwargs: Any) -> Any:
            if _has_callbacks(litellm):
                return original(*args, **kwargs)
            return None

        dispatch_success_logging._prodbench_lean = True  # type: ignore[attr-defined]
        utils.dispatch_success_logging = dispatch_success_logging


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


@dataclass
class CallOutcome:
    """Result of one generated turn after retries.

    Attributes:
        response: ``{"content", "finish_reason", "usage", "cost_usd"}`` on success.
        error: ``{"type", "message", "status"}`` when every attempt failed.
        attempts: Calls made (1 + retries).
        latency_s: Wall time of the successful (or last) attempt.
    """

    response: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    latency_s: float = 0.0
    retries: list[str] = field(default_factory=list)


def error_record(exc: BaseException) -> dict[str, Any]:
    """``{"type", "message", "status"}`` for an exception (message trimmed, no secrets)."""
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        status = None
    message = " ".join(str(exc).split())[:500] or type(exc).__name__
    return {"type": type(exc).__name__, "message": _redact(message), "status": status}


_SECRET_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH")
_SECRET_SHAPES = re.compile(
    r"(?:\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}"  # OpenAI / Anthropic / Stripe-style keys
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"  # GitHub tokens
    r"|\bAKIA[0-9A-Z]{16}"  # AWS access key ids
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{16,})"  # Authorization headers echoed back
)


def _redact(text: str) -> str:
    """Remove secrets from a message: values of secret-looking env vars and key-shaped strings.

    Any environment variable whose name contains KEY, TOKEN, SECRET, PASSWORD, CREDENTIAL
    or AUTH (so every ``api_key_env`` a model config names is covered) has its value
    replaced, and strings shaped like provider keys or bearer tokens are masked too.
    """
    for name, value in os.environ.items():
        if value and len(value) >= 8 and value in text and any(part in name.upper() for part in _SECRET_NAME_PARTS):
            text = text.replace(value, "***")
    return _SECRET_SHAPES.sub("***", text)


def is_retryable(exc: BaseException) -> bool:
    """True for rate limits, 5xx, timeouts, connection errors and malformed responses."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status in RETRY_STATUS:
        return True
    if isinstance(status, int) and 400 <= status < 500:
        return False
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & RETRY_TYPES) or isinstance(exc, (asyncio.TimeoutError, ConnectionError))


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds from a ``retry-after-ms`` or ``Retry-After`` header on the error, if any."""
    candidates = []
    response = getattr(exc, "response", None)
    if response is not None:
        candidates.append(getattr(response, "headers", None))
    candidates.append(getattr(exc, "litellm_response_headers", None))
    candidates.append(getattr(exc, "headers", None))
    for headers in candidates:
        if not headers:
            continue
        try:
            millis = headers.get("retry-after-ms")
            value = headers.get("retry-after") or headers.get("Retry-After")
        except AttributeError:
            continue
        try:
            if millis is not None:
                return max(0.0, float(millis) / 1000.0)
            if value is not None:
                return max(0.0, float(value))
        except (TypeError, ValueError):
            continue  # an HTTP date: fall back to exponential backoff
    return None


def backoff_delay(attempt: int, settings: dict[str, Any], retry_after: float | None) -> float:
    """Delay before retry ``attempt`` (1-based): Retry-After if given, else capped exponential with jitter."""
    cap = float(settings["backoff_max_s"])
    if retry_after is not None:
        return min(cap, retry_after) * (1.0 + 0.1 * random.random())
    base = float(settings["backoff_base_s"]) * (2 ** (attempt - 1))
    return min(cap, base) * (0.5 + random.random())


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
    settings: dict[str, Any],
    on_retry: Callable[[str], None] | None = None,
) -> CallOutcome:
    """Run ``call`` with a per-call timeout and retries.

    Args:
        call: Zero-argument coroutine factory performing one completion.
        settings: Run settings (timeout_s, max_retries, backoff_base_s, backoff_max_s).
        on_retry: Called with the error type before each retry (progress counters).

    Returns:
        A :class:`CallOutcome`; never raises for model/API errors.
    """
    outcome = CallOutcome()
    timeout = float(settings["timeout_s"])
    max_retries = int(settings["max_retries"])
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
