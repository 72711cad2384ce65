"""Ingest production/pilot logs into the prompt pool.

Pipeline per log entry (streamed: one line or CSV row at a time, so memory does not grow
with the size of the log):

1. read: ``openai`` (JSONL with ``messages``), ``jsonl`` (a prompt column), ``csv`` (a
   prompt column), ``conversation`` (JSONL exports with ``turns``/``conversation``
   lists of ``{speaker|role|author, text|content|message}``) or ``auto`` (sniffed per
   line; ``.csv`` files are CSV). A malformed line is counted and reported with its
   line number and never stops the file.
2. shape: system messages are dropped, assistant replies become turns for the model
   (``content: null``), so a multi-turn log is replayed turn by turn.
3. anonymize (:class:`prodbench.data.anonymize.Anonymizer`, consistent within the record),
   then normalise (NFC, control characters, whitespace).
4. de-duplicate against every prompt in the repository and the earlier entries of
   the same run (exact + MinHash LSH near-duplicates).
5. tag (heuristic, optionally LLM) and append to ``prompts/pool/`` with
   ``review.status: pending`` and an ``origin`` that keeps the log id, never raw text.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.core.fsutil import write_json
from prodbench.core.project import Project
from prodbench.core.prompts import iter_records
from prodbench.data.anonymize import Anonymizer, detect
from prodbench.data.dedupe import DedupeIndex, exact_key, normalize_text, record_text
from prodbench.data.tagging import LLMTagger, Tags, heuristic_tag, needs_attention

FORMATS = ("auto", "openai", "jsonl", "csv", "conversation")
SOURCES = ("production", "pilot")
ID_KEYS = ("id", "log_id", "request_id", "conversation_id", "session_id", "uuid")
TURN_LIST_KEYS = ("turns", "conversation", "messages", "dialog", "dialogue", "transcript")
ROLE_KEYS = ("role", "speaker", "author", "from", "sender")
TEXT_KEYS = ("content", "text", "message", "body", "value")
USER_ROLES = {"user", "human", "customer", "client", "visitor", "end_user", "enduser"}
ASSISTANT_ROLES = {"assistant", "agent", "bot", "ai", "model", "gpt", "support", "system_reply"}
MAX_LISTED = 1000  # malformed lines / drops listed in the report (all are counted)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Malformed(Exception):
    """A log entry that cannot be used (the message never contains log text)."""


@dataclass
class LogEntry:
    """One usable log entry: its line, log id and OpenAI-style messages."""

    line: int
    log_id: str | None
    messages: list[dict[str, Any]]
    fmt: str


@dataclass
class IngestReport:
    """Counts and reasons of one ingest run (ids and line numbers only, never text)."""

    files: list[str] = field(default_factory=list)
    read: int = 0
    added: int = 0
    malformed: int = 0
    malformed_lines: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    dropped_counts: Counter[str] = field(default_factory=Counter)
    task_types: Counter[str] = field(default_factory=Counter)
    difficulties: Counter[str] = field(default_factory=Counter)
    needs_review: int = 0
    anonymized: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    outputs: list[str] = field(default_factory=list)
    llm_tagger: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files, "read": self.read, "added": self.added, "malformed": self.malformed,
            "malformed_lines": self.malformed_lines, "dropped_total": sum(self.dropped_counts.values()),
            "dropped_by_reason": dict(self.dropped_counts), "dropped": self.dropped,
            "task_types": dict(self.task_types), "difficulties": dict(self.difficulties),
            "needs_review": self.needs_review, "anonymized": dict(self.anonymized),
            "formats": dict(self.formats), "outputs": self.outputs, "llm_tagger": self.llm_tagger,
        }

    def summary(self) -> str:
        dropped = sum(self.dropped_counts.values())
        return (f"read {self.read}, added {self.added}, dropped {dropped} "
                f"({', '.join(f'{k} {v}' for k, v in sorted(self.dropped_counts.items())) or 'none'}), "
                f"malformed {self.malformed}, {self.needs_review} marked for review")


# --------------------------------------------------------------------------- reading


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in obj and obj[key] is not None:
            return obj[key]
    return None


def _log_id(obj: dict[str, Any], id_column: str) -> str | None:
    value = obj.get(id_column) if id_column in obj else _first(obj, ID_KEYS)
    return None if value is None else str(value)


def _turns_to_messages(turns: Any) -> list[dict[str, Any]]:
    if not isinstance(turns, list) or not turns:
        raise Malformed("conversation has no turns")
    messages = []
    for index, turn in enumerate(turns):
        if isinstance(turn, str):
            messages.append({"role": "user" if index % 2 == 0 else "assistant", "content": turn})
            continue
        if not isinstance(turn, dict):
            raise Malformed(f"turn {index} is not an object")
        role = str(_first(turn, ROLE_KEYS) or "").strip().lower()
        text = _first(turn, TEXT_KEYS)
        if role in USER_ROLES:
            role = "user"
        elif role in ASSISTANT_ROLES:
            role = "assistant"
        elif role != "system":
            raise Malformed(f"turn {index} has an unknown speaker role")
        if text is not None and not isinstance(text, str):
            raise Malformed(f"turn {index} text is not a string")
        messages.append({"role": role, "content": text})
    return messages


def entry_from_object(obj: Any, fmt: str, line: int, prompt_column: str, id_column: str) -> LogEntry:
    """Turn one parsed log object into a :class:`LogEntry` (raises :class:`Malformed`)."""
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    if fmt == "auto":
        if isinstance(obj.get("messages"), list):
            fmt = "openai"
        elif _first(obj, TURN_LIST_KEYS) is not None:
            fmt = "conversation"
        elif prompt_column in obj:
            fmt = "jsonl"
        else:
            raise Malformed(f"cannot tell the format: no 'messages', turns list or '{prompt_column}' field")
    if fmt == "openai":
        messages = obj.get("messages")
        if not isinstance(messages, list):
            raise Malformed("no 'messages' list")
        messages = _turns_to_messages(messages)
    elif fmt == "conversation":
        messages = _turns_to_messages(_first(obj, TURN_LIST_KEYS))
    else:  # jsonl / csv
        prompt = obj.get(prompt_column)
        if not isinstance(prompt, str) or not prompt.strip():
            raise Malformed(f"missing or empty '{prompt_column}' field")
        messages = [{"role": "user", "content": prompt}]
    return LogEntry(line, _log_id(obj, id_column), messages, fmt)


def iter_log(path: Path, fmt: str, prompt_column: str = "prompt", id_column: str = "id"
             ) -> Iterator[LogEntry | tuple[int, str]]:
    """Stream a log file: yields entries, or ``(line, reason)`` for malformed lines."""
    if fmt not in FORMATS:
        raise UserError(f"unknown log format {fmt!r}; use one of {', '.join(FORMATS)}", exit_code=2)
    if fmt == "csv" or (fmt == "auto" and path.suffix.lower() in (".csv", ".tsv")):
        yield from _iter_csv(path, prompt_column, id_column)
        return
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield number, f"malformed JSON ({str(exc).split(':')[0]})"
                continue
            try:
                yield entry_from_object(obj, fmt, number, prompt_column, id_column)
            except Malformed as exc:
                yield number, str(exc)


def _iter_csv(path: Path, prompt_column: str, id_column: str) -> Iterator[LogEntry | tuple[int, str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        if reader.fieldnames is None or prompt_column not in reader.fieldnames:
            raise UserError(f"{path}: CSV header has no '{prompt_column}' column (set ingest.prompt_column "
                            "or --prompt-column)")
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, f"malformed CSV ({exc.__class__.__name__})"
                continue
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                yield line, "wrong number of columns"
                continue
            try:
                yield entry_from_object(row, "csv", line, prompt_column, id_column)
            except Malformed as exc:
                yield line, str(exc)


# --------------------------------------------------------------------------- shaping


def normalize_content(text: str) -> str:
    """NFC, no control characters, trimmed lines, at most one blank line in a row."""
    text = CONTROL_RE.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def shape_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Benchmark messages: no system prompt, assistant replies become turns for the model.

    Raises:
        Malformed: No user message remains.
    """
    shaped: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "system":
            continue
        if role == "user":
            content = message.get("content")
            if not isinstance(content, str) or not content.strip():
                continue
            if shaped and shaped[-1]["role"] == "user":  # merge consecutive user messages
                shaped[-1]["content"] += "\n" + content
            else:
                shaped.append({"role": "user", "content": content})
        elif role == "assistant" and shaped and shaped[-1]["role"] == "user":
            shaped.append({"role": "assistant", "content": None})
    if not any(m["role"] == "user" for m in shaped):
        raise Malformed("no user message")
    return shaped


