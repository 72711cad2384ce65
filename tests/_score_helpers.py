"""Helpers for the score/report tests: hand-made prompt records and run result rows."""

from __future__ import annotations

from typing import Any

from prodbench.scorers import Context, Item, ScoreResult, get_scorer


def record(rid: str = "p-001", task_type: str = "fact_recall", difficulty: str = "easy", *,
           user: str = "What is the Pro plan price?", reference: Any = None, checks: dict | None = None,
           set_name: str = "golden", **extra: Any) -> dict[str, Any]:
    """A prompt record as ``load_prompts`` returns it (with the private ``_`` keys)."""
    rec: dict[str, Any] = {"id": rid, "messages": [{"role": "user", "content": user}], "task_type": task_type,
                           "difficulty": difficulty, "source": "synthetic", "_set": set_name,
                           "_file": f"prompts/{set_name}/x.jsonl", "_line": 1}
    if reference is not None:
        rec["reference"] = reference
    if checks is not None:
        rec["checks"] = checks
    rec.update(extra)
    return rec


def run_row(rec: dict[str, Any], model: str, response: str | None, *, error: dict | None = None,
            latency: float = 0.5, tokens: tuple[int, int] = (20, 10), cached: bool = False,
            cost: float | None = None) -> dict[str, Any]:
    """A run result row (results/run/<model>.jsonl) for ``rec``."""
    usage = {"prompt_tokens": tokens[0], "completion_tokens": tokens[1], "total_tokens": sum(tokens)}
    return {"id": rec["id"], "model": model, "set": rec.get("_set", "golden"), "task_type": rec["task_type"],
            "difficulty": rec["difficulty"], "prompt_hash": "0" * 16, "config_hash": "1" * 16,
            "turns": [], "response": response if error is None else None, "usage": usage, "cost_usd": cost,
            "latency_s": latency, "cached": cached, "attempts": 1, "error": error}


def apply(name: str, settings: dict[str, Any], response: str, rec: dict[str, Any] | None = None,
          params: dict[str, Any] | None = None) -> ScoreResult:
    """Build scorer ``name`` with ``settings`` and score one response."""
    scorer = get_scorer(name)(settings, Context(params=params or {}))
    return scorer(Item(record=rec or record(), response=response, model="m"))
