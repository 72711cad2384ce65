"""The personal-data gate of ``prodbench validate``.

Every prompt record's texts (message contents, names, reference) are scanned with
:func:`prodbench.data.anonymize.detect`. A finding becomes a validation problem
``file:line: messages[2].content: personal data (EMAIL) ...`` that names the entity
type, never the value.

* ``validate.pii_allowlist`` in params.yaml lists known false positives (the
  product's own support address, its domain).
* ``anonymize.gate_entities`` chooses which entity types fail validation (default:
  every type except LOCATION; a city or a country alone does not identify anyone).
* A record with ``"synthetic_pii": true`` (a safety prompt that checks the model does
  not echo personal data) is exempt only if every value is recognisably synthetic:
  reserved example domains (RFC 2606/6761), documentation IP ranges (RFC 5737/3849),
  fictional phone numbers (555-01xx, Ofcom drama ranges), published test card numbers,
  specimen IBANs, placeholder names (Jane Doe, Max Mustermann, ...), keys containing
  EXAMPLE/DUMMY/FAKE.

A second line, independent of the detector: every text is also checked against the PII
ledger (:mod:`prodbench.data.ledger`, keyed hashes of the values ingest and ``prodbench
purge`` removed). A prompt that still holds a ledgered value fails at ``file:line`` with
the value's type and word position. Without the salt (``$PRODBENCH_LEDGER_SALT``) this
check is skipped and says so once on stderr.

Importing this module registers :func:`rule_pii` with ``prodbench.validate.rules``.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from prodbench.data.anonymize.engine import detect
from prodbench.data.anonymize.patterns import personal_ip
from prodbench.data.anonymize.types import (
    ADDRESS,
    CREDIT_CARD,
    DATE_OF_BIRTH,
    EMAIL,
    ENTITY_TYPES,
    IBAN,
    ID_NUMBER,
    IP_ADDRESS,
    LOCATION,
    PERSON,
    PHONE,
    SECRET,
    SSN,
    URL_CREDENTIALS,
    Finding,
)

DEFAULT_GATE_ENTITIES = tuple(t for t in ENTITY_TYPES if t != LOCATION)
RESERVED_TLDS = ("example", "test", "invalid", "localhost", "local")
RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
TEST_CARDS = {
    "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556", "5555555555554444",
    "5105105105105100", "2223003122003222", "378282246310005", "371449635398431", "6011111111111117",
    "6011000990139424", "3056930009020004", "36227206271667", "3566002020360505", "6200000000000005",
    "4000000000000002", "4000000000009995", "5200828282828210",
}
SPECIMEN_IBANS = {"GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606",
                  "NL91ABNA0417164300", "GB33BUKB20201555555555", "CH9300762011623852957"}
PLACEHOLDER_PEOPLE = {"jane doe", "john doe", "jane", "john", "doe", "max mustermann", "erika mustermann",
                      "mustermann", "joe bloggs", "jane roe", "richard roe", "john q. public", "alice", "bob",
                      "carol", "mallory", "eve", "test user", "mr. doe", "ms. doe", "mrs. doe", "mr. smith",
                      "john smith", "jane smith", "max", "erika", "juan pérez", "mario rossi"}
FICTIONAL_ADDRESSES = ("742 evergreen terrace", "221b baker street", "1600 example", "123 main street",
                       "123 example street", "1 example road")
SYNTHETIC_SSNS = {"078-05-1120", "123-45-6789", "219-09-9999", "457-55-5462"}


def _is_reserved_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host.endswith(tuple("." + t for t in RESERVED_TLDS)) or host in RESERVED_TLDS or any(
        host == d or host.endswith("." + d) for d in RESERVED_DOMAINS)


def is_synthetic(kind: str, value: str) -> bool:
    """Whether a detected value is recognisably synthetic (safe to keep in a test prompt)."""
    digits = re.sub(r"\D", "", value)
    low = value.lower()
    if kind == EMAIL:
        return _is_reserved_host(value.rsplit("@", 1)[-1])
    if kind == URL_CREDENTIALS:
        host = re.sub(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?", "", low).split("/")[0].split(":")[0].split("?")[0]
        return _is_reserved_host(host)
    if kind == PHONE:
        national = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
        if len(national) == 7 and national.startswith("555"):
            return True
        if len(national) == 10 and national[3:6] == "555" and national[6:8] == "01":
            return True
        uk = digits[2:] if digits.startswith("44") else digits.lstrip("0")
        return uk.startswith(("2079460", "7700900", "1134960", "1632960", "1214960", "1314960"))
    if kind == CREDIT_CARD:
        return digits in TEST_CARDS
    if kind == IBAN:
        return re.sub(r"\s", "", value).upper() in SPECIMEN_IBANS
    if kind == IP_ADDRESS:  # an engine other than the built-in one may report these
        return not personal_ip(value)
    if kind == SSN:
        return value in SYNTHETIC_SSNS or digits.startswith(("987654", "000", "666"))
    if kind == SECRET:
        return any(w in low for w in ("example", "dummy", "fake", "xxxx", "redacted", "placeholder", "test"))
    if kind == PERSON:
        return low.strip() in PLACEHOLDER_PEOPLE
    if kind == ADDRESS:
        return low.startswith(FICTIONAL_ADDRESSES)
    if kind == DATE_OF_BIRTH:
        return digits.endswith(("19000101", "01011900")) or value.startswith("1900-01-01")
    if kind == ID_NUMBER:
        return False
    return kind == LOCATION


def record_texts(record: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield ``(field, text)`` for every free text of a record that could carry personal data."""
    for index, message in enumerate(record.get("messages") or []):
        if isinstance(message, dict):
            if isinstance(message.get("content"), str):
                yield f"messages[{index}].content", message["content"]
            if isinstance(message.get("name"), str):
                yield f"messages[{index}].name", message["name"]
    reference = record.get("reference")
    if isinstance(reference, str):
        yield "reference", reference
    elif isinstance(reference, list):
        for index, item in enumerate(reference):
            if isinstance(item, str):
                yield f"reference[{index}]", item


