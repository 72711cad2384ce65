"""Cell formatting for the PR comment: numbers, p-values, labels, revisions, changed values.

Every string that comes from the diff document goes through :func:`prodbench.core.markdown.inline`
here or in the section builders; numbers are formatted with a real minus sign.
"""

from __future__ import annotations

import math
import re

from prodbench.core.markdown import inline
from prodbench.diff.document import Comparison, ConfigChange, RevisionRef

ICONS = {"significant improvement": "🟢", "significant regression": "🔴", "within noise": "⚪",
         "no paired rows": "∅"}
VERDICT = {"regression": "🔴 significant regression", "improvement": "🟢 significant improvement",
           "mixed": "🟠 mixed: significant improvements and regressions",
           "no significant change": "⚪ no significant change (within noise)",
           "no paired rows": "∅ nothing to compare (no paired rows)"}


def num(value: float | None, digits: int = 3, signed: bool = False) -> str:
    """A number with ``digits`` decimals (``signed``: always with a sign); ``—`` for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")


def p_value(value: float | None) -> str:
    """A p-value (``<0.001`` below that); ``—`` for None."""
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def count(value: int | None) -> str:
    """An integer count (empty for None)."""
    return "" if value is None else str(value)


def label(cmp: Comparison) -> str:
    """The comparison's label with its icon."""
    text = cmp.label or "no paired rows"
    return f"{ICONS.get(text, '')} {inline(text, 40)}".strip()


def ci(cmp: Comparison) -> str:
    """The interval of the delta, ``[low, high]``."""
    if cmp.ci_low is None or cmp.ci_high is None:
        return "—"
    return f"[{num(cmp.ci_low, signed=True)}, {num(cmp.ci_high, signed=True)}]"


def sha(value: str | None) -> str | None:
    """``value`` if it looks like a commit id (safe to interpolate in a command), else None."""
    return value if value is not None and re.fullmatch(r"[0-9a-f]{7,64}", value) else None


def rev(ref: RevisionRef) -> str:
    """A revision as ``label (short sha)``."""
    commit = sha(ref.sha)
    text = inline(ref.label or "?", 60)
    return f"{text} ({commit[:10]})" if commit else text


def changed_span(old: object, new: object, width: int = 120, context: int = 30) -> tuple[str, str]:
    """Shorten two long values around the part that differs (common prefix/suffix elided)."""
    a = "" if old is None else str(old)
    b = "" if new is None else str(new)
    if old is None or new is None or (len(a) <= width and len(b) <= width):
        return a if old is not None else "", b if new is not None else ""
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    start = max(0, prefix - context)

    def cut(text: str) -> str:
        end = min(len(text), len(text) - suffix + context)
        core = text[start:end]
        if len(core) > width:
            core = core[:width] + "…"
        return ("…" if start else "") + core + ("…" if end < len(text) else "")

    return cut(a), cut(b)


def change_cells(change: ConfigChange) -> list[str]:
    """The ``base`` and ``head`` cells of a changed setting (``—`` where absent)."""
    old, new = changed_span(change.base, change.head)
    return [inline(old, 200) if change.base is not None else "—",
            inline(new, 200) if change.head is not None else "—"]
