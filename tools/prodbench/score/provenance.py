"""What a metrics document was computed from (``benchmark`` in ``metrics/scores.json``).

``prodbench score`` records the git commit it ran on (and whether prompts or params.yaml had
uncommitted changes on top of it), the golden lock version and set hash, the rotating period,
a hash of the scored prompts and the judge. ``prodbench launch record`` copies these instead
of looking at the checkout it runs in, so a launch recorded later still names the benchmark
its scores came from.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from prodbench.core.project import Project
from prodbench.core.records import LoadedPrompt, content_hash


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def git_state(root: Path) -> tuple[str | None, bool | None]:
    """``(HEAD commit, inputs changed since it)`` of ``root``; ``(None, None)`` outside git.

    The inputs are ``prompts/`` and ``params.yaml``: uncommitted changes there mean the scores
    come from the working tree on top of the commit.
    """
    head = (_git(root, "rev-parse", "HEAD") or "").strip()
    if len(head) < 7:
        return None, None
    status = _git(root, "status", "--porcelain", "--", "prompts", "params.yaml")
    return head, (bool(status.strip()) if status is not None else None)


def golden_lock(path: Path) -> tuple[str | None, str | None]:
    """``(version, set_hash)`` of the golden lock, or ``(None, None)`` when missing or unreadable."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    version, set_hash = data.get("version"), data.get("set_hash")
    return (str(version) if version is not None else None), (str(set_hash) if set_hash else None)


def prompts_hash(records: Iterable[LoadedPrompt]) -> str:
    """A 16-hex hash of the scored prompts (ids and content hashes, order-free)."""
    pairs = sorted(f"{r.id}\0{content_hash(r.record)}" for r in records)
    return hashlib.sha256("\n".join(pairs).encode("utf-8")).hexdigest()[:16]


def benchmark_provenance(project: Project, params: Mapping[str, Any], records: list[LoadedPrompt],
                         judge: str | None) -> dict[str, Any]:
    """The ``benchmark`` entry of the metrics document.

    Args:
        project: The project (git root and golden lock).
        params: Loaded params.yaml (``rotation.current``).
        records: The scored prompts (golden + current rotating).
        judge: The judge model string, or None when no judge was planned.
    """
    commit, dirty = git_state(project.root)
    version, set_hash = golden_lock(project.golden_lock)
    return {
        "commit": commit,
        "uncommitted_changes": dirty,
        "golden_version": version,
        "golden_set_hash": set_hash,
        "rotation": (params.get("rotation") or {}).get("current"),
        "prompts": len(records),
        "prompts_hash": prompts_hash(records),
        "judge": judge,
    }
