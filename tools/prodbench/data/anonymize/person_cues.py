"""Names found by where they stand, not by a name list (issue #11).

The lexicon detector (:mod:`~prodbench.data.anonymize.names`) needs a known first name or a
capitalised pair in person context. These detectors take names no list knows, in any case or
script, from the structure around them:

* an e-mail header's display name: ``From: βίκτορας δαγκλής <b@x.gr>``;
* the line after a sign-off (``Kind regards,`` / ``Atenciosamente,`` ⏎ ``nise da sbetti``), a
  name closing a sign-off line (``Best, JOEY``, ``Üdv, Géda``) and a signature line right after
  a contact line (``call me 06 87 47 65 81`` ⏎ ``ashley`` ⏎ blank line);
* a value under a name key in code or data: ``name: "Hildiburg Ragnarsson"``, ``"nombre": "..."``;
* a lower-case surname after a title (``Mr. gaines``, ``Sig.ra de benedictis``, ``Mme nicolle``);
* a self-introduction in chat (``hi im bilge abadan,``; ``Jó napot, Tíra Demszky vagyok``;
  ``kunigunde goebel hat angerufen``).

Words that are common words of some language (Faker's lorem lists in 20+ languages plus a
short English list) are never taken on these cues alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from prodbench.data.anonymize.lexicon import _norm, load_lexicon
from prodbench.data.anonymize.names import FOREIGN_NAMING_CUES, FOREIGN_SIGN_OFFS, TITLES
from prodbench.data.anonymize.types import PERSON, Finding

_NAMEW = r"[^\W\d_][\w'’-]*"
_NAME = rf"{_NAMEW}(?:[ ]{_NAMEW}){{0,3}}"
HEADER_RE = re.compile(
    r"(?im)^[ \t>]*(?:from|to|cc|bcc|reply-to|von|an|de|à|a|para|från|till|fra|til|van|aan|od|do|feladó|"
    r"címzett|kimden|kime|από|προς|от|кому)[ \t]*:[ \t]*[\"']?"
    rf"(?P<name>{_NAME})[\"']?[ \t]*<[^<>\s@]+@[^<>\s]+>"
)
SIGN_OFFS = ("kind regards", "best regards", "warm regards", "regards", "best wishes", "best", "thanks",
             "thank you", "many thanks", "cheers", "sincerely", "yours sincerely", "yours truly", "yours",
             "üdv", "üdvözlet", "pozdrowienia", "pozdrav", "lp", "mfg", "vg", "saludos cordiales", "abrazos",
             "tervehdys", "ystävällisin terveisin", "hälsning", "mvh", "hilsen", "groeten", "bien cordialement",
             *FOREIGN_SIGN_OFFS)
_SIGN_OFF = "|".join(sorted(map(re.escape, SIGN_OFFS), key=len, reverse=True))
SIGN_OFF_LINE_RE = re.compile(rf"(?im)^[ \t>]*(?:{_SIGN_OFF})[ \t]*[,!.]?[ \t]*\n[ \t>]*(?P<name>{_NAME})[ \t]*$")
SIGN_OFF_INLINE_RE = re.compile(rf"(?im)(?:^|[.!?][ \t]+)[ \t>]*(?:{_SIGN_OFF})[ \t]*,[ \t]*(?P<name>{_NAME})[ \t]*$")
CONTACT_THEN_NAME_RE = re.compile(
    rf"(?m)^[^\n]*(?:\d[\d ()./-]{{5,}}\d|@[\w-]+\.\w+)[^\n]*\n[ \t]*(?P<name>{_NAMEW}(?:[ ]{_NAMEW})?)[ \t]*(?:\n[ \t]*\n|\n?\Z)"
)
# a name closing a message right after the contact details: "... pod numerem 406-898-575. jarek",
# "Rappelez-moi au 0715952139 svp, c'est ilies"
CONTACT_THEN_NAME_INLINE_RE = re.compile(
    r"(?im)(?:\d[\d ()./-]{5,}\d|@[\w-]+(?:\.[\w-]+)+)[^\n\d]{0,12}?(?:[.!][ \t]+|,[ \t]*(?:c'est|é a|é o|this is|"
    rf"it's|sono|soy|ik ben|jsem|to je|jag är|jeg er)[ \t]+)(?P<name>{_NAMEW}(?:[ ]{_NAMEW})?)[ \t]*$"
)
ROLE_NAME_RE = re.compile(  # "Customer valpuri leppänen (valpuri64@...", "patient jan kowalski, born ..."
    r"(?i:\b(?:customer|client|patient|tenant|employee|member|guest|passenger|applicant|student)[ \t]{1,3})"
    rf"(?P<name>{_NAMEW}[ ]{_NAMEW}(?:[ ]{_NAMEW})?)(?=[ \t]*[(,])"
)
# the addressee line over or before an address: "GILBERTA SUMEGI⏎Méri istván utca 980", "yasemin akyürek, ..."
ADDRESSEE_RE = re.compile(rf"(?:^|[:\n]|\bby)[ \t>]*(?P<name>{_NAMEW}(?:[ ]{_NAMEW}){{0,3}})[ \t]*(?:,[ \t]*|\n[ \t>]*)$")
NAME_KEY_RE = re.compile(
    r"(?i)[\"']?\b(?:name|full_?name|customer_?name|contact_?name|client_?name|author|owner|first_?name|"
    r"last_?name|surname|nombre|nom|nome|naam|namn|navn|nimi|imię|jméno|név|isim|όνομα|имя|фио)[\"']?"
    rf"[ \t]*[:=][ \t]*[\"'](?P<name>{_NAME})[\"']"
)
_TITLE = "|".join(sorted((re.escape(t) for t in TITLES if len(t) > 1), key=len, reverse=True))
TITLE_LOWER_RE = re.compile(
    rf"(?i:\b(?:sig\.ra|{_TITLE}))\.?[ \t]{{1,3}}(?P<name>(?:(?:de|van|von|da|di|del|la|le|du|dos|das)[ \t]+)?"
    r"[^\W\d_\s][\w'’-]+)"
)
GREETING_SELF_RE = re.compile(
    r"(?i:\b(?:hi|hello|hey|hiya|good morning|good afternoon)[ \t,!]*(?:i'?m|i am|this is|it'?s|my name'?s)"
    r"|c'est|é a|é o|sou a|sou o|ici)[ \t]{1,3}"
    rf"(?P<name>{_NAMEW}(?:[ ]{_NAMEW}){{0,2}})(?=[ \t]*(?:[,.!?;\n]|$))"
)
POSTFIX_SELF_RE = re.compile(
    rf"(?P<name>{_NAMEW}(?:[ ]{_NAMEW}){{0,2}})[ \t]+(?:vagyok|hat angerufen|hat geschrieben|hat sich gemeldet|"
    r"a appelé|ha llamado|ha chiamato|heeft gebeld|ringde|soitti|dzwonił|dzwoniła|volal|volala)\b"
)
_NAMING = "|".join(sorted(map(re.escape, ("my name is", "my name's", "i am called", "signed", "signed by",
                                            "name:", *FOREIGN_NAMING_CUES)), key=len, reverse=True))
NAMING_RE = re.compile(rf"(?i:(?<!\w)(?:{_NAMING}))(?::?[ \t]{{1,3}}|:)(?P<name>{_NAMEW}(?:[ ]{_NAMEW}){{0,3}})")
_FUNCTION_TEXT = """and or but i im i'm from in at the a an to is was with here calling speaking writing
und et y e och og ja és ve и και also too please thanks"""
FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
_EXTRA_STOP_TEXT = """again everyone all team guys folks advance much lot anyway both you so very really just
also still here there now then today support sales billing service customer customers client office admin
broken done stuck confused sorry working busy urgent fine okay sure back ready available late wrong right
και μένω στην στο στη στον είμαι живу на по в и у я мы ich wohne bin und
"""
EXTRA_STOP = frozenset(_EXTRA_STOP_TEXT.split())


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Common words of many languages (Faker lorem lists) that a structural cue alone never names."""
    import importlib
    import pkgutil

    import faker.providers.lorem as lorem_pkg

    words: set[str] = set(EXTRA_STOP) | set(load_lexicon().common_words)
    for info in pkgutil.iter_modules(lorem_pkg.__path__):
        provider = importlib.import_module(f"faker.providers.lorem.{info.name}").Provider
        words.update(_norm(w) for w in getattr(provider, "word_list", ()) if " " not in w)
    return frozenset(words)


