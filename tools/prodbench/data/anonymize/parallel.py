"""Anonymization over every core (or a Dask cluster): streaming, ordered, bounded memory.

Records are independent (placeholders restart at 1 in each), so chunks of records go to
worker processes and the results come back in input order; at most ``2 x jobs + 1`` chunks are
in flight, so memory stays flat whatever the size of the input. The worker functions
(:func:`jsonl_chunk`, :func:`detect_chunk`, :func:`records_chunk`) are plain top-level
functions of picklable arguments: the local process pool and a Dask cluster
(:mod:`prodbench.data.anonymize.dask_engine`) run the same code, and ``jobs=1`` runs it
in the calling process. The output is identical for every ``jobs`` and engine.

* ``prodbench anonymize --jsonl`` and ``--detect-only``: :func:`anonymize_jsonl`, :func:`detect_lines`.
* ``prodbench ingest``: :func:`anonymize_ahead` anonymizes each log entry's texts in the
  workers ahead of the pipeline, which then finds them ready (same results, same state).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Protocol

import orjson

from prodbench.core.errors import UserError
from prodbench.data.anonymize.engine import detect
from prodbench.data.anonymize.replace import STRUCTURED_KEYS, Anonymizer
from prodbench.data.anonymize.stream import fail, read_lines

ENGINES = ("local", "dask")
CHUNK_CHARS = 64 * 1024  # characters of input per task: large enough to amortise the hand-over
CHUNK_ITEMS = 256


def default_jobs() -> int:
    """Worker processes by default: every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Spec:
    """What a worker needs to anonymize like the caller (hashable: workers cache one Anonymizer)."""

    replacement: str = "placeholder"
    engine: str = "builtin"
    allowlist: tuple[str, ...] = ()
    keep: frozenset[str] = STRUCTURED_KEYS
    salt: str = "prodbench"


_LOCAL = threading.local()  # one Anonymizer per spec and thread (a Dask worker may run several threads)


def _anonymizer(spec: Spec) -> Anonymizer:
    cache: dict[Spec, Anonymizer] = _LOCAL.__dict__.setdefault("anonymizers", {})
    anon = cache.get(spec)
    if anon is None:
        anon = cache[spec] = Anonymizer(spec.replacement, spec.engine, spec.allowlist, spec.salt)
    return anon


# --------------------------------------------------------------------------- worker functions

def jsonl_chunk(spec: Spec, chunk: list[tuple[int, str]]) -> tuple[list[tuple[int, bytes | None, str | None]],
                                                                   dict[str, int]]:
    """Anonymize JSONL lines: ``(line, new bytes or None = unchanged, error or None)`` each, and counts."""
    anon = _anonymizer(spec)
    out: list[tuple[int, bytes | None, str | None]] = []
    counts: Counter[str] = Counter()
    for number, line in chunk:
        if not line.strip():
            out.append((number, None, None))  # blank lines are kept
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            out.append((number, None, f"malformed JSON: {exc}"))
            continue
        anon.reset()
        try:
            clean = anon.value(record, spec.keep)
        except (ValueError, RecursionError) as exc:
            out.append((number, None, str(exc) if isinstance(exc, ValueError) else "JSON nested too deeply"))
            continue
        counts.update(anon.record_counts)
        out.append((number, orjson.dumps(clean) if sum(anon.record_counts.values()) else None, None))
    return out, dict(counts)


def detect_chunk(spec: Spec, chunk: list[tuple[int, str]]) -> list[bytes]:
    """``line:start-end: TYPE`` lines for every finding of each line (never the value)."""
    return [b"".join(f"{number}:{f.start}-{f.end}: {f.type}\n".encode()
                     for f in detect(line, engine=spec.engine, allowlist=spec.allowlist))
            for number, line in chunk]


Snapshot = tuple[dict[tuple[str, str], str], dict[str, int], set[tuple[str, str]], dict[str, int]]


def records_chunk(spec: Spec, chunk: list[list[str | None]]) -> list[list[tuple[str, Snapshot]]]:
    """Anonymize each record's texts as ``Anonymizer.text`` does after a ``reset()``.

    Returns, per record and per text (None texts left out), the result and the anonymizer's
    state right after it (mapping, counters, placeholders handed out, counts of the record).
    """
    anon = _anonymizer(spec)
    out = []
    for texts in chunk:
        anon.reset()
        done = []
        for text in texts:
            if text is not None:
                result = anon.text(text)
                done.append((result, (dict(anon._map), dict(anon._per_type), set(anon._seen),
                                      dict(anon.record_counts))))
        out.append(done)
    return out


