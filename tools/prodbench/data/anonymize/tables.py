"""Column cues in pasted tables: a header names what the cells below it hold (issue #11).

In ``| Name | Date of birth | Phone |`` or a CSV/TSV header ``name,email,phone,city`` the
header is the context a cell lacks: ``16/12/1971`` under "Date of birth" is a date of
birth, ``5412054`` under "Phone" a phone number, ``Alajärvi`` under "City" a place, a 12-digit Luhn number under "card" a (Maestro) card.
A cell is reported only if its shape fits the column (a date, 6-15 digits, words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from prodbench.data.anonymize.types import CREDIT_CARD, DATE_OF_BIRTH, LOCATION, PERSON, PHONE, Finding

HEADER_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (DATE_OF_BIRTH, re.compile(r"(?i)^(?:dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born|geburtsdatum|"
                               r"date de naissance|fecha de nacimiento|data di nascita|data de nascimento|"
                               r"geboortedatum|födelsedatum|fødselsdato|syntymäaika|data urodzenia|"
                               r"datum narození|születési dátum|doğum tarihi|ημερομηνία γέννησης|дата рождения)$")),
    (PHONE, re.compile(r"(?i)^(?:phone|phone number|tel|tel\.|telephone|mobile|cell|telefon|téléphone|teléfono|"
                       r"telefono|telefoon|telefone|puhelin|telefonszám|τηλέφωνο|телефон)$")),
    (LOCATION, re.compile(r"(?i)^(?:city|town|place|stadt|ort|ville|ciudad|città|stad|plaats|cidade|kaupunki|"
                          r"miasto|město|város|şehir|πόλη|город)$")),
    (CREDIT_CARD, re.compile(r"(?i)^(?:card|card number|card no\.?|credit card|cc|pan|karte|kartennummer|carte|"
                             r"tarjeta|carta|kaart|cartão|kort|karta|kártya)$")),
    (PERSON, re.compile(r"(?i)^(?:name|full name|customer|client|contact|employee|patient|nombre|nom|nome|naam|"
                        r"namn|navn|nimi|imię i nazwisko|jméno|név|isim|όνομα|имя|фио)$")),
)
DATE_CELL_RE = re.compile(
    r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\d{1,2}\.?\s+\w+\.?\s+\d{4}|\w+\.?\s+\d{1,2},?\s+\d{4}"
)
PHONE_CELL_RE = re.compile(r"\+?[\d ()./-]{6,24}")
NAME_CELL_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?(?: [^\W\d_]+(?:['’-][^\W\d_]+)*\.?){0,3}")
WORDS_CELL_RE = re.compile(r"[^\W\d_][\w'’.-]*(?:[ -][^\W\d_][\w'’.-]*){0,3}")


def _cells(line: str, sep: str) -> list[tuple[int, int]]:
    """(start, end) of each stripped cell of ``line`` (offsets within the line)."""
    out, pos = [], 0
    body = line
    if sep == "|":
        body = line.strip()
        pos = line.index(body) if body else 0
        if body.startswith("|"):
            body, pos = body[1:], pos + 1
        if body.endswith("|"):
            body = body[:-1]
    for cell in body.split(sep):
        stripped = cell.strip()
        start = pos + (cell.index(stripped) if stripped else 0)
        out.append((start, start + len(stripped)))
        pos += len(cell) + 1
    return out


def _fits(kind: str, value: str) -> bool:
    if kind == DATE_OF_BIRTH:
        return bool(DATE_CELL_RE.fullmatch(value))
    if kind == PHONE:
        return bool(PHONE_CELL_RE.fullmatch(value)) and 6 <= sum(c.isdigit() for c in value) <= 15
    if kind == CREDIT_CARD:  # a 12-19 digit Luhn number under a card header (12-digit Maestro included)
        from stdnum import luhn

        digits = re.sub(r"[ -]", "", value)
        return digits.isdigit() and 12 <= len(digits) <= 19 and luhn.is_valid(digits)
    if kind == PERSON:  # capitalised words or one lower-case "first last" pair
        return bool(NAME_CELL_RE.fullmatch(value)) and (value[:1].isupper() or value.count(" ") == 1)
    return bool(WORDS_CELL_RE.fullmatch(value)) and value[:1].isupper()


def find_table_columns(text: str) -> Iterator[Finding]:
    """Yield cells under a DOB / phone / city / name header in markdown, CSV or TSV tables."""
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        line = lines[i]
        sep = "|" if line.count("|") >= 2 else "\t" if "\t" in line else "," if line.count(",") >= 1 else ""
        if not sep:
            i += 1
            continue
        header = [line[s:e] for s, e in _cells(line, sep)]
        kinds = {k: kind for k, cell in enumerate(header) for kind, rx in HEADER_CUES if rx.match(cell)}
        j = i + 1
        while j < len(lines) and sep in lines[j] and len(_cells(lines[j], sep)) == len(header):
            cells = _cells(lines[j], sep)
            if kinds and not set(lines[j]) <= set("|-: \t"):
                for k, kind in kinds.items():
                    s, e = cells[k]
                    if e > s and _fits(kind, lines[j][s:e]):
                        yield Finding(offsets[j] + s, offsets[j] + e, kind, 0.7, "table-column")
            j += 1
        i = max(j, i + 1)
