"""The Presidio engine for real: presidio-analyzer's AnalyzerEngine on a blank spaCy pipeline,
its pattern recognizers plus prodbench's name recognizer, with no network (issue #11)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from prodbench.core.errors import UserError
from prodbench.data.anonymize import Anonymizer, detect

pytest.importorskip("presidio_analyzer")

from prodbench.data.anonymize import presidio_engine  # noqa: E402

TEXT = ("Hi, I am Jane Doe. Mail jane.doe@acme.io or call +44 20 7946 0958; card 4111 1111 1111 1111, "
        "IBAN GB82 WEST 1234 5698 7654 32, from 8.8.8.8.")


@pytest.fixture()
def blank(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The blank pipeline, built inside the test with every network connection refused."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setenv("PRODBENCH_PRESIDIO_MODEL", "blank")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    presidio_engine._analyzer.cache_clear()
    yield
    presidio_engine._analyzer.cache_clear()


def test_presidio_recognizers_run_offline_on_a_blank_pipeline(blank: None) -> None:
    found = presidio_engine.presidio_findings(TEXT)
    values = {(f.type, TEXT[f.start:f.end]) for f in found}
    assert presidio_engine.presidio_model() == "blank"
    assert {f.detector for f in found} == {"presidio"}
    # Presidio's own pattern recognizers ...
    assert ("EMAIL", "jane.doe@acme.io") in values
    assert ("CREDIT_CARD", "4111 1111 1111 1111") in values
    assert ("IP_ADDRESS", "8.8.8.8") in values
    assert any(kind == "PHONE" and "7946 0958" in value for kind, value in values)
    # ... and prodbench's name recognizer registered in Presidio in place of spaCy NER
    assert ("PERSON", "Jane Doe") in values


def test_presidio_never_reports_private_or_documentation_ips(blank: None) -> None:
    text = "Bind 10.0.0.1, 192.168.0.254 and 192.0.2.10; the user came from 8.8.4.4."
    assert [text[f.start:f.end] for f in presidio_engine.presidio_findings(text)] == ["8.8.4.4"]
    assert Anonymizer("placeholder", engine="presidio").text(text).count("<IP_ADDRESS_1>") == 1


def test_presidio_engine_end_to_end_through_detect_and_anonymizer(blank: None) -> None:
    kinds = {f.type for f in detect(TEXT, engine="presidio")}
    assert {"PERSON", "EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS"} <= kinds
    once = Anonymizer("placeholder", engine="presidio").text(TEXT)
    assert "Jane" not in once and "jane.doe" not in once and "4111" not in once
    assert Anonymizer("placeholder", engine="presidio").text(once) == once


def test_a_spacy_model_that_is_not_installed_is_a_clear_error_not_a_download(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy.cli

    def no_download(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("tried to download a spaCy model")

    monkeypatch.setattr(spacy.cli, "download", no_download)
    monkeypatch.setenv("PRODBENCH_PRESIDIO_MODEL", "xx_no_such_model_sm")
    presidio_engine._analyzer.cache_clear()
    try:
        with pytest.raises(UserError, match="xx_no_such_model_sm.*blank"):
            detect("Jane Roe", engine="presidio")
    finally:
        presidio_engine._analyzer.cache_clear()


def test_presidio_not_installed_is_a_clear_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)  # import presidio_analyzer -> ImportError
    presidio_engine._analyzer.cache_clear()
    try:
        with pytest.raises(UserError, match="pip install"):
            detect("Jane Roe", engine="presidio")
    finally:
        presidio_engine._analyzer.cache_clear()