def safe_log_id(log_id: str | None, line: int) -> str:
    """The log id for ``origin`` (a hash if the id itself looks like personal data)."""
    if log_id is None:
        return f"line:{line}"
    if detect(log_id, entities=["EMAIL", "PHONE", "PERSON", "SSN", "CREDIT_CARD", "IBAN", "IP_ADDRESS"]):
        return "sha256:" + hashlib.sha256(log_id.encode()).hexdigest()[:16]
    return log_id


def make_id(source: str, log_name: str, log_id: str) -> str:
    """Stable record id from the log file name and the log id."""
    prefix = {"production": "prod", "pilot": "pilot"}.get(source, source)
    digest = hashlib.sha256((log_name + "\0" + log_id).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


# --------------------------------------------------------------------------- pipeline


@dataclass
class IngestSettings:
    """Resolved ingest settings (params ``ingest`` + ``anonymize`` + CLI overrides)."""

    fmt: str = "auto"
    source: str = "production"
    prompt_column: str = "prompt"
    id_column: str = "id"
    near_threshold: float = 0.85
    review_confidence: float = 0.6
    replacement: str = "placeholder"
    engine: str = "builtin"
    allowlist: tuple[str, ...] = ()
    today: str = field(default_factory=lambda: _dt.date.today().isoformat())

    @classmethod
    def from_params(cls, params: dict[str, Any], **overrides: Any) -> IngestSettings:
        ingest = params.get("ingest") or {}
        anon = params.get("anonymize") or {}
        values = {
            "prompt_column": ingest.get("prompt_column", "prompt"),
            "id_column": ingest.get("id_column", "id"),
            "near_threshold": float((ingest.get("dedupe") or {}).get("near_threshold", 0.85)),
            "review_confidence": float(ingest.get("review_confidence", 0.6)),
            "replacement": anon.get("replacement", "placeholder"),
            "engine": anon.get("engine", "builtin"),
            "allowlist": tuple((params.get("validate") or {}).get("pii_allowlist") or ()),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def repo_index(project: Project, threshold: float) -> DedupeIndex:
    """A de-duplication index over every prompt already in the repository."""
    index = DedupeIndex(threshold)
    for path in sorted(project.prompts_dir.rglob("*.jsonl")):
        parts = path.relative_to(project.prompts_dir).parts
        set_name = parts[0] if parts[0] in ("golden", "rotating", "pool") else "other"
        for _, record in iter_records(path, project.rel(path)):
            index.add_record(record, set_name)
    return index


class _PoolWriter:
    """Collects new records in a temp file; :meth:`commit` appends them atomically."""

    def __init__(self, target: Path):
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent)
        self.tmp = Path(name)
        self.handle = os.fdopen(fd, "wb")
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        self.handle.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        self.count += 1

    def commit(self) -> None:
        self.handle.close()
        if not self.count:
            self.tmp.unlink()
            return
        fd, name = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                if self.target.is_file():
                    data = self.target.read_bytes()
                    out.write(data)
                    if data and not data.endswith(b"\n"):
                        out.write(b"\n")
                with open(self.tmp, "rb") as new:
                    while chunk := new.read(1 << 20):
                        out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, self.target)
        finally:
            for leftover in (self.tmp, Path(name)):
                if leftover.exists():
                    leftover.unlink()

    def abort(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def ingest_files(
    project: Project,
    params: dict[str, Any],
    logs: list[Path],
    settings: IngestSettings,
    output: Path | None = None,
    llm_tagger: LLMTagger | None = None,
) -> IngestReport:
    """Ingest log files into the pool (see the module docstring).

    Args:
        project: The project.
        params: Loaded params.yaml (taxonomy for tagging).
        logs: Log files, processed in order.
        settings: Resolved settings.
        output: Pool file to append to (default ``prompts/pool/<source>.jsonl``).
        llm_tagger: Optional LLM tagger used instead of the heuristics.

    Returns:
        The report (also meant to be written next to the pool as JSON).
    """
    if settings.source not in SOURCES:
        raise UserError(f"--source must be one of {', '.join(SOURCES)}", exit_code=2)
    taxonomy = params.get("taxonomy") or {}
    task_types = list(taxonomy.get("task_types") or {})
    difficulties = list(taxonomy.get("difficulties") or [])
    if not task_types or not difficulties:
        raise UserError("params.yaml taxonomy has no task_types or difficulties; cannot tag")
    output = output or project.pool_dir / f"{settings.source}.jsonl"
    index = repo_index(project, settings.near_threshold)
    anonymizer = Anonymizer(settings.replacement, settings.engine, settings.allowlist)
    report = IngestReport(outputs=[project.rel(output)])
    writer = _PoolWriter(output)
    raw_seen: dict[bytes, str] = {}
    try:
        for log in logs:
            label = project.rel(log)
            report.files.append(label)
            for item in iter_log(log, settings.fmt, settings.prompt_column, settings.id_column):
                report.read += 1
                if isinstance(item, tuple):
                    report.malformed += 1
                    if len(report.malformed_lines) < MAX_LISTED:
                        report.malformed_lines.append({"file": label, "line": item[0], "reason": item[1]})
                    continue
                _ingest_entry(item, log.name, label, settings, anonymizer, index, task_types, difficulties,
                              llm_tagger, report, writer, raw_seen)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    if llm_tagger is not None:
        report.llm_tagger = {"model": llm_tagger.model_name, "calls": llm_tagger.calls,
                             "cache_hits": llm_tagger.cache_hits, "failures": llm_tagger.failures}
    return report


def _drop(report: IngestReport, label: str, entry: LogEntry, log_id: str | None, reason: str, kind: str,
          **extra: Any) -> None:
    report.dropped_counts[kind] += 1
    if len(report.dropped) < MAX_LISTED:
        log_id = log_id or safe_log_id(entry.log_id, entry.line)
        report.dropped.append({"file": label, "line": entry.line, "log_id": log_id, "reason": reason, **extra})


def _ingest_entry(entry: LogEntry, log_name: str, label: str, settings: IngestSettings, anonymizer: Anonymizer,
                  index: DedupeIndex, task_types: list[str], difficulties: list[str],
                  llm_tagger: LLMTagger | None, report: IngestReport, writer: _PoolWriter,
                  raw_seen: dict[bytes, str]) -> None:
    try:
        messages = shape_messages(entry.messages)
    except Malformed as exc:
        report.malformed += 1
        if len(report.malformed_lines) < MAX_LISTED:
            report.malformed_lines.append({"file": label, "line": entry.line, "reason": str(exc)})
        return
    # Repeats of an already-seen raw text are dropped before the (costly) anonymization:
    # they would anonymize to the same text. Only an 8-byte hash of the raw text is kept.
    raw_key = exact_key(normalize_text(record_text({"messages": messages})))
    if raw_key in raw_seen:
        _drop(report, label, entry, None, f"exact duplicate of {raw_seen[raw_key]} (repeated log text)", "exact",
              duplicate_of=raw_seen[raw_key], similarity=1.0)
        return
    log_id = safe_log_id(entry.log_id, entry.line)
    anonymizer.reset()
    for message in messages:
        if message["content"] is not None:
            message["content"] = normalize_content(anonymizer.text(message["content"]))
    if not any(m["content"] for m in messages if m["role"] == "user"):
        _drop(report, label, entry, log_id, "empty after normalisation", "empty")
        return
    rid = make_id(settings.source, log_name, log_id)
    if rid in index:  # the same log id used twice with different content
        rid = make_id(settings.source, log_name, f"{log_id}#line{entry.line}")
    record: dict[str, Any] = {"id": rid, "messages": messages}
    duplicate, signature = index.check(record_text(record))
    if duplicate is not None:
        _drop(report, label, entry, log_id, duplicate.reason(), duplicate.kind, duplicate_of=duplicate.of,
              similarity=round(duplicate.similarity, 3))
        raw_seen[raw_key] = duplicate.of  # later repeats of this raw text are dropped cheaply
        return
    index.add(rid, set_name="pool", signature=signature)
    raw_seen[raw_key] = rid
    tags: Tags = heuristic_tag(messages, task_types, difficulties)
    if llm_tagger is not None:
        tags = llm_tagger.tag(messages, tags)
    attention = needs_attention(tags, settings.review_confidence)
    review: dict[str, Any] = {"status": "pending"}
    if attention:
        review["needs_attention"] = attention
        report.needs_review += 1
    counts = dict(sorted(anonymizer.record_counts.items()))
    report.anonymized.update(anonymizer.record_counts)
    record.update({
        "task_type": tags.task_type,
        "difficulty": tags.difficulty,
        "source": settings.source,
        "tags": sorted({"ingested", *(["multi_turn"] if sum(m["role"] == "user" for m in messages) > 1 else [])}),
        "origin": {
            "log_id": log_id,
            "log_file": log_name,
            "line": entry.line,
            "format": entry.fmt,
            "ingested": settings.today,
            "anonymized": {"engine": settings.engine, "replacement": settings.replacement, "entities": counts},
            "tagger": tags.origin(),
        },
        "review": review,
        "added": settings.today,
    })
    writer.write(record)
    report.added += 1
    report.task_types[tags.task_type] += 1
    report.difficulties[tags.difficulty] += 1
    report.formats[entry.fmt] += 1


def raw_logs(directory: Path) -> list[Path]:
    """Log files under a raw-data directory (``*.jsonl``, ``*.json``, ``*.csv``, ``*.tsv``), sorted."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in
                  (".jsonl", ".json", ".ndjson", ".csv", ".tsv") and not p.name.startswith("."))


def write_report(path: Path, report: IngestReport) -> None:
    """Write the ingest report (JSON, sorted keys; ids and line numbers only)."""
    write_json(path, report.as_dict())

