"""The OpenAI-compatible fast path: chat completions over aiohttp, without importing litellm.

For ``openai/``, ``hosted_vllm/``, ``custom_openai/``, ``ollama/`` and ``ollama_chat/`` models
(``ollama`` through its OpenAI-compatible ``/v1`` endpoint) whose generation parameters are all
plain chat-completions parameters, :class:`LLMClient <prodbench.llm.client.LLMClient>` posts the
request itself: one ``aiohttp`` session per event loop (keep-alive, no connection limit beyond
the run's concurrency), ``orjson`` both ways, no litellm import (3-4.5 s) and about a tenth of its
client CPU per call. Everything else (routers, the embedded model, other providers, reasoning
models whose parameters litellm translates, unknown ``extra`` keys) goes through litellm as
before. ``PRODBENCH_CALL_PATH=litellm`` sends every call through litellm.

Errors are raised as exceptions named and numbered like litellm's (``RateLimitError`` 429,
``InternalServerError`` 500 for 5xx, malformed bodies and dropped connections, ``Timeout`` 408,
``NotFoundError`` 404, ...), with the response headers attached, so retries, ``Retry-After``,
error records and redaction (:mod:`prodbench.llm.retry`) treat both paths alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import weakref
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["CALL_PATH_ENV", "Endpoint", "FastOpenAI", "FastError", "fast_endpoint"]

CALL_PATH_ENV = "PRODBENCH_CALL_PATH"
FAST_PROVIDERS = ("openai", "hosted_vllm", "custom_openai", "ollama", "ollama_chat")
# parameters the chat-completions API takes as they are (litellm passes them through unchanged)
CHAT_PARAMS = frozenset({
    "temperature", "max_tokens", "seed", "top_p", "stop", "presence_penalty", "frequency_penalty", "n",
    "logit_bias", "user", "response_format", "logprobs", "top_logprobs", "tools", "tool_choice",
    "parallel_tool_calls", "max_completion_tokens",
})
# OpenAI models whose parameters litellm rewrites (max_tokens -> max_completion_tokens, ...)
_TRANSLATED = ("o1", "o3", "o4", "gpt-5")


@dataclass(frozen=True)
class Endpoint:
    """Where and how the fast path posts: URL, headers, the model name sent, the provider."""

    url: str
    headers: Mapping[str, str]
    model: str
    provider: str


def call_path() -> str:
    """``auto`` (the fast path where it applies) or ``litellm`` (every call), from the environment."""
    value = os.environ.get(CALL_PATH_ENV, "auto").strip().lower() or "auto"
    return "litellm" if value == "litellm" else "auto"


def fast_endpoint(model: str, connection: Mapping[str, Any], gen: Mapping[str, Any],
                  env: Mapping[str, str] | None = None) -> Endpoint | None:
    """The endpoint the fast path would call for a model, or None when litellm must.

    Args:
        model: The litellm model string (``provider/name``).
        connection: ``api_base``/``api_key`` resolved from the config.
        gen: The generation parameters sent with each call.
        env: The environment (default ``os.environ``).
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    if call_path() == "litellm" or "/" not in model:
        return None
    provider, name = model.split("/", 1)
    if provider not in FAST_PROVIDERS or not name or not set(gen) <= CHAT_PARAMS:
        return None
    base = connection.get("api_base")
    key = connection.get("api_key")
    if provider in ("openai", "custom_openai"):
        if provider == "openai" and name.startswith(_TRANSLATED):
            return None
        base = base or environ.get("OPENAI_BASE_URL") or environ.get("OPENAI_API_BASE")
        if provider == "openai":
            base = base or "https://api.openai.com/v1"
            key = key or environ.get("OPENAI_API_KEY")
    elif provider == "hosted_vllm":
        base = base or environ.get("HOSTED_VLLM_API_BASE")
        key = key or environ.get("HOSTED_VLLM_API_KEY") or "fake-api-key"
    else:  # ollama's OpenAI-compatible endpoint
        base = (base or environ.get("OLLAMA_API_BASE") or "http://localhost:11434").rstrip("/")
        base = base if base.endswith("/v1") else f"{base}/v1"
    if not base:
        return None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return Endpoint(f"{str(base).rstrip('/')}/chat/completions", headers, name, provider)


