"""The run stage: every prompt through one model, cached per turn, resumable.

Python API (used by ``prodbench run``, ``diff`` and tests)::

    records = build_records(project, params)                   # golden + current rotating
    rows = run_model(records, "smollm2-plain", params["models"]["smollm2-plain"],
                     params.get("run"), project.cache_dir / "responses")

``cache_dir`` is the responses root; the model's cache is ``cache_dir/<model_name>/``.

How a run proceeds:
    1. :func:`prepare_run` checks the env vars the config names, loads the cache once and
       splits the records: rows whose every turn is cached are built from the cache without
       importing litellm. With the cache off (``--no-cache``/``--refresh``), rows in the
       journal (written by an interrupted run with the same prompt and config hashes) are
       reused instead.
    2. :meth:`ModelRun.execute` runs the others, after
       :meth:`~prodbench.llm.config.ModelConfig.preflight` (unknown model/provider, missing API
       key: fail fast, before any call), on ``concurrency`` async workers
       (:mod:`prodbench.run.runner`), in forked processes where that pays
       (:mod:`prodbench.run.workers`).
    3. Each finished call is appended to the cache (flushed) and, with the cache off, each
       finished row to the journal (:mod:`prodbench.run.journal`), so Ctrl-C or a crash
       loses nothing; the caller writes the final sorted file atomically and deletes the
       journal.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.fsutil import check_writable, confine, exclusive_lock
from prodbench.core.limits import warn
from prodbench.core.prompts import content_hash, load_prompts
from prodbench.core.records import LoadedPrompt, RunRow
from prodbench.core.secrets import redact_obj, register_config, secret_values
from prodbench.llm.cache import DEFAULT_WRITER, ResponseCache
from prodbench.llm.config import ModelConfig, RunSettings, as_model_config
from prodbench.run.journal import Journal, load_journal
from prodbench.run.progress import Progress, RunStats
from prodbench.run.runner import Runner, generated_turns, run_async
from prodbench.run.shards import merge_shards, select_shard, shard_suffix
from prodbench.run.workers import run_forked, worker_count

__all__ = ["ModelRun", "RunStats", "build_records", "generated_turns", "merge_shards", "prepare_run", "run_model",
           "select_shard", "shard_suffix"]

SYNC_INTERVAL_S = 1.0


def build_records(project: Any, params: dict[str, Any], shard: tuple[int, int] | None = None
                  ) -> list[LoadedPrompt]:
    """Load golden + current rotating prompts, optionally one shard of them."""
    records = load_prompts(project, params)
    if shard is not None:
        records = select_shard(records, shard)
    return records


@dataclass
class ModelRun:
    """One model's run, prepared: what the cache (or journal) already answers and what is left.

    Attributes:
        records: Every prompt of the run.
        runner: The model's runner (client, cache, counters).
        done: Rows already available (cache or journal), by id.
        todo: Prompts that need at least one call.
        journal_path: The journal (None with the cache on: the cache is the journal).
        prepare_s: Seconds spent preparing (part of the reported wall time).
    """

    records: list[LoadedPrompt]
    runner: Runner
    done: dict[str, RunRow] = field(default_factory=dict)
    todo: list[LoadedPrompt] = field(default_factory=list)
    journal_path: Path | None = None
    prepare_s: float = 0.0

    @property
    def config(self) -> ModelConfig:
        """The model."""
        return self.runner.config

    @property
    def stats(self) -> RunStats:
        """The run's counters."""
        return self.runner.stats

    def execute(self, show_progress: bool | None = None) -> list[RunRow]:
        """Run the pending prompts and return every row, sorted by id (the cache is closed after).

        Raises:
            UserError: Unknown model/provider or missing API key (before any call).
        """
        if not self.todo:
            return self._execute(show_progress)
        cache = self.runner.cache
        if cache.write_enabled:
            check_writable(cache.directory, "response cache")  # before the first paid call
        if self.journal_path is not None:
            check_writable(self.journal_path.parent, "run journal")
        lock = cache.directory.parent / f".{cache.directory.name}.{cache.writer_path.stem}.lock"
        with exclusive_lock(lock, on_wait=lambda: warn(f"{lock.parent}: another run is using the "
                                                       f"{cache.directory.name} cache; waiting for it")):
            # what another run saved since this one loaded the cache (it may have finished before
            # this run reached the lock, so waiting is not the test) is not paid again
            if cache.reload_if_changed():
                self._take_cached()
            return self._execute(show_progress)

    def _take_cached(self) -> None:
        """Move to-do records whose every turn is now cached to ``done``."""
        todo = []
        for record in self.todo:
            row = self.runner.cached_row(record)
            if row is None:
                todo.append(record)
            else:
                self.done[record.id] = row
        self.todo = todo

    def _execute(self, show_progress: bool | None) -> list[RunRow]:
        start = time.perf_counter()
        runner, stats, todo = self.runner, self.runner.stats, list(self.todo)
        if todo:
            self.config.preflight()  # litellm is imported only when a call is needed
            runner.setup()
        if show_progress is None:
            show_progress = sys.stderr.isatty()
        progress = Progress(stats, len(self.records), bool(show_progress))
        if self.done:
            progress.advance(len(self.done))
        journal = Journal(self.journal_path) if self.journal_path is not None else None
        new_rows: list[RunRow] = []
        try:
            last_sync = time.monotonic()

            def record_row(row: RunRow) -> None:
                nonlocal last_sync
                error = row["error"]
                if error is not None:
                    stats.failed += 1
                    kind = str(error.get("type"))
                    stats.errors[kind] = stats.errors.get(kind, 0) + 1
                if journal is not None:
                    journal.write(row)
                progress.advance()
                now = time.monotonic()
                if now - last_sync > SYNC_INTERVAL_S:
                    last_sync = now
                    runner.cache.sync()

            if todo:
                settings = runner.settings
                workers = worker_count(settings.workers, settings.concurrency, len(todo), self.config)
                if workers > 1:
                    new_rows = run_forked(runner, todo, workers, record_row)
                    finished = {row["id"] for row in new_rows}
                    todo = [r for r in todo if r.id not in finished]  # left by a failed worker
                    if todo:
                        new_rows += self._after_failed_workers(todo, record_row)
                        todo = [r for r in todo if r.id not in {row["id"] for row in new_rows}]
                if todo:
                    runner.on_row = record_row
                    new_rows += asyncio.run(run_async(runner, todo))
        finally:
            progress.stop()
            runner.cache.close()
            if journal is not None:
                journal.close()
        rows = {**self.done, **{row["id"]: row for row in new_rows}}
        stats.wall_s = self.prepare_s + time.perf_counter() - start
        values = secret_values()  # rows are written by the caller: no key value leaves this stage
        return [redact_obj(rows[rid], values) for rid in sorted(rows)]


    def _after_failed_workers(self, todo: list[LoadedPrompt], record_row: Any) -> list[RunRow]:
        """Rows of records a worker did not finish, from what the workers saved; never a second call.

        A worker's answered calls are in its own cache log, so they are read back first. The
        parent never sends a stopped worker's prompts again (its in-flight calls were paid): if
        any is left, the run stops cleanly — with the storage error when the cache is not
        writable (the usual reason) — and a re-run finishes them from what was saved.

        Raises:
            StorageError: The cache cannot be written.
            UserError: A worker stopped for another reason.
        """
        cache = self.runner.cache
        if cache.write_enabled:
            cache.reload()
        rows = []
        for record in todo:
            row = self.runner.cached_row(record)
            if row is not None:
                rows.append(row)
                record_row(row)
        left = len(todo) - len(rows)
        if left:
            if cache.write_enabled:
                check_writable(cache.directory, "response cache")
            raise UserError(f"{self.config.name}: a worker process stopped before finishing {left} prompt(s); "
                            "they were not sent again. Re-run: answers saved so far are not called again.")
        return rows


