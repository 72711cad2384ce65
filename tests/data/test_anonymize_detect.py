"""Unit tests for prodbench.data.anonymize.detect and the Anonymizer."""

from __future__ import annotations

import pytest

from prodbench.core.errors import UserError
from prodbench.data.anonymize import Anonymizer, detect


def kinds(text: str, **kw) -> list[tuple[str, str]]:
    return [(f.type, text[f.start: f.end]) for f in detect(text, **kw)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("write to jane.doe+x@acme-corp.io today", "EMAIL", "jane.doe+x@acme-corp.io"),
        ("call +44 20 7946 0958 now", "PHONE", "+44 20 7946 0958"),
        ("or (415) 555-2671 please", "PHONE", "(415) 555-2671"),
        ("card 4539 1488 0343 6467 expired", "CREDIT_CARD", "4539 1488 0343 6467"),
        ("IBAN DE89 3704 0044 0532 0130 00 ok", "IBAN", "DE89 3704 0044 0532 0130 00"),
        ("my ssn is 219-09-9999.", "SSN", "219-09-9999"),
        ("login from 81.2.69.160 failed", "IP_ADDRESS", "81.2.69.160"),
        ("from 2a00:1450:4001:82a::200e too", "IP_ADDRESS", "2a00:1450:4001:82a::200e"),
        ("use https://bob:s3cr3t@git.acme.io/repo.git", "URL_CREDENTIALS", "https://bob:s3cr3t@git.acme.io/repo.git"),
        ("key ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 leaked", "SECRET", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
        ("token AKIAIOSFODNN7EXAMPLE", "SECRET", "AKIAIOSFODNN7EXAMPLE"),
        ("I was born on March 3, 1984 in a small town", "DATE_OF_BIRTH", "March 3, 1984"),
        ("ship to 42 Elm Street, Springfield, IL 62704 asap", "ADDRESS", "42 Elm Street, Springfield, IL 62704"),
        ("Hi, my name is John Smith.", "PERSON", "John Smith"),
        ("hi im maria garcia and i need help", "PERSON", "maria garcia"),
        ("Dear Mr. Okonkwo, thanks", "PERSON", "Okonkwo"),
        ("We opened an office in Rotterdam", "LOCATION", "Rotterdam"),
    ],
)
def test_detects_each_entity_type(text: str, kind: str, value: str) -> None:
    assert (kind, value) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "How do I export my invoices to CSV?",
        "Will the Pro plan let me add five users?",
        "Invoice INV-2024-0042 totals 1,250.00 EUR due 2024-03-01.",
        "What is 15% of 240?",
        "May I change the currency of an invoice after sending it?",
    ],
)
def test_plain_product_questions_have_no_findings(text: str) -> None:
    assert kinds(text) == []


def test_invalid_checksums_are_not_flagged() -> None:
    assert not [k for k, _ in kinds("card 4111 1111 1111 1112 and IBAN DE89 3704 0044 0532 0130 01") if k in {
        "CREDIT_CARD", "IBAN"}]


def test_allowlist_and_entity_filter() -> None:
    text = "Mail support@ledgerly.example or jane@corp.io"
    assert kinds(text, allowlist=["ledgerly.example"]) == [("EMAIL", "jane@corp.io")]
    assert kinds(text, entities=["PHONE"]) == []
    with pytest.raises(UserError):
        detect(text, entities=["NOPE"])


def test_placeholders_are_consistent_within_a_record() -> None:
    anon = Anonymizer("placeholder")
    first = anon.text("I am Jane Doe, mail jane@corp.io")
    second = anon.text("Jane Doe again; also bob@corp.io")
    assert first == "I am <PERSON_1>, mail <EMAIL_1>"
    assert second == "<PERSON_1> again; also <EMAIL_2>"
    anon.reset()
    assert anon.text("bob@corp.io") == "<EMAIL_1>"


def test_surrogates_are_consistent_and_remove_the_value() -> None:
    anon = Anonymizer("surrogate")
    out1 = anon.text("Contact jane@corp.io")
    out2 = anon.text("again jane@corp.io")
    assert "jane@corp.io" not in out1
    assert out1.split()[-1] == out2.split()[-1]
    assert out1.split()[-1].endswith("@example.com")


def test_anonymized_text_has_no_findings_left() -> None:
    text = ("Hi, I'm Marcus Whitfield (marcus@fastmail.com). API key: sk-proj-Q8f3kLm29XvB7nPq4RtY6wZc, "
            "customer olga petrova, card 4539 1488 0343 6467, from 81.2.69.160")
    once = Anonymizer().text(text)
    assert detect(once) == []
    assert "Whitfield" not in once and "petrova" not in once
