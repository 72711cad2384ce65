"""Optional Microsoft Presidio engine (``anonymize.engine: presidio``).

Install with ``pip install -e '.[presidio]'``. Presidio runs its own recognizers (pattern
recognizers for e-mail, phone, card, IBAN, IP, US SSN, dates, ... and spaCy NER for persons and
places) through its ``AnalyzerEngine``; the builtin structured detectors still run beside it
(see :func:`~prodbench.data.anonymize.engine.raw_findings`).

The spaCy model is chosen by ``PRODBENCH_PRESIDIO_MODEL``:

* unset: ``en_core_web_lg`` if that package is installed, otherwise a **blank** English spaCy
  pipeline (tokenizer only, nothing to download) with prodbench's own name and place
  recognizer registered in Presidio in place of the NER model;
* ``blank``: that blank pipeline, always;
* any other name: that spaCy package, which must be installed (Presidio's own fallback would
  try to download it at run time; prodbench refuses instead, with a clear error).

Nothing is fetched at run time: the public-suffix list Presidio's e-mail recognizer needs comes
from the snapshot bundled with ``tldextract``.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Any

from prodbench.core.errors import UserError
from prodbench.data.anonymize.patterns import IPV4_RE, personal_ip
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
DEFAULT_MODEL = "en_core_web_lg"
BLANK = "blank"


def _model_name() -> str:
    """The spaCy model to load: the environment's choice, else the large English model if installed."""
    import spacy

    chosen = os.environ.get("PRODBENCH_PRESIDIO_MODEL", "").strip()
    if chosen:
        if chosen != BLANK and not spacy.util.is_package(chosen) and not os.path.isdir(chosen):
            raise UserError(
                f"PRODBENCH_PRESIDIO_MODEL={chosen!r}: no such spaCy model is installed (prodbench never "
                f"downloads one at run time); install it with pip, or set PRODBENCH_PRESIDIO_MODEL={BLANK}"
            )
        return chosen
    return DEFAULT_MODEL if spacy.util.is_package(DEFAULT_MODEL) else BLANK


def _names_recognizer() -> Any:
    """prodbench's lexicon + cue name and place detector as a Presidio recognizer (blank pipeline)."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    from prodbench.data.anonymize.names import find_names_and_places
    from prodbench.data.anonymize.person_cues import find_structural_names

    class ProdbenchNames(EntityRecognizer):
        def load(self) -> None:
            """Nothing to load: the lexicons load lazily."""

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            found = [*find_names_and_places(text), *find_structural_names(text)]
            return [RecognizerResult(f.type, f.start, f.end, f.score) for f in found if f.type in entities]

    return ProdbenchNames(supported_entities=["PERSON", "LOCATION"], name="ProdbenchNames")


def _offline_suffix_list() -> None:
    """Presidio's e-mail recognizer calls ``tldextract``, which fetches the public-suffix list
    over the network on first use; point it at the snapshot bundled in the wheel instead."""
    import tldextract
    import tldextract.tldextract as tld

    if not isinstance(tld.TLD_EXTRACTOR, tldextract.TLDExtract) or tld.TLD_EXTRACTOR.suffix_list_urls:
        tld.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    try:
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider, SpacyNlpEngine
    except ImportError:
        raise UserError(
            "anonymize.engine is 'presidio' but presidio-analyzer is not installed; run "
            "`pip install -e '.[presidio]'`, or set anonymize.engine: builtin"
        ) from None
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    _offline_suffix_list()
    model = _model_name()
    nlp_engine: Any
    if model == BLANK:
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": BLANK}])
        nlp_engine.nlp = {"en": spacy.blank("en")}  # loaded: Presidio never tries to download a model
    else:
        provider = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
        nlp_engine = provider.create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
    if model == BLANK:
        registry.remove_recognizer("SpacyRecognizer")  # a blank pipeline has no NER to read
        registry.add_recognizer(_names_recognizer())
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])


def presidio_model() -> str:
    """Name of the spaCy model the Presidio engine uses (``blank`` for the blank pipeline)."""
    return _model_name()


def presidio_findings(text: str) -> list[Finding]:
    """Presidio's findings on ``text``, mapped to prodbench types (types it has no match for are dropped)."""
    results = _analyzer().analyze(text=text, language="en", entities=sorted(_MAP))
    out = []
    for r in results:
        kind = _MAP[r.entity_type]
        if kind == DATE_OF_BIRTH and "born" not in text[max(0, r.start - 30): r.start]:
            continue
        value = text[r.start: r.end]
        if kind == IP_ADDRESS and not personal_ip(value):  # 10.0.0.1, 192.0.2.10: nobody's
            continue
        if kind == PHONE and IPV4_RE.fullmatch(value.strip()):  # Presidio reads 192.168.0.254 as a phone
            continue
        out.append(Finding(r.start, r.end, kind, float(r.score), "presidio"))
    return out
