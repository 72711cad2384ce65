"""Recall classes added for issue #11: context cues, non-English streets, table columns.

Every example is written for this test (not taken from ``bench/pii_eval``); each asserts the
exact span and type the detector must report.
"""

from __future__ import annotations

import pytest

from prodbench.data.anonymize import detect

FOUND = [
    # a phone cue lifts a local number, in several languages
    ("Phone: 5513427", "5513427", "PHONE"),
    ("you can call me at 48 21 76 after six", "48 21 76", "PHONE"),
    ("Tel. 733 418 092", "733 418 092", "PHONE"),
    ("mon téléphone est le 06 12 34 56 78", "06 12 34 56 78", "PHONE"),
    ("Ring mig på 70 11 22 33, tack", "70 11 22 33", "PHONE"),
    # ID / licence numbers after a cue
    ("My driver's license number is D4471902 and it expires soon", "D4471902", "ID_NUMBER"),
    ("Meine Ausweisnummer ist T22000129.", "T22000129", "ID_NUMBER"),
    ("ID number: 710.220.331-09, please check", "710.220.331-09", "ID_NUMBER"),
    ("passport no. XK4410982", "XK4410982", "ID_NUMBER"),
    # streets without English suffixes, with a house number
    ("Please ship it to Lindgatan 14 tomorrow", "Lindgatan 14", "ADDRESS"),
    ("Our office is at Vesterbrogade 112.", "Vesterbrogade 112", "ADDRESS"),
    ("Levél: Petőfi utca 7, 6720 Szeged", "Petőfi utca 7", "ADDRESS"),
    ("Envoyez-le au 12 rue des Lilas", "12 rue des Lilas", "ADDRESS"),
    ("Στείλτε το στην Οδός Πατησίων 45 παρακαλώ", "Οδός Πατησίων 45", "ADDRESS"),
    ("I live at Birkeveien 9, 0371 Oslo", "Birkeveien 9", "ADDRESS"),
    ("I live at Birkeveien 9, 0371 Oslo", "0371", "ADDRESS"),
    ("I live at Birkeveien 9, 0371 Oslo", "Oslo", "LOCATION"),
    ("the postcode 411 05 does not fit", "411 05", "ADDRESS"),
    ("it was sent to the town Hlinsko by mistake", "Hlinsko", "LOCATION"),
    # lower-case names after a strong cue, in several languages
    ("hallo, ich heiße jonas brückner", "jonas brückner", "PERSON"),
    ("bonjour, je m'appelle amélie durand", "amélie durand", "PERSON"),
    ("hola, me llamo lucía ferrer", "lucía ferrer", "PERSON"),
    ("Hallo, ich bin Reinhard Kessler und wohne hier", "Reinhard Kessler", "PERSON"),
    # a known first name alone still counts, unless it closes a product name ("Galaxy Tab")
    ("Can Rosalind sign the form today?", "Rosalind", "PERSON"),
    # relation and sign-off cues name an unknown lower-case word
    ("my husband teodor and i share the account", "teodor", "PERSON"),
    ("call me tonight, mvh sigrun", "sigrun", "PERSON"),
    # an address after "moved to" / "ship to", street-first or number-first
    ("I moved to Kleine Bergstraat 31 last week", "Kleine Bergstraat 31", "ADDRESS"),
    ("please ship to 88 Chemin Des Vignes on friday", "88 Chemin Des Vignes", "ADDRESS"),
    # 12-19 digit cards with a Luhn check, including 12-digit Maestro
    ("card 6759 6498 2648", "6759 6498 2648", "CREDIT_CARD"),
    ("Maestro: 5018 0000 0009", "5018 0000 0009", "CREDIT_CARD"),
    # accounts in paths and logins
    ("scp dump.sql hkarlsson@91.198.174.192:/tmp/", "hkarlsson", "PERSON"),
    ("# TODO(mbauer): drop this fallback", "mbauer", "PERSON"),
    # dates of birth after cues in other languages
    ("Geburtsdatum: 03.11.1984", "03.11.1984", "DATE_OF_BIRTH"),
    ("nata il 12/05/1990 a Torino", "12/05/1990", "DATE_OF_BIRTH"),
]


@pytest.mark.parametrize(("text", "value", "kind"), FOUND)
def test_cued_value_is_found(text: str, value: str, kind: str) -> None:
    assert (value, kind) in [(text[f.start:f.end], f.type) for f in detect(text)]


def test_table_columns_are_read_from_the_header() -> None:
    text = ("| Name | Date of birth | Phone | City |\n|---|---|---|---|\n"
            "| Oskar Wendt | 2 March 1961 | 4417093 | Kolding |\n| Ines Brandl | 30.04.1977 | 0664 1234567 | Wels |")
    found = {(text[f.start:f.end], f.type) for f in detect(text)}
    assert {("2 March 1961", "DATE_OF_BIRTH"), ("30.04.1977", "DATE_OF_BIRTH"), ("4417093", "PHONE"),
            ("Kolding", "LOCATION"), ("Wels", "LOCATION"), ("Oskar Wendt", "PERSON")} <= found


def test_table_without_personal_columns_is_left_alone() -> None:
    text = "name,size,modified\nconfig.yaml,2048,2024-01-02\nREADME.md,512,2023-11-30"
    assert detect(text) == []


@pytest.mark.parametrize("text", [
    "order number 5513427 shipped",  # no phone cue: a bare 7-digit number stays
    "the build id is 20240131",  # no ID cue word, a date-like build id
    "card 1234 5678 9012",  # 12 digits failing Luhn / not Maestro
])
def test_uncued_numbers_are_not_lifted(text: str) -> None:
    assert detect(text) == []
