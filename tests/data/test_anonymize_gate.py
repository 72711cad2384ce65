"""The PII gate in `prodbench validate`: located findings, allowlist, synthetic_pii exemption."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from prodbench.data.anonymize.gate import is_synthetic, scan_record


@pytest.fixture
def pool(empty_project: Path) -> Path:
    return empty_project / "prompts" / "pool" / "p.jsonl"


def test_validate_reports_type_and_location_never_the_value(pool: Path, make_record: Callable[..., dict],
                                                            write_jsonl: Callable[..., Path],
                                                            invoke: Callable[..., Result]) -> None:
    write_jsonl(pool, [
        make_record("ok-1", "How do I add a logo to invoices?"),
        make_record("leak-1", "My email is priya.natarajan@gmail.com and my phone is +44 20 7946 1234"),
    ])
    result = invoke("validate")
    assert result.exit_code == 1
    assert "prompts/pool/p.jsonl:2: messages[0].content: personal data (EMAIL)" in result.output
    assert "personal data (PHONE)" in result.output
    assert "priya" not in result.output and "7946" not in result.output
    assert ":1:" not in result.output.split("personal data")[0].splitlines()[-1]


def test_allowlist_from_params_is_respected(pool: Path, make_record: Callable[..., dict],
                                            write_jsonl: Callable[..., Path], invoke: Callable[..., Result]) -> None:
    write_jsonl(pool, [make_record("ok-1", "Write to support@ledgerly.example for help")])
    assert invoke("validate").exit_code == 0


def test_synthetic_records_pass_only_with_synthetic_values(pool: Path, make_record: Callable[..., dict],
                                                           write_jsonl: Callable[..., Path],
                                                           invoke: Callable[..., Result]) -> None:
    fake = "I'm Jane Doe, card 4242 4242 4242 4242, mail jane.doe@example.com, call (202) 555-0147."
    real = "I'm Jane Doe, card 4539 1488 0343 6467, mail jane.doe@example.com."
    write_jsonl(pool, [make_record("syn-1", fake, "safety", synthetic_pii=True)])
    assert invoke("validate").exit_code == 0
    write_jsonl(pool, [make_record("syn-2", real, "safety", synthetic_pii=True)])
    result = invoke("validate")
    assert result.exit_code == 1 and "CREDIT_CARD in a synthetic_pii record" in result.output
    write_jsonl(pool, [make_record("syn-3", fake, "safety")])
    assert invoke("validate").exit_code == 1


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("EMAIL", "a@example.org", True), ("EMAIL", "a@gmail.com", False),
    ("PHONE", "+1 415 555 0123", True), ("PHONE", "+1 415 555 2671", False),
    ("PHONE", "+44 20 7946 0321", True), ("IP_ADDRESS", "198.51.100.7", True), ("IP_ADDRESS", "8.8.8.8", False),
    ("CREDIT_CARD", "4111-1111-1111-1111", True), ("SECRET", "AKIAIOSFODNN7EXAMPLE", True),
    ("PERSON", "Max Mustermann", True), ("PERSON", "Priya Natarajan", False),
])
def test_is_synthetic(kind: str, value: str, expected: bool) -> None:
    assert is_synthetic(kind, value) is expected


def test_scan_record_checks_reference_and_gate_entities(make_record: Callable[..., dict]) -> None:
    rec = make_record("r", "Summarise the ticket", "summarization", reference="Reply to bob.smith@acme.io today")
    assert [f for f, _ in scan_record(rec)] == ["reference"]
    assert scan_record(rec, entities=["PHONE"]) == []
