"""Quarterly rotating slice: stratified, seeded sampling of approved pool items.

``prodbench rotate --period 2027Q1 --size N`` picks N approved pool items into
``prompts/rotating/2027Q1/slice.jsonl``:

* candidates: ``review.status: approved``, task type and difficulty in the taxonomy,
  not in the golden set (same id, same or near-duplicate text) and not in the last
  ``rotation.exclude_recent`` slices;
* stratified towards the coverage targets of the benchmark (golden set + slice): one
  item at a time from the task type x difficulty cell with the largest combined
  shortfall against ``coverage.task_type_share`` and ``coverage.difficulty_share``;
* seeded: candidates are shuffled per cell with ``random.Random("<seed>:<period>")``,
  so the same pool, params and period always give the same slice;
* scorable: an approved pool item the scoring plan cannot score (no reference, no checks and
  no ``score.reference_free`` plan for its task type, ...) is not sampled, and is reported at
  its ``file:line`` (:mod:`prodbench.score.scorable`);
* ``rotation.current`` in params.yaml is updated with ruamel (comments survive). Old
  slices stay in the repository for history.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.fsutil import write_jsonl
from prodbench.core.params import edit_params
from prodbench.core.project import Project
from prodbench.core.prompts import iter_records, public_record
from prodbench.data.dedupe import DedupeIndex, record_text

PERIOD_RE = re.compile(r"^[0-9]{4}Q[1-4]$")
SLICE_FILE = "slice.jsonl"


@dataclass
class RotationResult:
    """What a rotation picked and how it compares with the targets."""

    period: str
    path: str
    selected: list[dict[str, Any]]
    candidates: int
    excluded: Counter[str] = field(default_factory=Counter)
    task_types: Counter[str] = field(default_factory=Counter)
    difficulties: Counter[str] = field(default_factory=Counter)
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    unscorable: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        tt = ", ".join(f"{k} {v}" for k, v in sorted(self.task_types.items()))
        excluded = ", ".join(f"{k} {v}" for k, v in sorted(self.excluded.items())) or "none"
        return (f"{self.path}: {len(self.selected)} items from {self.candidates} candidates ({tt}); "
                f"excluded: {excluded}")


def check_period(period: str) -> str:
    """Validate a period label such as ``2027Q1``."""
    if not PERIOD_RE.match(period or ""):
        raise UserError(f"--period {period!r} must look like 2027Q1 (year, Q, quarter 1-4)", exit_code=2)
    return period


def existing_periods(project: Project) -> list[str]:
    """Rotating periods present in the repository, oldest first."""
    if not project.rotating_dir.is_dir():
        return []
    return sorted(p.name for p in project.rotating_dir.iterdir() if p.is_dir() and PERIOD_RE.match(p.name))


def _load(paths: list, label_of) -> list[dict[str, Any]]:  # noqa: ANN001
    records = []
    for path in paths:
        for _, record in iter_records(path, label_of(path)):
            records.append(record)
    return records


def _shares(params: dict[str, Any], key: str, names: list[str]) -> dict[str, float]:
    shares = ((params.get("coverage") or {}).get(key) or {})
    if not shares:
        return {n: 1.0 / len(names) for n in names}
    total = sum(float(shares.get(n, 0)) for n in names) or 1.0
    return {n: float(shares.get(n, 0)) / total for n in names}


def sample_slice(
    pool: list[dict[str, Any]],
    golden: list[dict[str, Any]],
    recent: list[dict[str, Any]],
    params: dict[str, Any],
    period: str,
    size: int,
    seed: int,
) -> tuple[list[dict[str, Any]], int, Counter[str], dict[str, dict[str, float]]]:
    """Pick the slice (pure function of its inputs).

    Returns:
        ``(selected records sorted by id, number of candidates, exclusion counts, targets)``.
    """
    taxonomy = params.get("taxonomy") or {}
    task_types = list(taxonomy.get("task_types") or {})
    difficulties = list(taxonomy.get("difficulties") or [])
    threshold = float(((params.get("ingest") or {}).get("dedupe") or {}).get("near_threshold", 0.85))
    excluded: Counter[str] = Counter()

    golden_ids = {str(r.get("id")) for r in golden}
    recent_ids = {str(r.get("id")) for r in recent}
    index = DedupeIndex(threshold)
    for record in golden:
        index.add_record(record, "golden")
    recent_index = DedupeIndex(threshold)
    for record in recent:
        recent_index.add_record(record, "rotating")

    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for record in sorted(pool, key=lambda r: str(r.get("id"))):
        rid = str(record.get("id"))
        if (record.get("review") or {}).get("status") != "approved":
            excluded["not approved"] += 1
            continue
        if rid in seen:
            excluded["duplicate id in pool"] += 1
            continue
        seen.add(rid)
        task_type, difficulty = record.get("task_type"), record.get("difficulty")
        if task_type not in task_types or difficulty not in difficulties:
            excluded["not in taxonomy"] += 1
            continue
        cell = (str(task_type), str(difficulty))
        if rid in golden_ids:
            excluded["in golden set"] += 1
            continue
        if rid in recent_ids:
            excluded["in a recent slice"] += 1
            continue
        text = record_text(record)
        if index.check(text)[0] is not None:
            excluded["overlaps golden text"] += 1
            continue
        if recent_index.check(text)[0] is not None:
            excluded["overlaps a recent slice"] += 1
            continue
        cells.setdefault(cell, []).append(record)
    candidates = sum(len(v) for v in cells.values())

    rng = random.Random(f"{seed}:{period}")
    for cell in sorted(cells):
        rng.shuffle(cells[cell])

    tt_share = _shares(params, "task_type_share", task_types)
    d_share = _shares(params, "difficulty_share", difficulties)
    total = len(golden) + min(size, candidates)
    tt_target = {t: tt_share[t] * total for t in task_types}
    d_target = {d: d_share[d] * total for d in difficulties}
    tt_count = Counter(str(r.get("task_type")) for r in golden)
    d_count = Counter(str(r.get("difficulty")) for r in golden)
    order = {cell: i for i, cell in enumerate((t, d) for t in task_types for d in difficulties)}

    selected: list[dict[str, Any]] = []
    while len(selected) < size:
        open_cells = [c for c in cells if cells[c]]
        if not open_cells:
            break
        best = max(open_cells, key=lambda c: (
            (tt_target[c[0]] - tt_count[c[0]]) / max(tt_target[c[0]], 1e-9)
            + (d_target[c[1]] - d_count[c[1]]) / max(d_target[c[1]], 1e-9),
            -order[c],
        ))
        record = cells[best].pop()
        selected.append(record)
        tt_count[best[0]] += 1
        d_count[best[1]] += 1
    targets = {"task_type": {t: round(tt_target[t], 2) for t in task_types},
               "difficulty": {d: round(d_target[d], 2) for d in difficulties}}
    return sorted(selected, key=lambda r: str(r.get("id"))), candidates, excluded, targets


def rotate(
    project: Project,
    params: dict[str, Any],
    period: str,
    size: int | None = None,
    seed: int | None = None,
    force: bool = False,
    set_current: bool = True,
) -> RotationResult:
    """Sample and write the slice for ``period`` and make it current.

    Raises:
        UserError: Bad period/size, the slice exists (without ``force``), or no candidates.
    """
    check_period(period)
    rotation = params.get("rotation") or {}
    size = int(size if size is not None else rotation.get("size", 30))
    seed = int(seed if seed is not None else rotation.get("seed", 0))
    if size < 1:
        raise UserError("--size must be at least 1", exit_code=2)
    target_dir = project.rotating_dir / period
    if target_dir.is_dir() and any(target_dir.glob("*.jsonl")) and not force:
        raise UserError(f"{project.rel(target_dir)} already has a slice; old slices are history and are not "
                        "overwritten (use --force to re-sample it deliberately)")
    recent_n = int(rotation.get("exclude_recent", 2))
    earlier = [p for p in existing_periods(project) if p < period]
    recent_periods = earlier[-recent_n:] if recent_n else []
    label = project.rel
    pool, unscorable = _scorable_pool(project, params)
    golden = _load(sorted(project.golden_dir.rglob("*.jsonl")), label)
    recent = _load([p for rp in recent_periods for p in sorted((project.rotating_dir / rp).rglob("*.jsonl"))],
                   label)
    selected, candidates, excluded, targets = sample_slice(pool, golden, recent, params, period, size, seed)
    if unscorable:
        excluded["cannot be scored"] += len({(p.file, p.line) for p in unscorable if p.file != "params.yaml"})
    if not selected:
        raise UserError(f"no approved pool items are eligible for {period} "
                        f"({', '.join(f'{k}: {v}' for k, v in sorted(excluded.items())) or 'the pool is empty'}); "
                        "ingest logs and approve items with `prodbench review` first")
    path = target_dir / SLICE_FILE
    write_jsonl(path, [public_record(r) for r in selected])
    if set_current:
        with edit_params(project) as tree:
            if tree.get("rotation") is None:
                tree["rotation"] = {}
            tree["rotation"]["current"] = period
    return RotationResult(
        period=period, path=project.rel(path), selected=selected, candidates=candidates, excluded=excluded,
        task_types=Counter(str(r["task_type"]) for r in selected),
        difficulties=Counter(str(r["difficulty"]) for r in selected), targets=targets, unscorable=unscorable,
    )


def _scorable_pool(project: Project, params: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The pool's records, less the approved ones the scoring plan cannot score, and why (``file:line``)."""
    from prodbench.core.records import LoadedPrompt
    from prodbench.score.scorable import ScorableCheck

    check = ScorableCheck(params, [project.root / "rubrics"])
    pool: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for path in sorted(project.pool_dir.rglob("*.jsonl")):
        label = project.rel(path)
        for line, record in iter_records(path, label):
            found = []
            if (record.get("review") or {}).get("status") == "approved":
                found = check.problems(LoadedPrompt(record, "pool", label, line))  # type: ignore[arg-type]
            problems += found
            if not found:
                pool.append(record)
    return pool, problems + check.plan_problems()
