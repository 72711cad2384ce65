"""Term matching a reviewer would agree with: tokens, numbers, inflections, negation, yes/no polarity.

* Text and terms are split into tokens: words (contractions expanded, "don't" -> "do not"),
  numbers (``1,234.50`` is 1234.5; ``five`` is 5; a currency sign or word next to a number is
  kept as the number's currency) and single symbols (``@``, ``.``, ``:``). A hyphen inside a
  word (``re-authorised``, ``90-day``) separates tokens like a space.
* A term matches a run of consecutive tokens: numbers by value (``$12.00`` = ``12``,
  ``5`` != ``5.5``, ``12`` != ``120``; a term with a currency needs that currency in the text),
  words at token boundaries ("Pro" never matches "provide") with light inflections
  (``plan``/``plans``, ``void``/``voided``, ``re-authoris``/``re-authorised``) unless
  ``inflections`` is off, plus unit aliases (``MB``/``megabytes``, ``hrs``/``hours``).
* :func:`find_mentions` can skip *negated* mentions: a term counts only if its clause has no
  negator before it or within three tokens after it ("euros are not supported").
* :func:`polarity` reads a yes/no answer: the leading yes/no word and the clauses that restate
  the question (its verb and a content word, negated or not); ``mixed`` when they disagree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": " - ",
                         "\u2014": " - ", "\u00a0": " ", "\u2212": "-"})
_CONTRACTIONS = ((re.compile(r"\bcan't\b|\bcannot\b"), "can not"), (re.compile(r"\bwon't\b"), "will not"),
                 (re.compile(r"\bshan't\b"), "shall not"), (re.compile(r"n't\b"), " not"),
                 (re.compile(r"'m\b"), " am"), (re.compile(r"'re\b"), " are"), (re.compile(r"'ve\b"), " have"),
                 (re.compile(r"'ll\b"), " will"), (re.compile(r"'d\b"), " would"))
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)"
    r"|(?P<nl>\n)"
    r"|(?P<sym>[^\w\s])"
)
_CURRENCY_SIGNS = {"$": "usd", "\u20ac": "eur", "\u00a3": "gbp"}
_CURRENCY_WORDS = {"usd": "usd", "dollar": "usd", "dollars": "usd", "eur": "eur", "euro": "eur", "euros": "eur",
                   "gbp": "gbp", "pound": "gbp", "pounds": "gbp"}
_NUMBER_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}
_NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                      "ninety": 90, "hundred": 100})
UNIT_ALIASES = {"megabyte": "mb", "megabytes": "mb", "kilobyte": "kb", "kilobytes": "kb", "gigabyte": "gb",
                "gigabytes": "gb", "hrs": "hour", "hr": "hour", "h": "hour", "mins": "minute", "min": "minute",
                "secs": "second", "sec": "second", "wk": "week", "wks": "week", "yr": "year", "yrs": "year"}
SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ed", "es", "s", "e", "d", "ly")
NEGATORS = frozenset({"not", "no", "never", "none", "nothing", "neither", "nor", "without", "unable", "nobody"})
_CLAUSE_SYMBOLS = frozenset({".", "!", "?", ";", ":", ",", "(", ")", "-", "\n"})
_CLAUSE_WORDS = frozenset({"but", "however", "although", "though", "whereas", "instead", "except"})
_AFTER_WINDOW = 3
YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "correct", "sure", "absolutely", "definitely", "indeed"})
NO_WORDS = frozenset({"no", "nope", "nah"})
_AUX = frozenset({"do", "does", "did", "is", "are", "was", "were", "can", "could", "will", "would", "should",
                  "shall", "may", "might", "must", "have", "has"})
_STOP = frozenset({"i", "you", "we", "they", "it", "that", "this", "he", "she", "there", "my", "our", "your",
                   "their", "the", "a", "an", "to", "of", "for", "in", "on", "at", "with", "and", "or", "be", "me",
                   "us", "if", "so", "any", "some", "still", "also", "just", "then", "by", "from", "as", "is",
                   "are", "do", "does", "can", "will", "what", "which", "how", "when", "where", "who", "why",
                   "please", "not", "no", "one", "all", "its", "am", "was", "were"})


@dataclass(frozen=True, slots=True)
class Token:
    """One token: a word (folded), a number (``value``, maybe ``currency``) or a symbol."""

    kind: str
    text: str
    value: float | None = None
    currency: str | None = None


def fold(text: str) -> str:
    """NFKC, unified quotes and dashes, case-folded, contractions expanded, in-word hyphens as spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return _INNER_HYPHEN.sub(" ", text)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into :class:`Token` s (see the module docstring)."""
    raw = [(m.lastgroup or "sym", m.group(0)) for m in _TOKEN.finditer(fold(text))]
    tokens: list[Token] = []
    i = 0
    while i < len(raw):
        kind, text_ = raw[i]
        if kind == "sym" and text_ in _CURRENCY_SIGNS and i + 1 < len(raw) and raw[i + 1][0] == "num":
            tokens.append(Token("num", raw[i + 1][1], float(raw[i + 1][1].replace(",", "")),
                                _CURRENCY_SIGNS[text_]))
            i += 2
            continue
        if kind == "num" or (kind == "word" and text_ in _NUMBER_WORDS):
            value = float(text_.replace(",", "")) if kind == "num" else float(_NUMBER_WORDS[text_])
            currency = None
            if i + 1 < len(raw) and raw[i + 1][0] == "word" and raw[i + 1][1] in _CURRENCY_WORDS:
                currency = _CURRENCY_WORDS[raw[i + 1][1]]
                i += 1
            elif tokens and tokens[-1].kind == "word" and tokens[-1].text in ("usd", "eur", "gbp"):
                currency = tokens.pop().text
            tokens.append(Token("num", text_, value, currency))
        elif kind == "word":
            tokens.append(Token("word", UNIT_ALIASES.get(text_, text_)))
        elif kind == "nl":
            tokens.append(Token("sym", "\n"))
        elif text_ not in ('"', "'", "*", "`", "_"):
            tokens.append(Token("sym", text_))
        i += 1
    return tokens


def stems(word: str, inflections: bool = True) -> set[str]:
    """The word and its forms without one common suffix (each at least three letters long)."""
    out = {word}
    if inflections:
        out.update(word[: -len(s)] for s in SUFFIXES if word.endswith(s) and len(word) - len(s) >= 3)
    return out


def _same(term: Token, token: Token, inflections: bool) -> bool:
    if term.kind != token.kind:
        return False
    if term.kind == "num":
        if term.value is None or token.value is None or abs(term.value - token.value) > 1e-9:
            return False
        return term.currency is None or term.currency == token.currency
    if term.kind == "word":
        return term.text == token.text or bool(stems(term.text, inflections) & stems(token.text, inflections))
    if term.text in _CLAUSE_SYMBOLS - {"(", ")"}:  # "No," also matches "No." and "No!"
        return token.text in _CLAUSE_SYMBOLS - {"(", ")"}
    return term.text == token.text


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a term occurs in a token list (``start``..``end`` exclusive) and whether it is negated."""

    term: str
    start: int
    end: int
    negated: bool