def prepare_run(
    records: list[LoadedPrompt],
    model_name: str,
    model_cfg: ModelConfig | Mapping[str, Any],
    run_params: Mapping[str, Any] | RunSettings | None,
    cache_dir: str | os.PathLike[str],
    *,
    use_cache: bool = True,
    refresh: bool = False,
    journal_path: str | os.PathLike[str] | None = None,
    cache_writer: str = DEFAULT_WRITER,
    stats: RunStats | None = None,
) -> ModelRun:
    """Load the model's cache (and journal) once and split ``records`` into done and to-do.

    Arguments are those of :func:`run_model`. Imports no litellm.

    Raises:
        UserError: Invalid config or a missing environment variable it names.
    """
    start = time.perf_counter()
    config = as_model_config(model_name, model_cfg)
    register_config(config.raw)  # its key values are masked in every row, journal and cache line
    stats = stats if stats is not None else RunStats(model_name)
    stats.model = model_name
    config.preflight_env()
    settings = run_params if isinstance(run_params, RunSettings) else RunSettings.from_params(run_params, config)
    model_dir = confine(Path(cache_dir) / model_name, cache_dir, "response cache")  # names cannot escape
    cache = ResponseCache(model_dir, cache_writer, read=use_cache and not refresh, write=use_cache)
    plan = ModelRun(records, Runner(config, settings, cache, stats))
    if journal_path is not None and not (use_cache and not refresh):
        # with the cache on, the cache already makes a resumed run free; one write per call, not two
        plan.journal_path = Path(journal_path)
        prompt_hashes = {r.id: content_hash(r.record) for r in records}
        plan.done = load_journal(plan.journal_path, prompt_hashes, config.hash)
    stats.reused = len(plan.done)
    for record in records:
        if record.id in plan.done:
            continue
        row = plan.runner.cached_row(record)
        if row is None:
            plan.todo.append(record)
        else:
            plan.done[record.id] = row
    stats.rows = len(records)
    plan.prepare_s = time.perf_counter() - start
    return plan


