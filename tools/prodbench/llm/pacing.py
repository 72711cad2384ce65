"""Pacing to a provider's rate limits: request and token buckets plus AIMD concurrency, per model.

One :class:`Pacer` per model client sits in front of every attempt
(:func:`prodbench.llm.client.call_with_retries`):

* **Configured limits.** ``rpm``/``tpm`` in the model config start two GCRA buckets (requests
  and estimated tokens per second, evenly spaced, no burst), so a run never asks faster than
  the limit.
* **Learned limits.** ``x-ratelimit-limit-requests``/``-tokens`` (per minute, the OpenAI
  convention) start the same buckets when the config sets none; ``x-ratelimit-remaining-*`` at
  zero holds every call until ``x-ratelimit-reset-*``. Until the first answer shows whether
  such headers exist (or for at most 3 s), at most :data:`INITIAL_WINDOW` calls are in
  flight (one round trip, once per client).
* **429s.** A rate-limited answer halves the concurrency limit (multiplicative decrease), holds
  every call for its ``Retry-After`` (or the reset time), and each success adds ``1/limit``
  back (additive increase) up to the run's concurrency.

With no limit configured, no rate-limit header and no 429, :meth:`Pacer.acquire` only counts.
Forked workers (:mod:`prodbench.run.workers`) each get a :meth:`Pacer.share` of the limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["Pacer", "parse_reset", "rate_headers"]

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PREFIX = "llm_provider-"
MARGIN = 0.98  # ask at 98 % of a limit: clocks and arrival jitter never cross it
INITIAL_WINDOW = 4  # calls in flight before the first answer (and its headers) arrives
PROBE_S = 3.0  # longest the initial window holds if the first answer is slow


def parse_reset(value: str | None) -> float | None:
    """Seconds of a reset header: ``"20ms"``, ``"1s"``, ``"6m0s"``, ``"0.5"`` (None if unreadable)."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts:
        return None
    return sum(float(number) * _UNIT[unit] for number, unit in parts)


def rate_headers(source: Any) -> dict[str, str]:
    """The rate-limit and ``Retry-After`` headers of a response or an error, lower-cased.

    Reads the fast path's ``_headers`` / ``headers``, an HTTP response's ``headers`` and
    litellm's ``additional_headers`` (``llm_provider-`` prefix dropped).
    """
    candidates: list[Any] = []
    if isinstance(source, dict):
        candidates.append(source.get("_headers"))
    else:
        hidden = getattr(source, "_hidden_params", None)
        if isinstance(hidden, dict):
            candidates.append(hidden.get("additional_headers"))
        response = getattr(source, "response", None)
        candidates += [getattr(response, "headers", None), getattr(source, "litellm_response_headers", None),
                       getattr(source, "headers", None)]
    out: dict[str, str] = {}
    for headers in candidates:
        if not headers:
            continue
        try:
            items = list(headers.items())
        except AttributeError:
            continue
        for name, value in items:
            lower = str(name).lower()
            if lower.startswith(_PREFIX):
                lower = lower[len(_PREFIX):]
            if lower.startswith("x-ratelimit-") or lower.startswith("retry-after"):
                out.setdefault(lower, str(value))
    return out


class _Bucket:
    """GCRA: calls spaced at ``rate`` units per second, no burst."""

    def __init__(self, per_minute: float) -> None:
        self.rate = per_minute / 60.0
        self.tat = 0.0  # theoretical arrival time of the next unit

    def reserve(self, now: float, cost: float) -> float:
        """Reserve ``cost`` units; returns when the call may start."""
        start = max(now, self.tat)
        self.tat = start + cost / self.rate
        return start


