"""Materialise one git revision's benchmark inputs without touching the user's tree.

``prodbench diff`` needs the prompts and params of the base (and optionally head)
revision. They are extracted with ``git archive`` into a temporary directory, so the
working tree, index and HEAD are never modified.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from prodbench.core.errors import UserError

#: Paths (relative to the project root) that define a revision's benchmark.
REVISION_PATHS = ("params.yaml", "prompts", "schemas", "rubrics")


@dataclass(frozen=True)
class Revision:
    """A materialised revision.

    Attributes:
        label: What the user asked for (``main``, ``HEAD~1``, ``working tree``).
        sha: Full commit id, or ``None`` for the working tree.
        root: Directory holding that revision's params.yaml and prompts/.
    """

    label: str
    sha: str | None
    root: Path


@overload
def _git(args: list[str], cwd: Path, binary: Literal[False] = False) -> str: ...


@overload
def _git(args: list[str], cwd: Path, binary: Literal[True]) -> bytes: ...


def _git(args: list[str], cwd: Path, binary: bool = False) -> bytes | str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UserError("git is not installed or not on PATH; prodbench diff needs it", exit_code=2) from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise _GitError(message)
    return proc.stdout if binary else proc.stdout.decode("utf-8", "replace").strip()


class _GitError(Exception):
    pass


def repo_prefix(project_root: Path) -> tuple[Path, str]:
    """Return ``(git toplevel, project prefix inside it)``.

    Raises:
        UserError: The project is not inside a git repository.
    """
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], project_root))
        prefix = _git(["rev-parse", "--show-prefix"], project_root)
    except _GitError:
        raise UserError(f"{project_root} is not inside a git repository; prodbench diff compares git "
                        "revisions (run `git init` and commit first)", exit_code=2) from None
    return top, prefix


def resolve(project_root: Path, rev: str) -> str:
    """Resolve ``rev`` to a full commit id.

    Raises:
        UserError: The revision does not exist (with a hint for shallow CI clones).
    """
    if rev.startswith("-"):
        raise UserError(f"invalid revision {rev!r}", exit_code=2)
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], project_root)
    except _GitError:
        raise UserError(
            f"unknown git revision {rev!r}: check the name, or fetch it first (in CI use "
            "`actions/checkout` with `fetch-depth: 0`, or `git fetch origin <base>`)",
            exit_code=2,
        ) from None


def materialise(project_root: Path, rev: str, dest: Path) -> Revision:
    """Extract params.yaml, prompts/, schemas/ and rubrics/ of ``rev`` into ``dest``.

    Args:
        project_root: The working tree's project root.
        rev: Any git revision.
        dest: Empty directory to extract into.

    Returns:
        The :class:`Revision` rooted at ``dest``.

    Raises:
        UserError: Unknown revision, or the revision has no params.yaml.
    """
    sha = resolve(project_root, rev)
    top, prefix = repo_prefix(project_root)
    present = []
    for path in REVISION_PATHS:
        try:
            _git(["cat-file", "-e", f"{sha}:{prefix}{path}"], top)
            present.append(prefix + path)
        except _GitError:
            continue
    if prefix + "params.yaml" not in present:
        raise UserError(f"revision {rev} ({sha[:10]}) has no {prefix}params.yaml: it predates prodbench, "
                        "pick a later base", exit_code=2)
    data = _git(["archive", "--format=tar", sha, "--", *present], top, binary=True)
    dest.mkdir(parents=True, exist_ok=True)
    _extract(data, dest, prefix)
    return Revision(label=rev, sha=sha, root=dest)


def _extract(data: bytes, dest: Path, prefix: str) -> None:
    """Extract regular files of a tar stream under ``dest``, stripping ``prefix``."""
    dest = dest.resolve()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue  # symlinks and devices are not benchmark data
            name = member.name[len(prefix):] if prefix and member.name.startswith(prefix) else member.name
            target = (dest / name).resolve()
            if dest not in target.parents:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = archive.extractfile(member)
            if handle is not None:
                target.write_bytes(handle.read())


def working_tree(project_root: Path) -> Revision:
    """The working tree as a revision (files are read in place)."""
    return Revision(label="working tree", sha=None, root=project_root)
