"""False alterations of PII-free prompts, one row per class fixed for issue #11.

Examples are written for this test (not taken from ``bench/pii_eval``). Each text must come
back from the anonymizer unchanged, and each row names the class it guards.
"""

from __future__ import annotations

import pytest

from prodbench.data.anonymize import Anonymizer, detect

UNCHANGED = [
    # acronyms and ALL-CAPS words are not names
    ("acronym", "Is 16 GB of RAM enough for the IDE?"),
    ("acronym", "The JUDGE stage calls the model twice; the WRITER stage once."),
    ("acronym", "Set PI to 3.14159 and ETA to 0.5 in the config."),
    # capitalised common words / products need a name cue or a surname partner
    ("product", "Compare the Galaxy Tab and the Kindle for reading PDFs."),
    ("product", "Does the Ring doorbell work with a Raspberry Pi?"),
    ("determiner", "Run a Monte Carlo simulation with 10,000 samples."),
    ("language", "In Rust, how do I read a file line by line?"),
    # titles, month and weekday abbreviations alone
    ("title", "What does the abbreviation Dr. stand for in a street name?"),
    ("month", "Backups run Mon to Fri at 02:00; the last one was on 3 Mar."),
    ("month", "Date: Tue, Sep 12 (release freeze)"),
    # documentation, loopback, private, link-local and unspecified IPs
    ("ip", "Forward 203.0.113.9:443 and 198.51.100.20:80 to 192.0.2.44."),
    ("ip", "Bind to 127.0.0.1 or 0.0.0.0; the LAN uses 10.1.2.3, 172.20.0.5 and 192.168.50.1."),
    ("ip", "The link-local address was 169.254.10.20 and fe80::1 on IPv6."),
    ("ip", "Documentation IPv6: 2001:db8:85a3::8a2e:370:7334, loopback ::1."),
    # file paths are not secrets
    ("path", "Compare `/var/lib/mysql/8/data` with `/opt/tools/bin/runner3` please."),
    ("path", "The export lives in srv/exports/2023-q4/items.parquet."),
    # version numbers next to ISO dates are not phone numbers
    ("version", "## 3.12.1 - 2021-07-14\n- fixed a leak\n## v2.0 - 2020-01-30\n- first release"),
    # generic accounts in home directories are not people
    ("account", "Copy it to /home/ubuntu/.ssh/ and C:\\Users\\Public\\Desktop."),
]


@pytest.mark.parametrize(("kind", "text"), UNCHANGED)
def test_pii_free_prompt_is_not_altered(kind: str, text: str) -> None:
    found = [(text[f.start:f.end], f.type) for f in detect(text)]
    assert found == [], f"{kind}: {found}"
    assert Anonymizer("placeholder").text(text) == text


@pytest.mark.parametrize(("text", "value", "kind"), [
    # a real address or name next to the same classes is still found
    ("Last login from 81.2.69.160.", "81.2.69.160", "IP_ADDRESS"),
    ("Traceback: /home/jkowalczyk/app/main.py line 3", "jkowalczyk", "PERSON"),
    ("PS C:\\Users\\tmoreau\\repos> dotnet build", "tmoreau", "PERSON"),
    ("ORDER FOR GRETA LINDQVIST", "GRETA LINDQVIST", "PERSON"),
    ("Please ask Dr. Okafor about it", "Okafor", "PERSON"),
])
def test_the_same_classes_still_find_personal_data(text: str, value: str, kind: str) -> None:
    assert (value, kind) in [(text[f.start:f.end], f.type) for f in detect(text)]
