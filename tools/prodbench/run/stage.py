"""The run stage: every prompt through one model, cached per turn, resumable.

Python API (used by ``prodbench run``, ``diff`` and tests)::

    records = build_records(project, params)                   # golden + current rotating
    rows = run_model(records, "smollm2-plain", params["models"]["smollm2-plain"],
                     params.get("run"), project.cache_dir / "responses")

``cache_dir`` is the responses root; the model's cache is ``cache_dir/<model_name>/``.

How a run proceeds:
    1. :func:`~prodbench.llm.config.preflight` fails fast on an unknown model/provider or a
       missing API key, before any call.
    2. Rows whose every turn is cached are built from the cache without importing litellm.
       With the cache off (``--no-cache``/``--refresh``), rows in the journal (written by an
       interrupted run with the same prompt and config hashes) are reused instead.
    3. The other records go to ``concurrency`` async workers. Each ``content: null``
       assistant turn (and a trailing user turn) is generated in order with the
       conversation so far, the model's own earlier turns included. Every turn is looked up
       in the response cache first; a successful call is appended to the cache at once.
    4. Each finished call is appended to the cache (flushed) and, with the cache off, each
       finished row to the journal, so Ctrl-C or a crash loses nothing; the caller writes the
       final sorted file atomically and deletes the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.fsutil import read_jsonl
from prodbench.core.prompts import content_hash, load_prompts
from prodbench.core.records import LoadedPrompt, build_run_row
from prodbench.llm.cache import DEFAULT_WRITER, ResponseCache, cache_key
from prodbench.llm.config import (
    base_messages,
    config_hash,
    connection_params,
    gen_params,
    preflight,
    preflight_env,
    run_settings,
    shard_of,
)
from prodbench.run.workers import run_forked, worker_count

SYNC_INTERVAL_S = 1.0


@dataclass
class RunStats:
    """Counters of one model run (shown by the progress bar and the summary line)."""

    model: str
    rows: int = 0
    reused: int = 0
    turns: int = 0
    cache_hits: int = 0
    calls: int = 0
    retries: int = 0
    failed: int = 0
    wall_s: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One readable line for logs."""
        return (f"{self.model}: {self.rows} rows, {self.turns} turns ({self.cache_hits} cached, "
                f"{self.calls} calls, {self.retries} retries), {self.reused} resumed, "
                f"{self.failed} failed, {self.wall_s:.1f}s")


def build_records(project: Any, params: dict[str, Any], shard: tuple[int, int] | None = None) -> list[LoadedPrompt]:
    """Load golden + current rotating prompts, optionally one shard of them."""
    records = load_prompts(project, params)
    if shard is not None:
        records = select_shard(records, shard)
    return records


def select_shard(records: list[LoadedPrompt], shard: tuple[int, int]) -> list[LoadedPrompt]:
    """The records of shard ``(I, N)``: a deterministic split on a hash of the id."""
    index, total = shard
    return [r for r in records if shard_of(r.id, total) == index]


def generated_turns(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
    """Messages with a trailing user turn completed by a placeholder, and the indices to generate."""
    messages = list(messages)
    if messages and messages[-1].get("role") == "user":
        messages.append({"role": "assistant", "content": None})
    indices = [i for i, m in enumerate(messages) if m.get("role") == "assistant" and m.get("content") is None]
    return messages, indices


class _Progress:
    """A rich progress bar per model (rate, ETA, cache hits, retries, failures), or nothing."""

    def __init__(self, stats: RunStats, total: int, enabled: bool) -> None:
        self.stats = stats
        self.enabled = enabled and total > 0
        self._progress: Any = None
        self._task: Any = None
        if not self.enabled:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("cached {task.fields[hits]} · retries {task.fields[retries]} · failed {task.fields[failed]}"),
            transient=False,
            refresh_per_second=4,
            console=_stderr_console(),
        )
        self._task = self._progress.add_task(stats.model, total=total, rate="-", hits=0, retries=0, failed=0)
        self._progress.start()

    def advance(self, n: int = 1) -> None:
        if not self.enabled:
            return
        task = self._progress.tasks[0]
        rate = task.speed
        self._progress.update(
            self._task, advance=n, rate=f"{rate:.1f}" if rate else "-", hits=self.stats.cache_hits,
            retries=self.stats.retries, failed=self.stats.failed,
        )

    def stop(self) -> None:
        if self.enabled:
            self._progress.update(self._task, hits=self.stats.cache_hits, retries=self.stats.retries,
                                  failed=self.stats.failed)
            self._progress.stop()


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def load_journal(path: Path, prompt_hashes: dict[str, str], chash: str) -> dict[str, dict[str, Any]]:
    """Rows of an interrupted run that are still valid (same prompt and config, no error)."""
    if not path.is_file():
        return {}
    done: dict[str, dict[str, Any]] = {}
    for row in read_jsonl(path, tolerate_truncated_tail=True):
        if not isinstance(row, dict) or row.get("error") is not None:
            continue
        rid = row.get("id")
        if rid in prompt_hashes and row.get("prompt_hash") == prompt_hashes[rid] and row.get("config_hash") == chash:
            done[rid] = row
    return done


