"""Validate prompt files: the schema and the repository rules, all problems in one pass.

``validate_paths`` streams every JSONL file line by line (memory stays flat in the
number of records: only ``id -> location`` maps for the duplicate check and message
hashes of the golden set for the overlap check are kept) and returns a
:class:`ValidationReport` whose problems read ``file:line: field: message``.

Checks, in the order they apply to each file:

* file level: not UTF-8, byte-order mark, CRLF line endings, missing final newline;
* line level: malformed JSON, a line that is not a JSON object;
* schema (``schemas/prompt.schema.json``): a compiled validator (jsonschema-rs) is
  the fast path; only failing records are re-checked with
  ``jsonschema.Draft202012Validator.iter_errors`` for precise messages;
* record rules (only on schema-valid records): :data:`RECORD_RULES` (taxonomy
  membership, empty messages, conversation ending with a turn for the model) then
  :data:`EXTRA_RECORD_RULES` (skipped for lines that passed them in an earlier run
  under the same params and code: :class:`RuleCache`);
* cross-file: duplicate ids (within the golden set, within each rotating period,
  within the pool, and golden ids anywhere else) and golden/rotating overlap (same
  id, or same ``messages``);
* project rules (run once, after streaming): :data:`PROJECT_RULES` (params.yaml
  coverage shares name taxonomy entries and sum to 1), then :data:`EXTRA_PROJECT_RULES`.

Extension points (for other modules, e.g. the PII gate and the golden lock):

* ``EXTRA_RECORD_RULES``: append a :data:`RecordRule`, a function
  ``rule(record, ctx) -> iterable of (field, message)`` called for every
  schema-valid record; ``ctx`` is the :class:`FileContext` of the file (label, set,
  scope, params, project). Return ``()`` when the record is fine. Messages must not
  echo personal data (name the entity type, not the value). A rule must be a pure
  function of the record and ``ctx``: it may run in a worker process (state kept
  between calls is not seen by the main process), and its verdict for a line is cached
  (see :class:`RuleCache`) under a fingerprint of params.yaml and the rule's code.
* ``EXTRA_PROJECT_RULES``: append a :data:`ProjectRule`, a function
  ``rule(run) -> iterable of Problem`` called once with the :class:`RunContext`
  (project, params, the validated files and whether the whole project was scanned;
  e.g. the golden lock only makes sense when ``run.full_scan`` is true).
* ``RULE_MODULES``: module names imported (once, when they exist) before a
  validation so that they can register their rules by appending to the two lists
  above at import time. A module that is not installed is skipped silently.
  ``PRODBENCH_VALIDATE_RULE_MODULES`` overrides the list (empty: built-in rules only).
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import importlib
import json
import os
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError
from prodbench.core.project import Project
from prodbench.core.prompts import GOLDEN, POOL, ROTATING

OTHER = "other"
SET_ORDER = {GOLDEN: 0, ROTATING: 1, POOL: 2, OTHER: 3}
BOM = b"\xef\xbb\xbf"
MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class FileContext:
    """What a record rule knows about the file a record comes from.

    Attributes:
        file: Path label used in problems (relative to the project root).
        set_name: ``golden``, ``rotating``, ``pool`` or ``other``.
        scope: Id-uniqueness scope: ``golden``, ``rotating/<period>``, ``pool`` or ``other``.
        params: The loaded params.yaml.
        project: The project.
        task_types: Task types of params.yaml's taxonomy (derived).
        difficulties: Difficulties of params.yaml's taxonomy (derived).
    """

    file: str
    set_name: str
    scope: str
    params: dict[str, Any]
    project: Project | None = None
    skip_extra: bool = False
    task_types: frozenset[str] = field(init=False)
    difficulties: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        taxonomy = self.params.get("taxonomy") or {}
        object.__setattr__(self, "task_types", frozenset(taxonomy.get("task_types") or ()))
        object.__setattr__(self, "difficulties", frozenset(taxonomy.get("difficulties") or ()))


@dataclass(frozen=True)
class RunContext:
    """What a project rule knows about a validation run.

    Attributes:
        project: The project.
        params: The loaded params.yaml.
        files: The validated files as ``(path, set_name)``, in validation order.
        full_scan: True when every prompt file of the project was validated (no PATHS given).
    """

    project: Project
    params: dict[str, Any]
    files: list[tuple[Path, str]]
    full_scan: bool


RecordRule = Callable[[dict[str, Any], FileContext], Iterable[tuple[str, str]]]
ProjectRule = Callable[[RunContext], Iterable[Problem]]

#: Extra per-record rules registered by other modules (see the module docstring).
EXTRA_RECORD_RULES: list[RecordRule] = []
#: Extra whole-run rules registered by other modules (see the module docstring).
EXTRA_PROJECT_RULES: list[ProjectRule] = []
#: Modules imported before validating so they can register rules (missing ones are skipped).
RULE_MODULES: list[str] = ["prodbench.data.anonymize.gate", "prodbench.data.golden"]


@dataclass
class FileSummary:
    """Per-file counts reported in the JSON report."""

    file: str
    set_name: str
    records: int = 0
    problems: int = 0


@dataclass
class ValidationReport:
    """The result of a validation run.

    Attributes:
        problems: Every problem found, in file order.
        files: One summary per validated file.
    """

    problems: list[Problem] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    def sorted_problems(self) -> list[Problem]:
        """Problems sorted by file, line, field and message (deterministic output)."""
        return sorted(self.problems, key=lambda p: (p.file, p.line, p.field, p.message))

    def as_dict(self) -> dict[str, Any]:
        """A deterministic JSON document (no timestamps, sorted problems)."""
        by_set: dict[str, int] = {}
        for summary in self.files:
            by_set[summary.set_name] = by_set.get(summary.set_name, 0) + summary.records
        return {
            "ok": self.ok,
            "summary": {
                "files": len(self.files),
                "records": self.records,
                "problems": len(self.problems),
                "records_by_set": dict(sorted(by_set.items())),
            },
            "files": [
                {"file": f.file, "set": f.set_name, "records": f.records, "problems": f.problems}
                for f in sorted(self.files, key=lambda f: f.file)
            ],
            "problems": [p.as_dict() for p in self.sorted_problems()],
        }

    def summary_line(self) -> str:
        """One line such as ``60 records in 6 files: no problems``."""
        head = f"{self.records} records in {len(self.files)} files"
        if self.ok:
            return f"{head}: no problems"
        return f"{head}: {len(self.problems)} problem(s)"


# --------------------------------------------------------------------------- rules


def _fmt_path(parts: Iterable[Any]) -> str:
    """Format a JSON path as ``messages[2].content``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(value: Any) -> str:
    """A JSON rendering of ``value`` cut to a readable length."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def rule_taxonomy(record: dict[str, Any], ctx: FileContext) -> Iterable[tuple[str, str]]:
    """Task type and difficulty must be listed in params.yaml ``taxonomy``."""
    task_type = record["task_type"]
    difficulty = record["difficulty"]
    if task_type in ctx.task_types and difficulty in ctx.difficulties:
        return ()
    found = []
    if task_type not in ctx.task_types:
        choices = sorted(ctx.task_types)
        found.append(
            (
                "task_type",
                f"unknown task type {task_type!r} (params.yaml taxonomy.task_types: "
                f"{', '.join(choices)}){_did_you_mean(task_type, choices)}",
            )
        )
    if difficulty not in ctx.difficulties:
        choices = list((ctx.params.get("taxonomy") or {}).get("difficulties") or ())
        found.append(
            (
                "difficulty",
                f"unknown difficulty {difficulty!r} (params.yaml taxonomy.difficulties: "
                f"{', '.join(choices)}){_did_you_mean(difficulty, choices)}",
            )
        )
    return found


def rule_messages(record: dict[str, Any], ctx: FileContext) -> Iterable[tuple[str, str]]:
    """Messages are not empty and the conversation ends with a turn for the model.

    A turn for the model is an assistant message with ``content: null``; it must follow
    a user message. The last message must be such a turn or a user message (which
    implies one).
    """
    messages = record["messages"]
    last = messages[-1]
    previous_role = None
    for message in messages:
        content = message["content"]
        if content is None:
            if previous_role != "user":
                break
        elif not content or content.isspace():
            break
        previous_role = message["role"]
    else:
        if last["role"] == "user" or (last["content"] is None and last["role"] == "assistant"):
            return ()
    found = []
    previous_role = None
    for index, message in enumerate(messages):
        content = message["content"]
        role = message["role"]
        if content is None:
            if previous_role != "user":
                found.append(
                    (
                        f"messages[{index}]",
                        "a turn for the model (assistant, content null) must follow a user message",
                    )
                )
        elif not content or content.isspace():
            found.append((f"messages[{index}].content", "empty or whitespace-only message"))
        previous_role = role
    if not (last["role"] == "user" or (last["role"] == "assistant" and last["content"] is None)):
        found.append(
            (
                f"messages[{len(messages) - 1}]",
                "the conversation must end with a turn for the model (an assistant message with "
                "content null, or a user message), not "
                + ("an assistant message with content" if last["role"] == "assistant" else f"a {last['role']} message"),
            )
        )
    return found


#: Built-in per-record rules, applied to schema-valid records in this order.
RECORD_RULES: list[RecordRule] = [rule_taxonomy, rule_messages]


def rule_coverage_params(run: RunContext) -> list[Problem]:
    """params.yaml ``coverage`` shares name only taxonomy entries and sum to about 1.

    A typo in a share key (``fact_recal: 0.2``) would otherwise silently drop a target.
    """
    from prodbench.core.params import locate_params_problems

    params = run.params
    taxonomy = params.get("taxonomy") or {}
    coverage = params.get("coverage") or {}
    label = run.project.rel(run.project.params_path)
    problems = []
    for key, known in (
        ("task_type_share", list(taxonomy.get("task_types") or {})),
        ("difficulty_share", list(taxonomy.get("difficulties") or [])),
    ):
        shares = coverage.get(key)
        if not shares:
            continue
        for name in shares:
            if name not in known:
                problems.append(
                    Problem(
                        label,
                        0,
                        f"coverage.{key}.{name}",
                        f"{name!r} is not in the taxonomy ({', '.join(known)}){_did_you_mean(name, known)}",
                    )
                )
        total = sum(float(v) for v in shares.values())
        if abs(total - 1.0) > 0.01:
            problems.append(Problem(label, 0, f"coverage.{key}", f"shares sum to {total:g}, not 1"))
    return locate_params_problems(problems, run.project.params_path)


#: Built-in whole-run rules, run before :data:`EXTRA_PROJECT_RULES`.
PROJECT_RULES: list[ProjectRule] = [rule_coverage_params]


_loaded_rule_modules: set[str] = set()


def load_rule_modules() -> None:
    """Import :data:`RULE_MODULES` once so they can register extra rules.

    ``PRODBENCH_VALIDATE_RULE_MODULES`` (comma-separated module names, empty for none)
    overrides the list, e.g. to time the built-in rules alone.
    """
    override = os.environ.get("PRODBENCH_VALIDATE_RULE_MODULES")
    names = RULE_MODULES if override is None else [n.strip() for n in override.split(",") if n.strip()]
    for name in names:
        if name in _loaded_rule_modules:
            continue
        _loaded_rule_modules.add(name)
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise


# --------------------------------------------------------------------------- schema


class SchemaChecker:
    """Fast compiled validation with precise messages for failing records.

    Args:
        schema: The prompt record JSON Schema (draft 2020-12).
    """

    def __init__(self, schema: dict[str, Any]):
        import jsonschema_rs

        self.schema = schema
        self._fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
        self.is_valid = self._fast.is_valid
        self._slow = None

    def errors(self, record: Any) -> list[tuple[str, str]]:
        """Return ``(field, message)`` pairs for an invalid record, sorted by field."""
        if self._slow is None:
            from jsonschema import Draft202012Validator

            self._slow = Draft202012Validator(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        found = []
        for error in self._slow.iter_errors(record):
            found.append(_describe_error(error))
        if not found:  # the two validators disagree (should not happen): say so rather than pass
            found.append(("", "record does not match schemas/prompt.schema.json"))
        return sorted(set(found))


def _describe_error(error: Any) -> tuple[str, str]:
    """Turn a jsonschema ValidationError into ``(field, message)``."""
    path = list(error.absolute_path)
    message = error.message
    if error.validator == "required" and message.endswith(" is a required property"):
        name = message[: -len(" is a required property")].strip("'\"")
        return _fmt_path([*path, name]) or name, "required field is missing"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            key = extra[0]
            return (
                _fmt_path([*path, key]),
                f"unknown key {key!r} (allowed: {', '.join(allowed)}){_did_you_mean(key, allowed)}",
            )
    if error.validator in ("type", "enum", "pattern", "minLength", "const", "format"):
        message = _requote(error)
    if error.validator in ("oneOf", "anyOf") and isinstance(error.validator_value, list):
        kinds = [sub.get("type") for sub in error.validator_value if isinstance(sub, dict)]
        if kinds and all(isinstance(k, str) for k in kinds):
            message = f"{_short(error.instance)} is not valid: expected {' or '.join(kinds)}"
    if "then" in error.schema_path and path and path[-1] == "content":
        message += " (only assistant messages may have content null)"
    if len(message) > 300:
        message = message[:299] + "…"
    return _fmt_path(path) or "(record)", message


def _requote(error: Any) -> str:
    """Re-render jsonschema's message with the instance as (short) JSON instead of a repr."""
    value = _short(error.instance)
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{value} is not of type {expected}"
    if error.validator == "enum":
        return f"{value} is not one of {', '.join(_short(v) for v in error.validator_value)}"
    if error.validator == "pattern":
        return f"{value} does not match the pattern {error.validator_value}"
    if error.validator == "minLength":
        return f"{value} is too short (at least {error.validator_value} characters)"
    if error.validator == "format":
        return f"{value} is not a valid {error.validator_value}"
    return error.message


