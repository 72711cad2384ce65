"""Ingest production/pilot logs into the prompt pool.

Pipeline per log entry (streamed: one line or CSV row at a time, so memory does not grow
with the size of the log):

1. read and 2. shape: :mod:`prodbench.data.readers` (files and log shapes, auto-detected per
   record) and :mod:`prodbench.data.logs` (system messages dropped, assistant replies become
   turns for the model, tool calls kept as context).
3. anonymize, sweep other occurrences of the removed values in the record and the run
   (:mod:`~prodbench.data.consistency`), ledger their keyed hashes (:mod:`~prodbench.data.ledger`),
   normalise (NFC, control characters, whitespace); drop a tombstoned (rejected) record and a
   record the ingest ledger saw before (:mod:`~prodbench.data.source_ledger`).
4. de-duplicate against every prompt in the repository and the earlier entries of
   the same run (exact + MinHash LSH near-duplicates).
5. tag (heuristic, optionally LLM) and append to ``prompts/pool/`` with
   ``review.status: pending`` and an ``origin`` that keeps the log id, never raw text.

Incremental: each log is read from where the ingest ledger says the last run stopped (only
appended data is new); an edited or truncated log is read again from the start with a warning,
its records de-duplicated by content hash. The pool, the PII ledger and the ingest ledger are
written at checkpoints (each file's end, and every ``checkpoint_seconds``), so an interrupted
ingest resumes from the last one.

The state one run shares across its entries (settings, anonymizer, de-duplication index,
taxonomy, tagger, report, pool writer, ledgers) is one :class:`IngestRun`.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.project import Project
from prodbench.core.prompts import iter_records
from prodbench.data.anonymize import Anonymizer, detect
from prodbench.data.anonymize.parallel import anonymize_ahead
from prodbench.data.consistency import BatchSweep, common_words, ledger_record
from prodbench.data.dedupe import DedupeIndex, exact_key, normalize_text, record_text
from prodbench.data.ingest_report import MAX_LISTED, IngestReport
from prodbench.data.ingest_settings import SOURCES, IngestSettings
from prodbench.data.ledger import Ledger, content_hash, open_ledger
from prodbench.data.logs import (
    FORMATS,
    LogEntry,
    Malformed,
    entries,
    entry_from_object,
    iter_log,
    normalize_content,
    raw_logs,
    shape_messages,
)
from prodbench.data.pool_writer import PoolWriter
from prodbench.data.readers import LogFile, ReadContext, get_reader
from prodbench.data.source_ledger import DEFAULT_PATH as INGEST_LEDGER
from prodbench.data.source_ledger import IngestLedger
from prodbench.data.tagging import LLMTagger, Tagger, Tags, needs_attention

__all__ = [
    "FORMATS", "SOURCES", "IngestRun", "IngestSettings", "LogEntry", "Malformed", "PoolWriter",
    "entry_from_object", "ingest_files", "iter_log", "make_id", "normalize_content", "raw_logs",
    "repo_index", "safe_log_id", "shape_messages",
]

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


def repo_index(project: Project, threshold: float) -> DedupeIndex:
    """A de-duplication index over every prompt already in the repository."""
    index = DedupeIndex(threshold)
    for path in sorted(project.prompts_dir.rglob("*.jsonl")):
        parts = path.relative_to(project.prompts_dir).parts
        set_name = parts[0] if parts[0] in ("golden", "rotating", "pool") else "other"
        for _, record in iter_records(path, project.rel(path)):
            index.add_record(record, set_name)
    return index


@dataclass
class IngestRun:
    """What one ingest run shares across its log entries.

    Attributes:
        settings: Resolved settings.
        anonymizer: Anonymizer, reset for each record (placeholders are per record).
        index: De-duplication index over the repository and the records added so far (None until
            :meth:`dedupe_index` builds it with ``index_factory``: a re-ingest with nothing new
            never loads it).
        task_types: Taxonomy task types (for tagging).
        difficulties: Taxonomy difficulties (for tagging).
        report: The report being filled.
        writer: Where new records go.
        llm_tagger: Optional LLM tagger used instead of the heuristics.
        tagger: The project's rules with the optional LLM tagger (what tags each record).
        raw_seen: 8-byte hash of each raw text seen -> the id it was added as or duplicates.
        ledger: The PII ledger (values added, tombstones read). sweep: consistency across the run.
        sources: The ingest ledger (where each log was read up to, content hashes of what it gave).
    """

    settings: IngestSettings
    anonymizer: Anonymizer
    index: DedupeIndex | None
    task_types: list[str]
    difficulties: list[str]
    report: IngestReport
    writer: PoolWriter
    llm_tagger: LLMTagger | None = None
    raw_seen: dict[bytes, str] = field(default_factory=dict)
    ledger: Ledger | None = None
    sweep: BatchSweep = field(default_factory=BatchSweep)
    sources: IngestLedger | None = None
    index_factory: Callable[[], DedupeIndex] | None = None
    tagger: Tagger | None = None

    def dedupe_index(self) -> DedupeIndex:
        """The de-duplication index, built on first use."""
        if self.index is None:
            assert self.index_factory is not None
            self.index = self.index_factory()
        return self.index

    def checkpoint(self, final: bool = False) -> None:
        """Make what was read so far durable: PII ledger, then the pool append, then the ingest ledger."""
        if self.ledger is not None:
            self.ledger.save()
        if final:
            self.writer.commit()
        else:
            self.writer.checkpoint()
        if self.sources is not None:
            self.sources.save()

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
    anonymizer = Anonymizer(settings.replacement, settings.engine, settings.allowlist)
    report = IngestReport(outputs=[project.rel(output)])
    ledger = open_ledger(project.root, params)
    sources = IngestLedger.load(project.root / INGEST_LEDGER, INGEST_LEDGER)
    writer = PoolWriter(output)
    tagger = Tagger.from_params(project.root, params, llm_tagger)
    run = IngestRun(settings, anonymizer, None, task_types, difficulties, report, writer, llm_tagger,
                    ledger=ledger, sweep=BatchSweep(common_words), sources=sources, tagger=tagger,
                    index_factory=lambda: repo_index(project, settings.near_threshold))
    reader = get_reader(settings.fmt)
    ctx = ReadContext(settings.prompt_column, settings.id_column, settings.mapping)
    try:
        for log in logs:
            _ingest_file(run, project, log, reader, ctx)
        run.checkpoint(final=True)
        report.ledger = f"{len(ledger.values)} value(s)" if ledger.salt else "values not ledgered: no salt"
    except BaseException:
        writer.abort()
        raise
    report.tagging = tagger.report()
    if llm_tagger is not None:
        report.llm_tagger = llm_tagger.summary()
    return report


def _ingest_file(run: IngestRun, project: Project, log: Path, reader: Any, ctx: ReadContext) -> None:
    """Read one log from where the ingest ledger says the last run stopped; checkpoint as it goes."""
    label = project.rel(log)
    key = label if label != str(log) else str(log.resolve())  # outside the project: the absolute path
    report, sources = run.report, run.sources
    assert sources is not None
    resume = sources.sources.get(key)
    logfile = LogFile(log, run.settings.fmt, resume)
    report.files.append(label)
    read = usable = 0
    first_problem: tuple[int, str] | None = None
    last = time.monotonic()
    # The anonymizer works ahead of this loop, so the file's read position runs ahead too: each
    # item carries the position just after it, and a checkpoint records only what was handled.
    positions: deque[Any] = deque()

    def read_entries() -> Iterator[Any]:
        for entry in entries(logfile, reader, ctx):
            positions.append(logfile.position())
            yield entry

    for item in anonymize_ahead(read_entries(), run.anonymizer):
        handled_position = positions.popleft()
        read += 1
        report.read += 1
        if isinstance(item, tuple):
            run.malformed(label, *item)
            first_problem = first_problem or item
        elif _ingest_entry(run, item, log.name, label):
            usable += 1
        elif first_problem is None and report.malformed_lines:
            first_problem = (report.malformed_lines[-1]["line"], report.malformed_lines[-1]["reason"])
        if usable and logfile.kind != "whole" and time.monotonic() - last >= run.settings.checkpoint_seconds:
            sources.set_position(key, handled_position)
            run.checkpoint()
            last = time.monotonic()
    mode = "unchanged" if logfile.mode == "appended" and not read else logfile.mode
    unusable = not usable and (read > 0 or mode == "new")
    if not unusable:  # a log that gave nothing usable is read again next time (and fails again)
        sources.set_position(key, logfile.position())
    if mode == "changed":
        report.warnings.append(f"{label}: changed or truncated since the last ingest (not only appended): "
                               "read again from the start; records ingested before are skipped by content hash")
    from_line = resume.lines + 1 if resume is not None and mode in ("appended", "unchanged") else 1
    report.sources.append({"file": label, "mode": mode, "from_line": from_line, "entries": read, "usable": usable})
    if unusable:
        line, reason = first_problem or (1, "no log entries")
        report.unusable.append({"file": label, "line": line, "entries": read,
                                "reason": f"no usable log entry in {read} record(s); first problem: {reason}"})
    run.checkpoint()


def _ingest_entry(run: IngestRun, entry: LogEntry, log_name: str, label: str) -> bool:
    """Shape, anonymize, de-duplicate and tag one entry; write it or count why not.

    Args:
        run: The run's shared state.
        entry: The log entry.
        log_name: The log file's name (part of the record id).
        label: The log file as reported (repository-relative path).

    Returns:
        Whether the entry was usable (it had a user turn), even if it was then dropped.
    """
    settings, anonymizer, report, raw_seen = run.settings, run.anonymizer, run.report, run.raw_seen
    try:
        messages = shape_messages(entry.messages)
    except Malformed as exc:
        run.malformed(label, entry.line, str(exc))
        return False
    report.formats[entry.fmt] += 1
    report.dropped_parts.update(entry.dropped)
    # Repeats of an already-seen raw text are dropped before the (costly) anonymization:
    # they would anonymize to the same text. Only an 8-byte hash of the raw text is kept.
    raw_key = exact_key(normalize_text(record_text({"messages": messages})))
    if raw_key in raw_seen:
        run.drop(label, entry, None, f"exact duplicate of {raw_seen[raw_key]} (repeated log text)", "exact",
                 duplicate_of=raw_seen[raw_key], similarity=1.0)
        return True
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
        return True
    rid = make_id(settings.source, log_name, log_id)
    index = run.dedupe_index()
    if rid in index:  # the same log id used twice with different content
        rid = make_id(settings.source, log_name, f"{log_id}#line{entry.line}")
    record: dict[str, Any] = {"id": rid, "messages": messages}
    chash = content_hash(normalize_text(record_text(record)))
    if run.ledger is not None and run.ledger.is_tombstoned(rid, chash):
        run.drop(label, entry, log_id, "rejected or purged earlier (tombstone in the PII ledger)", "tombstone")
        return True
    earlier = run.sources.seen_as(chash) if run.sources is not None else None
    if earlier is not None:
        run.drop(label, entry, log_id, f"ingested before as {earlier} (not added again: the pool keeps any "
                 "review, edit or removal)", "ingested_before", duplicate_of=earlier)
        raw_seen[raw_key] = earlier
        return True
    duplicate, signature = index.check(record_text(record))
    if duplicate is not None:
        run.drop(label, entry, log_id, duplicate.reason(), duplicate.kind, duplicate_of=duplicate.of,
                 similarity=round(duplicate.similarity, 3))
        raw_seen[raw_key] = duplicate.of  # later repeats of this raw text are dropped cheaply
        if run.sources is not None:
            run.sources.add(chash, duplicate.of)
        return True
    index.add(rid, set_name="pool", signature=signature)
    raw_seen[raw_key] = rid
    if run.sources is not None:
        run.sources.add(chash, rid)
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
            **({"dropped_parts": dict(sorted(entry.dropped.items()))} if entry.dropped else {}),
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
    return True