def _namelike(value: str, *, single_known: bool = False) -> bool:
    """1-4 words, none a common word; one word alone must be a known first name if ``single_known``."""
    words = [_norm(w) for w in value.split()]
    if not words or len(words) > 4 or any(w in stop_words() for w in words if w not in PARTICLES):
        return False
    if words[-1] in PARTICLES:
        return False
    lex = load_lexicon()
    if single_known and len(words) == 1:
        return words[0] in lex.first_names or words[0] in lex.last_names
    return all(len(w) > 1 for w in words)


PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "le", "la", "dos", "das",
                       "zu", "ter", "ten", "st", "st."})


def _found(m: re.Match[str], score: float, detector: str, *, single_known: bool = False) -> Iterator[Finding]:
    if _namelike(m.group("name"), single_known=single_known):
        yield Finding(m.start("name"), m.end("name"), PERSON, score, detector)


def _naming(text: str, m: re.Match[str]) -> Iterator[Finding]:
    lex = load_lexicon()
    end = m.start("name")
    for word in re.finditer(r"\S+", m.group("name")):
        w = _norm(word.group())
        if w in FUNCTION_WORDS or (w in stop_words() and w not in lex.first_names and w not in lex.last_names):
            break
        end = m.start("name") + word.end()
    if end > m.start("name"):
        yield Finding(m.start("name"), end, PERSON, 0.7, "naming-cue")


