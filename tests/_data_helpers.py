"""Helpers for the real-prompts-in tests (anonymize, ingest, golden, rotate, review)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner, Result

from prodbench.cli import cli


def record(rid: str, text: str, task_type: str = "fact_recall", difficulty: str = "easy",
           source: str = "expert", **extra: Any) -> dict[str, Any]:
    """A minimal valid prompt record."""
    return {"id": rid, "messages": [{"role": "user", "content": text}], "task_type": task_type,
            "difficulty": difficulty, "source": source, **extra}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def invoke(*args: str, input: str | None = None) -> Result:
    """Run the prodbench CLI in-process (cwd must be the project)."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def clear_prompts(root: Path) -> None:
    """Remove the example prompts (and lock) of a copied project."""
    for path in sorted((root / "prompts").rglob("*"), reverse=True):
        if path.is_file():
            path.unlink()
