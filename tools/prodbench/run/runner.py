"""One model's rows: each generated turn from the cache or through the model client.

:class:`Runner` turns a prompt into a result row: every ``content: null`` assistant turn
(and a trailing user turn) is generated in order with the conversation so far, the model's
own earlier turns included, each looked up in the response cache first.
:func:`run_async` drives ``concurrency`` async workers over a list of prompts; the forked
workers (:mod:`prodbench.run.workers`) run it in each child.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from prodbench.core.records import LoadedPrompt, RunError, RunRow, Turn, build_run_row
from prodbench.llm.cache import ResponseCache
from prodbench.llm.client import LLMClient
from prodbench.llm.config import ModelConfig, RunSettings
from prodbench.run.progress import RunStats


def generated_turns(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """Messages with a trailing user turn completed by a placeholder, and the indices to generate."""
    messages = list(messages)
    if messages and messages[-1].get("role") == "user":
        messages.append({"role": "assistant", "content": None})
    indices = [i for i, m in enumerate(messages) if m.get("role") == "assistant" and m.get("content") is None]
    return messages, indices


class Runner:
    """State of one model run (one event loop; copied into forked workers).

    Args:
        config: The model.
        settings: Its run settings.
        cache: Its response cache.
        stats: Counters to fill.

    Attributes:
        on_row: Called with each finished row (journal, progress bar, pipe to the parent).
        on_retry_hook: Called before each retry instead of counting it (forked workers).
    """

    def __init__(self, config: ModelConfig, settings: RunSettings, cache: ResponseCache, stats: RunStats) -> None:
        self.config = config
        self.settings = settings
        self.stats = stats
        self.client = LLMClient(config, settings.retry, cache=cache, concurrency=settings.concurrency)
        self.on_row: Callable[[RunRow], None] | None = None
        self.on_retry_hook: Callable[[], None] | None = None

    @property
    def cache(self) -> ResponseCache:
        """The response cache."""
        assert self.client.cache is not None
        return self.client.cache

    def setup(self) -> None:
        """Set up the client's call path before any call (and before forking workers)."""
        self.client.setup()

    async def generate_row(self, record: LoadedPrompt) -> RunRow:
        """The row of ``record``: cached turns reused, the others generated (stops at the first error)."""
        messages, indices = generated_turns(self.config.base_messages(record.messages))
        turns: list[Turn] = []
        attempts = 0
        error: RunError | None = None
        for index in indices:
            context = messages[:index]
            self.stats.turns += 1
            outcome = await self.client.complete(context, key=self.client.key(context), on_retry=self._on_retry)
            if outcome.cached:
                self.stats.cache_hits += 1
            else:
                self.stats.calls += 1
                attempts += outcome.attempts
            if outcome.response is None:
                error = cast(RunError, outcome.error)
                break
            turn = cast(Turn, {**outcome.response, "cached": outcome.cached})
            turns.append(turn)
            messages[index] = {"role": "assistant", "content": turn["content"]}
        return build_run_row(record, self.config.name, self.config.hash, turns, attempts=attempts, error=error)

    def cached_turns(self, record: LoadedPrompt) -> tuple[list[Turn], int]:
        """The leading turns of ``record`` found in the cache, and how many turns it has (no litellm)."""
        messages, indices = generated_turns(self.config.base_messages(record.messages))
        turns: list[Turn] = []
        for index in indices:
            hit = self.client.cached(self.client.key(messages[:index]))
            if hit is None:
                break
            turns.append(cast(Turn, {**hit, "cached": True}))
            messages[index] = {"role": "assistant", "content": hit.get("content")}
        return turns, len(indices)

    def cached_row(self, record: LoadedPrompt) -> RunRow | None:
        """The row built from the cache alone if every turn is cached, else None (no litellm)."""
        turns, total = self.cached_turns(record)
        if len(turns) != total:
            return None
        self.stats.turns += len(turns)
        self.stats.cache_hits += len(turns)
        return build_run_row(record, self.config.name, self.config.hash, turns)

    def _on_retry(self, _error_type: str) -> None:
        if self.on_retry_hook is not None:
            self.on_retry_hook()
        else:
            self.stats.retries += 1


async def run_async(runner: Runner, todo: list[LoadedPrompt]) -> list[RunRow]:
    """Generate ``todo`` with ``concurrency`` async workers; ``runner.on_row`` sees each row."""
    queue: asyncio.Queue[LoadedPrompt] = asyncio.Queue()
    for record in todo:
        queue.put_nowait(record)
    rows: list[RunRow] = []

    stopped = False

    async def worker() -> None:
        nonlocal stopped
        while not stopped:
            try:
                record = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                row = await runner.generate_row(record)
            except BaseException:
                stopped = True  # the others finish the call in flight (it is paid) but take no new prompt
                raise
            rows.append(row)
            if runner.on_row is not None:
                runner.on_row(row)

    workers = max(1, min(runner.settings.concurrency, len(todo)))
    try:
        # every worker's outcome is collected, so a second failure is not logged as an unhandled
        # task exception (with a traceback) while the first one is being reported
        outcomes = await asyncio.gather(*(worker() for _ in range(workers)), return_exceptions=True)
    finally:
        await runner.client.aclose()
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failures:
        raise failures[0]
    return rows
