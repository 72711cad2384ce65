"""Ingest production/pilot logs into the prompt pool.

Pipeline per log entry (streamed: one line or CSV row at a time, so memory does not grow
with the size of the log):

1. read and 2. shape: :mod:`prodbench.data.logs` (formats, malformed lines, system
   messages dropped, assistant replies become turns for the model).
3. anonymize, sweep other occurrences of the removed values in the record and the run
   (:mod:`~prodbench.data.consistency`), ledger their keyed hashes (:mod:`~prodbench.data.ledger`),
   normalise (NFC, control characters, whitespace); drop a tombstoned (rejected) record.
4. de-duplicate against every prompt in the repository and the earlier entries of
   the same run (exact + MinHash LSH near-duplicates).
5. tag (heuristic, optionally LLM) and append to ``prompts/pool/`` with
   ``review.status: pending`` and an ``origin`` that keeps the log id, never raw text.

The state one run shares across its entries (settings, anonymizer, de-duplication index,
taxonomy, tagger, report, pool writer) is one :class:`IngestRun`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.errors import UserError
from prodbench.core.fsutil import atomic_output
from prodbench.core.project import Project
from prodbench.core.prompts import iter_records
from prodbench.data.anonymize import Anonymizer, detect
from prodbench.data.consistency import BatchSweep, common_words, ledger_record
from prodbench.data.dedupe import DedupeIndex, exact_key, normalize_text, record_text
from prodbench.data.ingest_report import MAX_LISTED, IngestReport
from prodbench.data.ledger import Ledger, content_hash, open_ledger
from prodbench.data.logs import (
    FORMATS,
    LogEntry,
    Malformed,
    entry_from_object,
    iter_log,
    normalize_content,
    raw_logs,
    shape_messages,
)
from prodbench.data.tagging import LLMTagger, Tagger, Tags, needs_attention

__all__ = [
    "FORMATS", "SOURCES", "IngestRun", "IngestSettings", "LogEntry", "Malformed", "PoolWriter",
    "entry_from_object", "ingest_files", "iter_log", "make_id", "normalize_content", "raw_logs",
    "repo_index", "safe_log_id", "shape_messages",
]

SOURCES = ("production", "pilot")
# --------------------------------------------------------------------------- record ids


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
        """Settings from params.yaml; ``overrides`` (CLI options) win unless they are None."""
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


class PoolWriter:
    """Collects new records in a temp file; :meth:`commit` appends them atomically."""

    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent)
        self.tmp = Path(name)
        self.handle = os.fdopen(fd, "wb")
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        """Stage one record (one JSONL line)."""
        self.handle.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        self.count += 1

    def commit(self) -> None:
        """Append the staged records to the target in one atomic replace (nothing if none)."""
        self.handle.close()
        if not self.count:
            self.tmp.unlink()
            return
        try:
            with atomic_output(self.target) as out:
                if self.target.is_file():
                    data = self.target.read_bytes()
                    out.write(data)
                    if data and not data.endswith(b"\n"):
                        out.write(b"\n")
                with open(self.tmp, "rb") as new:
                    while chunk := new.read(1 << 20):
                        out.write(chunk)
        finally:
            self.tmp.unlink(missing_ok=True)

    def abort(self) -> None:
        """Discard the staged records; the target is untouched."""
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


@dataclass
class IngestRun:
    """What one ingest run shares across its log entries.

    Attributes:
        settings: Resolved settings.
        anonymizer: Anonymizer, reset for each record (placeholders are per record).
        index: De-duplication index over the repository and the records added so far.
        task_types: Taxonomy task types (for tagging).
        difficulties: Taxonomy difficulties (for tagging).
        report: The report being filled.
        writer: Where new records go.
        llm_tagger: Optional LLM tagger used instead of the heuristics.
        tagger: The project's rules with the optional LLM tagger (what tags each record).
        raw_seen: 8-byte hash of each raw text seen -> the id it was added as or duplicates.
        ledger: The PII ledger (values added, tombstones read). sweep: consistency across the run.
    """

    settings: IngestSettings
    anonymizer: Anonymizer
    index: DedupeIndex
    task_types: list[str]
    difficulties: list[str]
    report: IngestReport
    writer: PoolWriter
    llm_tagger: LLMTagger | None = None
    raw_seen: dict[bytes, str] = field(default_factory=dict)
    ledger: Ledger | None = None
    sweep: BatchSweep = field(default_factory=BatchSweep)
    tagger: Tagger | None = None

    def malformed(self, label: str, line: int, reason: str) -> None:
        """Count a malformed entry (and list it, up to ``MAX_LISTED``)."""
        self.report.malformed += 1
        if len(self.report.malformed_lines) < MAX_LISTED:
            self.report.malformed_lines.append({"file": label, "line": line, "reason": reason})

    def drop(self, label: str, entry: LogEntry, log_id: str | None, reason: str, kind: str, **extra: Any) -> None:
        """Count a dropped entry by ``kind`` (and list it with its reason, up to ``MAX_LISTED``)."""
        self.report.dropped_counts[kind] += 1
        if len(self.report.dropped) < MAX_LISTED:
            log_id = log_id or safe_log_id(entry.log_id, entry.line)
            self.report.dropped.append({"file": label, "line": entry.line, "log_id": log_id, "reason": reason,
                                        **extra})


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
    writer = PoolWriter(output)
    ledger = open_ledger(project.root, params)
    tagger = Tagger.from_params(project.root, params, llm_tagger)
    run = IngestRun(settings, anonymizer, index, task_types, difficulties, report, writer, llm_tagger,
                    ledger=ledger, sweep=BatchSweep(common_words()), tagger=tagger)
    try:
        for log in logs:
            label = project.rel(log)
            report.files.append(label)
            for item in iter_log(log, settings.fmt, settings.prompt_column, settings.id_column):
                report.read += 1
                if isinstance(item, tuple):
                    run.malformed(label, *item)
                    continue
                _ingest_entry(run, item, log.name, label)
        writer.commit()
        ledger.save()
        report.ledger = f"{len(ledger.values)} value(s)" if ledger.salt else "values not ledgered: no salt"
    except BaseException:
        writer.abort()
        raise
    report.tagging = tagger.report()
    if llm_tagger is not None:
        report.llm_tagger = llm_tagger.summary()
    return report


def _ingest_entry(run: IngestRun, entry: LogEntry, log_name: str, label: str) -> None:
    """Shape, anonymize, de-duplicate and tag one entry; write it or count why not.

    Args:
        run: The run's shared state.
        entry: The log entry.
        log_name: The log file's name (part of the record id).
        label: The log file as reported (repository-relative path).
    """
    settings, anonymizer, index, report, raw_seen = run.settings, run.anonymizer, run.index, run.report, run.raw_seen
    try:
        messages = shape_messages(entry.messages)
    except Malformed as exc:
        run.malformed(label, entry.line, str(exc))
        return
    # Repeats of an already-seen raw text are dropped before the (costly) anonymization:
    # they would anonymize to the same text. Only an 8-byte hash of the raw text is kept.
    raw_key = exact_key(normalize_text(record_text({"messages": messages})))
    if raw_key in raw_seen:
        run.drop(label, entry, None, f"exact duplicate of {raw_seen[raw_key]} (repeated log text)", "exact",
                 duplicate_of=raw_seen[raw_key], similarity=1.0)
        return
    log_id = safe_log_id(entry.log_id, entry.line)
    anonymizer.reset()
    originals = [m["content"] for m in messages]
    texts = run.sweep.apply(anonymizer, [t if t is None else anonymizer.text(t) for t in originals], originals)
    for message, text in zip(messages, texts, strict=True):
        message["content"] = None if text is None else normalize_content(text)
    if run.ledger is not None:
        ledger_record(run.ledger, run.sweep)
    if not any(m["content"] for m in messages if m["role"] == "user"):
        run.drop(label, entry, log_id, "empty after normalisation", "empty")
        return
    rid = make_id(settings.source, log_name, log_id)
    if rid in index:  # the same log id used twice with different content
        rid = make_id(settings.source, log_name, f"{log_id}#line{entry.line}")
    record: dict[str, Any] = {"id": rid, "messages": messages}
    if run.ledger is not None and run.ledger.is_tombstoned(rid, content_hash(normalize_text(record_text(record)))):
        run.drop(label, entry, log_id, "rejected or purged earlier (tombstone in the PII ledger)", "tombstone")
        return
    duplicate, signature = index.check(record_text(record))
    if duplicate is not None:
        run.drop(label, entry, log_id, duplicate.reason(), duplicate.kind, duplicate_of=duplicate.of,
                 similarity=round(duplicate.similarity, 3))
        raw_seen[raw_key] = duplicate.of  # later repeats of this raw text are dropped cheaply
        return
    index.add(rid, set_name="pool", signature=signature)
    raw_seen[raw_key] = rid
    assert run.tagger is not None, "ingest_files sets the tagger"
    tags: Tags = run.tagger.tag(messages)
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
    run.writer.write(record)
    report.added += 1
    report.task_types[tags.task_type] += 1
    report.difficulties[tags.difficulty] += 1
    report.formats[entry.fmt] += 1

