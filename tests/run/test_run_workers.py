"""The async worker pool: a fatal error lets the calls in flight finish, starts no new one, is raised once."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest

from prodbench.core.errors import StorageError
from prodbench.run.runner import run_async


class _Runner:
    """The first prompt fails first, like a full disk; the others answer after ``delay`` (or fail too)."""

    def __init__(self, concurrency: int, *, others_fail: bool) -> None:
        self.settings = SimpleNamespace(concurrency=concurrency)
        self.others_fail = others_fail
        self.started: list[str] = []
        self.finished: list[str] = []
        self.closed = False
        self.client = SimpleNamespace(aclose=self._aclose)

    async def _aclose(self) -> None:
        self.closed = True

    def on_row(self, row: str) -> None:
        self.finished.append(row)

    async def generate_row(self, record: str) -> str:
        self.started.append(record)
        if record == "p0":
            await asyncio.sleep(0.01)  # every worker has a call in flight by now
            raise StorageError("p0: cannot write the response cache")
        await asyncio.sleep(0.05)
        if self.others_fail:
            raise StorageError(f"{record}: cannot write the response cache")
        return record


def test_the_calls_in_flight_finish_and_no_new_prompt_starts_after_a_fatal_error():
    runner = _Runner(concurrency=4, others_fail=False)
    with pytest.raises(StorageError, match="p0"):
        asyncio.run(run_async(runner, [f"p{i}" for i in range(20)]))  # type: ignore[arg-type]
    assert runner.started == ["p0", "p1", "p2", "p3"]
    assert sorted(runner.finished) == ["p1", "p2", "p3"]  # paid answers in flight are not thrown away
    assert runner.closed


def test_several_workers_failing_raise_the_first_error_and_log_no_unhandled_task(caplog):
    runner = _Runner(concurrency=4, others_fail=True)
    with caplog.at_level(logging.ERROR, logger="asyncio"), pytest.raises(StorageError, match="p0"):
        asyncio.run(run_async(runner, [f"p{i}" for i in range(20)]))  # type: ignore[arg-type]
    assert len(runner.started) == 4 and runner.finished == []
    assert not [r for r in caplog.records if "unhandled" in r.getMessage() or "never retrieved" in r.getMessage()]
