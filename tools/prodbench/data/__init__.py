"""Real prompts in: logs to anonymized, de-duplicated, tagged pool items, the golden lock, rotation, review.

Modules (docs/data.md):

* ``logs``: log readers (openai / jsonl / csv / conversation / auto) and message shaping.
* ``ingest``: the ``prodbench ingest`` pipeline (anonymize, de-duplicate, tag, append to the pool).
* ``anonymize/``: personal-data detection and replacement (also the validate PII gate).
* ``dedupe``: exact and MinHash near-duplicate index.
* ``tagging``: task type / difficulty tagging (heuristic, optionally an LLM).
* ``golden``: the golden-set lock (``prompts/golden.lock``; a validate rule).
* ``rotate``: the quarterly rotating slice (stratified, seeded sampling of the pool).
* ``review``: the light review walk over pending pool items.

The names below are the public API. They are imported on first use, so importing one module
(``prodbench.data.anonymize`` from the validate gate, say) never loads the others::

    from prodbench.data import IngestSettings, ingest_files, detect
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prodbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from prodbench.data.anonymize import ENTITY_TYPES, Anonymizer, Finding, detect
    from prodbench.data.dedupe import DedupeIndex, Duplicate
    from prodbench.data.golden import bump, check_lock, freeze, read_lock
    from prodbench.data.ingest import IngestSettings, ingest_files
    from prodbench.data.ingest_report import IngestReport, write_report
    from prodbench.data.logs import LogEntry, iter_log, raw_logs
    from prodbench.data.review import PendingItem, decide, iter_pending, retag
    from prodbench.data.rotate import RotationResult, sample_slice

_EXPORTS = {
    "ENTITY_TYPES": "anonymize", "Anonymizer": "anonymize", "Finding": "anonymize", "detect": "anonymize",
    "DedupeIndex": "dedupe", "Duplicate": "dedupe",
    "bump": "golden", "check_lock": "golden", "freeze": "golden", "read_lock": "golden",
    "IngestReport": "ingest_report", "IngestSettings": "ingest", "ingest_files": "ingest",
    "write_report": "ingest_report",
    "LogEntry": "logs", "iter_log": "logs", "raw_logs": "logs",
    "PendingItem": "review", "decide": "review", "iter_pending": "review", "retag": "review",
    "RotationResult": "rotate", "sample_slice": "rotate",
}

__all__ = [
    "ENTITY_TYPES", "Anonymizer", "DedupeIndex", "Duplicate", "Finding", "IngestReport", "IngestSettings",
    "LogEntry", "PendingItem", "RotationResult", "bump", "check_lock", "decide", "detect", "freeze",
    "ingest_files", "iter_log", "iter_pending", "raw_logs", "read_lock", "retag", "sample_slice", "write_report",
]

__getattr__ = lazy_attributes(__name__, _EXPORTS)
