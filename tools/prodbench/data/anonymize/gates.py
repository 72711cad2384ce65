"""Text gates: the necessary condition of each structured detector on a text (see fastpath.py).

A detector whose every pattern needs a decimal digit is not run on a text without one; the
phone detector needs seven digits. Kept apart from ``fastpath`` (which the name detector
imports) because this table imports the detectors themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from prodbench.data.anonymize import cues, patterns
from prodbench.data.anonymize.cues import TOWN_CUE_RE
from prodbench.data.anonymize.fastpath import enabled, has_digit, seven_digits

__all__ = ["gate_for"]


def _street_gate(text: str) -> bool:
    # every street, lives-at and postcode pattern needs a digit; "the town of X" does not
    return has_digit(text) or TOWN_CUE_RE.search(text) is not None


@lru_cache(maxsize=1)
def _gates() -> dict[Callable[[str], Iterable[object]], Callable[[str], bool]]:
    return {
        cues.find_cued_phones: has_digit,  # the value is digits
        cues.find_cued_ids: has_digit,  # the value holds two digits (a lookahead)
        cues.find_streets: _street_gate,
        patterns.find_ibans: has_digit,
        patterns.find_cards: has_digit,
        patterns.find_ssns: has_digit,
        patterns.find_vat_ids: has_digit,
        patterns.find_phones: seven_digits,
        patterns.find_dates_of_birth: has_digit,
    }


def gate_for(detector: Callable[[str], Iterable[object]]) -> Callable[[str], bool] | None:
    """The necessary condition of ``detector`` on a text, or None (always run it)."""
    return _gates().get(detector) if enabled() else None