class _Runner:
    """State of one model run (one event loop)."""

    def __init__(self, model_name: str, model_cfg: dict[str, Any], settings: dict[str, Any],
                 cache: ResponseCache, stats: RunStats) -> None:
        self.model_name = model_name
        self.model_cfg = model_cfg
        self.settings = settings
        self.cache = cache
        self.stats = stats
        self.chash = config_hash(model_cfg)
        self.gen = gen_params(model_cfg)
        self.static_kwargs = self._static_kwargs()
        self.router: Any = None
        self._acompletion: Any = None
        self.on_row: Any = None  # called with each finished row
        self.on_retry_hook: Any = None  # called before each retry (in forked workers)
        self.price_model = self._price_model()

    def _price_model(self) -> str:
        """The litellm model string whose price applies (first deployment of a router)."""
        router = self.model_cfg.get("router")
        if router:
            for deployment in router.get("model_list") or []:
                params = (deployment or {}).get("litellm_params") or {}
                if deployment.get("model_name") == self.model_cfg["model"] and params.get("model"):
                    return params["model"]
        return self.model_cfg["model"]

    def _static_kwargs(self) -> dict[str, Any]:
        kwargs = {**self.gen, **connection_params(self.model_name, self.model_cfg)}
        kwargs["timeout"] = float(self.settings["timeout_s"])
        if not self.model_cfg.get("model", "").startswith("local/"):
            kwargs["max_retries"] = 0  # the openai SDK's own retries: ours are in run_llm
        return kwargs

    def setup(self) -> None:
        from prodbench.llm.client import litellm_module

        litellm = litellm_module()
        if self.model_cfg.get("router"):
            router_cfg = dict(self.model_cfg["router"])
            router_cfg.setdefault("num_retries", 0)
            self.router = litellm.Router(**router_cfg)
            self._acompletion = self.router.acompletion
        else:
            self._acompletion = litellm.acompletion

    async def generate_row(self, record: LoadedPrompt) -> dict[str, Any]:
        from prodbench.llm.client import call_with_retries, price

        messages, indices = generated_turns(base_messages(record.record, self.model_cfg))
        turns: list[dict[str, Any]] = []
        attempts = 0
        error = None
        for index in indices:
            context = messages[:index]
            key = cache_key(self.chash, context, self.gen)
            hit = self.cache.get(key)
            self.stats.turns += 1
            if hit is not None:
                self.stats.cache_hits += 1
                turn = {**hit, "cached": True}
            else:
                self.stats.calls += 1
                outcome = await call_with_retries(
                    lambda context=context: self._acompletion(
                        model=self.model_cfg["model"], messages=context, **self.static_kwargs),
                    self.settings,
                    on_retry=self._on_retry,
                )
                attempts += outcome.attempts
                if outcome.response is None:
                    error = outcome.error
                    break
                response = {**outcome.response, "latency_s": round(outcome.latency_s, 4)}
                if response.get("cost_usd") is None:
                    response["cost_usd"] = price(self.price_model, response.get("usage"))
                self.cache.put(key, response)
                turn = {**response, "cached": False}
            turns.append(turn)
            messages[index] = {"role": "assistant", "content": turn["content"]}
        return self._row(record, turns, attempts, error)

    def cached_row(self, record: LoadedPrompt) -> dict[str, Any] | None:
        """The row built from the cache alone if every turn is cached, else None (no litellm)."""
        messages, indices = generated_turns(base_messages(record.record, self.model_cfg))
        turns = []
        for index in indices:
            hit = self.cache.get(cache_key(self.chash, messages[:index], self.gen))
            if hit is None:
                return None
            turns.append({**hit, "cached": True})
            messages[index] = {"role": "assistant", "content": hit["content"]}
        self.stats.turns += len(turns)
        self.stats.cache_hits += len(turns)
        return self._row(record, turns, 0, None)

    def _on_retry(self, _error_type: str) -> None:
        if self.on_retry_hook is not None:
            self.on_retry_hook()
        else:
            self.stats.retries += 1

    def _row(self, record: LoadedPrompt, turns: list[dict[str, Any]], attempts: int,
             error: dict[str, Any] | None) -> dict[str, Any]:
        return dict(build_run_row(record, self.model_name, self.chash, turns,  # type: ignore[arg-type]
                                  attempts=attempts, error=error))  # type: ignore[arg-type]


