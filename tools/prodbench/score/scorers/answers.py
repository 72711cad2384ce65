"""Numbers in responses and the stated final answer of a worked response.

:func:`final_number` takes the result the response *states*, in this order: the number after
an explicit answer marker ("the answer is", "final answer", "answer:", "####"), the last bolded
number, the number after a total marker ("total is", "total:", "comes to"), the number after
the last ``=``, and only then the last number in the text. Inside the chosen sentence an
equation counts by its result: "Total: $40 + $60 = $100" is 100, not 40.
"""

from __future__ import annotations

import re

__all__ = ["extract_numbers", "final_number"]

_NUMBER = re.compile(r"(?<![\w.])[-\u2212]?[$\u20ac\u00a3]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_STRONG = re.compile(r"final answer|the answer is|answer\s*(?:is|:)|####|result is|result\s*:", re.IGNORECASE)
_WEAK = re.compile(r"\btotals?\s*(?:is|are|of|:|comes to|would be|will be)|\bcomes to\b|=>|\bso you pay\b|"
                   r"\byou (?:would |will )?pay\b", re.IGNORECASE)
_BOLD = re.compile(r"\*\*([^*]+)\*\*|__([^_]+)__")
_SENTENCE_END = re.compile(r"\n|\.(?!\d)|[!?;]")


def extract_numbers(text: str) -> list[float]:
    """Every number in ``text`` in order ("1,234.5", "$20", "-3" and "45%" are understood)."""
    numbers = []
    for match in _NUMBER.finditer(text):
        raw = re.sub(r"[$\u20ac\u00a3,\s]", "", match.group(0).replace("\u2212", "-"))
        try:
            numbers.append(float(raw))
        except ValueError:
            continue
    return numbers


def _sentence(text: str) -> str:
    """``text`` up to the end of its first sentence or line."""
    end = _SENTENCE_END.search(text)
    return text[: end.start()] if end else text


def stated_number(segment: str) -> float | None:
    """The number a sentence states: after its last ``=`` when it has one, else its first number."""
    if "=" in segment:
        after = extract_numbers(segment.rsplit("=", 1)[1])
        if after:
            return after[0]
    numbers = extract_numbers(segment)
    return numbers[0] if numbers else None


def _after_last(pattern: re.Pattern[str], text: str) -> float | None:
    for marker in reversed(list(pattern.finditer(text))):
        value = stated_number(_sentence(text[marker.end():]))
        if value is not None:
            return value
    return None


def final_number(text: str) -> float | None:
    """The final answer of a worked response (see the module docstring), or None without numbers."""
    value = _after_last(_STRONG, text)
    if value is not None:
        return value
    for match in reversed(list(_BOLD.finditer(text))):
        value = stated_number(match.group(1) or match.group(2) or "")
        if value is not None:
            return value
    value = _after_last(_WEAK, text)
    if value is not None:
        return value
    if "=" in text:
        after = extract_numbers(_sentence(text.rsplit("=", 1)[1]))
        if after:
            return after[0]
    numbers = extract_numbers(text)
    return numbers[-1] if numbers else None