@lru_cache(maxsize=4)
def _load_schema(path: str) -> SchemaChecker:
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: schema file not found", exit_code=2) from None
    except json.JSONDecodeError as exc:
        raise UserError("", [Problem(path, exc.lineno, "", f"invalid JSON schema: {exc.msg}")]) from None
    return SchemaChecker(schema)


def schema_checker(project: Project) -> SchemaChecker:
    """The (cached) checker for ``schemas/prompt.schema.json`` of ``project``."""
    return _load_schema(str(project.schemas_dir / "prompt.schema.json"))


# --------------------------------------------------------------------------- files


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
    from prodbench.core.prompts import set_of_path

    roots = [Path(p) for p in paths] or [project.prompts_dir]
    found: set[Path] = set()
    for root in roots:
        if root.is_dir():
            found.update(p for p in root.rglob("*.jsonl") if p.is_file())
        elif root.is_file():
            found.add(root)
        elif not paths:
            continue  # no prompts/ directory yet: nothing to validate
        else:
            raise UserError(f"{root}: no such file or directory", exit_code=2)
    files = [(p, set_of_path(project, p)) for p in found]
    return sorted(files, key=lambda item: (SET_ORDER.get(item[1], 9), project.rel(item[0])))


def _scope(project: Project, path: Path, set_name: str) -> str:
    if set_name == ROTATING:
        try:
            parts = path.resolve().relative_to(project.rotating_dir.resolve()).parts
        except ValueError:
            parts = ()
        return f"rotating/{parts[0]}" if len(parts) > 1 else "rotating"
    return set_name