async def _run_async(runner: _Runner, todo: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Generate ``todo`` with ``concurrency`` async workers; ``runner.on_row`` sees each row."""
    queue: asyncio.Queue = asyncio.Queue()
    for record in todo:
        queue.put_nowait(record)
    rows: list[dict[str, Any]] = []

    async def worker() -> None:
        while True:
            try:
                record = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            row = await runner.generate_row(record)
            rows.append(row)
            if runner.on_row is not None:
                runner.on_row(row)

    workers = max(1, min(int(runner.settings["concurrency"]), len(todo)))
    await asyncio.gather(*(worker() for _ in range(workers)))
    return rows


def run_model(
    records: list[LoadedPrompt],
    model_name: str,
    model_cfg: dict[str, Any],
    run_params: dict[str, Any] | None,
    cache_dir: str | os.PathLike[str],
    *,
    use_cache: bool = True,
    refresh: bool = False,
    show_progress: bool | None = None,
    journal_path: str | os.PathLike[str] | None = None,
    cache_writer: str = DEFAULT_WRITER,
    stats: RunStats | None = None,
) -> list[dict[str, Any]]:
    """Run every record through one model and return one result row per record, sorted by id.

    Args:
        records: Prompts (from :func:`build_records`).
        model_name: Name of the model in params.yaml (``models.<name>``).
        model_cfg: Its config.
        run_params: The ``run`` section of params.yaml (defaults fill gaps).
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
    start = time.perf_counter()
    stats = stats if stats is not None else RunStats(model_name)
    stats.model = model_name
    run_params = run_params or {}
    preflight_env(model_name, model_cfg)
    settings = run_settings(run_params, model_cfg)
    cache = ResponseCache(Path(cache_dir) / model_name, cache_writer, read=use_cache and not refresh,
                          write=use_cache)
    runner = _Runner(model_name, model_cfg, settings, cache, stats)
    prompt_hashes = {r.id: content_hash(r.record) for r in records}
    done: dict[str, dict[str, Any]] = {}
    if use_cache and not refresh:
        journal_path = None  # the cache already makes a resumed run free; one write per call, not two
    if journal_path is not None:
        done = load_journal(Path(journal_path), prompt_hashes, runner.chash)
    stats.reused = len(done)
    todo = []
    for record in records:
        if record.id in done:
            continue
        row = runner.cached_row(record)
        if row is None:
            todo.append(record)
        else:
            done[record.id] = row
    stats.rows = len(records)
    if todo:
        preflight(model_name, model_cfg)  # litellm is imported only when a call is needed
        runner.setup()
    if show_progress is None:
        show_progress = sys.stderr.isatty()
    progress = _Progress(stats, len(records), bool(show_progress))
    if done:
        progress.advance(len(done))
    journal = None
    try:
        if journal_path is not None:
            Path(journal_path).parent.mkdir(parents=True, exist_ok=True)
            journal = open(journal_path, "ab")  # noqa: SIM115 - closed in finally
            _terminate_torn_line(journal)
        last_sync = time.monotonic()

        def record_row(row: dict[str, Any]) -> None:
            nonlocal last_sync
            if row["error"] is not None:
                stats.failed += 1
                kind = row["error"]["type"]
                stats.errors[kind] = stats.errors.get(kind, 0) + 1
            if journal is not None:
                journal.write(orjson.dumps(row, option=orjson.OPT_SORT_KEYS) + b"\n")
                journal.flush()
            progress.advance()
            now = time.monotonic()
            if now - last_sync > SYNC_INTERVAL_S:
                last_sync = now
                cache.sync()

        new_rows: list[dict[str, Any]] = []
        if todo:
            workers = worker_count(settings.get("workers"), int(settings["concurrency"]), len(todo), model_cfg)
            if workers > 1:
                new_rows = run_forked(runner, todo, workers, record_row)
                finished = {row["id"] for row in new_rows}
                todo = [r for r in todo if r.id not in finished]  # left by a crashed worker
            if todo:
                runner.on_row = record_row
                new_rows += asyncio.run(_run_async(runner, todo))
    finally:
        progress.stop()
        cache.close()
        if journal is not None:
            with contextlib.suppress(OSError):
                journal.flush()
                os.fsync(journal.fileno())
            journal.close()
    rows = {**done, **{row["id"]: row for row in new_rows}}
    stats.wall_s = time.perf_counter() - start
    return [rows[rid] for rid in sorted(rows)]


def pending_rows(records: list[LoadedPrompt], model_name: str, model_cfg: dict[str, Any],
                 cache_dir: str | os.PathLike[str], *, use_cache: bool = True, refresh: bool = False) -> int:
    """How many records need at least one model call (0 = the run is served from the cache)."""
    if not use_cache or refresh:
        return len(records)
    cache = ResponseCache(Path(cache_dir) / model_name, read=True, write=False)
    runner = _Runner(model_name, model_cfg, run_settings({}, model_cfg), cache, RunStats(model_name))
    return sum(runner.cached_row(r) is None for r in records)


def _terminate_torn_line(handle: Any) -> None:
    """If the journal ends mid-line (a crash during a write), start the next row on a new line."""
    if handle.tell() == 0:
        return
    with open(handle.name, "rb") as reader:
        reader.seek(-1, os.SEEK_END)
        if reader.read(1) != b"\n":
            handle.write(b"\n")


def shard_suffix(shard: tuple[int, int] | None) -> str:
    """File-name suffix of a shard's outputs: ``.shard-I-of-N`` (empty for a full run)."""
    return f".shard-{shard[0]}-of-{shard[1]}" if shard else ""


def merge_shards(results_dir: Path, model_name: str, expected_ids: set[str] | None = None) -> list[dict[str, Any]]:
    """Merge ``<model>.shard-I-of-N.jsonl`` files into the rows of ``<model>.jsonl``.

    Shards partition the ids, so merging is a union; it is refused (UserError) when a
    shard is missing, shard counts differ, an id appears twice, or (with ``expected_ids``)
    a prompt has no row.

    Returns:
        The merged rows, sorted by id (the caller writes them and removes the shard files).
    """
    import re

    from prodbench.core.errors import UserError

    pattern = re.compile(rf"^{re.escape(model_name)}\.shard-(\d+)-of-(\d+)\.jsonl$")
    found: dict[int, Path] = {}
    totals: set[int] = set()
    for path in sorted(results_dir.glob(f"{model_name}.shard-*-of-*.jsonl")):
        match = pattern.match(path.name)
        if match:
            found[int(match.group(1))] = path
            totals.add(int(match.group(2)))
    if not found:
        raise UserError(f"no shard files {model_name}.shard-I-of-N.jsonl in {results_dir}")
    if len(totals) != 1:
        raise UserError(f"{model_name}: shard files from different splits (N = {sorted(totals)}); keep one split")
    total = totals.pop()
    missing = sorted(set(range(1, total + 1)) - set(found))
    if missing:
        raise UserError(f"{model_name}: missing shard(s) {missing} of {total}")
    rows: dict[str, dict[str, Any]] = {}
    for index in sorted(found):
        for row in read_jsonl(found[index]):
            if row["id"] in rows:
                raise UserError(f"{model_name}: prompt {row['id']!r} appears in more than one shard")
            rows[row["id"]] = row
    if expected_ids is not None:
        absent = sorted(expected_ids - set(rows))
        if absent:
            raise UserError(f"{model_name}: {len(absent)} prompt(s) have no row after merging, e.g. {absent[:3]}")
        rows = {k: v for k, v in rows.items() if k in expected_ids}
    return [rows[rid] for rid in sorted(rows)]
