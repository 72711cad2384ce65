"""Validate prompt files: the schema and the repository rules, all problems in one pass.

``validate_paths`` streams every JSONL file line by line (memory stays flat in the
number of records: only ``id -> location`` maps for the duplicate check and message
hashes of the golden set for the overlap check are kept) and returns a
:class:`~prodbench.validate.report.ValidationReport` whose problems read
``file:line: field: message``.

Checks, in the order they apply to each file:

* file level (here): not UTF-8, byte-order mark, CRLF line endings, missing final newline;
* line level (:mod:`~prodbench.validate.lines`, possibly in worker processes): malformed
  JSON, a line that is not a JSON object, the schema (:mod:`~prodbench.validate.schema`),
  the built-in record rules (:mod:`~prodbench.validate.builtin`), then the registered
  extra record rules (:mod:`~prodbench.validate.rules`), skipped for lines that passed
  them in an earlier run under the same params and code (:mod:`~prodbench.validate.cache`);
* cross-file (here): duplicate ids (within the golden set, within each rotating period,
  within the pool, and golden ids anywhere else) and golden/rotating overlap (same id, or
  same ``messages``);
* project rules, run once after streaming: the built-in ones (params.yaml coverage
  shares), then the registered extra ones (e.g. the golden lock).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.project import Project
from prodbench.core.prompts import GOLDEN, POOL, ROTATING
from prodbench.validate import builtin, rules
from prodbench.validate.cache import RuleCache
from prodbench.validate.lines import BatchResult, LineChecker, can_fork, submit, worker_pool
from prodbench.validate.report import FileSummary, ValidationReport
from prodbench.validate.rules import FileContext, RunContext
from prodbench.validate.schema import SchemaChecker, schema_checker

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

OTHER = "other"
SET_ORDER = {GOLDEN: 0, ROTATING: 1, POOL: 2, OTHER: 3}
BOM = b"\xef\xbb\xbf"
BATCH_LINES = 4096
PARALLEL_MIN_BYTES = 64_000_000  # built-in rules only: below this (or on < 4 CPUs) one process is faster
PARALLEL_MIN_SLOW_LINES = 2_000  # lines the slow extra rules must scan before workers pay off


def discover_files(project: Project, paths: Sequence[str | Path] = ()) -> list[tuple[Path, str]]:
    """List ``(path, set_name)`` for every prompt file to validate.

    Args:
        project: The project.
        paths: Files or directories; empty means every ``prompts/**/*.jsonl``.

    Returns:
        Files ordered golden, rotating, pool, other (then by path), so golden ids are
        known before the other sets are checked against them.

    Raises:
        UserError: A path does not exist (exit code 2).
    """
    from prodbench.core.prompts import find_jsonl, set_of_path

    roots = [Path(p) for p in paths] or [project.prompts_dir]
    found: set[Path] = set()
    for root in roots:
        if root.is_dir() or root.is_file():
            found.update(find_jsonl(project, root))  # the walk every loader uses (links checked)
        elif not paths:
            continue  # no prompts/ directory yet: nothing to validate
        else:
            raise UserError(f"{root}: no such file or directory", exit_code=2)
    files = [(p, set_of_path(project, p)) for p in found]
    return sorted(files, key=lambda item: (SET_ORDER.get(item[1], 9), project.rel(item[0])))


def _scope(project: Project, path: Path, set_name: str) -> str:
    if set_name == ROTATING:
        try:
            parts = Path(os.path.abspath(path)).relative_to(os.path.abspath(project.rotating_dir)).parts
        except ValueError:
            parts = ()
        return f"rotating/{parts[0]}" if len(parts) > 1 else "rotating"
    return set_name


class _Validator:
    """State of one validation run (kept small: ids and golden hashes only)."""

    def __init__(self, project: Project, params: dict[str, Any], checker: SchemaChecker, use_cache: bool = True):
        self.project = project
        self.params = params
        self.report = ValidationReport()
        self.labels: list[str] = []
        self.ids: dict[str, dict[str, tuple[int, int]]] = {}
        self.golden_ids: dict[str, tuple[int, int]] = {}
        self.golden_hashes: dict[int, tuple[str, int, int]] = {}
        extra_rules = list(rules.EXTRA_RECORD_RULES)
        self.cache = RuleCache(project.cache_dir / "validate", params, extra_rules) if use_cache and extra_rules else None
        self.lines = LineChecker(checker, extra_rules, self.cache.known if self.cache is not None else None)

    def where(self, location: tuple[int, int]) -> str:
        """``file:line`` of a recorded ``(file index, line)`` location."""
        return f"{self.labels[location[0]]}:{location[1]}"

    def run(self, files: list[tuple[Path, str]], jobs: int) -> None:
        """Validate ``files`` in order, checking line batches in ``jobs`` processes."""
        # Workers must be forked (see prodbench.validate.lines); without fork (Windows),
        # everything runs in this process.
        if jobs > 1 and can_fork():
            with worker_pool(self.lines, jobs) as pool:
                for path, set_name in files:
                    self.validate_file(path, set_name, pool, jobs)
        else:
            for path, set_name in files:
                self.validate_file(path, set_name)

    def validate_file(self, path: Path, set_name: str, pool: Executor | None = None, jobs: int = 1) -> None:
        """Stream one file: file-level checks here, line batches to ``pool`` (or in-process)."""
        label = self.project.rel(path)
        file_index = len(self.labels)
        self.labels.append(label)
        summary = FileSummary(label, set_name)
        self.report.files.append(summary)
        try:
            stat = path.stat()
        except OSError:
            stat = None
        skip_extra = self.cache is not None and stat is not None and self.cache.file_is_clean(label, stat)
        ctx = FileContext(label, set_name, _scope(self.project, path, set_name), self.params, self.project, skip_extra)
        problems: list[Problem] = []
        crlf_lines: list[int] = []
        bad_utf8: list[tuple[int, str]] = []
        pending: list[Future[BatchResult]] = []  # in file order
        batch: list[tuple[int, bytes]] = []
        number = 0
        raw = b""

        def flush() -> None:
            if pool is None:
                self._merge(ctx, file_index, self.lines.check(ctx, batch), summary, problems)
                return
            pending.append(submit(pool, ctx, batch))
            while len(pending) > 2 * jobs:  # bounded: memory stays flat
                self._merge(ctx, file_index, pending.pop(0).result(), summary, problems)

        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the with-block below
        except OSError as exc:
            self.report.problems.append(Problem(label, 0, "", f"cannot read file: {exc.strerror}"))
            return
        with handle:
            for number, raw in enumerate(handle, start=1):
                if number == 1 and raw.startswith(BOM):
                    problems.append(Problem(label, 1, "", "byte-order mark (BOM) at the start of the file; save as UTF-8 without BOM"))
                    raw = raw[3:]
                if raw.endswith(b"\r\n"):
                    crlf_lines.append(number)
                if raw.isascii():
                    if raw.isspace():
                        continue  # blank line
                else:
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        bad_utf8.append((number, f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"))
                batch.append((number, raw))
                if len(batch) >= BATCH_LINES:
                    flush()
                    batch = []
        if batch:
            flush()
        while pending:
            self._merge(ctx, file_index, pending.pop(0).result(), summary, problems)
        if crlf_lines:
            more = f" (and {len(crlf_lines) - 1} more lines)" if len(crlf_lines) > 1 else ""
            problems.append(Problem(label, crlf_lines[0], "", f"CRLF line ending{more}; use LF (\\n) line endings"))
        if bad_utf8:
            line, detail = bad_utf8[0]
            more = f" (and {len(bad_utf8) - 1} more lines)" if len(bad_utf8) > 1 else ""
            problems.append(Problem(label, line, "", f"file is not UTF-8: invalid {detail}{more}; re-save as UTF-8"))
        if number and not raw.endswith(b"\n"):
            problems.append(Problem(label, number, "", "missing final newline; end the file with a newline"))
        summary.problems = len(problems)
        self.report.problems.extend(problems)
        if self.cache is not None and stat is not None and not skip_extra:
            self.cache.remember_file(label, stat, clean=not problems)

    def _merge(
        self,
        ctx: FileContext,
        file_index: int,
        result: BatchResult,
        summary: FileSummary,
        problems: list[Problem],
    ) -> None:
        """Fold one checked batch into the run: its problems, ids, hashes and cache keys."""
        found, entries, records = result
        label = ctx.file
        summary.records += records
        problems.extend(Problem(label, line, fld, message) for line, fld, message in found)
        scope_ids = self.ids.setdefault(ctx.scope, {})
        golden_ids = self.golden_ids
        golden_hashes = self.golden_hashes
        is_golden = ctx.set_name == GOLDEN
        new_keys = self.cache.new if self.cache is not None else None
        for number, record_id, digest, new_key in entries:
            overlaps = False
            if record_id is not None:
                if record_id in scope_ids or not is_golden:
                    overlaps = self._check_id(record_id, scope_ids, file_index, number, label, ctx, problems)
                else:
                    location = (file_index, number)
                    scope_ids[record_id] = location
                    golden_ids[record_id] = location
            if new_key is not None and new_keys is not None:
                new_keys.append(new_key)
            if digest is None:
                continue
            if is_golden:
                if digest not in golden_hashes:
                    golden_hashes[digest] = (record_id, file_index, number)
                continue
            first = golden_hashes.get(digest)
            if first is not None and not overlaps:
                problems.append(
                    Problem(
                        label,
                        number,
                        "messages",
                        f"same messages as golden item {first[0]!r} ({self.where(first[1:])}); "
                        "golden and rotating sets must not overlap",
                    )
                )

    def _check_id(
        self,
        record_id: str,
        scope_ids: dict[str, tuple[int, int]],
        file_index: int,
        number: int,
        label: str,
        ctx: FileContext,
        problems: list[Problem],
    ) -> bool:
        """Record the id; report duplicates. Returns True for a golden/rotating id overlap."""
        first = scope_ids.get(record_id)
        if first is not None:
            problems.append(Problem(label, number, "id", f"duplicate id {record_id!r} (first used at {self.where(first)})"))
            return False
        scope_ids[record_id] = (file_index, number)
        if ctx.set_name == GOLDEN:
            self.golden_ids[record_id] = (file_index, number)
            return False
        golden = self.golden_ids.get(record_id)
        if golden is None:
            return False
        if ctx.set_name == ROTATING:
            message = (
                f"id {record_id!r} is also in the golden set ({self.where(golden)}); "
                "golden and rotating sets must not overlap"
            )
        else:
            message = f"duplicate id {record_id!r}: already used by the golden set ({self.where(golden)})"
        problems.append(Problem(label, number, "id", message))
        return ctx.set_name == ROTATING


def validate_paths(
    project: Project,
    params: dict[str, Any],
    paths: Sequence[str | Path] = (),
    use_cache: bool = True,
    jobs: int | None = None,
) -> ValidationReport:
    """Validate prompt files and return every problem found.

    Args:
        project: The project (for the schema, set membership and path labels).
        params: Loaded params.yaml (taxonomy, validate settings).
        paths: Files or directories to validate; empty means all of ``prompts/``.
        use_cache: Skip the extra (slow) record rules for lines that passed them in an
            earlier run (see :class:`RuleCache`).
        jobs: Worker processes checking line batches; None decides (see
            :func:`_auto_jobs`): workers when many lines need the slow extra rules, or
            for very large inputs on 4+ CPUs; otherwise 1 (no workers).

    Returns:
        The report; ``report.ok`` is true when nothing was found.

    Raises:
        UserError: A given path does not exist, or the schema file is missing (exit code 2).
    """
    rules.load_rule_modules()
    files = discover_files(project, paths)
    validator = _Validator(project, params, schema_checker(project), use_cache=use_cache)
    if jobs is None:
        jobs = _auto_jobs(files, validator)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the id maps hold many small tuples; cyclic GC passes only cost time here
    try:
        validator.run(files, max(1, jobs))
    finally:
        if gc_was_enabled:
            gc.enable()
    if validator.cache is not None:
        validator.cache.save()
    run = RunContext(project, params, files, full_scan=not paths)
    for rule in [*builtin.PROJECT_RULES, *rules.EXTRA_PROJECT_RULES]:
        validator.report.problems.extend(rule(run) or ())
    return validator.report


def _auto_jobs(files: list[tuple[Path, str]], validator: _Validator) -> int:
    """How many worker processes pay off for this run (1 means none).

    The built-in rules cost a few microseconds per line, so shipping lines to workers only
    pays off for very large inputs on machines with spare cores. The extra rules (the PII
    gate: about a millisecond per line) are worth parallelising as soon as a few thousand
    lines are not in the verdict cache.
    """
    cpus = min(os.cpu_count() or 1, 4)
    if cpus < 2 or not files:
        return 1
    total = sum(path.stat().st_size for path, _ in files)
    if validator.lines.extra_rules:
        with open(max(files, key=lambda item: item[0].stat().st_size)[0], "rb") as handle:
            sample = handle.read(65536)
        line_bytes = max(1, len(sample) // max(1, sample.count(b"\n")))
        known = len(validator.cache.known) if validator.cache is not None else 0
        if total // line_bytes - known >= PARALLEL_MIN_SLOW_LINES:
            return cpus
    return cpus if cpus >= 4 and total >= PARALLEL_MIN_BYTES else 1