class FastError(Exception):
    """An error of the fast path; subclasses carry litellm's names, ``status_code`` and ``headers``."""

    status_code: int = 500

    def __init__(self, message: str, status_code: int | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code
        self.headers: Mapping[str, str] = headers or {}


def _error_class(name: str, status: int) -> type[FastError]:
    return type(name, (FastError,), {"status_code": status, "__module__": __name__})


_BY_STATUS = {400: _error_class("BadRequestError", 400), 401: _error_class("AuthenticationError", 401),
              403: _error_class("PermissionDeniedError", 403), 404: _error_class("NotFoundError", 404),
              422: _error_class("UnprocessableEntityError", 422), 429: _error_class("RateLimitError", 429),
              503: _error_class("ServiceUnavailableError", 503)}
InternalServerError = _error_class("InternalServerError", 500)
Timeout = _error_class("Timeout", 408)
APIError = _error_class("APIError", 500)


def _status_error(status: int, body: bytes, headers: Mapping[str, str]) -> FastError:
    """The exception for an HTTP error answer (the provider's message kept, as litellm does)."""
    try:
        parsed = orjson.loads(body)
        error = parsed.get("error") if isinstance(parsed, dict) else None
        message = str(error.get("message") if isinstance(error, dict) else error or parsed)
    except (orjson.JSONDecodeError, AttributeError):
        message = body.decode("utf-8", "replace").strip() or f"HTTP {status}"
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIError)
    return cls(f"{cls.__name__}: OpenAIException - {message}", status, headers)


class FastOpenAI:
    """Posts chat completions to one OpenAI-compatible endpoint (one aiohttp session per event loop).

    Args:
        endpoint: From :func:`fast_endpoint`.
        timeout_s: Per-request timeout.

    A session lives as long as its event loop: it is closed when ``asyncio.run`` shuts the loop
    down (through an async generator the loop finalises), or by :meth:`aclose`.
    """

    def __init__(self, endpoint: Endpoint, timeout_s: float) -> None:
        self.endpoint = endpoint
        self.timeout_s = float(timeout_s)
        self.proxy: str | None = None  # HTTP(S)_PROXY / NO_PROXY, read once (not twice per request)
        with contextlib.suppress(LookupError, ValueError):
            from aiohttp.helpers import get_env_proxy_for_url
            from yarl import URL

            proxy, _ = get_env_proxy_for_url(URL(endpoint.url))
            self.proxy = str(proxy)
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[Any, Any]] = (
            weakref.WeakKeyDictionary())
        self._last: tuple[asyncio.AbstractEventLoop, Any] | None = None  # the current loop's session, no lookup

    async def _session(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._last is not None and self._last[0] is loop and not self._last[1].closed:
            return self._last[1]
        held = self._sessions.get(loop)
        if held is not None and not held[0].closed:
            return held[0]
        import aiohttp

        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300), cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=self.timeout_s), skip_auto_headers=("User-Agent",))
        holder = _hold(session)
        await holder.__anext__()  # the loop now finalises it (closing the session) at shutdown
        self._sessions[loop] = (session, holder)
        self._last = (loop, session)
        return session

    async def aclose(self) -> None:
        """Close this event loop's session, if any."""
        held = self._sessions.pop(asyncio.get_running_loop(), None)
        self._last = None
        if held is not None:
            await held[1].aclose()

    async def __call__(self, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        """One chat completion: the parsed response body, with ``_headers`` (the response headers).

        Raises:
            FastError: Named like litellm's exception for the same failure.
        """
        import aiohttp

        session = await self._session()
        body = orjson.dumps({"model": self.endpoint.model, "messages": messages, **params})
        try:
            async with session.post(self.endpoint.url, data=body, headers=self.endpoint.headers,
                                    proxy=self.proxy) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except asyncio.TimeoutError:
            raise Timeout(f"Timeout: APITimeoutError - Request timed out. - timeout value={self.timeout_s:g}",
                          408) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise InternalServerError(f"InternalServerError: OpenAIException - Connection error. ({type(exc).__name__})",
                                      500) from None
        if status >= 400:
            raise _status_error(status, raw, headers)
        try:
            parsed = orjson.loads(raw)
            parsed["choices"][0]["message"]
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError) as exc:
            raise InternalServerError(f"InternalServerError: OpenAIException - {exc}", 500, headers) from None
        parsed["_headers"] = headers
        return parsed


async def _hold(session: Any) -> AsyncIterator[None]:
    """Keeps ``session`` until the event loop finalises this generator, then closes it."""
    try:
        yield
    finally:
        await session.close()
