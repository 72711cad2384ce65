"""Helpers shared by the built-in scorers: settings checks, normalisation, term matching."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from typing import Any, overload

from prodbench.score.scorers import Item, SettingsError
from prodbench.score.scorers.matching import found_terms

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                         "\u00a0": " "})
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_SPACES = re.compile(r"\s+")


def check_keys(name: str, settings: dict[str, Any], allowed: Iterable[str]) -> None:
    """Reject unknown setting keys (typos) with the list of allowed ones."""
    allowed = set(allowed)
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise SettingsError(
            f"unknown setting {unknown[0]!r} for scorer {name!r} (allowed: {', '.join(sorted(allowed)) or 'none'})"
        )


@overload
def number_setting(name: str, settings: dict[str, Any], key: str, default: float,
                   minimum: float | None = None, maximum: float | None = None) -> float: ...


@overload
def number_setting(name: str, settings: dict[str, Any], key: str, default: None = None,
                   minimum: float | None = None, maximum: float | None = None) -> float | None: ...


def number_setting(name: str, settings: dict[str, Any], key: str, default: float | None = None,
                   minimum: float | None = None, maximum: float | None = None) -> float | None:
    """Read a numeric setting, checking its type and range.

    Args:
        name: The scorer's name (for messages).
        settings: The scorer's settings.
        key: The setting to read.
        default: Value when the setting is absent or null.
        minimum: Smallest allowed value, if any.
        maximum: Largest allowed value, if any.

    Returns:
        The setting's value, or ``default``.

    Raises:
        SettingsError: The value is not a number or out of range.
    """
    value = settings.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"scorer {name!r}: {key} must be a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise SettingsError(f"scorer {name!r}: {key} must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"scorer {name!r}: {key} must be <= {maximum}, got {value!r}")
    return value


def terms_setting(name: str, settings: dict[str, Any], key: str) -> list[str] | None:
    """Read a list-of-strings setting (a single string is accepted as a one-item list)."""
    value = settings.get(key)
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, (str, int, float)) for v in value):
        raise SettingsError(f"scorer {name!r}: {key} must be a non-empty list of strings")
    return [str(v) for v in value]


def terms_or_reference(name: str, terms: list[str] | None, item: Item, key: str) -> list[str]:
    """The configured terms, else the record's references.

    Raises:
        SettingsError: Neither is available.
    """
    if terms:
        return terms
    if item.references:
        return item.references
    raise SettingsError(f"scorer {name!r} needs {key!r} in its settings or a `reference` in the record")


def fold(text: str) -> str:
    """Case-fold, NFKC-normalise, unify quotes/dashes and collapse whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _SPACES.sub(" ", text).strip()


def normalize_answer(text: str) -> str:
    """SQuAD-style answer normalisation: fold, drop punctuation and articles."""
    text = fold(text)
    text = "".join(ch for ch in text if ch not in string.punctuation)
    text = _ARTICLES.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def find_terms(text: str, terms: Iterable[str], negation: bool = False, inflections: bool = True) -> list[str]:
    """The terms that occur in ``text``, in the given order (token-aware, see :mod:`.matching`).

    Args:
        text: The response.
        terms: The terms to look for.
        negation: Count only mentions that are not negated ("euros are not supported").
        inflections: Let word terms match light inflections ("plan" -> "plans").
    """
    return found_terms(text, list(terms), negation=negation, inflections=inflections)


FACT_TASK_TYPES = ("fact_recall", "multi_turn")


def flag_setting(name: str, settings: dict[str, Any], key: str, default: bool | str) -> bool | str:
    """Read a ``true``/``false``/``auto`` setting."""
    value = settings.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool) and value != "auto":
        raise SettingsError(f"scorer {name!r}: {key} must be true, false or 'auto', got {value!r}")
    return value


def negation_applies(flag: bool | str, item: Item) -> bool:
    """Whether negated mentions are ignored for this item (``auto``: for fact-like task types)."""
    if flag == "auto":
        return item.record.get("task_type") in FACT_TASK_TYPES
    return bool(flag)


def quote(term: str, limit: int = 40) -> str:
    """Quote a term for a rationale, shortened to ``limit`` characters."""
    return repr(term if len(term) <= limit else term[: limit - 1] + "\u2026")
