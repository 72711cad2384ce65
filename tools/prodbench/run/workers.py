"""Spread one model's calls over forked worker processes (both cores).

litellm costs a few milliseconds of client CPU per call (openai SDK, httpx, pydantic), so
one process tops out at a few hundred calls per second while the GIL holds everything
else back. At high concurrency the run stage forks ``workers`` children *after* litellm
is imported (children inherit it: no second multi-second import) and gives each a
round-robin slice of the pending records and a share of the concurrency, so the total
number of calls in flight never exceeds ``concurrency``.

Each child appends its new cache entries to a log of its own
(``<writer>.w<i>.jsonl``, flushed per entry, so nothing finished is lost even if the parent
is killed) and sends each finished row over a pipe; the parent writes the journal and
drives the progress bar. A child dies with its parent (``PR_SET_PDEATHSIG``), so a killed
run leaves no orphan still calling the API. Records a child did not finish (it crashed)
are run again in the parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from prodbench.core.records import LoadedPrompt, RunRow
from prodbench.llm.config import ModelConfig, as_model_config
from prodbench.llm.fast_openai import fast_endpoint
from prodbench.run.progress import RunStats
from prodbench.run.runner import Runner, run_async

AUTO_MIN_CONCURRENCY = 4
AUTO_MIN_RECORDS = 64


def worker_count(setting: Any, concurrency: int, pending: int, model_cfg: ModelConfig | Mapping[str, Any]) -> int:
    """How many processes to use for ``pending`` records (1 = run in-process).

    ``auto`` forks only where it pays: at least 2 CPUs, concurrency >= 4, >= 64 records, and
    not for the embedded model (CPU-bound in llama.cpp already), a router (its rpm/tpm
    limits are per process) or a model on the fast path (one process already keeps up with a
    raw aiohttp loop; a second only adds start-up and contention, see docs/run.md).
    """
    config = as_model_config("model", model_cfg)
    if config.router is not None or config.is_embedded:
        return 1
    if not hasattr(os, "fork"):
        return 1
    if setting in (None, "auto"):
        if fast_endpoint(config.model, config.connection, config.gen) is not None:
            return 1
        if (os.cpu_count() or 1) < 2 or concurrency < AUTO_MIN_CONCURRENCY or pending < AUTO_MIN_RECORDS:
            return 1
        return 2
    return max(1, min(int(setting), concurrency, pending))


def _die_with_parent(parent_pid: int) -> None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        os._exit(1)


def _child(runner: Runner, part: list[LoadedPrompt], concurrency: int, conn: Connection, parent_pid: int,
           index: int, share: float) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports, children just stop
    runner.cache.fork_writer(f"w{index}")  # this child's own cache log: no lost entry if the parent dies
    runner.stats = RunStats(runner.stats.model)  # count only this child's work (sent at the end)
    runner.settings = replace(runner.settings, concurrency=concurrency)
    runner.client.pacer.share(share)  # this child's part of the model's rate limits
    runner.on_row = lambda row: conn.send(("row", row))
    runner.on_retry_hook = lambda: conn.send(("retry",))
    code = 0
    try:
        asyncio.run(run_async(runner, part))
        stats = runner.stats
        runner.cache.close()
        conn.send(("done", {"turns": stats.turns, "cache_hits": stats.cache_hits, "calls": stats.calls}))
    except BaseException:  # noqa: BLE001 - report through the exit code; the parent re-runs leftovers
        code = 1
    finally:
        with contextlib.suppress(Exception):
            conn.close()
        os._exit(code)  # skip inherited atexit handlers (litellm clients, rich, ...)


def run_forked(runner: Runner, todo: list[LoadedPrompt], workers: int,
               on_row: Callable[[RunRow], None]) -> list[RunRow]:
    """Run ``todo`` in ``workers`` forked children; ``on_row(row)`` is called in the parent per row.

    Returns:
        Rows the children finished (records they did not finish are left to the caller).
    """
    concurrency = runner.settings.concurrency
    parts = [todo[i::workers] for i in range(workers)]
    shares = [concurrency // workers + (1 if i < concurrency % workers else 0) for i in range(workers)]
    context = multiprocessing.get_context("fork")
    conns: list[Connection] = []
    procs = []
    parent_pid = os.getpid()
    gc.freeze()  # keep the garbage collector from touching (and so copying) the inherited heap in children
    for index, (part, share) in enumerate(zip(parts, shares, strict=True), start=1):
        if not part:
            continue
        receiver, sender = context.Pipe(duplex=False)
        proc = context.Process(target=_child, args=(runner, part, max(1, share), sender, parent_pid, index,
                                                     share / max(1, concurrency)),
                               daemon=True)
        proc.start()
        sender.close()
        conns.append(receiver)
        procs.append(proc)
    gc.unfreeze()
    rows: list[RunRow] = []
    stats = runner.stats
    try:
        while conns:
            for ready in wait(conns):
                conn = cast(Connection, ready)
                try:
                    message: tuple[Any, ...] = conn.recv()
                except (EOFError, OSError):
                    conns.remove(conn)
                    continue
                kind = message[0]
                if kind == "row":
                    row = cast(RunRow, message[1])
                    rows.append(row)
                    on_row(row)
                elif kind == "retry":
                    stats.retries += 1
                elif kind == "done":
                    for key, value in cast(dict[str, int], message[1]).items():
                        setattr(stats, key, getattr(stats, key) + value)
    finally:
        for proc in procs:
            if proc.is_alive() and conns:
                proc.terminate()
            proc.join(10)
    return rows
