"""A local OpenAI-compatible chat-completions server for tests and benchmarks.

It speaks just enough HTTP/1.1 (keep-alive, ``Content-Length`` bodies) on
127.0.0.1 with an ephemeral port to serve ``POST /v1/chat/completions`` (and
``GET /v1/models``), so tests exercise litellm's real HTTP path without network.

Features:
    * deterministic answers: a callable ``responder(body) -> str | dict`` (default:
      ``"Answer to: <last user message>"``); a dict may set ``content``,
      ``finish_reason`` and ``usage``;
    * counters: ``total_calls``, ``calls_by_prompt`` (keyed by the last user message),
      ``requests`` (every parsed request body, in arrival order), ``request_times``;
    * configurable latency (seconds, per request);
    * failure injection with :meth:`LLMServer.fail`: ``"429"`` (with ``Retry-After``),
      ``"500"``, ``"hang"`` (never answers; the client must time out), ``"malformed"``
      (200 with a truncated JSON body) and ``"disconnect"`` (closes the socket);
    * provider-style rate limits with :meth:`LLMServer.limit` (requests and tokens per minute,
      token buckets refilled continuously): a request over a limit gets 429 with
      ``Retry-After``/``retry-after-ms``; every answer carries OpenAI's
      ``x-ratelimit-limit-*``, ``x-ratelimit-remaining-*`` and ``x-ratelimit-reset-*`` headers.

Use from pytest (the module is importable as ``llm_server`` from test files in tests/)::

    from llm_server import LLMServer

    def test_something():
        with LLMServer(latency=0.01) as server:
            server.fail("429", times=2, retry_after=0.1)
            litellm.completion(model="openai/test-model", api_base=server.api_base,
                               api_key="test", messages=[{"role": "user", "content": "hi"}])
            assert server.total_calls == 3

or the ready-made fixture (``from llm_server import llm_server`` in a test module, then
take ``llm_server`` as an argument).

Point litellm at it with: model ``"openai/<any name>"``, ``api_base=server.api_base``
(``"http://127.0.0.1:PORT/v1"``) and ``api_key="test"``. In params.yaml::

    models:
      fake:
        model: openai/fake
        api_base: http://127.0.0.1:PORT/v1   # or api_base_env: NAME_OF_ENV_VAR
        api_key_env: FAKE_KEY                # the variable must be set (any value)

Run standalone (a separate process keeps its CPU off the client's core)::

    python tests/llm_server.py --latency 0.05      # prints "PORT <n>" then serves
    python tests/llm_server.py --latency 0.05 --rpm 600   # 600 requests/minute, 1 s of burst

``GET /stats`` returns ``{"total_calls": n, "faults_served": {...}, "rate_limited": n}`` for
callers in another process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Responder = Callable[[dict[str, Any]], "str | dict[str, Any]"]
FAULT_KINDS = ("429", "500", "hang", "malformed", "disconnect")


def last_user_message(body: dict[str, Any]) -> str:
    """The content of the last ``user`` message of a chat request ("" if none)."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # content parts
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def default_responder(body: dict[str, Any]) -> str:
    """Deterministic answer: ``"Answer to: <last user message>"``."""
    return f"Answer to: {last_user_message(body)}"


@dataclass
class FaultRule:
    """One failure-injection rule (see :meth:`LLMServer.fail`)."""

    kind: str
    times: int | None = 1
    match: str | Callable[[dict[str, Any]], bool] | None = None
    retry_after: float | None = 1.0
    hits: int = 0

    def applies(self, body: dict[str, Any]) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.match is None:
            return True
        if callable(self.match):
            return bool(self.match(body))
        return self.match in last_user_message(body)


@dataclass
class RateLimit:
    """Requests and tokens per minute, as token buckets holding ``burst_s`` seconds of each."""

    rpm: float | None = None
    tpm: float | None = None
    burst_s: float = 1.0
    requests: float = 0.0
    tokens: float = 0.0
    stamp: float = 0.0

    def __post_init__(self) -> None:
        self.requests, self.tokens, self.stamp = self._cap(self.rpm), self._cap(self.tpm), time.monotonic()

    def _cap(self, per_minute: float | None) -> float:
        return max(1.0, per_minute / 60.0 * self.burst_s) if per_minute else 0.0

    def admit(self, cost: float) -> tuple[bool, dict[str, str]]:
        """Take one request costing ``cost`` tokens if both buckets allow; the headers to send."""
        now = time.monotonic()
        elapsed, self.stamp = now - self.stamp, now
        if self.rpm:
            self.requests = min(self._cap(self.rpm), self.requests + elapsed * self.rpm / 60.0)
        if self.tpm:
            self.tokens = min(self._cap(self.tpm), self.tokens + elapsed * self.tpm / 60.0)
        wait = 0.0
        if self.rpm and self.requests < 1.0:
            wait = (1.0 - self.requests) / (self.rpm / 60.0)
        if self.tpm and self.tokens < min(cost, self._cap(self.tpm)):
            wait = max(wait, (min(cost, self._cap(self.tpm)) - self.tokens) / (self.tpm / 60.0))
        admitted = wait == 0.0
        if admitted:
            self.requests -= 1.0 if self.rpm else 0.0
            self.tokens -= cost if self.tpm else 0.0
        headers: dict[str, str] = {}
        for kind, limit, left in (("requests", self.rpm, self.requests), ("tokens", self.tpm, self.tokens)):
            if limit:
                reset = (self._cap(limit) - left) / (limit / 60.0)
                headers.update({f"x-ratelimit-limit-{kind}": f"{limit:g}",
                                f"x-ratelimit-remaining-{kind}": str(max(0, int(left))),
                                f"x-ratelimit-reset-{kind}": f"{reset:.3f}s"})
        if not admitted:
            headers.update({"retry-after": f"{wait:.3f}", "retry-after-ms": str(max(1, round(wait * 1000)))})
        return admitted, headers


