"""Generate the labelled anonymizer evaluation corpus (deterministic from a seed).

Each line of the output is ``{"text": ..., "spans": [{"start", "end", "type"}], "group": ...}``.
Sentences are support-chat style templates filled with Faker values from several
locales; a share of sentences carries no personal data at all (precision check), and
the ``heldout_names`` group uses romanized Japanese/Chinese names that are NOT in the
detector's name lexicon (it is built from Faker's Latin-script locales), to measure how
the name detector generalises beyond its lists.

Usage::

    python bench/anonymize_corpus.py --seed 7 --n 2000 -o bench/data/anonymize_corpus.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
from pathlib import Path

from faker import Faker

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL"]
REAL_CITIES = ["London", "Manchester", "Berlin", "Munich", "Hamburg", "Paris", "Lyon", "Madrid", "Barcelona",
               "Rome", "Milan", "Amsterdam", "Rotterdam", "Warsaw", "Krakow", "Chicago", "Houston", "Seattle",
               "Boston", "Denver", "Toronto", "Dublin", "Lisbon", "Vienna", "Zurich", "Oslo", "Stockholm",
               "Copenhagen", "Helsinki", "Prague", "Budapest", "Athens", "Istanbul", "Sydney", "Melbourne",
               "Auckland", "Singapore", "Mumbai", "Nairobi", "Lagos"]

TEMPLATES = [
    "Hi, my name is {PERSON} and I can't log in to Ledgerly.",
    "Hello, this is {PERSON}. Please update my email to {EMAIL}.",
    "hi im {person_lower}, how do i add a second user?",
    "Can you send the invoice copy to {EMAIL}? Thanks, {FIRST}",
    "Please call me back on {PHONE} about invoice 2041.",
    "My phone number changed to {PHONE}, can you update my profile?",
    "I was charged twice on my card {CREDIT_CARD}, please refund one payment.",
    "Refund to IBAN {IBAN} please, the account holder is {PERSON}.",
    "For the tax form: SSN {SSN}, name {PERSON}.",
    "Login attempts from {IP_ADDRESS} were blocked, was that you?",
    "Our webhook posts to {URL_CREDENTIALS} and fails since Monday.",
    "The integration uses the key {SECRET} and returns 401.",
    "Ship the printed invoices to {ADDRESS}.",
    "My new billing address is {ADDRESS}, {CITY}.",
    "I was born on {DATE_OF_BIRTH}, why does the form say I'm under 18?",
    "DOB: {DATE_OF_BIRTH}. Please verify my account.",
    "We opened a new office in {CITY} and need a second company profile.",
    "Our accountant {PERSON} needs read-only access.",
    "Dear {TITLE} {LAST}, thanks for your patience with ticket 5521.",
    "Forward the reminder to my colleague {PERSON} ({EMAIL}).",
    "Summarize this ticket: customer {PERSON} from {CITY} cannot export invoices to CSV.",
    "Draft a friendly reply to {FIRST} explaining the new VAT settings.",
    "{PERSON} called from {PHONE} asking about the Pro plan.",
    "Please remove {PERSON}, {EMAIL}, from our team; she left the company.",
    "Regards,\n{PERSON}\n{PHONE}",
    "Wire the money to {IBAN} and email the receipt to {EMAIL}.",
    "Can {FIRST} approve invoices while I am away?",
    "The server at {IP_ADDRESS} runs our ERP export; token {SECRET}.",
    "ask {person_lower} to resend the contract please",
    "Send a reminder to {PERSON} at {ADDRESS} about the overdue invoice.",
]
NEGATIVE = [
    "How do I export my invoices to CSV?",
    "Will the Pro plan let me add five users?",
    "Invoice INV-2024-0042 totals 1,250.00 EUR, due 2024-03-01.",
    "What is 15% of 240 EUR?",
    "May I change the currency of an invoice after sending it?",
    "Summarize the release notes for version 3.2 in two sentences.",
    "Draft an announcement for the new dark mode in a friendly tone.",
    "If I pay 19 EUR per month for 14 months, what is the total?",
    "Can I connect Ledgerly to my bank feed?",
    "Why does the dashboard show last month's revenue twice?",
    "Is there an API endpoint to create recurring invoices?",
    "Please explain the difference between the Starter and Business plans.",
    "The PDF export cuts off the last line of the table.",
    "How many invoices can I send per day on the free plan?",
    "Write a short thank-you note for customers who renewed early.",
    "Does Ledgerly support multi-currency bookkeeping for EU companies?",
    "Can I sync invoices to Google Sheets or QuickBooks Online?",
    "Summarize the Release Notes for the Business Plan.",
    "Does the Stripe Connect integration work with Apple Pay?",
    "Where do I turn on Dark Mode in the Mobile App?",
    "We use Microsoft Teams and Slack Connect for approvals.",
    "Is Two Factor Authentication required on the Starter Plan?",
]
TITLES = ["Mr.", "Mrs.", "Ms.", "Dr."]


def _secret(rng: random.Random) -> str:
    alnum = string.ascii_letters + string.digits
    kind = rng.choice(["sk", "ghp", "akia", "generic"])
    if kind == "sk":
        return "sk-" + "".join(rng.choice(alnum) for _ in range(40))
    if kind == "ghp":
        return "ghp_" + "".join(rng.choice(alnum) for _ in range(36))
    if kind == "akia":
        return "AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    return "".join(rng.choice(alnum) for _ in range(32))


def _dob(fake: Faker, rng: random.Random) -> str:
    d = fake.date_of_birth(minimum_age=18, maximum_age=90)
    return rng.choice([d.strftime("%d/%m/%Y"), d.strftime("%Y-%m-%d"), d.strftime("%B %d, %Y"),
                       d.strftime("%d %B %Y"), d.strftime("%m/%d/%Y")])


def _phone(fake: Faker) -> str:
    phone = fake.phone_number()
    return re.sub(r"\s*(?:x|ext\.?)\s*\d+$", "", phone)  # extensions are not part of the number


def values(fake: Faker, rng: random.Random, heldout: bool) -> dict[str, tuple[str, str | None]]:
    """Slot -> (value, entity type or None)."""
    if heldout:
        jp = Faker(rng.choice(["ja_JP", "zh_CN"]))
        jp.seed_instance(rng.randrange(1 << 30))
        first, last = jp.first_romanized_name(), jp.last_romanized_name()
    else:
        first, last = fake.first_name(), fake.last_name()
    person = f"{first} {last}"
    host = fake.domain_name()
    return {
        "PERSON": (person, "PERSON"),
        "person_lower": (person.lower(), "PERSON"),
        "FIRST": (first, "PERSON"),
        "LAST": (last, "PERSON"),
        "TITLE": (rng.choice(TITLES), None),
        "EMAIL": (fake.email(), "EMAIL"),
        "PHONE": (_phone(fake), "PHONE"),
        "CREDIT_CARD": (fake.credit_card_number(), "CREDIT_CARD"),
        "IBAN": (fake.iban(), "IBAN"),
        "SSN": (_ssn(rng), "SSN"),
        "IP_ADDRESS": (fake.ipv4_public() if rng.random() < 0.8 else fake.ipv6(), "IP_ADDRESS"),
        "URL_CREDENTIALS": (f"https://{fake.user_name()}:{fake.password(length=12, special_chars=False)}@{host}/hook",
                            "URL_CREDENTIALS"),
        "SECRET": (_secret(rng), "SECRET"),
        "ADDRESS": (fake.street_address().replace("\n", ", "), "ADDRESS"),
        "DATE_OF_BIRTH": (_dob(fake, rng), "DATE_OF_BIRTH"),
        "CITY": (rng.choice(REAL_CITIES), "LOCATION"),
    }


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def fill(template: str, vals: dict[str, tuple[str, str | None]]) -> tuple[str, list[dict[str, object]]]:
    """Fill a template, returning the text and the gold spans."""
    out, spans, pos = [], [], 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(template[pos: m.start()])
        value, kind = vals[m.group(1)]
        start = sum(len(p) for p in out)
        out.append(value)
        if kind:
            if m.group(1) == "LAST" and template[: m.start()].endswith("{TITLE} "):
                # a title belongs to the name that follows it ("Dr. Okafor" is one PERSON span)
                start -= len(vals["TITLE"][0]) + 1
            spans.append({"start": start, "end": start + len(out[-1]) + (sum(len(p) for p in out[:-1]) - start),
                          "type": kind})
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), spans


def generate(seed: int, n: int, negative_share: float = 0.2, heldout_share: float = 0.1) -> list[dict]:
    """Generate ``n`` labelled examples deterministically from ``seed``."""
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in LOCALES}
    for i, fake in enumerate(fakers.values()):
        fake.seed_instance(seed * 1000 + i)
    rows = []
    for _ in range(n):
        roll = rng.random()
        if roll < negative_share:
            rows.append({"text": rng.choice(NEGATIVE), "spans": [], "group": "negative"})
            continue
        heldout = roll < negative_share + heldout_share
        fake = fakers[rng.choice(LOCALES)]
        template = rng.choice(TEMPLATES)
        text, spans = fill(template, values(fake, rng, heldout))
        rows.append({"text": text, "spans": spans, "group": "heldout_names" if heldout else "generated"})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = generate(args.seed, args.n)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.output:
        args.output.write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data)


if __name__ == "__main__":
    main()
