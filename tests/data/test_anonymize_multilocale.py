"""Multi-locale detection (issue #11): address lines whatever the street word, names found by
structure, phones in signatures, small towns after cues, and the prompts that must stay as they are.

Values here are written for these tests (not taken from the evaluation corpus in bench/pii_eval).
"""

from __future__ import annotations

import pytest

from prodbench.data.anonymize import anonymize_text, detect
from prodbench.data.anonymize.gazetteer import load_towns


def found(text: str) -> set[tuple[str, str]]:
    return {(f.type, text[f.start:f.end]) for f in detect(text)}


@pytest.mark.parametrize(("text", "expected"), [
    ("Send it to: Hyttegata 17, 0451 Oslo, thanks", {("ADDRESS", "Hyttegata 17"), ("ADDRESS", "0451")}),
    ("Toimitus: Koivukuja 4\n33100 Tampere", {("ADDRESS", "Koivukuja 4"), ("ADDRESS", "33100"),
                                            ("LOCATION", "Tampere")}),
    ("adresa: Na Hřebenech 12, 147 00 Praha 4", {("ADDRESS", "Na Hřebenech 12")}),
    ("Brzozowa 7, 05-500 Piaseczno", {("ADDRESS", "Brzozowa 7"), ("ADDRESS", "05-500"),
                                     ("LOCATION", "Piaseczno")}),
    ("Rua das Flores 88, 4050-262 Porto", {("ADDRESS", "Rua das Flores 88"), ("ADDRESS", "4050-262")}),
    ("12 Wattle Parade, Kogarah NSW 2217", {("ADDRESS", "12 Wattle Parade, Kogarah NSW 2217")}),
    ("vul. Sadova 5, 79000 Lviv", {("ADDRESS", "79000")}),
    ('customer = {"address": "Kalnciema iela 3, Rīga"}', {("ADDRESS", "Kalnciema iela 3, Rīga")}),
    ("The parcel was for a customer in 1234 Zürich? No: the delivery to Wädenswil.",
     {("LOCATION", "Wädenswil")}),
])
def test_address_lines_and_towns_in_many_locales(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= found(text), found(text)


@pytest.mark.parametrize(("text", "name"), [
    ("From: ólafur jónsson <oj@mail.is>\nTo: help", "ólafur jónsson"),
    ("Best regards,\nkadri tamm\n+372 5555 1234", "kadri tamm"),
    ("Üdv, Zsófi", "Zsófi"),
    ('user = {"name": "Tiina Saar", "plan": "pro"}', "Tiina Saar"),
    ("Dear Mrs. petrović, your order shipped.", "petrović"),
    ("hi im ilona virtanen, the app crashes", "ilona virtanen"),
    ("Hvala, javite se na 091 555 1234. marko", "marko"),
    ("Guest ana horvat (ana@x.hr) checked in", "ana horvat"),
    ("Ship to:\nOLAF BRANDT\nRingstraße 9, 8010 Graz", "OLAF BRANDT"),
    ("Herr Oberhuber hat angerufen", "Oberhuber"),
    ("my name is jan de vries and I need help", "jan de vries"),
])
def test_names_found_by_structure(text: str, name: str) -> None:
    assert ("PERSON", name) in found(text), found(text)


@pytest.mark.parametrize(("text", "phone"), [
    ("Kind regards,\nMari Kask\n5123456", "5123456"),
    ("Customer (k.tamm@mail.ee, 5551 2345) wants a refund", "5551 2345"),
    ("If unclear, contact Mr. Lind on 40 12 34 56.", "40 12 34 56"),
    ("Best,\nIvan\n8 (912) 345-67-89", "8 (912) 345-67-89"),
])
def test_phones_in_signatures_and_contact_tuples(text: str, phone: str) -> None:
    assert ("PHONE", phone) in found(text), found(text)


def test_twelve_digit_luhn_card_under_a_card_column() -> None:
    text = "customer\tcard\texpiry\nOlga Berg\t501234567896\t11/26\n"  # Luhn-valid Maestro, 12 digits
    assert ("CREDIT_CARD", "501234567896") in found(text)
    assert ("CREDIT_CARD", "501234567890") not in found(text.replace("501234567896", "501234567890"))


@pytest.mark.parametrize("text", [
    "The Ring doorbell stopped working after the update.",
    "The Rich text editor loses formatting.",
    "Restart inventory-worker-213 and inventory-worker-214 after the deploy.",
    "In Rust, how do I read /etc/nginx/nginx.conf line by line?",
    "Estimate PI with a Monte Carlo simulation in Kotlin.",
    "See Chapter 3, 2020 Edition for the proof.",
    "Please update the contact details on invoice INV-2026-0150.",
    "Bind to 127.0.0.1:8080 and 192.0.2.10; the gateway is 10.0.0.1.",
    "Results:\nTotal rows\n1234567",
    "Version\n1.2.3\n",
    "Thanks, team",
    "hi im stuck, the build fails",
    "Use Python 3.11 at Level 3.",
    "JUDGE said ok. RAM is low. PI is 3.14",
])
def test_pii_free_prompts_stay_as_they_are(text: str) -> None:
    assert anonymize_text(text) == text, found(text)


def test_small_town_list_loads_and_knows_native_spellings() -> None:
    towns = load_towns()
    assert len(towns) > 200_000
    assert {"jáchymov", "wädenswil", "αμαλιάδα", "мелеуз"} <= towns
