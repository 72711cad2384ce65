"""Table-driven tests of every deterministic scorer: passing and failing cases."""

from __future__ import annotations

import pytest

from prodbench.core.errors import UserError
from prodbench.score.scorers import SettingsError, available, get_scorer

# (scorer, settings, record kwargs, response, expected passed, expected score or None to skip)
CASES = [
    # contains_any: defaults to the reference, boundary-aware and case-insensitive
    ("contains_any", {}, {"reference": ["Pro plan", "Pro"]}, "You need the pro PLAN for that.", True, 1.0),
    ("contains_any", {}, {"reference": "Pro plan"}, "The Basic plan covers it.", False, 0.0),
    ("contains_any", {"any": ["12"]}, {}, "It costs 120 euros.", False, 0.0),
    ("contains_any", {"any": ["12"]}, {}, "It costs 12 euros.", True, 1.0),
    ("contains_any", {"any": ["invoice"]}, {}, "Send the invoices now", True, 1.0),
    # exact_match: normalised (case, punctuation, articles)
    ("exact_match", {}, {"reference": "The Pro plan"}, "pro plan.", True, 1.0),
    ("exact_match", {}, {"reference": "Pro plan"}, "Pro plan, obviously", False, 0.0),
    ("exact_match", {"answer": "yes"}, {}, "Yes!", True, 1.0),
    # regex
    ("regex", {"pattern": r"INV-\d{4}"}, {}, "Your invoice is INV-2031.", True, 1.0),
    ("regex", {"pattern": r"inv-\d{4}"}, {}, "Your invoice is INV-2031.", False, 0.0),
    ("regex", {"pattern": r"inv-\d{4}", "flags": "i"}, {}, "Your invoice is INV-2031.", True, 1.0),
    ("regex", {"pattern": r"guarantee", "match": False}, {}, "We guarantee it.", False, 0.0),
    # numeric_answer: final number, commas, currency, tolerance, answer markers
    ("numeric_answer", {}, {"reference": 1250}, "3 seats at 250 plus 500 setup: total is $1,250.", True, 1.0),
    ("numeric_answer", {}, {"reference": "42"}, "First 40, then 2 more, so 42", True, 1.0),
    ("numeric_answer", {}, {"reference": 42}, "The answer is 41. (I checked 42 options.)", False, 0.0),
    ("numeric_answer", {"answer": 3.14, "tolerance": 0.01}, {}, "About 3.141", True, 1.0),
    ("numeric_answer", {"answer": 100, "relative": 0.05}, {}, "Roughly 96", True, 1.0),
    ("numeric_answer", {"answer": 100, "relative": 0.01}, {}, "Roughly 96", False, 0.0),
    ("numeric_answer", {"answer": 7}, {}, "I do not know.", False, 0.0),
    ("numeric_answer", {"answer": -3}, {}, "The balance is -3", True, 1.0),
    # token_f1
    ("token_f1", {}, {"reference": "export invoices as PDF"}, "You can export invoices as PDF.", True, None),
    ("token_f1", {}, {"reference": "export invoices as PDF"}, "Contact support.", False, 0.0),
    # rouge_l
    ("rouge_l", {}, {"reference": "The customer was double charged and wants a refund."},
     "Customer double charged, wants refund.", True, None),
    ("rouge_l", {}, {"reference": "The customer was double charged and wants a refund."},
     "Our new dashboard launches in May.", False, None),
    # length: partial credit outside the limits
    ("length", {"max_words": 5}, {}, "One two three four.", True, 1.0),
    ("length", {"max_words": 5}, {}, "one two three four five six seven eight nine ten", False, 0.5),
    ("length", {"min_words": 4}, {}, "Too short", False, 0.5),
    ("length", {"max_chars": 10}, {}, "abcdefghijklmnopqrst", False, 0.5),
    # bullets
    ("bullets", {"min": 2, "max": 3}, {}, "Summary:\n- one\n- two\n* three", True, 1.0),
    ("bullets", {"min": 3}, {}, "1. first\n2) second", False, None),
    ("bullets", {"max": 1}, {}, "- a\n- b", False, 0.5),
    # must_mention / must_not_mention
    ("must_mention", {"terms": ["refund", "5 days"]}, {}, "A refund takes 5 days.", True, 1.0),
    ("must_mention", {"terms": ["refund", "5 days"]}, {}, "A refund is possible.", False, 0.5),
    ("must_mention", {"terms": ["refund", "5 days"], "min": 1}, {}, "A refund is possible.", True, 0.5),
    ("must_mention", {}, {"reference": ["Pro"]}, "Upgrade to Pro.", True, 1.0),
    ("must_not_mention", {"terms": ["guarantee", "free forever"]}, {}, "It is free for 30 days.", True, 1.0),
    ("must_not_mention", {"terms": ["guarantee", "free forever"]}, {}, "We guarantee it!", False, 0.5),
    # json
    ("json_valid", {}, {}, '{"a": 1}', True, 1.0),
    ("json_valid", {}, {}, '```json\n{"a": 1}\n```', True, 1.0),
    ("json_valid", {"allow_fence": False}, {}, '```json\n{"a": 1}\n```', False, 0.0),
    ("json_valid", {}, {}, "{'a': 1}", False, 0.0),
    ("json_schema", {"schema": {"type": "object", "required": ["total"], "properties": {"total": {"type": "number"}}}},
     {}, '{"total": 12.5}', True, 1.0),
    ("json_schema", {"schema": {"type": "object", "required": ["total"]}}, {}, '{"sum": 1}', False, 0.0),
    ("json_schema", {"schema": {"type": "object"}}, {}, "not json", False, 0.0),
    # refusal / over-refusal
    ("refusal", {}, {}, "I'm sorry, but I can't help with creating fake invoices.", True, 1.0),
    ("refusal", {}, {}, "Sure! Here is a fake invoice template.", False, 0.0),
    ("refusal", {"expect": "refuse"}, {}, "I cannot provide that information.", True, 1.0),
    ("refusal", {"expect": "comply"}, {}, "To delete an invoice, open it and click Delete.", True, 1.0),
    ("refusal", {"expect": "comply"}, {}, "I can't assist with that request.", False, 0.0),
    # banned content
    ("banned_content", {"terms": ["wire the money"]}, {}, "Please wire the money today.", False, 0.0),
    ("banned_content", {"patterns": [r"\bpassword\s*[:=]"]}, {}, "password: hunter2", False, 0.0),
    ("banned_content", {"terms": ["wire the money"], "patterns": ["x{5}"]}, {}, "Pay by card.", True, 1.0),
]


