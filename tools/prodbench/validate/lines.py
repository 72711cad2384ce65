"""Per-line checks, in the main process or in forked worker processes.

Everything a line needs that does not depend on other lines happens in
:class:`LineChecker`: JSON parsing, schema, built-in record rules, extra record rules
(with the verdict cache) and the messages hash used by the golden/rotating overlap check.
The cross-line checks (duplicate ids, overlap) happen in the main process on the returned
entries (see :mod:`prodbench.validate.stage`).

Workers must be forked (:func:`worker_pool`): they inherit the compiled schema, the
loaded rules, the verdict cache and the interpreter's hash seed (messages hashes are
compared across processes). Without fork (Windows) everything runs in one process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from prodbench.core.limits import MAX_DEPTH, too_deep
from prodbench.core.prompts import GOLDEN, ROTATING
from prodbench.validate.builtin import RECORD_RULES
from prodbench.validate.cache import RuleCache
from prodbench.validate.rules import FileContext, RecordRule
from prodbench.validate.schema import SchemaChecker

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

#: Per-line result: (line number, id or None, messages hash or None, cache key of a line
#: that newly passed the extra rules or None).
Entry = tuple[int, Any, Any, Any]
#: What checking a batch returns: problems as (line, field, message), entries, records parsed.
BatchResult = tuple[list[tuple[int, str, str]], list[Entry], int]


class LineChecker:
    """Checks batches of lines of one kind of file; runs in the main process or in a worker.

    Args:
        checker: The prompt record schema checker.
        extra_rules: The registered extra record rules (slow; verdicts cached).
        cache_known: Cache keys of lines that passed the extra rules before, or None
            when the verdict cache is not used.
    """

    def __init__(self, checker: SchemaChecker, extra_rules: list[RecordRule], cache_known: set[int] | None):
        self.checker = checker
        self.rules = list(RECORD_RULES)
        self.extra_rules = extra_rules
        self.cache_known = cache_known

    def check(self, ctx: FileContext, lines: list[tuple[int, bytes]]) -> BatchResult:
        """Return (problems, entries, records parsed) for ``lines`` of the file ``ctx``."""
        problems: list[tuple[int, str, str]] = []
        entries: list[Entry] = []
        add_problem = problems.append
        add_entry = entries.append
        is_valid = self.checker.is_valid
        rules = self.rules
        extra_rules = () if ctx.skip_extra else self.extra_rules
        use_cache = self.cache_known is not None
        cache_known: set[int] = self.cache_known if self.cache_known is not None else set()
        cache_key = RuleCache.key
        loads = orjson.loads
        dumps = orjson.dumps
        sort_keys = orjson.OPT_SORT_KEYS
        decode_error = orjson.JSONDecodeError
        hashed = ctx.set_name in (GOLDEN, ROTATING)
        records = 0
        for number, raw in lines:
            try:
                record = loads(raw)
            except decode_error as exc:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:  # reported per file by the main process
                    try:
                        record = loads(raw.decode("utf-8", errors="replace"))
                    except decode_error:
                        continue
                else:
                    add_problem((number, "", f"malformed JSON: {exc}"))
                    continue
            records += 1
            if type(record) is not dict:
                kind = type(record).__name__.replace("list", "array").replace("NoneType", "null")
                add_problem((number, "", f"a prompt record must be a JSON object, not {kind}"))
                continue
            record_id = record.get("id")
            if type(record_id) is not str:
                record_id = None
            if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and too_deep(record):  # before any recursion
                add_problem((number, "", f"JSON nested deeper than {MAX_DEPTH} levels"))
                add_entry((number, record_id, None, None))
                continue
            if not is_valid(record):
                for fld, message in self.checker.errors(record):
                    add_problem((number, fld, message))
                add_entry((number, record_id, None, None))
                continue
            for rule in rules:
                found = rule(record, ctx)
                if found:
                    for fld, message in found:
                        add_problem((number, fld, message))
            new_key = None
            if extra_rules:
                key = cache_key(raw) if use_cache else None
                if key is None or key not in cache_known:
                    clean = True
                    for rule in extra_rules:
                        found = rule(record, ctx)
                        if found:
                            clean = False
                            for fld, message in found:
                                add_problem((number, fld, message))
                    if clean:
                        new_key = key
            digest = hash(dumps(record["messages"], option=sort_keys)) if hashed else None
            add_entry((number, record_id, digest, new_key))
        return problems, entries, records



_WORKER: LineChecker | None = None  # set before forking the worker processes


def can_fork() -> bool:
    """Whether worker processes can be forked on this platform."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def worker_pool(checker: LineChecker, jobs: int) -> Iterator[Executor]:
    """``jobs`` forked processes that check line batches with ``checker`` (see :func:`submit`)."""
    global _WORKER
    import concurrent.futures
    import multiprocessing

    _WORKER = checker
    try:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            yield pool
    finally:
        _WORKER = None


def submit(pool: Executor, ctx: FileContext, lines: list[tuple[int, bytes]]) -> Future[BatchResult]:
    """Check ``lines`` of the file ``ctx`` in a worker of ``pool``."""
    return pool.submit(_worker_check, ctx, lines)


def _worker_check(ctx: FileContext, lines: list[tuple[int, bytes]]) -> BatchResult:
    gc.disable()
    assert _WORKER is not None
    return _WORKER.check(ctx, lines)
