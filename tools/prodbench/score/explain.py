"""``prodbench score --explain ID``: why one prompt's responses got their scores.

:func:`explain` re-scores the run rows of one prompt with its scoring plan and renders, per
model, the response, each scorer's settings (and where they came from), score, verdict and
rationale, and how the row score follows from the weights and the pass threshold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.records import LoadedPrompt
from prodbench.score.plan import plan_for
from prodbench.score.stage import DEFAULT_PASS_THRESHOLD, score_results

__all__ = ["explain"]

_CLIP = 600


def _clip(text: str, limit: int = _CLIP) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def explain(records: list[LoadedPrompt], run_rows: Iterable[dict[str, Any]], params: dict[str, Any], prompt_id: str,
            *, cache_dir: str | Path | None = None, rubric_dirs: Iterable[str | Path] = ()) -> str:
    """A plain-text explanation of the scores of prompt ``prompt_id`` for every model with a run row.

    Raises:
        UserError: Unknown id (with a few known ids), or no run result for it.
    """
    prompt = next((r for r in records if r.id == prompt_id), None)
    if prompt is None:
        known = ", ".join(sorted(r.id for r in records)[:8])
        raise UserError(f"unknown prompt id {prompt_id!r} in the golden and current rotating prompts "
                        f"(e.g. {known})", exit_code=2)
    rows = [r for r in run_rows if r.get("id") == prompt_id]
    if not rows:
        raise UserError(f"no run result for {prompt_id!r}; run `prodbench run` (or `dvc repro`) first")
    plan = {p.name: p for p in plan_for(prompt, params)}
    scored = score_results([prompt], rows, params, cache_dir=cache_dir, rubric_dirs=rubric_dirs)
    responses = {str(r.get("model")): str(r.get("response") or "") for r in rows}
    threshold = float((params.get("score") or {}).get("pass_threshold", DEFAULT_PASS_THRESHOLD))
    reference = prompt.record.get("reference")
    lines = [f"{prompt_id} ({prompt.task_type}, {prompt.difficulty}) from {prompt.location}"]
    if reference is not None:
        lines.append(f"reference: {_clip(json.dumps(reference, ensure_ascii=False), 300)}")
    for row in scored:
        model = row["model"]
        lines.append("")
        verdict = "no score" if row["score"] is None else "PASS" if row["passed"] else "FAIL"
        score = "n/a" if row["score"] is None else f"{row['score']:.3f}"
        lines.append(f"== {model}: score {score} (pass at {threshold:g}) -> {verdict}")
        if row.get("error"):
            lines.append(f"   error: {row['error']}")
        lines.append(f"   response: {_clip(json.dumps(responses.get(model, ''), ensure_ascii=False))}")
        total = sum(float(s.get("weight") or 0) for s in row["scorers"] if s.get("score") is not None)
        for entry in row["scorers"]:
            planned = plan.get(entry["name"])
            settings = json.dumps(planned.settings, ensure_ascii=False, sort_keys=True) if planned else "{}"
            where = f"{planned.origin[0]}:{planned.origin[1]} {planned.origin[2]}" if planned else "?"
            weight = float(entry.get("weight") or 0)
            share = f"{weight / total:.0%}" if total and entry.get("score") is not None else "-"
            if entry.get("score") is None:
                outcome = f"error: {entry.get('error')}"
            else:
                outcome = f"{entry['score']:.3f} {'pass' if entry.get('passed') else 'fail'}"
            lines.append(f"   - {entry['name']} (weight {weight:g}, {share} of the score) {outcome}")
            lines.append(f"       why: {entry.get('rationale') or '-'}")
            lines.append(f"       settings: {_clip(settings, 300)} (from {where})")
    return "\n".join(lines)