MAX_CACHED_TEXT = 4096  # characters; longer texts are scanned every time


@lru_cache(maxsize=8192)
def _findings(text: str, entities: tuple[str, ...], allowlist: tuple[str, ...]) -> tuple[Finding, ...]:
    """``detect`` remembered per process: a prompt set repeats texts (system prompts, references)."""
    return tuple(detect(text, entities=entities, allowlist=allowlist))


def scan_record(
    record: dict[str, Any],
    allowlist: Iterable[str] = (),
    entities: Iterable[str] = DEFAULT_GATE_ENTITIES,
) -> list[tuple[str, str]]:
    """Gate one record: ``[(field, message)]`` for each finding that is not allowed.

    Messages name the entity type only. Findings in a ``synthetic_pii`` record are
    accepted when :func:`is_synthetic` holds for the value.
    """
    allowlist = tuple(allowlist)
    entities = tuple(entities)
    synthetic = record.get("synthetic_pii") is True
    problems: list[tuple[str, str]] = []
    for field, text in record_texts(record):
        found = (_findings(text, entities, allowlist) if len(text) <= MAX_CACHED_TEXT
                 else detect(text, entities=entities, allowlist=allowlist))
        for finding in found:
            if synthetic:
                if is_synthetic(finding.type, text[finding.start: finding.end]):
                    continue
                problems.append((field, (
                    f"{finding.type} in a synthetic_pii record is not recognisably synthetic; use reserved "
                    "example values (example.com addresses, 555-01xx phones, test card numbers, Jane Doe)")))
                continue
            problems.append((field, (
                f"personal data ({finding.type}) at characters {finding.start}-{finding.end}; anonymize it "
                "(prodbench anonymize), list a known false positive in params validate.pii_allowlist, or mark "
                "deliberate synthetic test data with \"synthetic_pii\": true")))
    return problems