@dataclass
class _State:
    total_calls: int = 0
    calls_by_prompt: Counter = field(default_factory=Counter)
    requests: list[dict[str, Any]] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)
    faults_served: Counter = field(default_factory=Counter)
    rate_limited: int = 0


class LLMServer:
    """An OpenAI-compatible chat-completions server running in a background thread.

    Args:
        responder: ``body -> str | dict``; the answer for a request (default:
            :func:`default_responder`). A dict may carry ``content``, ``finish_reason``,
            ``usage``.
        latency: Seconds to wait before answering each request (or a callable
            ``body -> seconds``).
        host: Interface to bind (127.0.0.1).
        port: Port (0 = ephemeral; read :attr:`port` after start).
        record_requests: Keep every parsed request body in :attr:`requests`.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        latency: float | Callable[[dict[str, Any]], float] = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        record_requests: bool = True,
    ) -> None:
        self.responder = responder or default_responder
        self.latency = latency
        self.host = host
        self.port = port
        self.record_requests = record_requests
        self._rules: list[FaultRule] = []
        self._limit: RateLimit | None = None
        self._state = _State()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task] = set()

    # ----------------------------------------------------------------- public API
    @property
    def api_base(self) -> str:
        """Base URL for litellm/openai clients: ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def total_calls(self) -> int:
        """Chat-completion requests received (including failed/injected ones)."""
        return self._state.total_calls

    @property
    def calls_by_prompt(self) -> Counter:
        """Requests per last user message."""
        return self._state.calls_by_prompt

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Parsed request bodies in arrival order."""
        return self._state.requests

    @property
    def request_times(self) -> list[float]:
        """``time.monotonic()`` at the arrival of each chat request, in order."""
        return self._state.request_times

    @property
    def faults_served(self) -> Counter:
        """How many injected faults of each kind were served."""
        return self._state.faults_served

    @property
    def rate_limited(self) -> int:
        """Requests answered 429 by the rate limit of :meth:`limit` (injected 429s not included)."""
        return self._state.rate_limited

    def limit(self, rpm: float | None = None, tpm: float | None = None, burst_s: float = 1.0) -> RateLimit:
        """Enforce provider-style rate limits from now on (None for both: no limit).

        Args:
            rpm: Requests per minute.
            tpm: Tokens per minute (prompt words + ``max_tokens``, default 16, per request).
            burst_s: Seconds of each limit the buckets hold (requests allowed at once).

        Returns:
            The limit (its buckets; replaced by the next call).
        """
        with self._lock:
            self._limit = RateLimit(rpm, tpm, burst_s) if (rpm or tpm) else None
            return self._limit  # type: ignore[return-value]

    def reset_counters(self) -> None:
        """Zero every counter and forget recorded requests."""
        with self._lock:
            self._state = _State()

    def fail(
        self,
        kind: str,
        times: int | None = 1,
        match: str | Callable[[dict[str, Any]], bool] | None = None,
        retry_after: float | None = 1.0,
    ) -> FaultRule:
        """Inject a failure for the next matching requests.

        Args:
            kind: ``"429"``, ``"500"``, ``"hang"``, ``"malformed"`` or ``"disconnect"``.
            times: How many requests to fail (None = every matching request).
            match: Substring of the last user message, or a predicate on the body,
                selecting which requests fail (None = any).
            retry_after: ``Retry-After`` header value in seconds for 429 (None = omit).

        Returns:
            The rule (its ``hits`` attribute counts the failures served).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
        rule = FaultRule(kind, times, match, retry_after)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear_faults(self) -> None:
        """Remove every failure-injection rule."""
        with self._lock:
            self._rules.clear()

    def start(self) -> LLMServer:
        """Start serving in a daemon thread; returns self once the port is bound."""
        self._thread = threading.Thread(target=self._run_thread, name="llm-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("llm test server did not start")
        return self

    def stop(self) -> None:
        """Stop the server and its thread (pending hung requests are cancelled)."""
        if self._loop is None:
            return
        loop = self._loop

        async def _shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            loop.stop()

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(_shutdown(), loop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = None

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- internals
    def _run_thread(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle_connection, self.host, self.port, backlog=1024)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(self._server.wait_closed())
            loop.close()

    async def _handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                try:
                    method, path, _ = request_line.decode("latin-1").split(" ", 2)
                except ValueError:
                    return
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                raw = await reader.readexactly(length) if length else b""
                keep = await self._dispatch(method, path.split("?", 1)[0], raw, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            if task is not None:
                self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    def _send(writer: asyncio.StreamWriter, status: str, body: bytes, extra: dict[str, str] | None = None) -> None:
        head = [f"HTTP/1.1 {status}", "Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    async def _dispatch(self, method: str, path: str, raw: bytes, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; return False to close the connection."""
        if method == "GET" and path == "/stats":  # counters for out-of-process users (bench/)
            stats = {"total_calls": self.total_calls, "faults_served": dict(self.faults_served),
                     "rate_limited": self.rate_limited}
            self._send(writer, "200 OK", json.dumps(stats).encode("utf-8"))
            await writer.drain()
            return True
        if method == "GET" and path in ("/v1/models", "/models"):
            self._send(writer, "200 OK", b'{"object": "list", "data": [{"id": "test-model", "object": "model"}]}')
            await writer.drain()
            return True
        if method != "POST" or path not in ("/v1/chat/completions", "/chat/completions"):
            self._send(writer, "404 Not Found", b'{"error": {"message": "not found", "type": "not_found"}}')
            await writer.drain()
            return True
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(writer, "400 Bad Request", b'{"error": {"message": "bad json", "type": "invalid_request_error"}}')
            await writer.drain()
            return True
        with self._lock:
            state = self._state
            state.total_calls += 1
            state.calls_by_prompt[last_user_message(body)] += 1
            state.request_times.append(time.monotonic())
            if self.record_requests:
                state.requests.append(body)
            rule = next((r for r in self._rules if r.applies(body)), None)
            if rule is not None:
                rule.hits += 1
                state.faults_served[rule.kind] += 1
            limit_headers: dict[str, str] = {}
            if rule is None and self._limit is not None:
                cost = sum(len(str(m.get("content") or "").split()) for m in body.get("messages") or [])
                admitted, limit_headers = self._limit.admit(cost + int(body.get("max_tokens") or 16))
                if not admitted:
                    state.rate_limited += 1
                    error = b'{"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}}'
                    self._send(writer, "429 Too Many Requests", error, limit_headers)
                    await writer.drain()
                    return True
        latency = self.latency(body) if callable(self.latency) else self.latency
        if latency:
            await asyncio.sleep(latency)
        if rule is not None:
            return await self._serve_fault(rule, writer)
        try:
            answer = self.responder(body)
        except Exception as exc:  # a broken responder is a 500, not a dead connection
            error = {"error": {"message": f"responder failed: {exc!r}", "type": "server_error"}}
            self._send(writer, "500 Internal Server Error", json.dumps(error).encode("utf-8"))
            await writer.drain()
            return True
        if isinstance(answer, str):
            answer = {"content": answer}
        content = answer.get("content", "")
        prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in body.get("messages") or [])
        completion_tokens = len(str(content or "").split())
        payload = {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": answer.get("finish_reason", "stop"),
                }
            ],
            "usage": answer.get("usage")
            or {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        self._send(writer, "200 OK", json.dumps(payload).encode("utf-8"), limit_headers)
        await writer.drain()
        return True

    async def _serve_fault(self, rule: FaultRule, writer: asyncio.StreamWriter) -> bool:
        if rule.kind == "429":
            extra = {} if rule.retry_after is None else {"Retry-After": f"{rule.retry_after:g}"}
            body = b'{"error": {"message": "Rate limit reached (injected)", "type": "rate_limit_error", "code": "rate_limit_exceeded"}}'
            self._send(writer, "429 Too Many Requests", body, extra)
        elif rule.kind == "500":
            body = b'{"error": {"message": "Internal server error (injected)", "type": "server_error"}}'
            self._send(writer, "500 Internal Server Error", body)
        elif rule.kind == "malformed":
            self._send(writer, "200 OK", b'{"id": "chatcmpl-broken", "choices": [{"message": ')
        elif rule.kind == "disconnect":
            return False
        elif rule.kind == "hang":
            await asyncio.sleep(3600)
            return False
        await writer.drain()
        return True


try:  # a ready-made fixture for test modules: `from llm_server import llm_server`
    import pytest

    @pytest.fixture
    def llm_server():
        """A started :class:`LLMServer` (no latency), stopped after the test."""
        with LLMServer() as server:
            yield server

except ImportError:  # pragma: no cover - pytest is not needed to run the server standalone
    pass


def main(argv: list[str] | None = None) -> None:
    """Serve until killed; print ``PORT <n>`` on stdout once listening."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--rpm", type=float, default=None, help="requests per minute (429 above)")
    parser.add_argument("--tpm", type=float, default=None, help="tokens per minute (429 above)")
    parser.add_argument("--burst-s", type=float, default=1.0, help="seconds of each limit allowed at once")
    args = parser.parse_args(argv)
    server = LLMServer(latency=args.latency, host=args.host, port=args.port, record_requests=False).start()
    server.limit(args.rpm, args.tpm, args.burst_s)
    print(f"PORT {server.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
