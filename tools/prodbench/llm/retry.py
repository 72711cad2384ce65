"""Which model errors are retried, how long to wait, and error records without secrets.

Retries are ours, not litellm's: exponential backoff with jitter on 429, 5xx, timeouts,
connection errors and malformed responses, honouring ``Retry-After``. Used by
:class:`prodbench.llm.client.LLMClient` for every caller (run stage, judge, tagger).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.secrets import redact
from prodbench.llm.config import RetryPolicy

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
RETRY_TYPES = {
    "RateLimitError", "InternalServerError", "ServiceUnavailableError", "APIConnectionError",
    "Timeout", "APITimeoutError", "TimeoutError", "BadGatewayError", "JSONDecodeError", "APIError",
}


@dataclass
class CallOutcome:
    """Result of one generated turn after retries.

    Attributes:
        response: ``{"content", "finish_reason", "usage", "cost_usd"}`` on success.
        error: ``{"type", "message", "status"}`` when every attempt failed.
        attempts: Calls made (1 + retries; 0 for a cache hit).
        latency_s: Wall time of the successful (or last) attempt.
        retries: Error type of each retried attempt.
        cached: The response came from the cache (no call was made).
    """

    response: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    latency_s: float = 0.0
    retries: list[str] = field(default_factory=list)
    cached: bool = False


def error_record(exc: BaseException) -> dict[str, Any]:
    """``{"type", "message", "status"}`` for an exception (message trimmed, no secrets)."""
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        status = None
    # redact the whole text first: a key straddling the cut would otherwise leak its start
    message = redact(" ".join(str(exc).split()))[:500] or type(exc).__name__
    return {"type": type(exc).__name__, "message": message, "status": status}


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


def backoff_delay(attempt: int, settings: RetryPolicy | Mapping[str, Any], retry_after: float | None) -> float:
    """Delay before retry ``attempt`` (1-based): Retry-After if given, else capped exponential with jitter.

    Args:
        attempt: 1 for the first retry.
        settings: A :class:`RetryPolicy` (or a mapping with ``backoff_base_s``/``backoff_max_s``).
        retry_after: Seconds the server asked for, if any.
    """
    if isinstance(settings, RetryPolicy):
        cap, base_s = settings.backoff_max_s, settings.backoff_base_s
    else:
        cap, base_s = float(settings["backoff_max_s"]), float(settings["backoff_base_s"])
    if retry_after is not None:
        return min(cap, retry_after) * (1.0 + 0.1 * random.random())
    base = base_s * (2 ** (attempt - 1))
    return min(cap, base) * (0.5 + random.random())


