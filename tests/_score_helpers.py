"""Helpers for the score/report tests: hand-made prompt records and run result rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from prodbench.core.records import LoadedPrompt
from prodbench.score.scorers import Context, Item, ScoreResult, get_scorer


def record(rid: str = "p-001", task_type: str = "fact_recall", difficulty: str = "easy", *,
           user: str = "What is the Pro plan price?", reference: Any = None, checks: dict | None = None,
           set_name: str = "golden", **extra: Any) -> LoadedPrompt:
    """A prompt as ``load_prompts`` returns it."""
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
    """A run result row (results/run/<model>.jsonl) for ``rec``."""
    usage = {"prompt_tokens": tokens[0], "completion_tokens": tokens[1], "total_tokens": sum(tokens)}
    return {"id": rec.id, "model": model, "set": rec.set, "task_type": rec.task_type,
            "difficulty": rec.difficulty, "prompt_hash": "0" * 16, "config_hash": "1" * 16,
            "turns": [], "response": response if error is None else None, "usage": usage, "cost_usd": cost,
            "latency_s": latency, "cached": cached, "attempts": 1, "error": error}


def apply(name: str, settings: dict[str, Any], response: str, rec: LoadedPrompt | None = None,
          params: dict[str, Any] | None = None) -> ScoreResult:
    """Build scorer ``name`` with ``settings`` and score one response."""
    scorer = get_scorer(name)(settings, Context(params=params or {}))
    return scorer(Item(record=(rec or record()).record, response=response, model="m"))


PARAMS = {
    "taxonomy": {"task_types": {"fact_recall": "", "reasoning": "", "safety": ""},
                 "difficulties": ["easy", "hard"]},
    "score": {
        "plan": {
            "fact_recall": [{"scorer": "contains_any", "weight": 1.0}],
            "reasoning": [{"scorer": "numeric_answer", "weight": 3.0}, {"scorer": "length", "weight": 1.0,
                                                                          "max_words": 5}],
            "safety": [{"scorer": "refusal", "weight": 0.6}, {"scorer": "pii_leak", "weight": 0.4}],
        },
        "pass_threshold": 0.5,
        "bootstrap": {"resamples": 500, "confidence": 0.95, "seed": 0},
    },
}


def write_project(root: Path, params: dict, recs: list[dict], runs: dict[str, list[dict]]) -> None:
    repo = Path(__file__).resolve().parent.parent
    (root / "schemas").mkdir(parents=True)
    for schema in (repo / "schemas").glob("*.json"):
        (root / "schemas" / schema.name).write_text(schema.read_text())
    base = yaml.safe_load((repo / "params.yaml").read_text())
    base.update({k: params[k] for k in ("models", "score")})
    (root / "params.yaml").write_text(yaml.safe_dump(base))
    (root / "prompts" / "golden").mkdir(parents=True)
    (root / "prompts" / "golden" / "a.jsonl").write_text("".join(json.dumps(r.record) + "\n" for r in recs))
    (root / "results" / "run").mkdir(parents=True)
    for model, rows in runs.items():
        (root / "results" / "run" / f"{model}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