def run_model(
    records: list[LoadedPrompt],
    model_name: str,
    model_cfg: ModelConfig | Mapping[str, Any],
    run_params: Mapping[str, Any] | RunSettings | None,
    cache_dir: str | os.PathLike[str],
    *,
    use_cache: bool = True,
    refresh: bool = False,
    show_progress: bool | None = None,
    journal_path: str | os.PathLike[str] | None = None,
    cache_writer: str = DEFAULT_WRITER,
    stats: RunStats | None = None,
) -> list[RunRow]:
    """Run every record through one model and return one result row per record, sorted by id.

    Args:
        records: Prompts (from :func:`build_records`).
        model_name: Name of the model in params.yaml (``models.<name>``).
        model_cfg: Its config (a :class:`ModelConfig` or the raw params.yaml entry).
        run_params: The ``run`` section of params.yaml (defaults fill gaps) or ready settings.
        cache_dir: Responses root; the model's cache is ``cache_dir/<model_name>``.
        use_cache: Read and write the response cache (False = ``--no-cache``: neither).
        refresh: Ignore cached responses but store fresh ones (``--refresh``).
        show_progress: Progress bar on stderr; None = only when stderr is a TTY.
        journal_path: Append-only file of finished rows for resuming an interrupted
            ``--no-cache``/``--refresh`` run (with the cache on, the cache itself is the journal).
        cache_writer: File stem for new cache entries (``responses.shard-I-of-N`` for shards).
        stats: Filled with counters (calls, cache hits, retries, failures) if given.

    Returns:
        Result rows (see ``schemas/result.schema.json``), sorted by id. Rows that failed carry
        ``error``; none is dropped.

    Raises:
        UserError: Unknown model/provider or missing API key (before any call).
    """
    plan = prepare_run(records, model_name, model_cfg, run_params, cache_dir, use_cache=use_cache, refresh=refresh,
                       journal_path=journal_path, cache_writer=cache_writer, stats=stats)
    return plan.execute(show_progress)
