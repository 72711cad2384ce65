"""Deterministic text scorers: matching, numbers, overlap with the reference, length and format."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from prodbench.score.scorers import Context, Item, ScoreResult, SettingsError, register
from prodbench.score.scorers._util import (
    check_keys,
    find_terms,
    flag_setting,
    negation_applies,
    normalize_answer,
    number_setting,
    quote,
    terms_or_reference,
    terms_setting,
)
from prodbench.score.scorers.answers import final_number
from prodbench.score.scorers.matching import expected_polarity, polarity


def _match_options(name: str, settings: dict[str, Any]) -> tuple[bool | str, bool | str, bool]:
    """The ``negation``, ``polarity`` and ``inflections`` settings shared by the mention scorers."""
    negation = flag_setting(name, settings, "negation", "auto")
    polarity_flag = settings.get("polarity", "auto")
    if polarity_flag not in ("auto", "yes", "no", False):
        raise SettingsError(f"scorer {name!r}: polarity must be 'auto', 'yes', 'no' or false, got {polarity_flag!r}")
    inflections = flag_setting(name, settings, "inflections", True)
    if inflections == "auto":
        raise SettingsError(f"scorer {name!r}: inflections must be true or false")
    return negation, polarity_flag, bool(inflections)


def _last_user_message(item: Item) -> str:
    users = [str(m.get("content") or "") for m in item.record.get("messages", []) if m.get("role") == "user"]
    return users[-1] if users else ""


def polarity_problem(flag: Any, item: Item) -> str | None:
    """Why the response contradicts a yes/no fact, or None.

    ``auto`` takes the expected answer from a reference that starts with Yes or No; ``yes``/``no``
    set it; ``false`` turns the check off.
    """
    if flag is False:
        return None
    expected = flag if flag in ("yes", "no") else next(
        (p for p in (expected_polarity(r) for r in item.references) if p), None)
    if expected is None:
        return None
    got = polarity(item.response, _last_user_message(item))
    if got == "mixed":
        return "says both yes and no to a yes/no question"
    if got is not None and got != expected:
        return f"answers {got!r} where the answer is {expected!r}"
    return None


@register("contains_any")
def contains_any(settings: dict[str, Any], context: Context):
    """Passes when the response mentions any of `any` (default: the record's references), not negated."""
    check_keys("contains_any", settings, ["any", "negation", "polarity", "inflections"])
    terms = terms_setting("contains_any", settings, "any")
    negation, polarity_flag, inflections = _match_options("contains_any", settings)

    def score(item: Item) -> ScoreResult:
        wanted = terms_or_reference("contains_any", terms, item, "any")
        problem = polarity_problem(polarity_flag, item)
        if problem:
            return ScoreResult(0.0, False, problem)
        found = find_terms(item.response, wanted, negation_applies(negation, item), inflections)
        return ScoreResult.boolean(
            bool(found), f"mentions {quote(found[0])}" if found else "",
            f"mentions none of {len(wanted)} acceptable answer(s) (negated mentions do not count)"
            if negation_applies(negation, item) else f"mentions none of {len(wanted)} acceptable answer(s)",
        )

    return score


@register("exact_match")
def exact_match(settings: dict[str, Any], context: Context):
    """Passes when the normalised response equals a normalised reference (or `answer`)."""
    check_keys("exact_match", settings, ["answer"])
    answers = terms_setting("exact_match", settings, "answer")

    def score(item: Item) -> ScoreResult:
        wanted = terms_or_reference("exact_match", answers, item, "answer")
        response = normalize_answer(item.response)
        ok = any(response == normalize_answer(a) for a in wanted)
        return ScoreResult.boolean(ok, "matches the reference exactly", "differs from every reference")

    return score


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


@register("regex")
def regex(settings: dict[str, Any], context: Context):
    """Passes when `pattern` matches the response (or does not, with `match: false`)."""
    check_keys("regex", settings, ["pattern", "flags", "match"])
    pattern = settings.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise SettingsError("scorer 'regex' needs a non-empty string `pattern`")
    flags = 0
    for letter in str(settings.get("flags", "")):
        if letter not in _FLAGS:
            raise SettingsError(f"scorer 'regex': unknown flag {letter!r} (use i, m, s)")
        flags |= _FLAGS[letter]
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise SettingsError(f"scorer 'regex': invalid pattern {pattern!r}: {exc}") from None
    must_match = settings.get("match", True)
    if not isinstance(must_match, bool):
        raise SettingsError("scorer 'regex': `match` must be true or false")

    def score(item: Item) -> ScoreResult:
        matched = compiled.search(item.response) is not None
        if must_match:
            return ScoreResult.boolean(matched, "matches the pattern", "does not match the pattern")
        return ScoreResult.boolean(not matched, "avoids the pattern", "matches a forbidden pattern")

    return score


@register("numeric_answer")
def numeric_answer(settings: dict[str, Any], context: Context):
    """Passes when the final number in the response equals `answer` (default: reference) within `tolerance`."""
    check_keys("numeric_answer", settings, ["answer", "tolerance", "relative"])
    answer = settings.get("answer")
    if answer is not None and (isinstance(answer, bool) or not isinstance(answer, (int, float, str))):
        raise SettingsError("scorer 'numeric_answer': `answer` must be a number")
    tolerance = number_setting("numeric_answer", settings, "tolerance", 1e-6, minimum=0)
    relative = number_setting("numeric_answer", settings, "relative", 0.0, minimum=0)

    def expected(item: Item) -> float:
        candidates = [answer] if answer is not None else item.record.get("reference")
        if not isinstance(candidates, list):
            candidates = [candidates]
        for candidate in candidates:
            if isinstance(candidate, (int, float)) and not isinstance(candidate, bool):
                return float(candidate)
            if isinstance(candidate, str):
                parsed = final_number(candidate)
                if parsed is not None:
                    return parsed
        raise SettingsError("scorer 'numeric_answer' needs a numeric `answer` or a numeric `reference`")

    def score(item: Item) -> ScoreResult:
        target = expected(item)
        got = final_number(item.response)
        if got is None:
            return ScoreResult(0.0, False, "no number in the response")
        allowed = max(tolerance, relative * abs(target))
        ok = abs(got - target) <= allowed
        return ScoreResult.boolean(ok, f"final answer {got:g} is correct", f"final answer {got:g}, expected {target:g}")

    return score


def _f1(prediction: str, reference: str) -> float:
    pred, ref = normalize_answer(prediction).split(), normalize_answer(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _best_reference_scorer(name: str, metric: Any, default_threshold: float, label: str, settings: dict[str, Any]):
    """A scorer that takes the best ``metric(response, reference)`` over the references."""
    check_keys(name, settings, ["threshold", "reference"])
    threshold = number_setting(name, settings, "threshold", default_threshold, 0, 1)
    references = terms_setting(name, settings, "reference")

    def score(item: Item) -> ScoreResult:
        wanted = terms_or_reference(name, references, item, "reference")
        best = max(metric(item.response, ref) for ref in wanted)
        return ScoreResult(round(best, 6), best >= threshold, f"{label} {best:.2f} (pass at {threshold:g})")

    return score


@register("token_f1")
def token_f1(settings: dict[str, Any], context: Context):
    """SQuAD-style token F1 against the best-matching reference; passes at `threshold` (0.5)."""
    return _best_reference_scorer("token_f1", _f1, 0.5, "token F1", settings)


_ROUGE: dict[str, Any] = {}


def rouge_l_f(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (``rouge-score`` package, Porter stemming)."""
    if "scorer" not in _ROUGE:
        from rouge_score import rouge_scorer

        _ROUGE["scorer"] = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    return float(_ROUGE["scorer"].score(reference, prediction)["rougeL"].fmeasure)


@register("rouge_l")
def rouge_l(settings: dict[str, Any], context: Context):
    """ROUGE-L F-measure against the best reference; passes at `threshold` (0.3)."""
    return _best_reference_scorer("rouge_l", rouge_l_f, 0.3, "ROUGE-L", settings)


def word_count(text: str) -> int:
    """Number of whitespace-separated words that contain a letter or digit."""
    return sum(1 for w in text.split() if any(ch.isalnum() for ch in w))


@register("length")
def length(settings: dict[str, Any], context: Context):
    """Passes when the response is within `min_words`..`max_words` (and `max_chars`); partial credit outside."""
    check_keys("length", settings, ["min_words", "max_words", "max_chars"])
    min_words = number_setting("length", settings, "min_words", None, minimum=0)
    max_words = number_setting("length", settings, "max_words", None, minimum=1)
    max_chars = number_setting("length", settings, "max_chars", None, minimum=1)
    if min_words is None and max_words is None and max_chars is None:
        raise SettingsError("scorer 'length' needs min_words, max_words or max_chars")
    if min_words is not None and max_words is not None and min_words > max_words:
        raise SettingsError("scorer 'length': min_words is larger than max_words")

    def score(item: Item) -> ScoreResult:
        words, chars = word_count(item.response), len(item.response.strip())
        value, problems = 1.0, []
        if max_words is not None and words > max_words:
            value = min(value, max_words / words)
            problems.append(f"{words} words > {max_words:g}")
        if min_words is not None and words < min_words:
            value = min(value, words / min_words)
            problems.append(f"{words} words < {min_words:g}")
        if max_chars is not None and chars > max_chars:
            value = min(value, max_chars / chars)
            problems.append(f"{chars} chars > {max_chars:g}")
        if problems:
            return ScoreResult(round(value, 6), False, "; ".join(problems))
        return ScoreResult(1.0, True, f"{words} words, within limits")

    return score


_BULLET = re.compile(r"^\s*(?:[-*\u2022+]|\d{1,3}[.)])\s+\S")


@register("bullets")
def bullets(settings: dict[str, Any], context: Context):
    """Passes when the number of bullet/numbered lines is within `min`..`max`."""
    check_keys("bullets", settings, ["min", "max"])
    low = number_setting("bullets", settings, "min", None, minimum=0)
    high = number_setting("bullets", settings, "max", None, minimum=0)
    if low is None and high is None:
        raise SettingsError("scorer 'bullets' needs `min` or `max`")

    def score(item: Item) -> ScoreResult:
        count = sum(1 for line in item.response.splitlines() if _BULLET.match(line))
        if low is not None and count < low:
            return ScoreResult(round(count / low, 6), False, f"{count} bullets < {low:g}")
        if high is not None and count > high:
            return ScoreResult(round(high / count, 6), False, f"{count} bullets > {high:g}")
        return ScoreResult(1.0, True, f"{count} bullets, within limits")

    return score


@register("must_mention")
def must_mention(settings: dict[str, Any], context: Context):
    """Share of `terms` (default: references) mentioned; passes when at least `min` (default all) are."""
    check_keys("must_mention", settings, ["terms", "min", "negation", "polarity", "inflections"])
    terms = terms_setting("must_mention", settings, "terms")
    minimum = number_setting("must_mention", settings, "min", None, minimum=0)
    negation, polarity_flag, inflections = _match_options("must_mention", settings)

    def score(item: Item) -> ScoreResult:
        wanted = terms_or_reference("must_mention", terms, item, "terms")
        found = find_terms(item.response, wanted, negation_applies(negation, item), inflections)
        need = len(wanted) if minimum is None else min(minimum, len(wanted))
        missing = [t for t in wanted if t not in found]
        rationale = f"mentions {len(found)}/{len(wanted)} required terms"
        if missing:
            rationale += f"; missing {', '.join(quote(t) for t in missing[:3])}"
        problem = polarity_problem(polarity_flag, item)
        if problem:
            return ScoreResult(0.0, False, f"{problem}; {rationale}")
        return ScoreResult(round(len(found) / len(wanted), 6), len(found) >= need, rationale)

    return score


@register("must_not_mention")
def must_not_mention(settings: dict[str, Any], context: Context):
    """Passes when none of `terms` is mentioned; the score drops with each one that is."""
    check_keys("must_not_mention", settings, ["terms"])
    terms = terms_setting("must_not_mention", settings, "terms")
    if not terms:
        raise SettingsError("scorer 'must_not_mention' needs `terms`")

    def score(item: Item) -> ScoreResult:
        found = find_terms(item.response, terms)
        if not found:
            return ScoreResult(1.0, True, f"mentions none of {len(terms)} forbidden terms")
        return ScoreResult(round(1 - len(found) / len(terms), 6), False,
                           f"mentions forbidden {', '.join(quote(t) for t in found[:3])}")

    return score
