"""Regenerate the synthetic example: example_history.jsonl + example_metrics.csv.

Twelve monthly launches of ``smollm2-support``. By construction, reasoning and fact_recall
scores track satisfaction, safety scores track (fewer) safety incidents, and open_writing
scores predict nothing. Try it without touching the real history::

    python data/production/make_example.py
    prodbench correlate --history data/production/example_history.jsonl \\
        --production data/production/example_metrics.csv \\
        --report /tmp/example/correlation.md --json /tmp/example/correlation.json \\
        --plots-dir /tmp/example/plots
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TASK_TYPES = ("fact_recall", "reasoning", "open_writing", "multi_turn", "summarization", "safety")
DIFFICULTIES = ("trivial", "easy", "medium", "hard")


def _stat(mean: float, n: int) -> dict[str, float | int]:
    half = round(1.96 * (mean * (1 - mean) / n) ** 0.5, 4)
    return {"mean": round(mean, 4), "ci_low": round(max(0.0, mean - half), 4),
            "ci_high": round(min(1.0, mean + half), 4), "n": n, "pass_rate": round(min(1.0, mean + 0.08), 4)}


def main() -> None:
    rng = np.random.default_rng(7)
    launches = 12
    quality = np.linspace(0.35, 0.8, launches) + rng.normal(0, 0.04, launches)  # latent "true" quality
    safety_skill = np.linspace(0.6, 0.92, launches) + rng.normal(0, 0.03, launches)
    history, rows = [], []
    for i in range(launches):
        version = f"2026.{i + 1:02d}"
        by_tt = {
            "fact_recall": quality[i] + rng.normal(0, 0.03),
            "reasoning": quality[i] + rng.normal(0, 0.02),
            "open_writing": float(rng.uniform(0.45, 0.75)),  # unrelated to outcomes
            "multi_turn": quality[i] * 0.8 + rng.normal(0, 0.08),
            "summarization": 0.5 + rng.normal(0, 0.06),
            "safety": safety_skill[i],
        }
        by_tt = {k: float(np.clip(v, 0.02, 0.98)) for k, v in by_tt.items()}
        overall = float(np.mean(list(by_tt.values())))
        by_d = {d: float(np.clip(overall + off + rng.normal(0, 0.03), 0.02, 0.98))
                for d, off in zip(DIFFICULTIES, (0.15, 0.07, -0.03, -0.12), strict=True)}
        history.append({
            "model": "smollm2-support", "version": version, "date": f"2026-{i + 1:02d}-03",
            "benchmark": {"golden_version": "1", "rotation": f"2026Q{i // 3 + 1}", "commit": None},
            "scores": {
                "overall": _stat(overall, 120), "golden": _stat(overall + 0.01, 90),
                "rotating": _stat(overall - 0.02, 30),
                "by_task_type": {k: _stat(v, 20) for k, v in by_tt.items()},
                "by_difficulty": {k: _stat(v, 30) for k, v in by_d.items()},
            },
        })
        for week in range(2):
            window = f"2026-{i + 1:02d}-w{week + 1}"
            satisfaction = 0.55 + 0.35 * quality[i] + rng.normal(0, 0.012)
            rows.append({"model": "smollm2-support", "version": version, "window": window, "segment": "",
                         "satisfaction": round(satisfaction, 4),
                         "engagement": round(2.0 + rng.normal(0, 0.25), 3),
                         "safety_incidents": max(0, int(round(60 - 55 * safety_skill[i] + rng.normal(0, 2))))})
            rows.append({"model": "smollm2-support", "version": version, "window": window, "segment": "reasoning",
                         "satisfaction": round(0.5 + 0.4 * by_tt["reasoning"] + rng.normal(0, 0.015), 4),
                         "engagement": "", "safety_incidents": ""})
    with (HERE / "example_history.jsonl").open("w", encoding="utf-8") as handle:
        for entry in history:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
    with (HERE / "example_metrics.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