class RuleCache:
    """Remembers, across runs, the lines that passed every extra record rule.

    Extra rules (the personal-data gate above all) are far slower than the built-in
    ones. A line whose exact bytes passed them before, under the same params.yaml and
    the same rule code (the rule modules and, inside prodbench, their subpackage are
    fingerprinted), is not re-scanned. Lines with findings are never cached.
    The cache lives in ``cache/validate/`` (git-ignored); ``--no-cache`` bypasses it.

    Args:
        directory: Cache directory.
        params: Loaded params.yaml (part of the fingerprint).
        rules: The extra record rules (their modules are part of the fingerprint).
    """

    def __init__(self, directory: Path, params: dict[str, Any], rules: Sequence[RecordRule]):
        self.directory = directory
        self.path = directory / f"extra-rules-{_fingerprint(params, rules)}.bin"
        self.known: set[int] = set()
        self.new: list[int] = []
        with contextlib.suppress(OSError, ValueError):  # no cache yet, or a torn file
            self.known = set(array("Q", self.path.read_bytes()))
        # Whole files that passed, by (size, mtime_ns) as git's index does: an unchanged file
        # is not even hashed line by line. Entries whose mtime is too close to the moment they
        # were recorded are never written (a same-tick edit could keep size and mtime).
        self.files_path = self.path.with_suffix(".files.json")
        self.clean_files: dict[str, list[int]] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = orjson.loads(self.files_path.read_bytes())
            if isinstance(loaded, dict):
                self.clean_files = loaded
        self.files_changed = False

    RACY_NS = 2_000_000_000  # files modified less than 2 s before the check are not remembered

    def file_is_clean(self, label: str, stat: os.stat_result) -> bool:
        """Whether ``label`` is byte-for-byte (by size and mtime) a file that passed before."""
        return self.clean_files.get(label) == [stat.st_size, stat.st_mtime_ns]

    def remember_file(self, label: str, stat: os.stat_result, clean: bool) -> None:
        """Record that ``label`` passed every extra rule (or forget it when it did not)."""
        entry = [stat.st_size, stat.st_mtime_ns]
        if clean and time.time_ns() - stat.st_mtime_ns > self.RACY_NS:
            if self.clean_files.get(label) != entry:
                self.clean_files[label] = entry
                self.files_changed = True
        elif self.clean_files.pop(label, None) is not None:
            self.files_changed = True

    @staticmethod
    def key(raw: bytes) -> int:
        """The cache key of one line."""
        return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little")

    def save(self) -> None:
        """Write the cache (only if new lines passed), dropping caches of other fingerprints."""
        if self.files_changed:
            from prodbench.core.fsutil import atomic_write_bytes

            with contextlib.suppress(OSError):
                atomic_write_bytes(self.files_path, orjson.dumps(self.clean_files, option=orjson.OPT_SORT_KEYS))
        if not self.new:
            return
        from prodbench.core.fsutil import atomic_write_bytes

        keys = array("Q", sorted(self.known.union(self.new)))
        try:
            atomic_write_bytes(self.path, keys.tobytes())
            for stale in self.directory.glob("extra-rules-*"):
                if stale not in (self.path, self.files_path):
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only checkout still validates, just without the cache


