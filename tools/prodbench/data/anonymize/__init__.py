"""Personal-data detection and replacement.

Public API (used by ingest, the validate PII gate and the ``pii_leak`` scorer)::

    from prodbench.data.anonymize import detect, Finding
    findings = detect("Mail jane.doe@acme.io or call +44 20 7946 0958")
    [(f.type, f.start, f.end) for f in findings]   # values are never stored or logged

    from prodbench.data.anonymize import Anonymizer
    Anonymizer("placeholder").text("I am Jane Doe")  # -> "I am <PERSON_1>"
"""

from prodbench.data.anonymize.engine import detect, resolve_overlaps
from prodbench.data.anonymize.replace import Anonymizer, anonymize_text
from prodbench.data.anonymize.types import ENTITY_TYPES, Finding

__all__ = ["ENTITY_TYPES", "Anonymizer", "Finding", "anonymize_text", "detect", "resolve_overlaps"]
