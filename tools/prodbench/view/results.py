"""The data of the Results view: one row per prompt, every model's answer and scores beside it.

:func:`results_payload` joins the prompt records (golden + current rotating), the run rows
``results/run/<model>.jsonl`` and the score rows ``results/scores.jsonl`` into one plain JSON
document the page reads. Nothing here is trusted HTML: the page renders every string as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prodbench.core.fsutil import read_jsonl
from prodbench.core.project import Project
from prodbench.core.prompts import GOLDEN, ROTATING, load_prompts


def run_files(project: Project) -> list[Path]:
    """The final run files ``results/run/<model>.jsonl`` (shard files left out), by name."""
    folder = project.results_dir / "run"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.jsonl") if ".shard-" not in p.name)


def _answer(run: dict[str, Any] | None, score: dict[str, Any] | None) -> dict[str, Any]:
    """One model's answer to one prompt, with what the page shows of its run and score rows."""
    run = run or {}
    usage = run.get("usage") or {}
    turns = [t.get("content") for t in run.get("turns") or []]
    answer: dict[str, Any] = {
        "turns": turns or [run.get("response")],
        "latency_s": run.get("latency_s"),
        "tokens": usage.get("total_tokens"),
        "cost_usd": run.get("cost_usd"),
        "cached": bool(run.get("cached")),
        "error": (run.get("error") or {}).get("message") if run.get("error") else None,
        "score": None, "passed": None, "score_error": None, "scorers": [],
    }
    if score:
        answer["score"] = score.get("score")
        answer["passed"] = score.get("passed")
        answer["score_error"] = score.get("error")
        answer["scorers"] = [
            {"name": s.get("name"), "weight": s.get("weight"), "score": s.get("score"), "passed": s.get("passed"),
             "rationale": s.get("rationale"), "error": s.get("error")}
            for s in score.get("scorers") or []
        ]
    return answer


def results_payload(project: Project, params: dict[str, Any]) -> dict[str, Any]:
    """The Results view's document.

    Returns:
        ``{"models": [...], "task_types": [...], "difficulties": [...], "prompts": [{"id", "set",
        "task_type", "difficulty", "messages", "reference"}], "answers": {model: {id: answer}}}``.
        Prompts come from the prompt files; ids found only in results are added from their
        run rows (their messages are unknown then).
    """
    taxonomy = params.get("taxonomy") or {}
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for path in run_files(project):
        rows = read_jsonl(path, tolerate_truncated_tail=True)
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("id"), str):
                runs.setdefault(str(row.get("model") or path.stem), {})[row["id"]] = row
    scores: dict[str, dict[str, dict[str, Any]]] = {}
    scores_path = project.results_dir / "scores.jsonl"
    if scores_path.is_file():
        for row in read_jsonl(scores_path, tolerate_truncated_tail=True):
            if isinstance(row, dict) and isinstance(row.get("id"), str) and row.get("model"):
                scores.setdefault(str(row["model"]), {})[row["id"]] = row
    models = sorted(set(runs) | set(scores))
    prompts: list[dict[str, Any]] = []
    seen: set[str] = set()
    for loaded in load_prompts(project, params, (GOLDEN, ROTATING)):
        if loaded.id in seen:
            continue
        seen.add(loaded.id)
        record = loaded.record
        prompts.append({"id": loaded.id, "set": loaded.set, "task_type": loaded.task_type,
                        "difficulty": loaded.difficulty, "messages": record.get("messages") or [],
                        "reference": record.get("reference"), "location": loaded.location})
    for model in models:
        for rid, row in {**runs.get(model, {}), **scores.get(model, {})}.items():
            if rid not in seen:
                seen.add(rid)
                prompts.append({"id": rid, "set": row.get("set"), "task_type": row.get("task_type"),
                                "difficulty": row.get("difficulty"), "messages": [], "reference": None,
                                "location": None})
    answers = {
        model: {p["id"]: _answer(runs.get(model, {}).get(p["id"]), scores.get(model, {}).get(p["id"]))
                for p in prompts if p["id"] in runs.get(model, {}) or p["id"] in scores.get(model, {})}
        for model in models
    }
    return {
        "models": models,
        "task_types": list(taxonomy.get("task_types") or {}),
        "difficulties": list(taxonomy.get("difficulties") or []),
        "prompts": prompts,
        "answers": answers,
    }


__all__ = ["results_payload", "run_files"]