# --------------------------------------------------------------------------- executors

class _Future(Protocol):
    def result(self) -> Any: ...


Submit = Callable[..., _Future]


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


def _inline(fn: Callable[..., Any], *args: Any) -> _Future:
    return _Done(fn(*args))


def check(where: Where) -> int:
    """The number of local jobs ``where`` asks for, after checking its options.

    Raises:
        UserError: Unknown engine, ``--jobs`` below 1, ``--scheduler`` without ``--engine dask``.
    """
    if where.engine not in ENGINES:
        raise UserError(f"unknown --engine {where.engine!r}; use one of {', '.join(ENGINES)}", exit_code=2)
    jobs = default_jobs() if where.jobs is None else where.jobs
    if jobs < 1:
        raise UserError(f"--jobs must be at least 1 (got {jobs})", exit_code=2)
    if where.scheduler is not None and where.engine != "dask":
        raise UserError("--scheduler needs --engine dask", exit_code=2)
    return jobs


@contextmanager
def executor(where: Where) -> Iterator[tuple[Submit, int]]:
    """``(submit, slots)``: where chunks run and how many run at once.

    Raises:
        UserError: Bad options (:func:`check`), or Dask not installed or not reachable.
    """
    jobs = check(where)
    if where.engine == "dask":
        from prodbench.data.anonymize.dask_engine import dask_executor

        with dask_executor(jobs, where.scheduler) as pair:
            yield pair
        return
    if jobs == 1:
        yield _inline, 1
        return
    import concurrent.futures
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # forked workers inherit the loaded lexicons; warm them once before forking
    detect("warm-up: Jane Roe, Paris")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method)) as pool:
        yield pool.submit, jobs


@dataclass(frozen=True)
class Where:
    """Where the map runs: ``jobs`` local processes (1 = this process) or a Dask cluster."""

    jobs: int | None = None
    engine: str = "local"
    scheduler: str | None = None