def addressee_before(text: str, street_start: int) -> Iterator[Finding]:
    """The name right before an address line (same line after ``:``/``by``, or the line above)."""
    window_start = max(0, street_start - 80)
    m = ADDRESSEE_RE.search(text, window_start, street_start)
    if m:
        yield from _found(m, 0.6, "addressee")


def find_structural_names(text: str) -> Iterator[Finding]:
    """Yield PERSON findings from e-mail headers, signatures, name keys, titles and self-introductions."""
    for m in HEADER_RE.finditer(text):
        yield from _found(m, 0.8, "header-name")
    for m in SIGN_OFF_LINE_RE.finditer(text):
        yield from _found(m, 0.7, "signature")
    for m in SIGN_OFF_INLINE_RE.finditer(text):
        yield from _found(m, 0.65, "signature")
    for m in CONTACT_THEN_NAME_RE.finditer(text):
        yield from _found(m, 0.6, "signature")
    for rx in (CONTACT_THEN_NAME_INLINE_RE, ROLE_NAME_RE):
        for m in rx.finditer(text):
            yield from _found(m, 0.6, "signature" if rx is CONTACT_THEN_NAME_INLINE_RE else "role-name")
    for m in NAME_KEY_RE.finditer(text):
        yield from _found(m, 0.75, "name-key")
    for m in TITLE_LOWER_RE.finditer(text):
        if not m.group("name")[:1].isupper():  # capitalised names after titles: names.py
            yield from _found(m, 0.7, "title")
    for m in GREETING_SELF_RE.finditer(text):
        yield from _found(m, 0.6, "self-intro", single_known=True)
    for m in NAMING_RE.finditer(text):  # "my name is john smith and ...": the words up to a function word
        yield from _naming(text, m)
    for m in POSTFIX_SELF_RE.finditer(text):  # "ich weiß dass kunigunde goebel hat angerufen": trim "dass"
        start = m.start("name")
        for word in re.finditer(r"\S+", m.group("name")):
            if _norm(word.group()) not in stop_words():
                break
            start = m.start("name") + word.end() + 1
        if start < m.end("name") and _namelike(text[start: m.end("name")], single_known=True):
            yield Finding(start, m.end("name"), PERSON, 0.6, "self-intro")
