"""Detectors for structured identifiers.

Checksummed numbers are validated with python-stdnum (Luhn for cards, ISO 7064 for
IBANs, the EU VAT rules), phone numbers with Google's libphonenumber port
(``phonenumbers``), IP addresses with :mod:`ipaddress`. Regular expressions are used
where they are the right tool: e-mail addresses, URLs with credentials, known API-key
prefixes and the candidate spans that the validators then confirm.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterator

from prodbench.data.anonymize.addresses import ADDRESS_DETECTORS
from prodbench.data.anonymize.cues import CUE_DETECTORS
from prodbench.data.anonymize.person_cues import find_structural_names
from prodbench.data.anonymize.tables import find_table_columns
from prodbench.data.anonymize.types import (
    ADDRESS,
    CREDIT_CARD,
    DATE_OF_BIRTH,
    EMAIL,
    IBAN,
    ID_NUMBER,
    IP_ADDRESS,
    PHONE,
    SECRET,
    SSN,
    URL_CREDENTIALS,
    Finding,
)

EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}\b"
)
URL_USERINFO_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,15}://[^\s/?#@:]+:[^\s/?#@]+@[^\s\"'<>]+")
URL_TOKEN_RE = re.compile(
    r"\b(?:https?|wss?)://[^\s\"'<>]*?[?&#](?:access_token|token|api_?key|apikey|key|secret|password|passwd|"
    r"pwd|sig|signature|auth|session|sessionid|client_secret|code)=[^\s&\"'<>]{4,}[^\s\"'<>]*",
    re.IGNORECASE,
)
SECRET_PREFIX_RE = re.compile(
    r"(?:"
    r"\bsk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{16,}"
    r"|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    r"|\bgithub_pat_[A-Za-z0-9_]{30,}"
    r"|\bglpat-[A-Za-z0-9_-]{20,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
    r"|\bAIza[0-9A-Za-z_-]{35}"
    r"|\bhf_[A-Za-z0-9]{30,}"
    r"|\bnpm_[A-Za-z0-9]{36}"
    r"|\bpypi-[A-Za-z0-9_-]{50,}"
    r"|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
    r")"
)
SECRET_ASSIGN_RE = re.compile(
    r"(?i)\b(?:password|passwd|pwd|passcode|secret|api[_ -]?key|access[_ -]?key|token|bearer)"
    r"(?:\s+is)?\s*[:=]?\s*[\"']?(?P<value>[^\s\"',;]{6,})"
)
CANDIDATE_TOKEN_RE = re.compile(r"(?<![\w/+=-])[A-Za-z0-9+/_=-]{20,}(?![\w/+=-])")
IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")  # a full stop may end the sentence
IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
SSN_RE = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- ]?)(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])")
SSN_CONTEXT_RE = re.compile(r"(?i)\b(?:ssn|social security|soc\.? sec)")
CARD_RE = re.compile(r"(?<![\d+-])(?:\d[ -]?){11,18}\d(?![\d-])")  # "+39 279 31250311" is a phone
CARD_CUE_RE = re.compile(r"(?i)\b(?:card|karte|carte|tarjeta|carta|kaart|cartão|kort|karta|kartya|maestro)")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
VAT_RE = re.compile(r"\b(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK)"
                    r"[ ]?[0-9A-Z]{8,12}\b")
TRUNK_BEFORE_RE = re.compile(r"(?<![\w+])[08] ?$")  # "8 (992) 774-46-31", "0(589) 171 21 87"
TRUNK_ZERO_RE = re.compile(r"(?<![\d.,])\(?0\d")
PHONE_CONTEXT_RE = re.compile(r"(?i)\b(?:call|phone|tel|telephone|mobile|cell|number|whatsapp|sms|fax|reach|"
                              r"ring|contact|from|on|at)\b[^.\n]{0,20}$")
NATIONAL_PHONE_RE = re.compile(r"(?<![\w+])\(?\d{2,5}\)?(?:[ .-]?\(?\d{2,4}\)?){1,4}(?![\w])")
PHONE_FALLBACK_RE = re.compile(
    r"(?<![\w+])(?:\+?1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d)"
    r"|(?<![\w])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}\d(?!\d)"
)
MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
DATE_RE = re.compile(
    r"(?<!\d)(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\.?,?\s+\d{{4}}"
    rf"|{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})(?!\d)",
    re.IGNORECASE,
)
DOB_CONTEXT_RE = re.compile(
    r"(?i)(?:\bborn\b|\bd\.?o\.?b\.?\b|date of birth|birth ?date|birthday|geboren|geburtsdatum|geb\.|"
    r"né(?:e)? le|date de naissance|fecha de nacimiento|nacid[oa]|nat[oa] il|data di nascita|"
    r"data de nascimento|nascid[oa]|geboortedatum|födelsedatum|född|født|fødselsdato|født den|syntymäaika|"
    r"syntynyt|data urodzenia|urodzon[ya]|datum narození|narozen[aá]?|születési dátum|született|"
    r"doğum tarihi|doğdum|ημερομηνία γέννησης|γεννήθηκα|дата рождения|родил(?:ся|ась))[^.\n]{0,25}$"
)


def _ok_date(text: str) -> bool:
    """Reject impossible numeric dates such as 45/13/2020 (keeps recall for real ones)."""
    parts = [int(p) for p in re.findall(r"\d+", text)]
    if len(parts) == 3 and all(p < 32 for p in parts[:2]) and "-" not in text[:5]:
        return parts[0] <= 31 and parts[1] <= 31
    return True


def shannon_entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def looks_like_secret(token: str) -> bool:
    """High-entropy heuristic for opaque credentials (mixed classes, >= 20 chars)."""
    classes = sum(bool(re.search(p, token)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
    if classes < 2 or not re.search(r"\d", token):
        return False
    if re.fullmatch(r"[0-9a-f-]{36}", token):  # a UUID is an id, not a secret
        return False
    threshold = 3.0 + min(len(token), 40) / 40
    return shannon_entropy(token) >= threshold


PATH_SEGMENT_RE = re.compile(r"[A-Za-z0-9._-]{1,24}")


def looks_like_path(token: str) -> bool:
    """A file path (``/var/lib/app/16/main``, ``srv/data/2024-q3``): short segments, one a word."""
    segments = [s for s in token.split("/") if s]
    if len(segments) < 2 or (not token.startswith("/") and token.count("/") < 2):
        return False
    return all(PATH_SEGMENT_RE.fullmatch(s) for s in segments) and \
        any(re.fullmatch(r"[a-z]{3,}", s) for s in segments)


SLUG_PART_RE = re.compile(r"[a-z]{2,}|[A-Z][a-z]+|[A-Z]{2,}|\d{1,6}")


def looks_like_slug(token: str) -> bool:
    """A host name or slug (``inventory-worker-213``, ``api_v2_prod``): words and short numbers."""
    parts = re.split(r"[-_.]", token)
    return len(parts) >= 2 and all(SLUG_PART_RE.fullmatch(p) for p in parts if p)


def find_emails(text: str) -> Iterator[Finding]:
    for m in EMAIL_RE.finditer(text):
        yield Finding(m.start(), m.end(), EMAIL, 0.99, "email")


def find_urls_with_credentials(text: str) -> Iterator[Finding]:
    for rx in (URL_USERINFO_RE, URL_TOKEN_RE):
        for m in rx.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:)!?":
                end -= 1
            yield Finding(m.start(), end, URL_CREDENTIALS, 0.95, "url")


def find_secrets(text: str) -> Iterator[Finding]:
    for m in SECRET_PREFIX_RE.finditer(text):
        yield Finding(m.start(), m.end(), SECRET, 0.99, "secret-prefix")
    for m in SECRET_ASSIGN_RE.finditer(text):
        value = m.group("value")
        if value.lower() in {"reset", "manager", "protected", "required", "expired", "please"}:
            continue
        end = m.end("value")
        while end > m.start("value") and text[end - 1] in ".!?:)]}":
            end -= 1
        value = text[m.start("value"): end]
        if len(value) >= 6 and (re.search(r"\d", value) or re.search(r"[^A-Za-z]", value) or len(value) >= 12):
            yield Finding(m.start("value"), end, SECRET, 0.8, "secret-assign")
    for m in CANDIDATE_TOKEN_RE.finditer(text):
        if looks_like_secret(m.group()) and not looks_like_path(m.group()) and not looks_like_slug(m.group()):
            yield Finding(m.start(), m.end(), SECRET, 0.7, "secret-entropy")


def personal_ip(value: str) -> bool:
    """Whether ``value`` is an IP address that can point at a person: a public (global) one.

    Private, loopback, link-local and documentation ranges (RFC 5737, RFC 3849) are nobody's.
    """
    try:
        return ipaddress.ip_address(value.strip()).is_global
    except ValueError:
        return False


def find_ips(text: str) -> Iterator[Finding]:
    for m in IPV4_RE.finditer(text):
        if not personal_ip(m.group()):
            continue
        yield Finding(m.start(), m.end(), IP_ADDRESS, 0.95, "ipv4")
    for m in IPV6_RE.finditer(text):
        candidate = m.group()
        if candidate.count(":") < 2 or len(candidate) < 6:
            continue
        if not personal_ip(candidate):  # also ::1, fe80::/10, fc00::/7, 2001:db8::/32
            continue
        yield Finding(m.start(), m.end(), IP_ADDRESS, 0.95, "ipv6")


def find_ssns(text: str) -> Iterator[Finding]:
    for m in SSN_RE.finditer(text):
        separated = bool(m.group(1))
        context = SSN_CONTEXT_RE.search(text[max(0, m.start() - 40): m.start()])
        if separated or context:
            yield Finding(m.start(), m.end(), SSN, 0.9 if context else 0.75, "ssn")


def find_cards(text: str) -> Iterator[Finding]:
    from stdnum import luhn

    for m in CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) == 12 and not _maestro12(text, m.start(), m.group(), digits):
            continue
        if 12 <= len(digits) <= 19 and luhn.is_valid(digits) and len(set(digits)) > 1:
            yield Finding(m.start(), m.end(), CREDIT_CARD, 0.95, "luhn")


def _maestro12(text: str, start: int, value: str, digits: str) -> bool:
    """A 12-digit Maestro (50, 56-69) counts when grouped 4-4-4 or after a card cue."""
    if not re.match(r"5[06-9]|6", digits):
        return False
    return bool(re.fullmatch(r"\d{4}([ -])\d{4}\1\d{4}", value) or CARD_CUE_RE.search(text[max(0, start - 60): start]))


def find_ibans(text: str) -> Iterator[Finding]:
    from stdnum import iban

    for m in IBAN_RE.finditer(text):
        value = m.group()
        # the regex may swallow a following word; shrink until the checksum holds
        for end in range(len(value), 14, -1):
            if iban.is_valid(value[:end]):
                yield Finding(m.start(), m.start() + len(value[:end].rstrip()), IBAN, 0.99, "iban")
                break


def find_vat_ids(text: str) -> Iterator[Finding]:
    from stdnum.eu import vat

    for m in VAT_RE.finditer(text):
        if vat.is_valid(m.group()):
            yield Finding(m.start(), m.end(), ID_NUMBER, 0.9, "eu-vat")


def find_phones(text: str) -> Iterator[Finding]:
    import phonenumbers

    seen: set[tuple[int, int]] = set()
    if sum(c.isdigit() for c in text) >= 7:
        # "+" numbers parse in any region; GB/DE national numbers start with the trunk prefix 0
        regions = ("US", "GB", "DE") if TRUNK_ZERO_RE.search(text) else ("US",)
        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
                span = (match.start, match.end)
                if span not in seen and not _version_or_date(text, match.start, match.end):
                    seen.add(span)
                    trunk = TRUNK_BEFORE_RE.search(text, max(0, match.start - 3), match.start)
                    start = trunk.start() if trunk and text[match.start] == "(" else match.start
                    yield Finding(start, match.end, PHONE, 0.95, "phonenumbers")
        for m in PHONE_FALLBACK_RE.finditer(text):
            digits = sum(c.isdigit() for c in m.group())
            # also when it extends a shorter match ("+420 650 705 97 6" after "+420 650 705 97")
            if 7 <= digits <= 15 and not any(s <= m.start() < e and m.end() <= e for s, e in seen):
                seen.add((m.start(), m.end()))
                yield Finding(m.start(), m.end(), PHONE, 0.7, "phone-pattern")
        for m in NATIONAL_PHONE_RE.finditer(text):
            digits = sum(c.isdigit() for c in m.group())
            if 9 <= digits <= 13 and not any(s < m.end() and m.start() < e for s, e in seen) \
                    and PHONE_CONTEXT_RE.search(text[max(0, m.start() - 40): m.start()]):
                yield Finding(m.start(), m.end(), PHONE, 0.6, "phone-context")


def _version_or_date(text: str, start: int, end: int) -> bool:
    """A "number" that is the tail of a version (``1.0 - 2016-03-21``) or holds an ISO date."""
    return bool(re.search(r"\d[.]$", text[max(0, start - 2): start]) or ISO_DATE_RE.search(text, start, end))


ISO_DATE_RE = re.compile(r"(?<!\d)(?:19|20)\d\d-[01]\d-[0-3]\d(?!\d)")


def find_dates_of_birth(text: str) -> Iterator[Finding]:
    for m in DATE_RE.finditer(text):
        before = text[max(0, m.start() - 40): m.start()]
        if DOB_CONTEXT_RE.search(before) and _ok_date(m.group()):
            yield Finding(m.start(), m.end(), DATE_OF_BIRTH, 0.9, "dob")


def _street_suffixes() -> list[str]:
    from faker.providers.address.en_GB import Provider as GB
    from faker.providers.address.en_US import Provider

    extra = [*GB.street_suffixes, "St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Pl", "Sq", "Hwy", "Pkwy", "Ter", "Cir",
             "Close", "Crescent", "Gardens", "Grove", "Mews", "Row", "Walk", "Hill"]
    return sorted({*Provider.street_suffixes, *extra}, key=len, reverse=True)


_ADDRESS_RE: re.Pattern[str] | None = None


def _address_re() -> re.Pattern[str]:
    global _ADDRESS_RE
    if _ADDRESS_RE is None:
        suffix = "|".join(map(re.escape, _street_suffixes()))
        us = (
            rf"(?:\b(?:Flat|Studio|Apartment|Apt\.?|Unit|Suite)\s+\w+,\s*)?"
            rf"\b\d{{1,6}}[A-Za-z]?,?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][A-Za-z'-]+\.?\s+){{1,4}}(?:{suffix})\b\.?"
            r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Piano|#)\.?\s*#?\w+)?"
            r"(?:,?\s*\n?\s*[A-Z][A-Za-z .'-]{1,30},\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
        )
        # Continental style: "Hauptstraße 12", "Jens-Drubin-Straße 47-26", "Rue de la Paix 5", "Via Roma 10"
        german = (
            r"\b(?:[A-ZÄÖÜ][a-zäöüß]+-){0,3}[A-ZÄÖÜ][a-zäöüß]*(?:-?[Ss]tra(?:ß|ss)e|-?[Ss]tr\.|-?[Ww]eg|"
            r"-?[Gg]asse|-?[Aa]llee|-?[Pp]latz|-?[Rr]ing|-?[Dd]amm|-?[Uu]fer|-?[Ss]teig|-?[Pp]fad|"
            r"straat|laan|dreef|plein|gracht|kade|singel|steeg|hof|pad|weg|ulica)"
            r",?\s+\d{1,4}[a-z]?(?:[-/]\d{1,4})?\b(?:,\s*\d{4,5}\s+[A-ZÄÖÜ][\w-]+)?"
        )
        romance_words = r"(?:[Rr]ue|[Aa]venue|[Bb]oulevard|[Bb]d|[Cc]hemin|[Aa]llée|[Ii]mpasse|[Qq]uai|[Vv]ia|[Vv]iale|" \
                        r"[Pp]iazza|[Pp]iazzale|[Vv]icolo|[Ss]tretto|[Bb]orgo|[Cc]ontrada|[Ll]argo|[Cc]orso|[Rr]otonda|[Cc]anale|" \
                        r"[Cc]alle|[Aa]venida|[Pp]laza|[Pp]aseo|[Cc]amino|[Rr]onda|[Tt]ravesía|[Cc]allejón|[Cc]añada|" \
                        r"[Gg]lorieta|[Pp]asaje|[Pp]asadizo|[Cc]uesta|[Aa]lameda|[Rr]ambla|[Cc]arrera|[Aa]cceso|" \
                        r"[Rr]ua|[Ss]traat|[Ll]aan|[Uu]lica|ul\.|al\.|pl\.|os\.)"
        romance = (
            rf"\b(?:\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+)?{romance_words}"
            r"(?:\s+(?:de|del|della|di|la|le|les|des|du|da|do|dos|van|der|l'|d')){0,2}"
            r"(?:\s*[A-ZÀ-ÝŁŚŻŹĆ][\w'-]+){1,3}(?:,?\s+\d{1,4}[a-z]?\b)?(?:\s+(?:Apt\.|Piso|Puerta)\s*\d+)?"
        )
        continental = f"{german}|{romance}"
        uk_postcode = r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
        _ADDRESS_RE = re.compile(f"{us}|{continental}|{uk_postcode}")
    return _ADDRESS_RE


def find_addresses(text: str) -> Iterator[Finding]:
    for m in _address_re().finditer(text):
        yield Finding(m.start(), m.end(), ADDRESS, 0.85, "address")


STRUCTURED_DETECTORS = (
    *CUE_DETECTORS,
    *ADDRESS_DETECTORS,
    find_structural_names,
    find_table_columns,
    find_urls_with_credentials,
    find_emails,
    find_secrets,
    find_ibans,
    find_cards,
    find_ssns,
    find_vat_ids,
    find_ips,
    find_phones,
    find_dates_of_birth,
    find_addresses,
)