def ordered_map(where: Where, fn: Callable[..., Any], spec: Spec, chunks: Iterable[Any]) -> Iterator[Any]:
    """``fn(spec, chunk)`` for every chunk, in order, with at most ``2 x slots + 1`` chunks in flight.

    Locally, an input of one chunk runs in this process (starting workers would cost more).
    """
    it = iter(chunks)
    head = [c for c in (next(it, None), next(it, None)) if c is not None]
    if where.engine == "local" and len(head) < 2:
        check(where)  # options are checked all the same
        for chunk in head:
            yield fn(spec, chunk)
        return
    pending: deque[_Future] = deque()
    with executor(where) as (submit, slots):
        for chunk in itertools.chain(head, it):
            pending.append(submit(fn, spec, chunk))
            while len(pending) > 2 * slots:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def chunked(items: Iterable[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    """Group ``(line, text)`` items into chunks of about :data:`CHUNK_CHARS` characters."""
    chunk: list[tuple[int, str]] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item[1])
        if size >= CHUNK_CHARS or len(chunk) >= CHUNK_ITEMS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


# --------------------------------------------------------------------------- streams

def anonymize_jsonl(handle: IO[bytes], write: Callable[[bytes], Any], spec: Spec, label: str,
                    where: Where = Where(jobs=1)) -> Counter[str]:
    """Anonymize a JSONL stream record by record over the executor; returns the replacement counts.

    Same output as :func:`prodbench.data.anonymize.stream.anonymize_jsonl`: a record with no
    finding and blank lines are written back byte for byte; placeholders restart per record.

    Raises:
        UserError: At ``file:line`` for binary data, invalid UTF-8, an over-long line, malformed
            or too deeply nested JSON (what came before is written; the caller's atomic output
            keeps the old file).
    """
    counts: Counter[str] = Counter()
    sent: deque[tuple[str, bytes]] = deque()  # the lines in flight, in order (results come back in order)

    def items() -> Iterator[tuple[int, str]]:
        for number, line, newline in read_lines(handle, label):
            sent.append((line, newline))
            yield number, line

    for results, chunk_counts in ordered_map(where, jsonl_chunk, spec, chunked(items())):
        counts.update(chunk_counts)
        for number, data, error in results:
            line, newline = sent.popleft()
            if error is not None:
                raise fail(label, number, error)
            write(line.encode() + newline if data is None else data + (newline or b""))
    return counts


def detect_lines(handle: IO[bytes], write: Callable[[bytes], Any], spec: Spec, label: str,
                 where: Where = Where(jobs=1)) -> None:
    """``prodbench anonymize --detect-only`` over the executor (see :func:`detect_chunk`)."""
    lines = ((number, line) for number, line, _ in read_lines(handle, label))
    for results in ordered_map(where, detect_chunk, spec, chunked(lines)):
        for data in results:
            write(data)


# --------------------------------------------------------------------------- ingest

class _Replay:
    """Stands in for ``Anonymizer.text`` on the caller's anonymizer: hands out the results the
    workers computed, and sets the anonymizer's state to what it is after that text (so the
    batch sweep, the ledger and the report see exactly what a local call leaves). A text that
    is not the next one prepared, or a state that differs from the one the worker started
    from, falls back to the local call."""

    def __init__(self, anon: Anonymizer) -> None:
        self.anon = anon
        self.local = anon.text
        self.ready: deque[tuple[str, Snapshot | None, str, Snapshot]] = deque()

    def load(self, texts: list[str | None], done: list[tuple[str, Snapshot]]) -> None:
        self.ready.clear()
        before: Snapshot | None = None
        for text, (result, after) in zip((t for t in texts if t is not None), done, strict=True):
            self.ready.append((text, before, result, after))
            before = after

    def _state_is(self, state: Snapshot | None) -> bool:
        a = self.anon
        if state is None:
            return not (a._map or a._per_type or a._seen or a.record_counts)
        return (a._map, a._per_type, a._seen, a.record_counts) == state

    def __call__(self, text: str) -> str:
        if self.ready and self.ready[0][0] == text and self._state_is(self.ready[0][1]):
            _, _, result, (mapping, per_type, seen, record_counts) = self.ready.popleft()
            a = self.anon
            a._map, a._per_type, a._seen = dict(mapping), Counter(per_type), set(seen)
            a.counts.update({k: v - a.record_counts.get(k, 0) for k, v in record_counts.items()})
            a.record_counts = Counter(record_counts)
            return result
        self.ready.clear()
        return self.local(text)


def _entry_texts(item: Any) -> list[str | None]:
    """The texts ingest anonymizes for one log item (none for a malformed one)."""
    from prodbench.data.logs import LogEntry, Malformed, shape_messages

    if not isinstance(item, LogEntry):
        return []
    try:
        return [m["content"] for m in shape_messages(item.messages)]
    except Malformed:
        return []


def anonymize_ahead(items: Iterable[Any], anonymizer: Anonymizer, jobs: int | None = None,
                    engine: str = "local", scheduler: str | None = None) -> Iterator[Any]:
    """Yield ``items`` (ingest's log entries) unchanged, each one's texts already anonymized.

    The texts of each entry are anonymized in worker processes (or on Dask) ahead of the
    caller, as ``anonymizer.reset()`` then ``anonymizer.text(...)`` per text would; while the
    caller handles an entry, ``anonymizer.text`` returns the prepared results (and leaves the
    state a local call leaves), so the pipeline's output is the same as with ``jobs=1``.

    Args:
        items: Log items (``LogEntry`` or anything else, which is passed through).
        anonymizer: The caller's anonymizer (its settings are copied to the workers).
        jobs: Worker processes (None: every core; 1: nothing ahead, plain local calls).
        engine: ``local`` or ``dask``. scheduler: Dask scheduler address.
    """
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 and engine == "local":
        yield from items
        return
    spec = Spec(anonymizer.replacement, anonymizer.engine, anonymizer.allowlist, salt=anonymizer.salt)
    queue: deque[tuple[Any, list[str | None]]] = deque()

    sent: set[bytes] = set()  # digests of the entries already sent: ingest drops repeats unanonymized

    def chunks() -> Iterator[list[list[str | None]]]:
        chunk: list[list[str | None]] = []
        size = 0
        for item in items:
            texts = _entry_texts(item)
            digest = hashlib.blake2b(orjson.dumps(texts), digest_size=16).digest()
            if digest in sent:
                texts = []  # a repeat: nothing prepared (a call for it would run locally)
            sent.add(digest)
            queue.append((item, texts))
            chunk.append(texts)
            size += sum(len(t) for t in texts if t)
            if size >= CHUNK_CHARS or len(chunk) >= CHUNK_ITEMS:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    replay = _Replay(anonymizer)
    anonymizer.text = replay  # type: ignore[method-assign]
    try:
        for results in ordered_map(Where(jobs, engine, scheduler), records_chunk, spec, chunks()):
            for done in results:
                item, texts = queue.popleft()
                replay.load(texts, done)
                yield item
    finally:
        del anonymizer.text
