"""The detector's shortcuts (data/anonymize/fastpath.py) change no output.

The fast path and the reference path (every shortcut off) run on the same texts, in the same
process, and must agree finding for finding and character for character: every 10th text of
the independent dev corpus and of the PII-free negatives (bench/pii_eval; never the held-out
split), plus texts built to sit on the edges of each shortcut. ``python bench/anonymize_speed.py
--check`` runs the same comparison over the whole dev corpus.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from prodbench.data.anonymize import Anonymizer, detect
from prodbench.data.anonymize.fastpath import reference_path

DATA = Path(__file__).resolve().parents[3] / "bench" / "pii_eval" / "data"
EDGES = (
    "hi im maria kowalska, call me on 0151 234 5678",
    "Ahi                            jane wrote this",  # a cue at the very start of the 30-character window
    "x'im jane and y'hi bob",  # a cue after an apostrophe inside a word
    "my name's kowalski:  olga , thanks",
    "είμα\u0345 νίκος and είμαι νίκος",  # U+0345 matches iota when ignoring case
    "IM JANE ROE, HI BOB, Thanks, Crystal",
    "I live in the town of Tarnowskie Góry, no digits here at all.",
    "Hauptstraße 5, 10115 Berlin; Phone: 5134263; SSN 078-05-1121",
    "ich heiße anke, ring mig på 87 91 37",
    "",
    "12345",
    "lower case only words: server configure deploy ledger invoice",
)


@cache
def corpus() -> list[str]:
    texts: list[str] = []
    for name in ("dev.jsonl", "negative_dev.jsonl"):
        rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        assert rows and all(row["split"] in ("dev", "negative_dev") for row in rows)
        texts += [row["text"] for row in rows[::10]]
    return [*texts, *EDGES]


def both(text: str) -> tuple[object, object]:
    anon = Anonymizer()
    fast = (detect(text), anon.text(text))
    with reference_path():
        anon.reset()
        slow = (detect(text), anon.text(text))
    return fast, slow


@pytest.mark.parametrize("part", range(4))
def test_fast_path_equals_reference_path(part: int) -> None:
    texts = corpus()[part::4]
    assert texts
    for text in texts:
        fast, slow = both(text)
        assert fast == slow, text[:200]


def test_shortcuts_do_skip_work() -> None:
    """The comparison above would pass if the shortcuts never fired; make sure they do."""
    from prodbench.data.anonymize import fastpath
    from prodbench.data.anonymize.lexicon import load_lexicon
    from prodbench.data.anonymize.names import PERSON_CUES, TOKEN_RE, _norm, _tokens

    text = "now configure the ledger, deploy it; hi jane"
    toks = _tokens(text)
    skip, may_cue = fastpath.token_plan(text, toks, load_lexicon(), PERSON_CUES, TOKEN_RE, _norm)
    words = [w for _, _, w in toks]
    assert skip[words.index("the")] and skip[words.index("configure")] and sum(skip) > len(skip) / 2
    assert not skip[words.index("jane")] and may_cue[words.index("jane")]
    from prodbench.data.anonymize import gates

    assert gates.gate_for(next(iter(gates._gates()))) is not None
    assert not fastpath.has_digit("no digits") and fastpath.has_digit("a 1")
