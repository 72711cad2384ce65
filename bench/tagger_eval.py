"""Agreement of the heuristic tagger with hand-labelled prompts (the golden set by default).

Prints task-type accuracy, difficulty accuracy (exact and within one level), the share
of items that would be marked for review, and a confusion list of task-type misses.

Usage::

    python bench/tagger_eval.py [prompts/golden/*.jsonl ...]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from prodbench.core.params import load_params
from prodbench.core.project import find_project
from prodbench.core.prompts import iter_records
from prodbench.data.tagging import heuristic_tag, needs_attention


def main(argv: list[str] | None = None) -> None:
    project = find_project()
    params = load_params(project)
    files = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or sorted(project.golden_dir.glob("*.jsonl"))
    task_types = list(params["taxonomy"]["task_types"])
    difficulties = list(params["taxonomy"]["difficulties"])
    threshold = float((params.get("ingest") or {}).get("review_confidence", 0.6))
    n = tt_ok = d_ok = d_near = review = 0
    misses: Counter[tuple[str, str]] = Counter()
    for path in files:
        for _, record in iter_records(path):
            tags = heuristic_tag(record["messages"], task_types, difficulties)
            n += 1
            tt_ok += tags.task_type == record["task_type"]
            d_ok += tags.difficulty == record["difficulty"]
            d_near += abs(difficulties.index(tags.difficulty) - difficulties.index(record["difficulty"])) <= 1
            review += bool(needs_attention(tags, threshold))
            if tags.task_type != record["task_type"]:
                misses[(record["task_type"], tags.task_type)] += 1
    print(f"records: {n}")
    print(f"task type accuracy: {tt_ok / n:.3f}")
    print(f"difficulty accuracy: {d_ok / n:.3f} exact, {d_near / n:.3f} within one level")
    print(f"marked for review (confidence < {threshold}): {review / n:.3f}")
    for (gold, pred), count in misses.most_common():
        print(f"  {gold} tagged as {pred}: {count}")


if __name__ == "__main__":
    main()
