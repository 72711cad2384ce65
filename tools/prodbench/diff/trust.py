"""Trusted grading: which pull requests may be graded automatically, and the gate status.

The comment poster (``comment.yml``, ``workflow_run``) always runs the default branch's code.
It asks GitHub which files the pull request changes (never the artifact, which the PR's own
run produced) and classifies them with :func:`code_changes`:

* prompts, params.yaml, rubrics, docs: *data*. The benchmark ran the base branch's code on
  them (``prodbench-pr.yml`` installs the base commit), so the numbers can be trusted and the
  ``prodbench`` commit status follows the benchmark's own result.
* ``tools/**``, ``schemas/**``, ``.github/**``, packaging, ``dvc.yaml``, ``.ci/**``, ``tests/**``:
  *code that grades*. The comment opens with a notice naming these paths, and the status is
  ``failure`` ("needs a maintainer's approval") until a maintainer adds the
  :data:`APPROVAL_LABEL` label and the poster runs again. A pull request can therefore never
  pass the check with code of its own.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from prodbench.core.errors import UserError
from prodbench.core.markdown import inline

__all__ = ["APPROVAL_LABEL", "CODE_PATTERNS", "STATUS_CONTEXT", "Gate", "code_changes", "gate", "notice",
           "post_status", "read_changed_files"]

#: Label a maintainer adds to let a pull request that changes grading code pass the gate.
APPROVAL_LABEL = "prodbench-approved"
#: The commit status branch protection should require.
STATUS_CONTEXT = "prodbench"
#: Paths whose change alters how a pull request is graded.
CODE_PATTERNS = (r"tools/", r"schemas/", r"\.github/", r"\.ci/", r"tests/", r"pyproject\.toml$", r"setup\.(py|cfg)$",
                 r"dvc\.yaml$", r"dvc\.lock$", r"\.dvc/", r"requirements[^/]*\.txt$", r"conftest\.py$")
_CODE = re.compile("^(?:" + "|".join(CODE_PATTERNS) + ")")
_SHA = re.compile(r"^[0-9a-f]{40}$")
MAX_FILES = 10_000


def code_changes(paths: Iterable[str]) -> list[str]:
    """The changed paths that are grading code (sorted); empty for a data-only pull request."""
    return sorted({p for p in paths if _CODE.match(p.lstrip("./"))})


def read_changed_files(text: str) -> list[str]:
    """Parse the poster's list of changed files (one path per line, as ``gh api --jq`` prints them).

    Raises:
        UserError: More than :data:`MAX_FILES` lines (GitHub lists at most 3,000 files).
    """
    paths = [line.strip() for line in text.splitlines() if line.strip()]
    if len(paths) > MAX_FILES:
        raise UserError(f"--changed-files lists {len(paths)} paths; at most {MAX_FILES} are accepted", exit_code=2)
    return paths


@dataclass(frozen=True)
class Gate:
    """The commit status the poster sets: ``state`` (success | failure) and a short description."""

    state: str
    description: str


def gate(code: list[str], approved: bool, benchmark_ok: bool) -> Gate:
    """The ``prodbench`` status of a pull request.

    Args:
        code: :func:`code_changes` of the pull request.
        approved: A maintainer added :data:`APPROVAL_LABEL`.
        benchmark_ok: The benchmark run succeeded (no failure, no blocking regression).
    """
    if code and not approved:
        return Gate("failure", f"changes grading code ({len(code)} file(s)): needs a maintainer's "
                               f"'{APPROVAL_LABEL}' label")
    if not benchmark_ok:
        return Gate("failure", "the benchmark failed or found a blocking regression")
    if code:
        return Gate("success", "grading-code change approved by a maintainer; numbers from the base code")
    return Gate("success", "benchmark passed (graded by the base branch's code)")


def notice(code: list[str], approved: bool, limit: int = 10) -> str:
    """The paragraph that opens the comment of a pull request that changes grading code."""
    shown = ", ".join(inline(p, 120) for p in code[:limit])
    more = f" and {len(code) - limit} more" if len(code) > limit else ""
    state = ("A maintainer approved it." if approved else
             f"The `{STATUS_CONTEXT}` check stays failed until a maintainer adds the `{APPROVAL_LABEL}` label.")
    return (f"> [!WARNING]\n> **This pull request changes code that grades it**: {shown}{more}. "
            "The numbers below were computed by the base branch's code, not by this pull request's. "
            f"{state}\n\n")


def post_status(client: object, repo: str, sha: str, result: Gate, target_url: str | None = None) -> None:
    """Set the ``prodbench`` commit status on ``sha`` (the benchmarked head commit).

    Raises:
        UserError: ``sha`` is not a full commit id, or GitHub refuses.
    """
    if not _SHA.match(sha or ""):
        raise UserError(f"--status-sha must be a full 40-hex commit id, got {str(sha)[:50]!r}", exit_code=2)
    owner, name = (urllib.parse.quote(part, safe="") for part in repo.split("/"))
    body = {"state": result.state, "context": STATUS_CONTEXT, "description": result.description[:140]}
    if target_url and target_url.startswith("https://"):
        body["target_url"] = target_url
    client.request("POST", f"/repos/{owner}/{name}/statuses/{sha}", body)  # type: ignore[attr-defined]
