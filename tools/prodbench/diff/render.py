"""Render the diff document (``reports/diff.json``) as the sticky PR comment.

Every string taken from the document is escaped (:mod:`prodbench.core.markdown`): in a pull
request, prompts, outputs, ids, model names and params are all controlled by the PR
author, and the comment poster (``comment.yml``) re-renders the artifact's diff.json
with trusted code. A malformed document raises :class:`UserError`, never a traceback.
Sections are prioritised so that the least important ones are dropped first when the
comment would exceed GitHub's size limit.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.markdown import (
    DEFAULT_BUDGET,
    MARKER,
    Section,
    alert,
    assemble,
    code_block,
    details,
    inline,
    mermaid_bars,
    table,
)

ICONS = {"significant improvement": "🟢", "significant regression": "🔴", "within noise": "⚪",
         "no paired rows": "∅"}
VERDICT = {"regression": "🔴 significant regression", "improvement": "🟢 significant improvement",
           "mixed": "🟠 mixed: significant improvements and regressions",
           "no significant change": "⚪ no significant change (within noise)",
           "no paired rows": "∅ nothing to compare (no paired rows)"}


# --------------------------------------------------------------------------- formatting
def _num(value: Any, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return inline(value, 20)
    if isinstance(value, float) and math.isnan(value):
        return "—"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")


def _p(value: Any) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _int(value: Any) -> str:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else inline(value, 20)


def _label(cmp: dict[str, Any]) -> str:
    label = str(cmp.get("label") or "no paired rows")
    return f"{ICONS.get(label, '')} {inline(label, 40)}".strip()


def _ci(cmp: dict[str, Any]) -> str:
    low, high = cmp.get("ci_low"), cmp.get("ci_high")
    if low is None or high is None:
        return "—"
    return f"[{_num(low, signed=True)}, {_num(high, signed=True)}]"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sha(value: Any) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{7,64}", value) else None


def _rev(rev: dict[str, Any]) -> str:
    sha = _sha(rev.get("sha"))
    label = inline(rev.get("label") or "?", 60)
    return f"{label} ({sha[:10]})" if sha else label


# --------------------------------------------------------------------------- sections
def _verdict_section(doc: dict[str, Any]) -> str:
    verdict = _dict(doc.get("verdict"))
    models = _dict(doc.get("models"))
    kind = str(verdict.get("kind") or "no paired rows")
    parts = []
    for name in [*_list(verdict.get("regressions")), *_list(verdict.get("improvements"))]:
        overall = _dict(_dict(models.get(name)).get("overall"))
        parts.append(f"{inline(name, 60)} {_num(overall.get('base'))} → {_num(overall.get('head'))} "
                     f"({_num(overall.get('delta'), signed=True)}, p = {_p(overall.get('p_value'))})")
    line = f"**Verdict: {VERDICT.get(kind, inline(kind, 40))}**"
    if parts:
        line += " — " + "; ".join(parts)
    title = f"### prodbench diff: {_rev(_dict(doc.get('base')))} → {_rev(_dict(doc.get('head')))}"
    return f"{MARKER}\n{title}\n\n{line}"


def _alerts_section(doc: dict[str, Any]) -> str:
    prompts = _dict(doc.get("prompts"))
    verdict = _dict(doc.get("verdict"))
    out = []
    golden = _list(prompts.get("golden_changes"))
    if golden or prompts.get("golden_lock_changed"):
        ids = ", ".join(f"{inline(_dict(g).get('id'), 60)} ({inline(_dict(g).get('change'), 40)})" for g in golden[:20])
        more = f" and {len(golden) - 20} more" if len(golden) > 20 else ""
        lock = " The golden lock file `prompts/golden.lock` changed." if prompts.get("golden_lock_changed") else ""
        out.append(alert("WARNING", f"**The golden set changed** — it is meant to stay fixed so scores remain "
                                    f"comparable over time.{lock}" + (f"\nChanged: {ids}{more}." if ids else "")
                         + "\nIf this is deliberate, bump the lock with `prodbench golden` and say why in the PR."))
    unevaluated = verdict.get("unevaluated")
    if isinstance(unevaluated, int) and unevaluated > 0:
        why = (" This run used cached responses only (no API keys, e.g. a pull request from a fork)."
               if doc.get("cached_only") else "")
        out.append(alert("CAUTION", f"**{unevaluated} row(s) could not be evaluated** and are excluded from "
                                    f"the comparisons below (listed at the end).{why}"))
    return "\n\n".join(out)


def _models_section(doc: dict[str, Any]) -> str:
    rows = []
    for name, model in _dict(doc.get("models")).items():
        model = _dict(model)
        status = model.get("status")
        if status in ("added", "removed"):
            mean = _num(model.get("mean"))
            rows.append([inline(name, 60), mean if status == "removed" else "—", mean if status == "added" else "—",
                         "—", "—", "—", "—", _int(model.get("n")), f"model {inline(status, 20)}"])
            continue
        cmp = _dict(model.get("overall"))
        rows.append([inline(name, 60), _num(cmp.get("base")), _num(cmp.get("head")),
                     _num(cmp.get("delta"), signed=True), _ci(cmp), _p(cmp.get("p_value")),
                     inline(cmp.get("test") or "—", 30), _int(cmp.get("n")), _label(cmp)])
    if not rows:
        return ""
    golden = []
    for name, model in _dict(doc.get("models")).items():
        cmp = _dict(_dict(model).get("golden"))
        if cmp.get("n"):
            golden.append(f"{inline(name, 60)} {_num(cmp.get('base'))} → {_num(cmp.get('head'))} "
                          f"({_num(cmp.get('delta'), signed=True)}, n = {_int(cmp.get('n'))}, {_label(cmp)})")
    settings = _dict(doc.get("settings"))
    alpha = settings.get("alpha")
    head = ["model", "base", "head", "Δ", "95% CI of Δ", "p", "test", "n paired", "label"]
    note = (f"Paired rows only (same id and content on both sides); significance at α = {_num(alpha, 2)}. "
            "Pass/fail scores use McNemar's exact test, graded scores a sign-flip permutation test; "
            "the label follows the test's p. The CI is a bootstrap interval of the mean difference, "
            "shown for size: near the threshold (few changed rows) it can exclude 0 while p stays "
            "above α, and the label then stays *within noise* on purpose.")
    golden_line = ("\n\nGolden set only: " + "; ".join(golden) + ".") if golden else ""
    return "#### Scores per model\n\n" + table(head, rows, "lrrrrrlrl") + golden_line + "\n\n" + note


def changed_span(old: Any, new: Any, width: int = 120, context: int = 30) -> tuple[str, str]:
    """Shorten two long values around the part that differs (common prefix/suffix elided)."""
    a = "" if old is None else str(old)
    b = "" if new is None else str(new)
    if old is None or new is None or (len(a) <= width and len(b) <= width):
        return a if old is not None else "", b if new is not None else ""
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    start = max(0, prefix - context)

    def cut(text: str) -> str:
        end = min(len(text), len(text) - suffix + context)
        core = text[start:end]
        if len(core) > width:
            core = core[:width] + "…"
        return ("…" if start else "") + core + ("…" if end < len(text) else "")

    return cut(a), cut(b)


def _change_cells(change: dict[str, Any]) -> list[str]:
    old, new = changed_span(change.get("base"), change.get("head"))
    return [inline(old, 200) if change.get("base") is not None else "—",
            inline(new, 200) if change.get("head") is not None else "—"]


def _config_section(doc: dict[str, Any]) -> str:
    rows = []
    for name, model in _dict(doc.get("models")).items():
        for change in _list(_dict(model).get("config_changes")):
            change = _dict(change)
            rows.append([inline(name, 60), inline(change.get("key"), 60), *_change_cells(change)])
    others = [[inline(_dict(c).get("key"), 80), *_change_cells(_dict(c))] for c in _list(doc.get("params_changes"))]
    parts = []
    if rows:
        parts.append("#### Model config changes\n\n" + table(["model", "field", "base", "head"], rows[:60]))
    if others:
        parts.append("#### Other params.yaml changes\n\n"
                     "Scoring, taxonomy or coverage settings changed: head scores use the head's settings.\n\n"
                     + table(["field", "base", "head"], others[:60]))
    return "\n\n".join(parts)


def _chart_section(doc: dict[str, Any]) -> str:
    charts = []
    for name, model in list(_dict(doc.get("models")).items())[:3]:
        by_task = _dict(_dict(model).get("by_task_type"))
        if not by_task:
            continue
        cats = list(by_task)
        series = {"base": [_dict(by_task[c]).get("base") for c in cats],
                  "head": [_dict(by_task[c]).get("head") for c in cats]}
        if not all(isinstance(v, (int, float)) or v is None for vals in series.values() for v in vals):
            continue
        charts.append(mermaid_bars(f"{name}: mean score per task type", cats, series))
    if not charts:
        return ""
    return ("#### Score per task type (bars: base, line: head)\n\n" + "\n\n".join(charts))


def _group_table(doc: dict[str, Any], key: str, title: str) -> str:
    rows = []
    for name, model in _dict(doc.get("models")).items():
        for group, cmp in _dict(_dict(model).get(key)).items():
            cmp = _dict(cmp)
            rows.append([inline(name, 60), inline(group, 60), _num(cmp.get("base")), _num(cmp.get("head")),
                         _num(cmp.get("delta"), signed=True), _p(cmp.get("p_value")), _int(cmp.get("n")),
                         _label(cmp)])
    if not rows:
        return ""
    return details(f"{title} ({len(rows)} rows)",
                   table(["model", title.split()[-1], "base", "head", "Δ", "p", "n", "label"], rows, "llrrrrrl"))


def _prompts_section(doc: dict[str, Any]) -> str:
    prompts = _dict(doc.get("prompts"))
    counts = _dict(prompts.get("counts"))
    total = _dict(prompts.get("total"))
    line = (f"Prompts: {_int(total.get('base'))} → {_int(total.get('head'))} — "
            f"**{_int(counts.get('unchanged'))} unchanged** (paired), **{_int(counts.get('modified'))} modified**, "
            f"**{_int(counts.get('added'))} added**, **{_int(counts.get('removed'))} removed**.")
    rows = []
    for name, model in _dict(doc.get("models")).items():
        unpaired = _dict(_dict(model).get("unpaired"))
        if not unpaired:
            continue
        added, removed, modified = (_dict(unpaired.get(k)) for k in ("added", "removed", "modified"))
        rows.append([inline(name, 60), f"{_num(added.get('mean'))} (n={_int(added.get('n'))})",
                     f"{_num(removed.get('mean'))} (n={_int(removed.get('n'))})",
                     f"{_num(modified.get('base_mean'))} → {_num(modified.get('head_mean'))} "
                     f"(n={_int(modified.get('n'))})"])
    parts = ["#### Prompt changes", line]
    if rows and any(counts.get(k) for k in ("added", "removed", "modified")):
        parts.append("Unpaired rows are scored separately (they have no counterpart to compare with):\n\n"
                     + table(["model", "added (head)", "removed (base)", "modified (base → head)"], rows))
    lists = []
    for kind in ("added", "removed", "modified"):
        ids = _list(prompts.get(kind))
        if ids:
            shown = ", ".join(inline(i, 60) for i in ids[:40])
            lists.append(f"- {kind}: {shown}" + (f" … and {len(ids) - 40} more" if len(ids) > 40 else ""))
    if lists:
        parts.append("\n".join(lists))
    return "\n\n".join(parts)


def _coverage_section(doc: dict[str, Any]) -> str:
    coverage = _dict(doc.get("coverage"))
    base, head = _dict(coverage.get("base")), _dict(coverage.get("head"))
    cells = _list(coverage.get("cells"))
    difficulties = list(dict.fromkeys(str(_dict(c).get("difficulty")) for c in cells))
    matrix: dict[str, dict[str, str]] = {}
    for cell in cells:
        cell = _dict(cell)
        old, new, delta = cell.get("base"), cell.get("head"), cell.get("delta")
        if not delta:
            text = _int(new)
        else:
            sign = "+" if isinstance(delta, int) and delta > 0 else ""
            text = f"**{_int(old)} → {_int(new)} ({sign}{_int(delta)})**"
        matrix.setdefault(str(cell.get("task_type")), {})[str(cell.get("difficulty"))] = text
    if not matrix:
        return ""
    base_tt, head_tt = _dict(base.get("task_type")), _dict(head.get("task_type"))

    def share(item: Any) -> str:
        value = _dict(item).get("share")
        return f"{value:.0%}" if isinstance(value, (int, float)) else "—"

    rows = []
    for task, by_diff in matrix.items():
        target = _dict(head_tt.get(task)).get("target")
        target_text = f"{target:.0%}" if isinstance(target, (int, float)) else "—"
        rows.append([inline(task, 60), *[by_diff.get(d, "0") for d in difficulties],
                     f"{share(base_tt.get(task))} → {share(head_tt.get(task))}", target_text])
    headers = ["task type", *[inline(d, 30) for d in difficulties], "share", "target"]
    parts = ["#### Coverage delta (task type × difficulty, base → head)",
             table(headers, rows, "l" + "r" * (len(difficulties) + 2))]
    head_diff, base_diff = _dict(head.get("difficulty")), _dict(base.get("difficulty"))
    if head_diff:
        parts.append("Difficulty shares: " + ", ".join(
            f"{inline(d, 30)} {share(base_diff.get(d))} → {share(v)} (target "
            + (f"{_dict(v).get('target'):.0%}" if isinstance(_dict(v).get("target"), (int, float)) else "—") + ")"
            for d, v in head_diff.items()))
    newly = _list(coverage.get("newly_below_min"))
    below = _list(head.get("below_min"))
    if newly:
        cells_text = ", ".join(f"{inline(_list(c)[0] if _list(c) else '?', 40)} × "
                               f"{inline(_list(c)[-1] if _list(c) else '?', 40)}" for c in newly[:30])
        parts.append(alert("WARNING", f"**{len(newly)} cell(s) fell below the minimum of "
                                      f"{_int(head.get('min_per_cell'))} prompt(s):** {cells_text}"))
    elif below:
        parts.append(f"{len(below)} cell(s) remain below the minimum of {_int(head.get('min_per_cell'))} "
                     "(unchanged by this PR).")
    return "\n\n".join(parts)


def _usage_section(doc: dict[str, Any]) -> str:
    rows = []
    for name, model in _dict(doc.get("models")).items():
        usage = _dict(_dict(model).get("usage"))
        base, head = _dict(usage.get("base")), _dict(usage.get("head"))

        def pair(key: str, sub: str | None = None, digits: int = 0, base=base, head=head) -> str:
            old = _dict(base.get(key)).get(sub) if sub else base.get(key)
            new = _dict(head.get(key)).get(sub) if sub else head.get(key)
            return f"{_num(old, digits)} → {_num(new, digits)}"

        rows.append([inline(name, 60), pair("tokens"), pair("cost_usd", digits=4),
                     pair("latency_s", "p50", 2), pair("latency_s", "p90", 2), pair("calls")])
    if not rows:
        return ""
    return details("Cost, tokens and latency (base → head)",
                   table(["model", "tokens", "cost (USD)", "latency p50 (s)", "latency p90 (s)", "new calls"],
                         rows, "lrrrrr")
                   + "\n\nLatency is that of the original call, also for cached responses; "
                     "“new calls” were made by this run.")


def _row_block(row: dict[str, Any]) -> str:
    summary = (f"{inline(row.get('id'), 60)} — {inline(row.get('task_type'), 40)}/{inline(row.get('difficulty'), 20)}: "
               f"{_num(row.get('base_score'))} → {_num(row.get('head_score'))} ({_num(row.get('delta'), signed=True)})")
    body = "\n\n".join([f"**Prompt**\n\n{code_block(row.get('prompt'), 800)}",
                        f"**Base output**\n\n{code_block(row.get('base_output'), 800)}",
                        f"**Head output**\n\n{code_block(row.get('head_output'), 800)}"])
    return details(summary, body)


def _top_rows_section(doc: dict[str, Any]) -> str:
    parts = []
    for name, model in _dict(doc.get("models")).items():
        rows = _dict(_dict(model).get("rows"))
        if not rows:
            continue
        improved, regressed = _list(rows.get("top_improved")), _list(rows.get("top_regressed"))
        header = (f"**{inline(name, 60)}**: {_int(rows.get('improved'))} row(s) improved, "
                  f"{_int(rows.get('regressed'))} regressed.")
        blocks = [header]
        if regressed:
            blocks.append("Top regressions:\n\n" + "\n\n".join(_row_block(_dict(r)) for r in regressed))
        if improved:
            blocks.append("Top improvements:\n\n" + "\n\n".join(_row_block(_dict(r)) for r in improved))
        parts.append("\n\n".join(blocks))
    return "#### Row-level changes\n\n" + "\n\n".join(parts) if parts else ""


def _unevaluated_section(doc: dict[str, Any]) -> str:
    rows = []
    for name, model in _dict(doc.get("models")).items():
        for side, items in _dict(_dict(model).get("unevaluated")).items():
            for item in _list(items):
                item = _dict(item)
                rows.append([inline(name, 60), inline(side, 10), inline(item.get("id"), 60),
                             inline(item.get("reason"), 120)])
    if not rows:
        return ""
    shown = rows[:200]
    more = f"\n\n… and {len(rows) - 200} more." if len(rows) > 200 else ""
    return details(f"Rows that could not be evaluated ({len(rows)})",
                   table(["model", "side", "id", "reason"], shown) + more)


def _reproduce_section(doc: dict[str, Any]) -> str:
    base_sha = _sha(_dict(doc.get("base")).get("sha")) or "<base-sha>"
    head_sha = _sha(_dict(doc.get("head")).get("sha"))
    settings = _dict(doc.get("settings"))
    cmd = f"prodbench diff --base {base_sha}" + (f" --head {head_sha}" if head_sha else "")
    if doc.get("cached_only"):
        cmd += "  # add API keys to evaluate the rows that were skipped here"
    seed = settings.get("seed")
    return details("Reproduce locally",
                   "```sh\npip install -e '.[dev]'\ndvc pull cache/responses || true   # optional: warm the cache\n"
                   f"{cmd}\n```\n\nOutputs: `reports/diff.json`, `reports/pr-comment.md` "
                   f"(bootstrap seed {_int(seed)}).")


def build_sections(doc: dict[str, Any]) -> list[Section]:
    """All sections of the comment with their priorities (higher survives longer)."""
    return [
        Section("verdict", _verdict_section(doc), 100),
        Section("alerts", _alerts_section(doc), 100),
        Section("scores per model", _models_section(doc), 100),
        Section("model config changes", _config_section(doc), 80),
        Section("prompt changes", _prompts_section(doc), 85),
        Section("chart", _chart_section(doc), 55),
        Section("by task type", _group_table(doc, "by_task_type", "By task type"), 70),
        Section("by difficulty", _group_table(doc, "by_difficulty", "By difficulty"), 65),
        Section("coverage delta", _coverage_section(doc), 75),
        Section("cost, tokens and latency", _usage_section(doc), 50),
        Section("row-level changes", _top_rows_section(doc), 20),
        Section("rows not evaluated", _unevaluated_section(doc), 30),
        Section("reproduce", _reproduce_section(doc), 90),
    ]


def render_comment(doc: dict[str, Any], budget: int = DEFAULT_BUDGET) -> str:
    """Render a diff document as GitHub markdown under ``budget`` characters.

    Raises:
        UserError: The document is not a diff document.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise UserError("not a prodbench diff document (expected an object with 'models')")
    try:
        sections = build_sections(doc)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise UserError(f"malformed diff document: {type(exc).__name__}") from None
    return assemble(sections, budget)


def render_from_file(path: Path) -> str:
    """Read an (untrusted) diff.json and render it.

    Raises:
        UserError: The file is missing, too large, or not a diff document.
    """
    try:
        if path.stat().st_size > 50_000_000:
            raise UserError(f"{path}: too large for a diff document")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{path}: cannot read a diff document: {type(exc).__name__}: {str(exc)[:200]}") from None
    return render_comment(doc)
