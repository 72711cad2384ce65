"""The pull-request loop: ``prodbench diff`` (base vs head) and the sticky PR comment.

Public API (used by ``prodbench diff``, ``prodbench comment`` and the workflows)::

    from prodbench.diff import run_diff, compute_diff, DiffSettings
    outcome = run_diff(project, "main")           # writes reports/diff.json + pr-comment.md
    outcome.doc["verdict"]["kind"]                # "regression", "improvement", ...

    from prodbench.diff import parse_document, render_comment, render_from_file
    doc = parse_document(json.loads(text))        # strict: UserError naming the bad field
    markdown = render_comment(doc)                # every untrusted string escaped

    from prodbench.diff import GitHubClient, post_sticky
    post_sticky(GitHubClient(token), "octo/bench", 7, markdown)

Modules: ``stage`` (orchestration, :func:`compute_diff`), ``evaluate`` (one revision on the
shared cache), ``git`` (materialise a revision), ``pairing`` (ids and content hashes),
``stats`` (paired tests and labels), ``document`` + ``fields`` (the typed, strictly parsed
diff.json), ``render`` + ``sections`` + ``tables`` + ``format`` (the comment), ``plots``
(PNGs) and ``comment`` (GitHub REST client). See docs/pr-loop.md.

Importing this package stays cheap: the orchestration (which loads params, prompts and the
model layer) and the GitHub client are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prodbench.core.lazy import lazy_attributes
from prodbench.diff.document import SCHEMA_VERSION, DiffDocument
from prodbench.diff.parse import parse_document
from prodbench.diff.render import render_comment, render_from_file
from prodbench.diff.stats import IMPROVEMENT, NO_DATA, NOISE, REGRESSION, compare_paired

if TYPE_CHECKING:
    from prodbench.diff.comment import GitHubClient, post_sticky
    from prodbench.diff.stage import DiffOutcome, DiffSettings, compute_diff, run_diff

_EXPORTS = {"GitHubClient": "comment", "post_sticky": "comment", "DiffOutcome": "stage", "DiffSettings": "stage",
         "compute_diff": "stage", "run_diff": "stage"}

__all__ = ["IMPROVEMENT", "NOISE", "NO_DATA", "REGRESSION", "SCHEMA_VERSION", "DiffDocument", "DiffOutcome",
           "DiffSettings", "GitHubClient", "compare_paired", "compute_diff", "parse_document", "post_sticky",
           "render_comment", "render_from_file", "run_diff"]

__getattr__ = lazy_attributes(__name__, _EXPORTS)
