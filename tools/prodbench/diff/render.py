"""Render the diff document (``reports/diff.json``) as the sticky PR comment.

The document is parsed once, strictly (:func:`prodbench.diff.document.parse_document`): a
malformed one raises :class:`UserError` naming the field, never a traceback. Every string
taken from it is still escaped (:mod:`prodbench.core.markdown`): in a pull request, prompts,
outputs, ids, model names and params are all controlled by the PR author, and the comment
poster (``comment.yml``) re-renders the artifact's diff.json with trusted code.

Sections (:mod:`prodbench.diff.sections`, :mod:`prodbench.diff.tables`) carry priorities so
that the least important ones are dropped first when the comment would exceed GitHub's size
limit (:func:`prodbench.core.markdown.assemble`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.limits import loads
from prodbench.core.markdown import DEFAULT_BUDGET, Section, assemble
from prodbench.diff.document import DiffDocument
from prodbench.diff.parse import parse_document
from prodbench.diff.sections import (
    alerts_section,
    chart_section,
    config_section,
    models_section,
    reproduce_section,
    verdict_section,
)
from prodbench.diff.tables import (
    coverage_section,
    group_table,
    prompts_section,
    top_rows_section,
    unevaluated_section,
    usage_section,
)

MAX_DOCUMENT_BYTES = 50_000_000


def build_sections(doc: DiffDocument) -> list[Section]:
    """All sections of the comment with their priorities (higher survives longer)."""
    return [
        Section("verdict", verdict_section(doc), 100),
        Section("alerts", alerts_section(doc), 100),
        Section("scores per model", models_section(doc), 100),
        Section("model config changes", config_section(doc), 80),
        Section("prompt changes", prompts_section(doc), 85),
        Section("chart", chart_section(doc), 55),
        Section("by task type", group_table(doc, "by_task_type", "By task type"), 70),
        Section("by difficulty", group_table(doc, "by_difficulty", "By difficulty"), 65),
        Section("coverage delta", coverage_section(doc), 75),
        Section("cost, tokens and latency", usage_section(doc), 50),
        Section("row-level changes", top_rows_section(doc), 20),
        Section("rows not evaluated", unevaluated_section(doc), 30),
        Section("reproduce", reproduce_section(doc), 90),
    ]


def render_comment(doc: DiffDocument | Any, budget: int = DEFAULT_BUDGET) -> str:
    """Render a diff document (typed, or the decoded JSON) as GitHub markdown under ``budget`` characters.

    Raises:
        UserError: The document is not a well-formed diff document.
    """
    document = doc if isinstance(doc, DiffDocument) else parse_document(doc)
    return assemble(build_sections(document), budget)


def render_from_file(path: Path) -> str:
    """Read an (untrusted) diff.json and render it.

    Raises:
        UserError: The file is missing, too large, or not a diff document.
    """
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise UserError(f"{path}: too large for a diff document")
        doc = loads(path.read_bytes(), str(path))  # limits: nesting depth, number size
    except UserError as exc:
        raise UserError(f"{path}: cannot read a diff document: {exc.problems[0].message if exc.problems else exc}"
                        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: cannot read a diff document: {type(exc).__name__}: {str(exc)[:200]}") from None
    return render_comment(doc)