def clause_bounds(tokens: Sequence[Token], index: int) -> tuple[int, int]:
    """The clause around token ``index``: between clause symbols or clause words (``but``)."""
    def boundary(t: Token) -> bool:
        return (t.kind == "sym" and t.text in _CLAUSE_SYMBOLS) or (t.kind == "word" and t.text in _CLAUSE_WORDS)

    start = index
    while start > 0 and not boundary(tokens[start - 1]):
        start -= 1
    end = index
    while end < len(tokens) and not boundary(tokens[end]):
        end += 1
    return start, end


def is_negated(tokens: Sequence[Token], start: int, end: int) -> bool:
    """Whether tokens ``start``..``end`` sit in a negated clause (negator before, or just after)."""
    low, high = clause_bounds(tokens, start)
    before = tokens[low:start]
    after = tokens[end:min(high, end + _AFTER_WINDOW)]
    return any(t.kind == "word" and t.text in NEGATORS for t in (*before, *after))


def find_mentions(text: str | Sequence[Token], terms: Iterable[str], inflections: bool = True) -> list[Mention]:
    """Every occurrence of each term in ``text`` (first occurrence order, all positions)."""
    tokens = tokenize(text) if isinstance(text, str) else list(text)
    tokens.append(Token("sym", "\n"))  # the end of the text ends a clause ("No," matches a bare "No")
    mentions = []
    for term in terms:
        wanted = tokenize(term)
        if not wanted:
            continue
        carries_negation = any(t.kind == "word" and t.text in NEGATORS for t in wanted)
        size = len(wanted)
        for i in range(len(tokens) - size + 1):
            if all(_same(w, tokens[i + j], inflections) for j, w in enumerate(wanted)):
                negated = not carries_negation and is_negated(tokens, i, i + size)
                mentions.append(Mention(term, i, i + size, negated))
    return mentions


