"""The detail sections of the PR comment: groups, prompt changes, coverage, cost, rows."""

from __future__ import annotations

from typing import Literal

from prodbench.core.markdown import alert, code_block, details, inline, table
from prodbench.diff.document import NO_USAGE, DiffDocument, RowChange, Share
from prodbench.diff.format import count, label, num, p_value


def group_table(doc: DiffDocument, key: Literal["by_task_type", "by_difficulty"], title: str) -> str:
    """Paired comparisons per task type or per difficulty, collapsed."""
    rows = []
    for name, model in doc.models.items():
        groups = model.by_task_type if key == "by_task_type" else model.by_difficulty
        for group, cmp in groups.items():
            rows.append([inline(name, 60), inline(group, 60), num(cmp.base), num(cmp.head),
                         num(cmp.delta, signed=True), p_value(cmp.p_value), count(cmp.n), label(cmp)])
    if not rows:
        return ""
    return details(f"{title} ({len(rows)} rows)",
                   table(["model", title.split()[-1], "base", "head", "Δ", "p", "n", "label"], rows, "llrrrrrl"))


def prompts_section(doc: DiffDocument) -> str:
    """Prompt counts, unpaired rows' scores and the changed ids."""
    prompts = doc.prompts
    counts = prompts.counts
    line = (f"Prompts: {count(prompts.total_base)} → {count(prompts.total_head)} — "
            f"**{count(counts.get('unchanged'))} unchanged** (paired), **{count(counts.get('modified'))} modified**, "
            f"**{count(counts.get('added'))} added**, **{count(counts.get('removed'))} removed**.")
    rows = []
    for name, model in doc.models.items():
        unpaired = model.unpaired
        if unpaired is None:
            continue
        rows.append([inline(name, 60), f"{num(unpaired.added_mean)} (n={count(unpaired.added_n)})",
                     f"{num(unpaired.removed_mean)} (n={count(unpaired.removed_n)})",
                     f"{num(unpaired.modified_base_mean)} → {num(unpaired.modified_head_mean)} "
                     f"(n={count(unpaired.modified_n)})"])
    parts = ["#### Prompt changes", line]
    if rows and any(counts.get(k) for k in ("added", "removed", "modified")):
        parts.append("Unpaired rows are scored separately (they have no counterpart to compare with):\n\n"
                     + table(["model", "added (head)", "removed (base)", "modified (base → head)"], rows))
    lists = []
    for kind, ids in (("added", prompts.added), ("removed", prompts.removed), ("modified", prompts.modified)):
        if ids:
            shown = ", ".join(inline(i, 60) for i in ids[:40])
            lists.append(f"- {kind}: {shown}" + (f" … and {len(ids) - 40} more" if len(ids) > 40 else ""))
    if lists:
        parts.append("\n".join(lists))
    return "\n\n".join(parts)


def _share(item: Share | None) -> str:
    return f"{item.share:.0%}" if item is not None else "—"


def _target(item: Share | None) -> str:
    return f"{item.target:.0%}" if item is not None and item.target is not None else "—"


