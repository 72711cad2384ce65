"""Safe GitHub markdown: escaping untrusted text, size limits and Mermaid charts.

Everything a pull request controls (prompt texts, model outputs, model names, ids,
params values) is untrusted when it lands in a comment posted by a bot. The helpers
here make such text inert: no @mentions or team pings, no #issue references, no
autolinks or images, no raw HTML, and no copy of the sticky-comment marker.

Two forms are offered:

* :func:`inline` for table cells and sentences (one line, markdown punctuation
  backslash-escaped, HTML escaped, mention/link triggers broken with a zero-width
  space);
* :func:`code_block` for long multi-line text (a fenced block longer than any
  backtick run inside, so the text cannot close it; GitHub renders nothing inside
  a code block, and the marker opener is broken so the raw body never contains it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: GitHub rejects issue/PR comments longer than this many characters.
GITHUB_COMMENT_LIMIT = 65_536
#: Default budget: stay clearly under the limit (GitHub counts some characters twice).
DEFAULT_BUDGET = 60_000
#: Hidden marker identifying the sticky comment.
MARKER = "<!-- prodbench:pr-comment -->"

ZWSP = "\u200b"
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=:\"'$%^])")
_MENTION = re.compile(r"(#)(?=[A-Za-z0-9_])")
_GH_REF = re.compile(r"(?i)\b(gh)(?=-\d)")  # GH-123: GitHub autolinks it to #123
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|www|javascript|data)(?=[:.])")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _strip_controls(text: str) -> str:
    """Drop control and bidi-override characters (which can disguise text)."""
    return _CTRL.sub("", text)


def inline(value: object, limit: int | None = 200) -> str:
    """Escape untrusted text for a single-line markdown context (table cell, sentence).

    Args:
        value: Any value; ``None`` becomes an empty string.
        limit: Maximum characters of the original text kept (``None`` = no limit).

    Returns:
        Text that renders literally on GitHub: markdown punctuation is
        backslash-escaped (``<``/``>``/``&`` as entities), newlines become spaces,
        and ``@name``, ``#123``, ``GH-123``, ``https:``, ``www.`` get a zero-width space so
        GitHub neither pings, references nor autolinks them.
    """
    text = "" if value is None else str(value)
    text = _strip_controls(text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    text = " ".join(text.split("\n"))
    text = truncate_text(text, limit) if limit is not None else text
    text = text.replace("@", "@" + ZWSP)
    text = _MENTION.sub(lambda m: m.group(1) + ZWSP, text)
    text = _GH_REF.sub(lambda m: m.group(1) + ZWSP, text)
    text = _SCHEME.sub(lambda m: m.group(1) + ZWSP, text)
    text = _MD_PUNCT.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: object, limit: int | None = 80) -> str:
    """Escape a short untrusted identifier (id, model name) for inline use.

    Identifiers are shown as plain escaped text (not in backticks, where a
    backtick inside could end the span).
    """
    return inline(value, limit)


def truncate_text(text: str, limit: int | None) -> str:
    """Cut ``text`` to ``limit`` characters, saying how much was dropped."""
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]} … [{len(text) - limit} more characters]"


def code_block(value: object, limit: int | None = 1500, lang: str = "text") -> str:
    """Render untrusted multi-line text as an inert fenced code block.

    The fence is one backtick longer than the longest backtick run in the text,
    so the text cannot close it. The comment-marker opener ``<!--`` is broken with
    a zero-width space so the raw body never contains a second marker.

    Args:
        value: The text (``None`` renders as ``(none)``).
        limit: Maximum characters kept.
        lang: Info string (must be a plain word).
    """
    text = "(none)" if value is None else str(value)
    text = _strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = truncate_text(text, limit)
    text = text.replace("<!--", "<!" + ZWSP + "--")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    lang = lang if re.fullmatch(r"[a-z]+", lang or "") else ""
    return f"{fence}{lang}\n{text}\n{fence}"


def details(summary: str, body: str) -> str:
    """A collapsible ``<details>`` block; ``summary`` must already be escaped."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None) -> str:
    """A GitHub table; cells must already be escaped (use :func:`inline`).

    Args:
        headers: Column titles (escaped).
        rows: Cell values; ``None`` renders as an em dash.
        align: Optional string of ``l``/``r``/``c`` per column.
    """
    align = align or "l" * len(headers)
    marks = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(marks.get(a, "---") for a in align) + "|"]
    for row in rows:
        cells = ["—" if cell is None else str(cell).replace("\n", " ") for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def alert(kind: str, text: str) -> str:
    """A GitHub alert (``NOTE``, ``TIP``, ``IMPORTANT``, ``WARNING``, ``CAUTION``)."""
    body = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    return f"> [!{kind.upper()}]\n{body}"


def mermaid_bars(title: str, categories: Sequence[str], series: dict[str, Sequence[float | None]],
                 y_label: str = "mean score", y_max: float = 1.0) -> str:
    """A Mermaid ``xychart-beta`` comparing series per category (GitHub renders it).

    The first series is drawn as bars and the others as lines (xychart has no
    legend, so callers should say which is which in the text). Labels are reduced
    to a safe character set.

    Args:
        title: Chart title.
        categories: X-axis labels.
        series: Name -> one value per category (``None`` plotted as 0).
        y_label: Y-axis label.
        y_max: Top of the y axis.
    """

    def label(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9 _.:/()+-]", "", str(text))[:60] or "?"

    def values(vals: Sequence[float | None]) -> str:
        return "[" + ", ".join(f"{(v or 0.0):.3f}" for v in vals) + "]"

    lines = ["```mermaid", "xychart-beta", f'    title "{label(title)}"',
             "    x-axis [" + ", ".join(f'"{label(c)}"' for c in categories) + "]",
             f'    y-axis "{label(y_label)}" 0 --> {y_max:g}']
    for index, vals in enumerate(series.values()):
        lines.append(f"    {'bar' if index == 0 else 'line'} {values(vals)}")
    lines.append("```")
    return "\n".join(lines)


@dataclass
class Section:
    """One part of a comment.

    Attributes:
        key: Short name used in the "omitted" notice.
        text: Markdown text of the section.
        priority: Higher survives longer; sections with the lowest priority are
            dropped first when the comment exceeds the budget.
    """

    key: str
    text: str
    priority: int


def assemble(sections: Sequence[Section], budget: int = DEFAULT_BUDGET, note_url: str | None = None) -> str:
    """Join sections, dropping the least important ones until the text fits ``budget``.

    Dropped sections are replaced by a one-line notice. If the text is still too
    long after dropping everything droppable, it is hard-truncated by
    :func:`fit_limit`.
    """
    kept = list(sections)
    omitted: list[str] = []

    def render() -> str:
        parts = [s.text for s in kept if s.text]
        if omitted:
            where = f" (see {note_url})" if note_url else " (the full report is in the workflow artifact)"
            parts.append(f"_Omitted to stay under GitHub's comment size limit: {', '.join(omitted)}{where}._")
        return "\n\n".join(parts) + "\n"

    text = render()
    order = sorted(range(len(kept)), key=lambda i: kept[i].priority)
    drop = [kept[i] for i in order]
    while len(text) > budget and drop:
        victim = drop.pop(0)
        if victim.priority >= 100:  # essential
            break
        kept.remove(victim)
        omitted.append(victim.key)
        text = render()
    return fit_limit(text, budget)


def fit_limit(text: str, budget: int = DEFAULT_BUDGET) -> str:
    """Hard-truncate ``text`` to ``budget`` characters, closing an open code fence.

    The result always ends with a note and stays at most ``budget`` characters
    (never above :data:`GITHUB_COMMENT_LIMIT`).
    """
    budget = min(budget, GITHUB_COMMENT_LIMIT)
    if len(text) <= budget:
        return text
    note = "\n\n_… comment truncated to stay under GitHub's size limit._\n"
    cut = text[: max(0, budget - len(note) - 400)]
    fences = re.findall(r"^(`{3,})", cut, flags=re.MULTILINE)
    closing = ""
    if len(fences) % 2 == 1:
        closing = "\n" + fences[-1]
    opened = cut.count("<details>") - cut.count("</details>")
    closing += "\n\n</details>" * max(0, opened)
    return (cut + closing + note)[:budget]


def ensure_marker(body: str) -> str:
    """Return ``body`` starting with the sticky marker (added if missing)."""
    return body if body.startswith(MARKER) else f"{MARKER}\n{body}"
