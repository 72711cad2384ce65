"""Coverage of the benchmark: a task type x difficulty table against target shares.

:func:`coverage_table` counts records per cell for the golden set, the current
rotating slice and both together, and sets them against params.yaml ``coverage``:

* ``target`` of a cell = ``task_type_share[t] * difficulty_share[d]`` (shares are
  normalised to sum to 1; a missing share means no target);
* ``expected`` = ``target * n`` where ``n`` is the set's record count;
* ``shortfall`` = how many records the cell lacks to reach both
  ``round(expected)`` and ``coverage.min_per_cell``;
* ``below_min`` flags cells with fewer than ``min_per_cell`` records (never in an
  empty set: no rotating slice is not a coverage gap).

Task types and difficulties found in records but missing from the taxonomy get rows
or columns of their own (target 0), so nothing is silently dropped. The result is
plain JSON-serialisable data with deterministic ordering; :func:`coverage_markdown`
renders it for reports and PR comments, :func:`render_rich` for the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prodbench.core.records import LoadedPrompt

SETS = ("golden", "rotating", "all")
DIGITS = 4


def _normalised(shares: dict[str, float] | None, keys: list[str]) -> dict[str, float]:
    shares = {k: float(v) for k, v in (shares or {}).items() if k in keys}
    total = sum(shares.values())
    return {k: (shares.get(k, 0.0) / total if total else 0.0) for k in keys}


def _axes(records: list[dict[str, Any]], params: dict[str, Any]) -> tuple[list[str], list[str]]:
    taxonomy = params.get("taxonomy") or {}
    task_types = list(taxonomy.get("task_types") or {})
    difficulties = list(taxonomy.get("difficulties") or [])
    extra_tt = sorted({str(r.get("task_type")) for r in records} - set(task_types))
    extra_d = sorted({str(r.get("difficulty")) for r in records} - set(difficulties))
    return task_types + extra_tt, difficulties + extra_d


def _set_table(
    records: list[dict[str, Any]],
    task_types: list[str],
    difficulties: list[str],
    tt_share: dict[str, float],
    d_share: dict[str, float],
    min_per_cell: int,
) -> dict[str, Any]:
    n = len(records)
    counts: dict[tuple[str, str], int] = {}
    for record in records:
        key = (str(record.get("task_type")), str(record.get("difficulty")))
        counts[key] = counts.get(key, 0) + 1

    def share(count: int) -> float | None:
        return round(count / n, DIGITS) if n else None

    def entry(count: int, target: float, minimum: int) -> dict[str, Any]:
        expected = target * n
        needed = max(round(expected), minimum) if target > 0 or minimum else 0
        return {
            "count": count,
            "share": share(count),
            "target": round(target, DIGITS),
            "expected": round(expected, 2),
            "shortfall": max(0, needed - count),
        }

    cells: dict[str, dict[str, Any]] = {}
    below_min: list[str] = []
    covered = 0
    for tt in task_types:
        row = {}
        for d in difficulties:
            target = tt_share.get(tt, 0.0) * d_share.get(d, 0.0)
            in_taxonomy = tt in tt_share and d in d_share
            cell = entry(counts.get((tt, d), 0), target, min_per_cell if in_taxonomy else 0)
            cell["below_min"] = bool(n) and in_taxonomy and cell["count"] < min_per_cell
            if cell["below_min"]:
                below_min.append(f"{tt}/{d}")
            if cell["count"]:
                covered += 1
            row[d] = cell
        cells[tt] = row
    by_task_type = {
        tt: entry(sum(counts.get((tt, d), 0) for d in difficulties), tt_share.get(tt, 0.0), 0) for tt in task_types
    }
    by_difficulty = {
        d: entry(sum(counts.get((tt, d), 0) for tt in task_types), d_share.get(d, 0.0), 0) for d in difficulties
    }
    return {
        "n": n,
        "cells": cells,
        "by_task_type": by_task_type,
        "by_difficulty": by_difficulty,
        "cells_total": len(tt_share) * len(d_share),
        "cells_covered": covered,
        "below_min": below_min,
    }


def coverage_table(prompts: Iterable[LoadedPrompt], params: dict[str, Any]) -> dict[str, Any]:
    """Count records per task type x difficulty and compare with the targets.

    Args:
        prompts: Loaded prompts (:func:`prodbench.core.prompts.load_prompts`); ``golden``
            and ``rotating`` are counted per set, anything else only in ``all``.
        params: Loaded params.yaml (``taxonomy`` and ``coverage``).

    Returns:
        ``{"task_types": [...], "difficulties": [...], "min_per_cell": m,
        "targets": {"task_type_share": {...}, "difficulty_share": {...}},
        "sets": {"golden": T, "rotating": T, "all": T}}`` where each ``T`` has ``n``,
        ``cells[task_type][difficulty]`` = ``{count, share, target, expected, shortfall,
        below_min}``, ``by_task_type``, ``by_difficulty``, ``cells_total``,
        ``cells_covered`` and ``below_min`` (list of ``"task_type/difficulty"``).
    """
    prompts = list(prompts)
    records: list[dict[str, Any]] = [dict(p.record) for p in prompts]
    task_types, difficulties = _axes(records, params)
    taxonomy = params.get("taxonomy") or {}
    known_tt = list(taxonomy.get("task_types") or {})
    known_d = list(taxonomy.get("difficulties") or [])
    coverage = params.get("coverage") or {}
    tt_share = _normalised(coverage.get("task_type_share"), known_tt)
    d_share = _normalised(coverage.get("difficulty_share"), known_d)
    min_per_cell = int(coverage.get("min_per_cell", 0) or 0)
    by_set: dict[str, list[dict[str, Any]]] = {"golden": [], "rotating": [], "all": []}
    for prompt in prompts:
        if prompt.set in ("golden", "rotating"):
            by_set[prompt.set].append(dict(prompt.record))
        by_set["all"].append(dict(prompt.record))
    return {
        "task_types": task_types,
        "difficulties": difficulties,
        "min_per_cell": min_per_cell,
        "targets": {
            "task_type_share": {k: round(v, DIGITS) for k, v in tt_share.items()},
            "difficulty_share": {k: round(v, DIGITS) for k, v in d_share.items()},
        },
        "sets": {
            name: _set_table(by_set[name], task_types, difficulties, tt_share, d_share, min_per_cell) for name in SETS
        },
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


SET_TITLES = {"golden": "Golden set", "rotating": "Rotating slice", "all": "Golden + rotating"}


def coverage_markdown(table: dict[str, Any], sets: Iterable[str] = SETS) -> str:
    """Render a coverage table as GitHub markdown (one section per set).

    Each section has the count grid (task type x difficulty, ``⚠`` marking cells below
    the minimum) with per-row share vs target, then the cells that need prompts.

    Args:
        table: The result of :func:`coverage_table`.
        sets: Which sets to render, in order.
    """
    out: list[str] = []
    difficulties = table["difficulties"]
    for name in sets:
        data = table["sets"][name]
        out.append(f"#### {SET_TITLES.get(name, name)} ({data['n']} prompts, "
                   f"{data['cells_covered']}/{data['cells_total']} cells covered)")
        out.append("")
        if not data["n"]:
            out.append("_No prompts in this set._")
            out.append("")
            continue
        out.append("| task type | " + " | ".join(difficulties) + " | total | share | target | shortfall |")
        out.append("|---|" + "---:|" * (len(difficulties) + 4))
        for tt in table["task_types"]:
            row = data["cells"][tt]
            cells = [f"{row[d]['count']}{' ⚠' if row[d]['below_min'] else ''}" for d in difficulties]
            total = data["by_task_type"][tt]
            out.append(
                f"| {tt} | " + " | ".join(cells)
                + f" | {total['count']} | {_pct(total['share'])} | {_pct(total['target'])} | {total['shortfall']} |"
            )
        totals = [data["by_difficulty"][d] for d in difficulties]
        out.append("| **total** | " + " | ".join(str(t["count"]) for t in totals) + f" | {data['n']} | | | |")
        out.append("| share | " + " | ".join(_pct(t["share"]) for t in totals) + " | | | | |")
        out.append("| target | " + " | ".join(_pct(t["target"]) for t in totals) + " | | | | |")
        out.append("")
        if data["below_min"]:
            out.append(f"⚠ below the minimum of {table['min_per_cell']} per cell: " + ", ".join(f"`{c}`" for c in data["below_min"]))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_rich(table: dict[str, Any], sets: Iterable[str] = SETS) -> list[Any]:
    """Build rich renderables (one table per set) for the terminal."""
    from rich.table import Table

    renderables: list[Any] = []
    difficulties = table["difficulties"]
    for name in sets:
        data = table["sets"][name]
        if not data["n"]:
            renderables.append(f"[bold]{SET_TITLES.get(name, name)}[/]: no prompts in this set")
            continue
        grid = Table(
            title=f"{SET_TITLES.get(name, name)}: {data['n']} prompts, {data['cells_covered']}/{data['cells_total']} cells covered",
            title_justify="left",
        )
        grid.add_column("task type", no_wrap=True)
        for column in (*difficulties, "total", "share", "target", "shortfall"):
            grid.add_column(column, justify="right", no_wrap=True)
        for tt in table["task_types"]:
            row = data["cells"][tt]
            cells = [
                f"[bold red]{row[d]['count']} ⚠[/]" if row[d]["below_min"] else str(row[d]["count"]) for d in difficulties
            ]
            total = data["by_task_type"][tt]
            shortfall = f"[yellow]{total['shortfall']}[/]" if total["shortfall"] else "0"
            grid.add_row(tt, *cells, str(total["count"]), _pct(total["share"]), _pct(total["target"]), shortfall)
        totals = [data["by_difficulty"][d] for d in difficulties]
        grid.add_section()
        grid.add_row("total", *[str(t["count"]) for t in totals], str(data["n"]), "", "", "")
        grid.add_row("share", *[_pct(t["share"]) for t in totals], "", "", "", "")
        grid.add_row("target", *[_pct(t["target"]) for t in totals], "", "", "", "")
        renderables.append(grid)
        if data["below_min"]:
            renderables.append(
                f"[red]⚠ below the minimum of {table['min_per_cell']} per cell:[/] " + ", ".join(data["below_min"])
            )
    return renderables
