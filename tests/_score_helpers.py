"""Deprecated: kept only for tests/score/test_score_judge.py until it takes fixtures.

Use the ``make_record`` / ``make_run_row`` fixtures of ``tests/conftest.py`` instead (same
signatures); this module disappears once nothing imports it.
"""

from __future__ import annotations

from typing import Any

from prodbench.core.records import LoadedPrompt


def record(rid: str = "p-001", task_type: str = "fact_recall", difficulty: str = "easy", *,
           user: str = "What is the Pro plan price?", reference: Any = None, checks: dict | None = None,
           set_name: str = "golden", **extra: Any) -> LoadedPrompt:
    """A prompt as ``load_prompts`` returns it (the ``make_record`` fixture)."""
    rec: dict[str, Any] = {"id": rid, "messages": [{"role": "user", "content": user}], "task_type": task_type,
                           "difficulty": difficulty, "source": "synthetic"}
    if reference is not None:
        rec["reference"] = reference
    if checks is not None:
        rec["checks"] = checks
    rec.update(extra)
    return LoadedPrompt(rec, set_name, f"prompts/{set_name}/x.jsonl", 1)  # type: ignore[arg-type]


def run_row(rec: LoadedPrompt, model: str, response: str | None, *, error: dict | None = None,
            latency: float = 0.5, tokens: tuple[int, int] = (20, 10), cached: bool = False,
            cost: float | None = None) -> dict[str, Any]:
    """A run result row for ``rec`` (the ``make_run_row`` fixture)."""
    usage = {"prompt_tokens": tokens[0], "completion_tokens": tokens[1], "total_tokens": sum(tokens)}
    return {"id": rec.id, "model": model, "set": rec.set, "task_type": rec.task_type,
            "difficulty": rec.difficulty, "prompt_hash": "0" * 16, "config_hash": "1" * 16,
            "turns": [], "response": response if error is None else None, "usage": usage, "cost_usd": cost,
            "latency_s": latency, "cached": cached, "attempts": 1, "error": error}