def found_terms(text: str, terms: Sequence[str], negation: bool = False, inflections: bool = True) -> list[str]:
    """The terms mentioned in ``text`` (in the given order); with ``negation`` only un-negated mentions count."""
    mentions = find_mentions(text, terms, inflections)
    hits = {m.term for m in mentions if not (negation and m.negated)}
    return [t for t in terms if t in hits]


def expected_polarity(reference: str) -> str | None:
    """``yes``/``no`` when a reference answer starts with Yes or No, else None."""
    words = [t.text for t in tokenize(reference)[:2] if t.kind == "word"]
    if words and words[0] in ("yes", "no"):
        return words[0]
    return None


def _question_words(question: str) -> tuple[str | None, set[str]]:
    """The verb and content words of the last question in ``question`` ("Do I need a card?" -> need, {card})."""
    sentences = [s for s in re.split(r"(?<=[.!?\n])\s+", question.strip()) if s.strip()]
    asked = next((s for s in reversed(sentences) if s.rstrip().endswith("?")), sentences[-1] if sentences else "")
    words = [t.text for t in tokenize(asked) if t.kind == "word"]
    verb = None
    first_aux = next((i for i, w in enumerate(words) if w in _AUX), None)
    if first_aux is not None:
        words = words[first_aux:]
        rest = [w for w in words[1:] if w not in _STOP]
        verb = rest[0] if rest else None
    content = {w for w in words if w not in _STOP and w not in _AUX and w != verb and len(w) > 2}
    return verb, content


def _mentions_any(token: Token, words: Iterable[str]) -> bool:
    return token.kind == "word" and any(_same(Token("word", w), token, True) for w in words)


def polarity(response: str, question: str) -> str | None:
    """How ``response`` answers the yes/no ``question``: ``yes``, ``no``, ``mixed`` or None (unclear)."""
    tokens = tokenize(response)
    signals = set()
    first = next((t for t in tokens if t.kind == "word"), None)
    if first is not None and first.text in YES_WORDS:
        signals.add("yes")
    elif first is not None and first.text in NO_WORDS:
        signals.add("no")
    verb, content = _question_words(question)
    start = 0
    while start < len(tokens):
        low, high = clause_bounds(tokens, start)
        clause = tokens[low:high]
        has_verb = verb is not None and any(_mentions_any(t, [verb]) for t in clause)
        has_content = any(_mentions_any(t, content) for t in clause)
        negated = any(t.kind == "word" and t.text in NEGATORS for t in clause)
        if negated and (has_verb or has_content):
            signals.add("no")
        elif has_verb and has_content:
            signals.add("yes")
        start = high + 1
    if len(signals) > 1:
        return "mixed"
    return next(iter(signals), None)