def _fingerprint(params: dict[str, Any], rules: Sequence[RecordRule]) -> str:
    """Digest of params, prodbench's version and the source of the rules' modules.

    A rule inside a prodbench subpackage (e.g. ``prodbench.data.anonymize.gate``) brings every
    file of that subpackage (its detectors, word lists) into the digest; any other module
    only itself.
    """
    import sys

    import prodbench

    digest = hashlib.blake2b(digest_size=12)
    digest.update(prodbench.__version__.encode())
    digest.update(orjson.dumps(params, option=orjson.OPT_SORT_KEYS, default=str))
    package_root = Path(prodbench.__file__).resolve().parent
    files: set[Path] = set()
    for rule in rules:
        digest.update(f"{rule.__module__}.{getattr(rule, '__qualname__', rule)}".encode())
        module_file = getattr(sys.modules.get(rule.__module__), "__file__", None)
        if not module_file:
            continue
        module_path = Path(module_file).resolve()
        files.add(module_path)
        if module_path.parent != package_root and package_root in module_path.parents:
            files.update(p for p in module_path.parent.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


BATCH_LINES = 4096
PARALLEL_MIN_BYTES = 64_000_000  # built-in rules only: below this (or on < 4 CPUs) one process is faster
PARALLEL_MIN_SLOW_LINES = 2_000  # lines the slow extra rules must scan before workers pay off

# Per-line result: (line number, id or None, messages hash or None, cache key of a line that
# newly passed the extra rules or None). Problems travel as (line, field, message).
_Entry = tuple[int, Any, Any, Any]


class _LineChecker:
    """Checks batches of lines of one kind of file; runs in the main process or in a worker.

    Everything a line needs that does not depend on other lines happens here: JSON
    parsing, schema, record rules, extra rules (with the verdict cache) and the messages
    hash. The cross-line checks (duplicates, overlap) need the returned entries.
    """

    def __init__(self, checker: SchemaChecker, extra_rules: list[RecordRule], cache_known: set[int] | None):
        self.checker = checker
        self.rules = list(RECORD_RULES)
        self.extra_rules = extra_rules
        self.cache_known = cache_known

    def check(
        self, ctx: FileContext, lines: list[tuple[int, bytes]]
    ) -> tuple[list[tuple[int, str, str]], list[_Entry], int]:
        """Return (problems, entries, records parsed) for ``lines`` of the file ``ctx``."""
        problems: list[tuple[int, str, str]] = []
        entries: list[_Entry] = []
        add_problem = problems.append
        add_entry = entries.append
        is_valid = self.checker.is_valid
        rules = self.rules
        extra_rules = () if ctx.skip_extra else self.extra_rules
        cache_known = self.cache_known
        use_cache = cache_known is not None
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


_WORKER: _LineChecker | None = None  # set before forking the worker processes


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _worker_check(ctx: FileContext, lines: list[tuple[int, bytes]]):
    gc.disable()
    assert _WORKER is not None
    return _WORKER.check(ctx, lines)


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
        extra_rules = list(EXTRA_RECORD_RULES)
        self.cache = RuleCache(project.cache_dir / "validate", params, extra_rules) if use_cache and extra_rules else None
        self.lines = _LineChecker(checker, extra_rules, self.cache.known if self.cache is not None else None)

    def where(self, location: tuple[int, int]) -> str:
        return f"{self.labels[location[0]]}:{location[1]}"

    def run(self, files: list[tuple[Path, str]], jobs: int) -> None:
        """Validate ``files`` in order, checking line batches in ``jobs`` processes."""
        # Workers must be forked: they inherit the compiled schema, the loaded rules, the
        # verdict cache and the interpreter's hash seed (messages hashes are compared across
        # processes). Without fork (Windows), everything runs in this process.
        if jobs > 1 and _can_fork():
            global _WORKER
            import concurrent.futures
            import multiprocessing

            _WORKER = self.lines
            try:
                context = multiprocessing.get_context("fork")
                with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
                    for path, set_name in files:
                        self.validate_file(path, set_name, pool, jobs)
            finally:
                _WORKER = None
        else:
            for path, set_name in files:
                self.validate_file(path, set_name)

    def validate_file(self, path: Path, set_name: str, pool: Any = None, jobs: int = 1) -> None:
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
        pending: list[Any] = []  # futures (or results) in file order
        batch: list[tuple[int, bytes]] = []
        number = 0
        raw = b""

        def flush() -> None:
            if pool is None:
                self._merge(ctx, file_index, self.lines.check(ctx, batch), summary, problems)
                return
            pending.append(pool.submit(_worker_check, ctx, batch))
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
        result: tuple[list[tuple[int, str, str]], list[_Entry], int],
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
    load_rule_modules()
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
    for rule in [*PROJECT_RULES, *EXTRA_PROJECT_RULES]:
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


def render_text(report: ValidationReport) -> str:
    """Problems one per line (``file:line: field: message``) and a summary line."""
    lines = [str(p) for p in report.sorted_problems()]
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> bytes:
    """The report as stable JSON (sorted keys, no timestamps)."""
    from prodbench.core.fsutil import dumps_stable

    return dumps_stable(report.as_dict())
