"""The headline sections of the PR comment: verdict, alerts, scores, config changes, chart, reproduce."""

from __future__ import annotations

from collections.abc import Sequence

from prodbench.core.markdown import MARKER, alert, details, inline, mermaid_bars, table
from prodbench.diff.document import NO_COMPARISON, DiffDocument
from prodbench.diff.format import VERDICT, change_cells, ci, count, label, num, p_value, rev, sha


def verdict_section(doc: DiffDocument) -> str:
    """Marker, title (base -> head) and the verdict line naming the significant models."""
    kind = doc.verdict.kind or "no paired rows"
    parts = []
    for name in [*doc.verdict.regressions, *doc.verdict.improvements]:
        model = doc.models.get(name)
        overall = (model.overall if model else None) or NO_COMPARISON
        parts.append(f"{inline(name, 60)} {num(overall.base)} → {num(overall.head)} "
                     f"({num(overall.delta, signed=True)}, p = {p_value(overall.p_value)})")
    line = f"**Verdict: {VERDICT.get(kind, inline(kind, 40))}**"
    if parts:
        line += " — " + "; ".join(parts)
    title = f"### prodbench diff: {rev(doc.base)} → {rev(doc.head)}"
    return f"{MARKER}\n{title}\n\n{line}"


def alerts_section(doc: DiffDocument) -> str:
    """Warnings: the golden set changed, rows could not be evaluated."""
    prompts = doc.prompts
    out = []
    golden = prompts.golden_changes
    if golden or prompts.golden_lock_changed:
        ids = ", ".join(f"{inline(g.id, 60)} ({inline(g.change, 40)})" for g in golden[:20])
        more = f" and {len(golden) - 20} more" if len(golden) > 20 else ""
        lock = " The golden lock file `prompts/golden.lock` changed." if prompts.golden_lock_changed else ""
        out.append(alert("WARNING", f"**The golden set changed** — it is meant to stay fixed so scores remain "
                                    f"comparable over time.{lock}" + (f"\nChanged: {ids}{more}." if ids else "")
                         + "\nIf this is deliberate, bump the lock with `prodbench golden` and say why in the PR."))
    unevaluated = doc.verdict.unevaluated
    if unevaluated > 0:
        why = (" This run used cached responses only (no API keys, e.g. a pull request from a fork)."
               if doc.cached_only else "")
        out.append(alert("CAUTION", f"**{unevaluated} row(s) could not be evaluated** and are excluded from "
                                    f"the comparisons below (listed at the end).{why}"))
    return "\n\n".join(out)


def models_section(doc: DiffDocument) -> str:
    """The scores-per-model table, the golden-set line and how to read them."""
    rows = []
    for name, model in doc.models.items():
        if model.status in ("added", "removed"):
            mean = num(model.mean)
            rows.append([inline(name, 60), mean if model.status == "removed" else "—",
                         mean if model.status == "added" else "—", "—", "—", "—", "—", count(model.n),
                         f"model {inline(model.status, 20)}"])
            continue
        cmp = model.overall or NO_COMPARISON
        rows.append([inline(name, 60), num(cmp.base), num(cmp.head), num(cmp.delta, signed=True), ci(cmp),
                     p_value(cmp.p_value), inline(cmp.test or "—", 30), count(cmp.n), label(cmp)])
    if not rows:
        return ""
    golden = []
    for name, model in doc.models.items():
        cmp = model.golden or NO_COMPARISON
        if cmp.n:
            golden.append(f"{inline(name, 60)} {num(cmp.base)} → {num(cmp.head)} "
                          f"({num(cmp.delta, signed=True)}, n = {count(cmp.n)}, {label(cmp)})")
    head = ["model", "base", "head", "Δ", "95% CI of Δ", "p", "test", "n paired", "label"]
    family = sum(1 for model in doc.models.values()
                 for cmp in (model.overall, model.golden, *model.by_task_type.values(), *model.by_difficulty.values())
                 if cmp is not None and cmp.p_value is not None)
    note = (f"Paired rows only (same id and content on both sides); significance at α = "
            f"{num(doc.settings.alpha, 2)}. "
            "Pass/fail scores use McNemar's mid-p test, graded scores a sign-flip permutation test. "
            f"Every p is Holm-adjusted (weighted) across the {family} labels of this comment (overall, "
            "golden, task types and difficulties of every model; the overall rows, which decide the "
            "verdict, share half of α): with no real change, at most α of comments carry any significant "
            "label. Labels follow the adjusted p. "
            "The CI is a bootstrap interval of the mean difference, "
            "shown for size: near the threshold (few changed rows) it can exclude 0 while p stays "
            "above α, and the label then stays *within noise* on purpose.")
    golden_line = ("\n\nGolden set only: " + "; ".join(golden) + ".") if golden else ""
    return "#### Scores per model\n\n" + table(head, rows, "lrrrrrlrl") + golden_line + "\n\n" + note


def config_section(doc: DiffDocument) -> str:
    """Changed model configs and other changed params.yaml settings."""
    rows = [[inline(name, 60), inline(change.key, 60), *change_cells(change)]
            for name, model in doc.models.items() for change in model.config_changes]
    others = [[inline(change.key, 80), *change_cells(change)] for change in doc.params_changes]
    parts = []
    if rows:
        parts.append("#### Model config changes\n\n" + table(["model", "field", "base", "head"], rows[:60]))
    if others:
        parts.append("#### Other params.yaml changes\n\n"
                     "Scoring, taxonomy or coverage settings changed: head scores use the head's settings.\n\n"
                     + table(["field", "base", "head"], others[:60]))
    return "\n\n".join(parts)


def chart_section(doc: DiffDocument) -> str:
    """Mermaid bar charts of the mean score per task type (first three models)."""
    charts = []
    for name, model in list(doc.models.items())[:3]:
        by_task = model.by_task_type
        if not by_task:
            continue
        cats = list(by_task)
        series: dict[str, Sequence[float | None]] = {"base": [by_task[c].base for c in cats],
                                                     "head": [by_task[c].head for c in cats]}
        charts.append(mermaid_bars(f"{name}: mean score per task type", cats, series))
    if not charts:
        return ""
    return "#### Score per task type (bars: base, line: head)\n\n" + "\n\n".join(charts)


def reproduce_section(doc: DiffDocument) -> str:
    """The command that reproduces the comparison locally (only hex commit ids are interpolated)."""
    base_sha = sha(doc.base.sha) or "<base-sha>"
    head_sha = sha(doc.head.sha)
    cmd = f"prodbench diff --base {base_sha}" + (f" --head {head_sha}" if head_sha else "")
    if doc.cached_only:
        cmd += "  # add API keys to evaluate the rows that were skipped here"
    return details("Reproduce locally",
                   "```sh\npip install -e '.[dev]'\ndvc pull cache/responses || true   # optional: warm the cache\n"
                   f"{cmd}\n```\n\nOutputs: `reports/diff.json`, `reports/pr-comment.md` "
                   f"(bootstrap seed {count(doc.settings.seed)}).")
