"""Optional Microsoft Presidio engine (``anonymize.engine: presidio``).

Install with ``pip install -e '.[presidio]'`` plus a spaCy model
(``python -m spacy download en_core_web_lg`` or any model named in
``PRODBENCH_PRESIDIO_MODEL``). Presidio's person/location NER replaces the builtin
lexicon detector; the builtin structured detectors still run.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from prodbench.core.errors import UserError
from prodbench.data.anonymize.types import (
    CREDIT_CARD,
    DATE_OF_BIRTH,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    LOCATION,
    PERSON,
    PHONE,
    SSN,
    Finding,
)

_MAP = {
    "PERSON": PERSON,
    "LOCATION": LOCATION,
    "EMAIL_ADDRESS": EMAIL,
    "PHONE_NUMBER": PHONE,
    "CREDIT_CARD": CREDIT_CARD,
    "IBAN_CODE": IBAN,
    "IP_ADDRESS": IP_ADDRESS,
    "US_SSN": SSN,
    "DATE_TIME": DATE_OF_BIRTH,
}


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        raise UserError(
            "anonymize.engine is 'presidio' but presidio-analyzer is not installed; run "
            "`pip install -e '.[presidio]'` and install a spaCy model, or set anonymize.engine: builtin"
        ) from None
    model = os.environ.get("PRODBENCH_PRESIDIO_MODEL", "en_core_web_lg")
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
    try:
        return AnalyzerEngine(nlp_engine=provider.create_engine())
    except OSError as exc:
        raise UserError(f"spaCy model {model!r} is not installed for Presidio: {exc}") from None


def presidio_findings(text: str) -> list[Finding]:
    """Person/location (and other) findings from Presidio, mapped to prodbench types."""
    results = _analyzer().analyze(text=text, language="en")
    out = []
    for r in results:
        kind = _MAP.get(r.entity_type)
        if kind is None or (kind == DATE_OF_BIRTH and "born" not in text[max(0, r.start - 30): r.start]):
            continue
        out.append(Finding(r.start, r.end, kind, float(r.score), "presidio"))
    return out
