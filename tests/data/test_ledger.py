"""The PII ledger as a second line: consistent replacement at ingest, keyed hashes, the validate check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from prodbench.core.errors import UserError
from prodbench.data.anonymize import Anonymizer
from prodbench.data.consistency import BatchSweep, carries, common_words, name_parts
from prodbench.data.ledger import Ledger

SALT = "a-test-salt-of-enough-length-0123"
SURNAME = "Brzęczyszczykiewicz"


@pytest.fixture
def salted(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PRODBENCH_LEDGER_SALT", SALT)
    return SALT


def _log(path: Path, *texts: str) -> Path:
    path.write_text("".join(json.dumps({"id": f"c{i}", "messages": [{"role": "user", "content": t}]}) + "\n"
                            for i, t in enumerate(texts)), encoding="utf-8")
    return path


def test_a_value_found_once_is_replaced_everywhere_in_the_record_and_the_run() -> None:
    anonymizer, sweep = Anonymizer(), BatchSweep()
    first = [anonymizer.text(t) for t in (f"Hi, my name is Grzegorz {SURNAME}.", f"{SURNAME} again, any news?")]
    assert SURNAME in first[1]  # the detector alone misses the surname on its own
    swept = sweep.apply(anonymizer, list(first))
    assert swept[0] == "Hi, my name is <PERSON_1>."
    assert swept[1] == "<PERSON_1> again, any news?"  # the same placeholder as the full name
    anonymizer.reset()
    later = sweep.apply(anonymizer, [anonymizer.text(f"ticket from grzegorz {SURNAME.lower()}: refund?")])
    assert later == ["ticket from <PERSON_1>: refund?"]  # another record of the same batch
    untouched = sweep.apply(anonymizer, ["Will you ring me?"])
    assert untouched == ["Will you ring me?"]


def test_only_likely_personal_values_are_carried_beyond_their_record() -> None:
    common = common_words()
    assert carries("PERSON", f"Grzegorz {SURNAME}", common) and carries("PHONE", "+48 601 234 567")
    assert not carries("PERSON", "Ring") and not carries("PERSON", "The Ring", common)
    assert not carries("IP_ADDRESS", "192.168.1.1") and carries("IP_ADDRESS", "81.2.69.160")
    assert name_parts("PERSON", "Monte Flavio") == ["flavio"]  # a place word is never carried alone
    anonymizer, sweep = Anonymizer(), BatchSweep(common)
    original = f"My name is Grzegorz {SURNAME}, about the ring size"
    anonymized = [anonymizer.text(original)]
    sweep.apply(anonymizer, anonymized, [original])
    full = "grzegorz " + SURNAME.lower()
    assert sorted(sweep.carried) == sorted([("PERSON", full), ("PERSON", "grzegorz"), ("PERSON", SURNAME.lower())])
    sweep.apply(anonymizer, anonymized, [original.lower()])  # written in lower case: only the full name
    assert sweep.carried == [("PERSON", full)]


def test_ledger_keeps_keyed_hashes_only_and_finds_values_across_spacing_and_case(tmp_path: Path) -> None:
    path = tmp_path / "pii.ledger"
    ledger = Ledger.load(path, SALT)
    assert ledger.add_value("PERSON", f"Grzegorz {SURNAME}")
    assert ledger.add_value("PHONE", "+48 601 234 567")
    assert not ledger.add_value("PERSON", "grzegorz  " + SURNAME.upper())  # the same value
    assert not ledger.add_value("PERSON", "Will", common_words())  # a common word: too unspecific to ledger
    assert not ledger.add_value("PERSON", "Ann")  # too short
    assert not ledger.add_value("LOCATION", "Kraków")
    ledger.save()
    text = path.read_text(encoding="utf-8")
    assert "grzegorz" not in text.lower() and "601" not in text and len(text.splitlines()) == 3
    again = Ledger.load(path, SALT)
    found = list(again.find(f"Ask GRZEGORZ  {SURNAME}, phone +48-601-234-567."))
    assert [kind for kind, _, _ in found] == ["PERSON", "PHONE"]
    assert found[0][1:] == (4, 4 + len(f"GRZEGORZ  {SURNAME}"))
    assert list(again.find("Grzegorz alone is not the ledgered value")) == []
    with pytest.raises(UserError, match="salt does not match"):
        Ledger.load(path, "another-salt-of-enough-length")
    with pytest.raises(UserError, match="at least 16"):
        Ledger.load(path, "short")
    path.write_text(text + "{not json\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"pii.ledger:4: not a PII ledger entry"):
        Ledger.load(path, SALT)


def test_ingest_ledgers_removed_values_and_validate_flags_them_at_file_line(
        empty_project: Path, tmp_path: Path, salted: str, monkeypatch: pytest.MonkeyPatch,
        make_record: Callable[..., dict], write_jsonl: Callable[..., Path], read_jsonl: Callable[..., list],
        invoke: Callable[..., Result]) -> None:
    log = _log(tmp_path / "support.jsonl",
               f"Hello, my name is Grzegorz {SURNAME} and I cannot export my invoices to PDF since Monday.",
               f"Our accountant {SURNAME} says the VAT column is empty on every invoice export, why?")
    result = invoke("ingest", str(log))
    assert result.exit_code == 0, result.output
    assert "PII ledger: " in result.output
    pool = empty_project / "prompts" / "pool" / "production.jsonl"
    assert SURNAME not in pool.read_text(encoding="utf-8")  # the second record too, though not detected there
    ledger_file = empty_project / "prompts" / "pii.ledger"
    entries = read_jsonl(ledger_file)
    assert entries[0]["salt_check"] and {e["type"] for e in entries[1:]} == {"PERSON"}
    assert "grzegorz" not in ledger_file.read_text(encoding="utf-8").lower()
    assert invoke("validate").exit_code == 0  # a fresh pool passes

    # a later hand-added prompt still holds the surname: the detector may miss it, the ledger does not
    write_jsonl(empty_project / "prompts" / "pool" / "manual.jsonl", [
        make_record("m-1", "How do I add a logo to invoices?"),
        make_record("m-2", f"please forward this to {SURNAME.lower()} in accounting"),
    ])
    result = invoke("validate")
    assert result.exit_code == 1
    assert ("prompts/pool/manual.jsonl:2: messages[0].content: a value removed earlier (PERSON, in the PII ledger)"
            in result.output)
    assert SURNAME.lower() not in result.output.lower()

    monkeypatch.delenv("PRODBENCH_LEDGER_SALT")
    result = invoke("validate")
    assert "ledger check skipped: no salt" in result.output
    assert "in the PII ledger" not in result.output
    monkeypatch.setenv("PRODBENCH_LEDGER_SALT", "a-different-salt-of-enough-length")
    result = invoke("validate")
    assert result.exit_code == 2 and "salt does not match" in result.output
