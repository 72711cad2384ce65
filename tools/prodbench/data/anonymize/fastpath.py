"""Exact shortcuts for the detectors: skip work whose outcome is known in advance (issue #11).

Every shortcut here is a *necessary condition* of a detector: when it fails, the detector
provably finds nothing (or a token provably yields nothing), so skipping it changes no output.

* Text gates (``gates.gate_for``, built on :func:`has_digit` and :func:`seven_digits`): a detector whose every pattern needs a decimal digit is not
  run on a text without one (most of a log's lines, and most re-scans, whose replaced values
  are blanked out); the phone detector needs seven digits.
* Token shortcuts (:func:`token_plan`): the name detector's per-token work (a context-cue
  regex over the 30 characters before each word, lexicon look-ups, run collection) is skipped
  for a lower-case word that is a common word, and for a lower-case word that is neither a
  known first name nor right after a word that can end a person cue ("my name is", "hi").

:func:`reference_path` turns every shortcut off: the slow reference the equivalence test and
``bench/anonymize_speed.py --check`` compare with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prodbench.data.anonymize.lexicon import Lexicon

_ENABLED = [True]
DIGIT_RE = re.compile(r"\d")
SEP_RE = re.compile(r"[\s,:]*")  # what the name detector's cue regex allows between a cue and the name


def enabled() -> bool:
    """Whether the shortcuts are on (they are, except inside :func:`reference_path`)."""
    return _ENABLED[0]


@contextmanager
def reference_path() -> Iterator[None]:
    """Run the detectors without any shortcut (the reference the fast path must equal)."""
    before = _ENABLED[0]
    _ENABLED[0] = False
    try:
        yield
    finally:
        _ENABLED[0] = before


# --------------------------------------------------------------------------- text gates

def has_digit(text: str) -> bool:
    """Whether ``text`` holds a decimal digit (``\\d``)."""
    return DIGIT_RE.search(text) is not None


def seven_digits(text: str) -> bool:
    """The phone detector's own entry test: at least seven characters for which ``isdigit()`` holds."""
    return sum(map(str.isdigit, text)) >= 7


# --------------------------------------------------------------------------- name tokens

@lru_cache(maxsize=4)
def _cue_end_re(cues: tuple[str, ...], token_re: re.Pattern[str]) -> re.Pattern[str]:
    """A case-insensitive regex for the last word of each cue, anchored at the end of a token."""
    lasts = set()
    for cue in cues:
        stripped = re.sub(r"[\s,:]+\Z", "", cue)
        words = token_re.findall(stripped)
        if not words or not stripped.endswith(words[-1]):
            raise ValueError(f"person cue {cue!r} does not end with a word")
        lasts.add(words[-1])
    return re.compile("(?i)(?:" + "|".join(sorted(map(re.escape, lasts), key=len, reverse=True)) + r")\Z")


_CAP, _COMMON, _FIRST, _OTHER = 0, 1, 2, 3
# id(lexicon) -> (lexicon, cues, word -> class)
_MEMO: dict[int, tuple[object, tuple[str, ...], dict[str, tuple[int, bool]]]] = {}
MAX_MEMO = 200_000


def _word_class(word: str, lex: Lexicon, cue_end: Callable[[str], object],
                norm: Callable[[str], str]) -> tuple[int, bool]:
    """(class of ``word`` for the skip rule, whether it can end a person cue)."""
    ends_cue = cue_end(word) is not None
    if word[:1].isupper():
        return _CAP, ends_cue
    low = norm(word.rstrip("'’s") if word.endswith(("'s", "’s")) else word)
    if low in lex.common_words:
        return _COMMON, ends_cue
    first = lex.first_names
    if low in first or ("-" in low and any(p in first for p in low.split("-"))):
        return _FIRST, ends_cue
    return _OTHER, ends_cue


def token_plan(text: str, toks: list[tuple[int, int, str]], lex: Lexicon, cues: tuple[str, ...],
               token_re: re.Pattern[str], norm: Callable[[str], str]) -> tuple[list[bool], list[bool]]:
    """``(skip, may_cue)`` per token of the name detector: two exact shortcuts.

    ``may_cue[i]`` is False when no person cue can end right before token ``i``: the cue
    regex wants ``cue[\\s,:]*`` at the end of the 30 characters before the token; every cue
    ends with a letter, so the previous token ends the cue and only ``[\\s,:]`` separate the
    two. If the previous token has no suffix that is the last word of a cue (compared the way
    the regex compares, ignoring case), the regex cannot match and is not run.

    ``skip[i]`` is True when token ``i`` yields nothing and only moves the scan on by one:
    a lower-case token yields a name only if it is not a common word and either is a known
    first name or a person cue ends right before it (no lower-case token is a place).
    Word classes are remembered per process (words repeat). A text holding U+0345 (a combining
    mark that the regex, ignoring case, takes for the letter iota) gets no shortcut.
    """
    if not _ENABLED[0] or "\u0345" in text:
        return [False] * len(toks), [True] * len(toks)
    cue_end = _cue_end_re(cues, token_re).search
    entry = _MEMO.get(id(lex))
    if entry is None or entry[0] is not lex or entry[1] is not cues or len(entry[2]) > MAX_MEMO:
        entry = _MEMO[id(lex)] = (lex, cues, {})
    memo = entry[2]
    sep = SEP_RE.fullmatch
    skip: list[bool] = []
    may_cue: list[bool] = []
    add, add_cue = skip.append, may_cue.append
    prev_end, prev_ends_cue = -1, False
    for start, end, word in toks:
        kind = memo.get(word)
        if kind is None:
            kind = memo[word] = _word_class(word, lex, cue_end, norm)
        cue = prev_ends_cue and sep(text, prev_end, start) is not None
        add_cue(cue)
        cls = kind[0]
        add(cls == _COMMON or (cls == _OTHER and not cue))
        prev_end, prev_ends_cue = end, kind[1]
    return skip, may_cue