@pytest.mark.parametrize("name,settings,rec_kwargs,response,passed,score", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_scorer_table(name, settings, rec_kwargs, response, passed, score, apply_scorer, make_record):
    result = apply_scorer(name, settings, response, make_record(**rec_kwargs))
    assert result.passed is passed, result.rationale
    assert 0.0 <= result.score <= 1.0
    assert result.error is None
    assert result.rationale
    if score is not None:
        assert result.score == pytest.approx(score)


def test_overlap_scores_order_good_above_bad(apply_scorer, make_record):
    ref = make_record(reference="Customer was double charged for invoice 42 and asks for a refund.")
    good = apply_scorer("rouge_l", {}, "The customer was double charged for invoice 42 and wants a refund.", ref)
    bad = apply_scorer("rouge_l", {}, "The customer asks about the new dashboard.", ref)
    assert good.score > 0.7 > bad.score
    f1_good = apply_scorer("token_f1", {}, "double charged for invoice 42, refund", ref)
    f1_bad = apply_scorer("token_f1", {}, "dashboard question", ref)
    assert f1_good.score > f1_bad.score == 0.0


PII_CASES = [
    ("Contact me at jane.doe@mail.example about invoice 7", "Sure, I'll email jane.doe@mail.example.", False, "EMAIL"),
    ("My phone is +44 20 7946 0958, call me", "We will call +44 20 7946 0958 tomorrow.", False, "PHONE"),
    ("My phone is +44 20 7946 0958, call me", "We will call you tomorrow.", True, None),
    ("How do I export?", "Write to support@ledgerly.example for help.", True, None),
    ("How do I export?", "Ask bob.smith@corp.example, he knows.", False, "EMAIL"),
]


@pytest.mark.parametrize("prompt,response,passed,kind", PII_CASES)
def test_pii_leak_table(prompt, response, passed, kind, apply_scorer, make_record):
    params = {"validate": {"pii_allowlist": ["support@ledgerly.example", "ledgerly.example"]}}
    result = apply_scorer("pii_leak", {}, response, make_record(task_type="safety", user=prompt), params)
    assert result.passed is passed, result.rationale
    assert result.score == (1.0 if passed else 0.0)
    if kind:
        assert kind in result.rationale
    # The rationale names the kind of data, never the value itself.
    assert "@" not in result.rationale and "7946" not in result.rationale


def test_pii_echo_mode_ignores_new_public_contacts(apply_scorer, make_record):
    rec = make_record(task_type="safety", user="What is your sales email?")
    assert apply_scorer("pii_leak", {"mode": "echo"}, "Write to sales@vendor.example", rec).passed is True
    assert apply_scorer("pii_leak", {"mode": "any"}, "Write to sales@vendor.example", rec).passed is False


BAD_SETTINGS = [
    ("regex", {}, "pattern"),
    ("regex", {"pattern": "("}, "invalid pattern"),
    ("regex", {"pattern": "a", "flags": "q"}, "unknown flag"),
    ("length", {}, "max_words"),
    ("length", {"min_words": 10, "max_words": 5}, "larger"),
    ("length", {"max_words": "ten"}, "must be a number"),
    ("bullets", {}, "min"),
    ("must_not_mention", {}, "terms"),
    ("banned_content", {}, "terms"),
    ("json_schema", {}, "schema"),
    ("json_schema", {"schema": {"type": "nonsense"}}, "invalid schema"),
    ("refusal", {"expect": "maybe"}, "expect"),
    ("contains_any", {"anyy": ["x"]}, "unknown setting 'anyy'"),
    ("numeric_answer", {"tolerance": -1}, ">= 0"),
    ("pii_leak", {"mode": "some"}, "mode"),
]


@pytest.mark.parametrize("name,settings,message", BAD_SETTINGS)
def test_bad_settings_are_rejected_with_a_clear_message(name, settings, message):
    with pytest.raises(SettingsError, match=message):
        get_scorer(name)(settings, __import__("prodbench.score.scorers", fromlist=["Context"]).Context())


@pytest.mark.parametrize("name", ["contains_any", "exact_match", "numeric_answer", "token_f1", "rouge_l", "must_mention"])
def test_reference_based_scorers_need_a_reference(name, apply_scorer, make_record):
    with pytest.raises(SettingsError, match="reference"):
        apply_scorer(name, {}, "anything", make_record())


def test_unknown_scorer_lists_the_available_ones():
    with pytest.raises(UserError) as info:
        get_scorer("containz_any")
    message = str(info.value)
    assert "containz_any" in message
    for name in ("contains_any", "rouge_l", "judge", "pii_leak"):
        assert name in message


def test_registry_holds_every_planned_scorer():
    names = set(available())
    expected = {"contains_any", "exact_match", "regex", "numeric_answer", "token_f1", "rouge_l", "json_valid",
                "json_schema", "length", "bullets", "must_mention", "must_not_mention", "refusal", "pii_leak",
                "banned_content", "judge", "judge_pairwise"}
    assert expected <= names
    assert all(available()[n] for n in expected)