def coverage_section(doc: DiffDocument) -> str:
    """The task type x difficulty table (changed cells in bold), shares, cells below the minimum."""
    base, head = doc.coverage.base, doc.coverage.head
    cells = doc.coverage.cells
    difficulties = list(dict.fromkeys(cell.difficulty for cell in cells))
    matrix: dict[str, dict[str, str]] = {}
    for cell in cells:
        if not cell.delta:
            text = count(cell.head)
        else:
            sign = "+" if cell.delta > 0 else ""
            text = f"**{count(cell.base)} → {count(cell.head)} ({sign}{count(cell.delta)})**"
        matrix.setdefault(cell.task_type, {})[cell.difficulty] = text
    if not matrix:
        return ""
    rows = []
    for task, by_diff in matrix.items():
        rows.append([inline(task, 60), *[by_diff.get(d, "0") for d in difficulties],
                     f"{_share(base.task_type.get(task))} → {_share(head.task_type.get(task))}",
                     _target(head.task_type.get(task))])
    headers = ["task type", *[inline(d, 30) for d in difficulties], "share", "target"]
    parts = ["#### Coverage delta (task type × difficulty, base → head)",
             table(headers, rows, "l" + "r" * (len(difficulties) + 2))]
    if head.difficulty:
        parts.append("Difficulty shares: " + ", ".join(
            f"{inline(d, 30)} {_share(base.difficulty.get(d))} → {_share(v)} (target {_target(v)})"
            for d, v in head.difficulty.items()))
    newly, below = doc.coverage.newly_below_min, head.below_min
    if newly:
        cells_text = ", ".join(f"{inline(task, 40)} × {inline(difficulty, 40)}" for task, difficulty in newly[:30])
        parts.append(alert("WARNING", f"**{len(newly)} cell(s) fell below the minimum of "
                                      f"{count(head.min_per_cell)} prompt(s):** {cells_text}"))
    elif below:
        parts.append(f"{len(below)} cell(s) remain below the minimum of {count(head.min_per_cell)} "
                     "(unchanged by this PR).")
    return "\n\n".join(parts)


def usage_section(doc: DiffDocument) -> str:
    """Tokens, cost, latency and new calls per model, base -> head, collapsed."""

    def pair(old: float | None, new: float | None, digits: int = 0) -> str:
        return f"{num(old, digits)} → {num(new, digits)}"

    rows = []
    for name, model in doc.models.items():
        base, head = model.usage.get("base", NO_USAGE), model.usage.get("head", NO_USAGE)
        rows.append([inline(name, 60), pair(base.tokens, head.tokens), pair(base.cost_usd, head.cost_usd, 4),
                     pair(base.latency_p50, head.latency_p50, 2), pair(base.latency_p90, head.latency_p90, 2),
                     pair(base.calls, head.calls)])
    if not rows:
        return ""
    return details("Cost, tokens and latency (base → head)",
                   table(["model", "tokens", "cost (USD)", "latency p50 (s)", "latency p90 (s)", "new calls"],
                         rows, "lrrrrr")
                   + "\n\nLatency is that of the original call, also for cached responses; "
                     "“new calls” were made by this run.")


def _row_block(row: RowChange) -> str:
    summary = (f"{inline(row.id, 60)} — {inline(row.task_type, 40)}/{inline(row.difficulty, 20)}: "
               f"{num(row.base_score)} → {num(row.head_score)} ({num(row.delta, signed=True)})")
    body = "\n\n".join([f"**Prompt**\n\n{code_block(row.prompt, 800)}",
                        f"**Base output**\n\n{code_block(row.base_output, 800)}",
                        f"**Head output**\n\n{code_block(row.head_output, 800)}"])
    return details(summary, body)


def top_rows_section(doc: DiffDocument) -> str:
    """The rows whose score changed most, with prompt and both outputs."""
    parts = []
    for name, model in doc.models.items():
        rows = model.rows
        if rows is None:
            continue
        blocks = [f"**{inline(name, 60)}**: {count(rows.improved)} row(s) improved, "
                  f"{count(rows.regressed)} regressed."]
        if rows.top_regressed:
            blocks.append("Top regressions:\n\n" + "\n\n".join(_row_block(r) for r in rows.top_regressed))
        if rows.top_improved:
            blocks.append("Top improvements:\n\n" + "\n\n".join(_row_block(r) for r in rows.top_improved))
        parts.append("\n\n".join(blocks))
    return "#### Row-level changes\n\n" + "\n\n".join(parts) if parts else ""


def unevaluated_section(doc: DiffDocument) -> str:
    """Rows that could not be evaluated, per model and side."""
    rows = [[inline(name, 60), inline(side, 10), inline(item.id, 60), inline(item.reason, 120)]
            for name, model in doc.models.items() for side, items in model.unevaluated.items() for item in items]
    if not rows:
        return ""
    more = f"\n\n… and {len(rows) - 200} more." if len(rows) > 200 else ""
    return details(f"Rows that could not be evaluated ({len(rows)})",
                   table(["model", "side", "id", "reason"], rows[:200]) + more)