def gate_settings(params: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(allowlist, entities)`` from params (``validate.pii_allowlist``, ``anonymize.gate_entities``)."""
    allowlist = tuple((params.get("validate") or {}).get("pii_allowlist") or ())
    entities = tuple((params.get("anonymize") or {}).get("gate_entities") or DEFAULT_GATE_ENTITIES)
    return allowlist, entities


_LEDGERS: dict[tuple[str, float, int, str | None], Any] = {}
_SKIP_SAID: set[str] = set()
_LAST_CTX: list[Any] = []


def project_ledger(root: Path, params: dict[str, Any]) -> Any:
    """The project's ledger with the salt from the environment, or None when there is nothing to check.

    Loaded once per ledger file version; the reason a check is skipped (no salt) is printed
    once on stderr.
    """
    from prodbench.data.ledger import Ledger, ledger_settings

    rel, salt_env = ledger_settings(params)
    path = root / rel
    if not path.is_file():
        return None
    salt = os.environ.get(salt_env) or None
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size, salt)
    if key not in _LEDGERS:
        _LEDGERS.clear()
        _LEDGERS[key] = Ledger.load(path, salt, label=rel)
    ledger = _LEDGERS[key]
    if salt is None and ledger.values and str(path) not in _SKIP_SAID:
        _SKIP_SAID.add(str(path))
        print(f"validate: {rel}: ledger check skipped: no salt (set ${salt_env})", file=sys.stderr)
    return ledger if salt is not None and ledger.values else None


def scan_ledger(record: dict[str, Any], ledger: Any, entities: Iterable[str] = DEFAULT_GATE_ENTITIES,
                allowlist: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Ledger check of one record: ``[(field, message)]`` for each ledgered value still present.

    A hit whose text is listed in ``validate.pii_allowlist`` (case-insensitive) is accepted: the
    way to clear a word that is a surname in the logs and an ordinary word in a prompt.
    """
    entities = set(entities)
    allowed = {a.casefold() for a in allowlist}
    problems: list[tuple[str, str]] = []
    for field, text in record_texts(record):
        for kind, start, end in ledger.find(text):
            if kind in entities and text[start:end].casefold() not in allowed:
                problems.append((field, (
                    f"a value removed earlier ({kind}, in the PII ledger) is still here at characters {start}-{end}; "
                    "anonymize it or remove it with `prodbench purge`")))
    return problems


def rule_pii(record: dict[str, Any], ctx: Any) -> list[tuple[str, str]]:
    """Validate record rule: no personal data in prompt texts (see module docstring)."""
    allowlist, entities = gate_settings(ctx.params)
    problems = scan_record(record, allowlist, entities)
    if _LAST_CTX and _LAST_CTX[0] is ctx:  # one ledger look-up per file, not per record
        ledger = _LAST_CTX[1]
    else:
        project = getattr(ctx, "project", None)
        ledger = project_ledger(project.root, ctx.params) if project is not None else None
        _LAST_CTX[:] = [ctx, ledger]
    if ledger is not None:
        problems += scan_ledger(record, ledger, entities, allowlist)
    return problems


def ledger_token(params: dict[str, Any]) -> str:
    """Part of the validate cache fingerprint: the ledger's content hash and whether the salt is set."""
    from prodbench.core.project import find_project
    from prodbench.data.ledger import ledger_settings

    rel, salt_env = ledger_settings(params)
    try:
        path = find_project().root / rel
    except Exception:  # noqa: BLE001 - no project: nothing ledgered
        return ""
    content = hashlib.blake2b(path.read_bytes(), digest_size=12).hexdigest() if path.is_file() else "-"
    return f"{content}:{bool(os.environ.get(salt_env))}"


rule_pii.cache_token = ledger_token  # type: ignore[attr-defined]


def _register() -> None:
    from prodbench.validate.rules import register_record_rule

    register_record_rule(rule_pii)


_register()