class Pacer:
    """Paces one model's calls (see the module docstring).

    Args:
        concurrency: The run's concurrency (the AIMD ceiling).
        rpm: Requests per minute the config allows (None: learn from headers).
        tpm: Tokens per minute the config allows (None: learn from headers).
    """

    def __init__(self, concurrency: int, rpm: int | None = None, tpm: int | None = None) -> None:
        self.ceiling = max(1, int(concurrency))
        self.limit = float(self.ceiling)
        self.rpm, self.tpm = rpm, tpm
        self.fraction = 1.0
        self.requests: _Bucket | None = _Bucket(rpm * MARGIN) if rpm else None
        self.tokens: _Bucket | None = _Bucket(tpm * MARGIN) if tpm else None
        self.hold_until = 0.0
        self.probing = rpm is None and tpm is None  # a small window until headers are known
        self.probe_start: float | None = None
        self.paced = not self.probing
        self.in_flight = 0
        self.rate_limited = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def share(self, fraction: float) -> None:
        """Use ``fraction`` of every limit (a forked worker's part of the model's limits)."""
        self.fraction = fraction
        self.ceiling = max(1, round(self.ceiling * fraction)) if fraction < 1 else self.ceiling
        self.limit = min(self.limit, float(self.ceiling))
        for bucket in (self.requests, self.tokens):
            if bucket is not None:
                bucket.rate *= fraction

    def _event(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._wake is None:
            self._loop, self._wake, self.in_flight = loop, asyncio.Event(), 0
        return self._wake

    async def acquire(self, tokens: float = 0.0) -> None:
        """Wait until a call may start (``tokens``: its estimated tokens, for a tokens limit)."""
        wake = self._event()
        if not self.paced and not self.probing and self.limit >= self.ceiling:
            self.in_flight += 1
            return
        while True:
            now = time.monotonic()
            if self.probing:
                self.probe_start = self.probe_start or now
                if now - self.probe_start > PROBE_S:
                    self.probing = False
            cap = min(INITIAL_WINDOW, self.ceiling) if self.probing else max(1, int(self.limit))
            if self.in_flight < cap and now >= self.hold_until:
                break
            wake.clear()
            delay = self.hold_until - now if self.in_flight < cap else (PROBE_S if self.probing else None)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), delay if delay and delay > 0 else None)
        self.in_flight += 1
        start = now
        if self.requests is not None:
            start = max(start, self.requests.reserve(now, 1.0))
        if self.tokens is not None and tokens > 0:
            start = max(start, self.tokens.reserve(now, tokens))
        if start > now:
            await asyncio.sleep(start - now)

    def release(self, headers: Mapping[str, str], *, rate_limited: bool, retry_after: float | None = None) -> None:
        """Account for a finished attempt: its headers and whether it was a 429.

        Token estimates are not corrected by the usage the answer reports: providers count
        ``max_tokens`` against the limit when the request arrives, as the estimate does.
        """
        self.in_flight = max(0, self.in_flight - 1)
        now = time.monotonic()
        self._learn(headers, now)
        if rate_limited:
            self.rate_limited += 1
            self.paced = True
            self.limit = max(1.0, min(self.limit, self.in_flight + 1.0) / 2.0)
            wait = retry_after if retry_after is not None else parse_reset(headers.get("x-ratelimit-reset-requests"))
            self.hold_until = max(self.hold_until, now + (wait if wait is not None else 1.0))
        elif self.limit < self.ceiling:
            self.limit = min(float(self.ceiling), self.limit + 1.0 / max(1.0, self.limit))
        self.probing = False
        if self._wake is not None:
            self._wake.set()

    def _learn(self, headers: Mapping[str, str], now: float) -> None:
        """Start buckets from limit headers; hold calls while a remaining count is zero."""
        if not headers:
            return
        for kind in ("requests", "tokens"):
            limit = _number(headers.get(f"x-ratelimit-limit-{kind}"))
            if limit and getattr(self, kind) is None and (self.rpm if kind == "requests" else self.tpm) is None:
                bucket = _Bucket(limit * MARGIN)
                bucket.rate *= self.fraction
                bucket.tat = now + self.in_flight / bucket.rate if kind == "requests" else now  # the calls out now
                setattr(self, kind, bucket)
                self.paced = True
            remaining = _number(headers.get(f"x-ratelimit-remaining-{kind}"))
            if remaining is not None and remaining <= 0:
                reset = parse_reset(headers.get(f"x-ratelimit-reset-{kind}"))
                if reset:
                    self.hold_until = max(self.hold_until, now + reset)
                    self.paced = True


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
