"""Whole address lines and towns in context (issue #11).

A street line followed by a postcode and a town is found whatever the street word (the street
and postcode are one ADDRESS finding, the town after them a LOCATION): ``Bjerrelund 492, DK-9018 Harndrup``, ``Slakthusgatan 453⏎466 40 Rockhammar``,
``323 Voie des Sorbiers, 65433 Quimper``, ``264 Ballymagin Field, Blandford Forum KA4D 8VS``.
Postcode shapes are written per country from the national formats (5 digits; ``### ##`` in
Sweden, Czechia, Slovakia, Greece; 4 digits, ``#### AB`` in the Netherlands, ``####-###`` in
Portugal, ``##-###`` in Poland, ``#####-###`` in Brazil, 6 digits in Russia, 3 in Iceland, UK
and Canadian codes, an optional ``DK-``/``A-``/``CH-`` country prefix). A bare number + word
pair such as ``Chapter 3, 2020 Edition`` is not taken: the street must carry a street word,
the postcode an unmistakable shape, or the town must be a known place.

Also here: a town that no big-city list knows, right after a location cue ("delivery to
Dolcinópolis", "die Wohnung in Philippsburg"), checked against the GeoNames small-town list
(:mod:`~prodbench.data.anonymize.gazetteer`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from prodbench.data.anonymize.cues import GLUED_STREET, STREET_WORDS
from prodbench.data.anonymize.person_cues import addressee_before
from prodbench.data.anonymize.types import ADDRESS, LOCATION, Finding

_UP = r"A-ZÀ-ÞĀ-ſΑ-ΩΆ-ΏА-ЯЁЄІЇҐ"
_CAPW = rf"[{_UP}][\w'’.-]*"  # a capitalised word ("Masarykovo", "Nám.", "L.T.M.-weg")
_TOWNW = rf"[{_UP}][\w'’-]*"  # a capitalised town word (no dot: "Osthofen. Meine ..." ends at the town)
_STOP = (r"(?:to|at|in|on|is|by|of|the|and|or|from|for|with|my|our|your|me|we|it|please|moved|live|lives|"
         r"living|address|ship|send|sent|deliver|delivered|go|should|woon|op|bor|på|mieszkam|przy|moro|vivo|"
         r"en|abito|habite|au|wohne|címem|a|an|be|was|are|now|new|old|our|here|there|see|call|phone|tel)")
_WORD = rf"(?!{_STOP}\b)[^\W\d_][\w'’.-]*"  # a street-name word that is not a function word
_PREFIX = (r"(?:ul\.|al\.|pl\.|os\.|ул\.|вул\.|пр\.|пер\.|бул\.|van|von|de|la|le|del|da|di|du|der|den|het|"
           r"via|rue|rua|calle|avenida|viale|piazza|strada)")
_HOUSE = r"\d{1,5}[^\W\d_]?(?:[/-]\d{1,4}[^\W\d_]?)?"
STREET_LAST = rf"(?:\b{_PREFIX}[ \t]+|\b(?={_CAPW}))(?:{_WORD}[ \t]+){{0,5}}{_WORD},?[ \t]+{_HOUSE}(?:[ \t]+\d{{1,4}})?"
STREET_FIRST = rf"\b{_HOUSE},?[ \t]+{_CAPW}(?:[ \t]+{_WORD}){{0,5}}"
_CODE = (r"(?P<code>(?:[A-Z]{1,2}-)?(?:\d{5}-\d{3}|\d{4}-\d{3}|\d{2}-\d{3}|\d{3} \d{2}|\d{4} ?[A-Z]{2}(?![\w])|"
         r"\d{4,6}|\d{3})|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})")
_PART = r"(?:aan|an|am|de|del|della|di|do|da|dos|das|la|le|les|sur|sous|en|och|og|im|in|nad|pod|bei|ob|und|y)"
_TOWN = rf"(?P<town>{_TOWNW}(?:(?:[ -]|[ -]{_PART}[ -]|[ -](?:d'|de'|l')[ ]?){_TOWNW}){{0,3}})"
_TOWN_UK = rf"(?P<town>{_TOWNW}(?:[ -]{_TOWNW}){{0,2}})"
_UK_CODE = r"(?P<code>[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d)"
_AU_CODE = r"(?P<au>(?:NSW|VIC|QLD|SA|WA|TAS|ACT|NT)[ \t]+\d{4})"
_SEP = r"(?:,[ \t]*\n?[ \t]*|[ \t]*\n[ \t]*|[ \t]+)"
_STREET = rf"(?P<street>{STREET_LAST}|{STREET_FIRST}){_SEP}"
ADDRESS_LINE_RES = (
    re.compile(rf"{_STREET}{_CODE}[ \t]+{_TOWN}(?![\w-])"),  # continental: "street 12, 12345 Town"
    re.compile(rf"{_STREET}{_TOWN_UK}[ \t]+(?:{_UK_CODE}|{_AU_CODE})(?![\w-])"),  # "Town CODE", "Suburb NSW 2000"
    re.compile(rf"{_STREET}{_TOWN_UK}[ \t]+-[ \t]+(?P<code>\d{{5}}-\d{{3}})(?![\w-])"),  # Brazil: "Bairro - CEP"
)
# Hungarian and others that put the postcode and town first: "6502 Nagybajom, Leányka köz 515"
REVERSED_RE = re.compile(
    rf"(?<![\w-])(?P<code>\d{{4,5}})[ \t]+(?P<town>{_TOWNW}),[ \t]+"
    rf"(?P<street>(?:{_WORD}[ \t]+){{1,4}}{_HOUSE})\b"
)
_STREET_PREFIX = (r"ul\.|al\.|pl\.|os\.|ул\.|вул\.|пр\.|пер\.|бул\.|via|rue|rua|calle|avenida|viale|piazza|"
                  r"strada|travessa|rodovia|alameda|praça|quai|chemin|allée|place|boulevard|avenue")
_STREET_WORD_RE = re.compile(rf"(?i:{STREET_WORDS})|\w{GLUED_STREET}\b|(?i:(?<!\w)(?:{_STREET_PREFIX})(?!\w))")
_SHAPED_CODE_RE = re.compile(r"[A-Z]-|\d-\d|\d{3} \d{2}$|\d{4} ?[A-Z]{2}$|^[A-Z]")
LOCATION_CUE_RE = re.compile(
    r"(?i:\b(?:delivery to|delivered to|deliver to|deliveries to|shipped to|shipping to|ship to|moved to|"
    r"move to|relocated to|live in|lives in|living in|based in|located in|born in|flight to|trip to|"
    r"visit to|wohnung in|wohne in|wohnt in|nach|livraison à|j'habite à|vivo en|envío a|abito a|"
    r"consegna a|woon in|bor i|asun|mieszkam w|bydlím v|lakom|town of|village of|city of)[ \t]{1,3})"
    rf"(?P<town>{_TOWNW}(?:[ -]{_TOWNW}){{0,2}})(?=\s*(?:[.,;:!?)\n]|$))"
)


def _known_place(name: str) -> bool:
    from prodbench.data.anonymize.gazetteer import load_towns
    from prodbench.data.anonymize.lexicon import _norm, load_lexicon

    low = _norm(name.rstrip("."))
    lex = load_lexicon()
    return (low in lex.places or low in load_towns()) and low not in lex.common_words


def _plausible(street: str, code: str | None, town: str | None) -> bool:
    """The line is an address: a street word, a shaped postcode, or a known town."""
    return bool(_STREET_WORD_RE.search(street) or (code and _SHAPED_CODE_RE.search(code))
                or (town and _known_place(town)))


def _street_start(text: str, start: int, end: int) -> int:
    """Skip leading words up to the last lower-case common word ("... και μένω στην Γκιώνας 1080")."""
    from prodbench.data.anonymize.person_cues import stop_words

    for word in re.finditer(r"\S+", text[start:end]):
        w = word.group()
        if w[:1].islower() and w.casefold() in stop_words() and not _STREET_WORD_RE.fullmatch(w):
            start_at = start + word.end()
            while start_at < end and text[start_at] in " \t":
                start_at += 1
            return _street_start(text, start_at, end) if start_at < end else start
    return start


def find_address_lines(text: str) -> Iterator[Finding]:
    """Yield one ADDRESS per ``street, postcode town`` line (and the reversed Hungarian order)."""
    if not any(c.isdigit() for c in text):
        return
    for rx in ADDRESS_LINE_RES:
        for m in rx.finditer(text):
            if m.groupdict().get("au") or _plausible(m.group("street"), m.group("code"), m.group("town")):
                start = _street_start(text, m.start("street"), m.end("street"))
                yield from addressee_before(text, start)
                if m.groupdict().get("code") and m.start("town") > m.start("code"):
                    # "street 12, 12345 Town": street and postcode are ADDRESS, the town a LOCATION
                    yield Finding(start, m.end("street"), ADDRESS, 0.8, "address-line")
                    yield Finding(m.start("code"), m.end("code"), ADDRESS, 0.8, "address-line")
                    yield Finding(m.start("town"), m.end("town"), LOCATION, 0.8, "address-line")
                else:  # "12 Street, Town CODE" (UK, Canada, Australia, Brazil): one span
                    yield Finding(start, m.end(), ADDRESS, 0.8, "address-line")
    for m in REVERSED_RE.finditer(text):
        if _STREET_WORD_RE.search(m.group("street")) or _known_place(m.group("town")):
            yield Finding(m.start("code"), m.end("code"), ADDRESS, 0.8, "address-line")
            yield Finding(m.start("town"), m.end("town"), LOCATION, 0.8, "address-line")
            yield Finding(m.start("street"), m.end("street"), ADDRESS, 0.8, "address-line")


GREEK_STREET_RE = re.compile(  # a Greek street name in the genitive + number: "Πωγωνιανής 421"
    r"(?<!\w)[Α-ΩΆ-Ώ][α-ωάέήίόύώϊϋΐΰ]{2,}(?:ου|ων|ών|ής|ης|άς|ας|ος|ως|ού)[ \t]+\d{1,4}[α-ω]?(?![\w,.]\d)"
)
ADDRESS_KEY_RE = re.compile(  # the value of an address key in code, JSON, YAML: address: "Rúa Río Cobas, 1331"
    r"(?i)[\"']?\b(?:address|street|street_?address|address_?line_?\d?|addr|adresse|anschrift|dirección|"
    r"direccion|indirizzo|adres|endereço|morada|osoite|cím|adresa|adresă|διεύθυνση|адрес)[\"']?[ \t]*[:=][ \t]*"
    r"[\"'](?P<value>[^\"'\n]{4,120})[\"']"
)


def find_keyed_addresses(text: str) -> Iterator[Finding]:
    """An address-key value with a number in it, and a Greek genitive street name with a number."""
    for m in ADDRESS_KEY_RE.finditer(text):
        if any(c.isdigit() for c in m.group("value")) and any(c.isalpha() for c in m.group("value")):
            yield Finding(m.start("value"), m.end("value"), ADDRESS, 0.8, "address-key")
    for m in GREEK_STREET_RE.finditer(text):
        yield Finding(m.start(), m.end(), ADDRESS, 0.7, "street")


def find_cued_towns(text: str) -> Iterator[Finding]:
    """A known town (GeoNames, 1,000+ inhabitants) right after a location cue, ending the clause."""
    for m in LOCATION_CUE_RE.finditer(text):
        if _known_place(m.group("town")):
            yield Finding(m.start("town"), m.end("town"), LOCATION, 0.65, "town-cue")


ADDRESS_DETECTORS = (find_address_lines, find_keyed_addresses, find_cued_towns)
