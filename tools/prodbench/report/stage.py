"""The report stage's core: coverage cells, plot data for ``dvc plots``, and reports/report.md.

The markdown is deterministic (no timestamps) so an unchanged benchmark reproduces the
same report byte for byte, and it never shows personal data: rows are identified by
prompt id and scorer rationales, which never quote personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prodbench.core.records import LoadedPrompt

PLOT_FILES = {
    "task_type": "scores_by_task_type.png",
    "difficulty": "scores_by_difficulty.png",
    "coverage": "coverage.png",
    "latency": "latency_cost.png",
}


def coverage_cells(records: Iterable[LoadedPrompt], params: dict[str, Any]) -> dict[str, Any]:
    """Prompt counts per task type x difficulty (golden + rotating) and the target count of each cell.

    The figures are :func:`prodbench.core.coverage.coverage_table`'s (the same as ``prodbench
    coverage``), in the report's cell layout.
    """
    from prodbench.core.coverage import coverage_table

    return cells_from_table(coverage_table(list(records), params))


def cells_from_table(table: dict[str, Any]) -> dict[str, Any]:
    """Convert ``coverage_table`` output (set ``all``) to the report's cell layout."""
    everything = table["sets"]["all"]
    task_types, difficulties = list(table["task_types"]), list(table["difficulties"])
    cells = everything["cells"]
    counts = {tt: {d: int(cells[tt][d]["count"]) for d in difficulties} for tt in task_types}
    minimum = float(table.get("min_per_cell") or 0)
    targets = {tt: {d: max(minimum, float(cells[tt][d]["expected"])) for d in difficulties} for tt in task_types}
    shortfalls = [{"task_type": tt, "difficulty": d, "count": counts[tt][d], "target": targets[tt][d]}
                  for tt in task_types for d in difficulties
                  if cells[tt][d].get("shortfall") or cells[tt][d].get("below_min")]
    return {"task_types": task_types, "difficulties": difficulties, "counts": counts, "targets": targets,
            "total": int(everything["n"]), "shortfalls": shortfalls}


def plot_data(metrics: dict[str, Any], records: Iterable[LoadedPrompt]) -> dict[str, list[dict[str, Any]]]:
    """Rows for ``dvc plots`` (one file each, see dvc.yaml ``plots:``).

    * ``scores_by_task_type`` / ``scores_by_difficulty``: one row per (group, model) with a
      ``label`` "group / model" for horizontal bar templates;
    * ``latency``: one row per model with p50/p90/p99;
    * ``coverage``: one row per prompt (task type, difficulty) for the confusion template.
    """
    data: dict[str, list[dict[str, Any]]] = {"scores_by_task_type": [], "scores_by_difficulty": [], "latency": []}
    for model, values in metrics["models"].items():
        for key, name, field in (("by_task_type", "scores_by_task_type", "task_type"),
                                 ("by_difficulty", "scores_by_difficulty", "difficulty")):
            for group, stat in values[key].items():
                data[name].append({"label": f"{group} / {model}", field: group, "model": model, **stat})
        data["latency"].append({"model": model, **(values.get("latency_s") or {})})
    data["coverage"] = sorted(
        ({"task_type": r.task_type, "difficulty": r.difficulty} for r in records),
        key=lambda r: (str(r["task_type"]), str(r["difficulty"])),
    )
    return data


def _fmt(stat: dict[str, Any] | None, ci: bool = True) -> str:
    if not stat or stat.get("mean") is None:
        return "–"
    text = f"{stat['mean']:.2f}"
    if ci and stat.get("ci_low") is not None:
        text += f" [{stat['ci_low']:.2f}, {stat['ci_high']:.2f}]"
    return text + f" (n={stat['n']})"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def _cell_text(value: Any) -> str:
    return " ".join(str(value).split())


def build_report(
    metrics: dict[str, Any],
    score_rows: list[dict[str, Any]],
    coverage: dict[str, Any],
    params: dict[str, Any],
    plots_prefix: str = "../plots/",
    plots: Iterable[str] = (),
) -> str:
    """Render ``reports/report.md``.

    Args:
        metrics: The metrics document (``metrics/scores.json``).
        score_rows: Per-row scores (``results/scores.jsonl``).
        coverage: :func:`coverage_cells` output.
        params: Loaded params (``report.top_rows``, taxonomy order).
        plots_prefix: Path from the report to the plots directory.
        plots: File names of the plots that exist (only those are linked).
    """
    top = int((params.get("report") or {}).get("top_rows", 5))
    plots = set(plots)
    models = list(metrics["models"])
    out = ["# Benchmark report", ""]
    total_rows = sum(v["n_rows"] for v in metrics["models"].values()) if models else 0
    out += [f"{len(models)} model(s), {coverage['total']} prompts, {total_rows} scored rows. "
            "Scores are in [0, 1]; brackets are 95% bootstrap confidence intervals; a row passes at "
            f"score >= {float((params.get('score') or {}).get('pass_threshold', 0.5)):g}.", ""]

    out += ["## Summary", ""]
    rows = []
    for model, data in metrics["models"].items():
        lat = data.get("latency_s") or {}
        rows.append([f"**{model}**", _fmt(data["overall"]), _pct(data["overall"].get("pass_rate")),
                     _fmt(data["golden"], ci=False), _fmt(data.get("rotating"), ci=False),
                     f"{_num(lat.get('p50'))} / {_num(lat.get('p90'))}",
                     str((data.get("tokens") or {}).get("total_tokens", 0)),
                     "–" if data.get("cost_usd") is None else f"${data['cost_usd']:.4f}",
                     f"{data['errors']} / {data.get('score_errors', 0)}"])
    out += _table(["model", "score", "pass rate", "golden", "rotating", "latency p50 / p90 (s)", "tokens",
                   "cost", "run / scoring errors"], rows)
    out.append("")
    if PLOT_FILES["task_type"] in plots:
        out += [f"![Score by task type]({plots_prefix}{PLOT_FILES['task_type']})", ""]

    for key, title, plot in (("by_task_type", "By task type", "task_type"), ("by_difficulty", "By difficulty",
                                                                                "difficulty")):
        groups = (coverage["task_types"] if key == "by_task_type" else coverage["difficulties"])
        groups = [g for g in groups if any(g in metrics["models"][m][key] for m in models)]
        if not groups:
            continue
        out += [f"## {title}", ""]
        out += _table(["task type" if key == "by_task_type" else "difficulty"] + models,
                      [[g.replace("_", " ")] + [_fmt(metrics["models"][m][key].get(g)) for m in models]
                       for g in groups])
        out.append("")
        if plot == "difficulty" and PLOT_FILES["difficulty"] in plots:
            out += [f"![Score by difficulty]({plots_prefix}{PLOT_FILES['difficulty']})", ""]

    out += ["## Coverage", "", "Prompts per task type and difficulty (golden + current rotating slice), "
            "as `count / target`.", ""]
    out += _table(["task type"] + coverage["difficulties"],
                  [[tt.replace("_", " ")] + [f"{coverage['counts'][tt][d]} / {coverage['targets'][tt][d]:.1f}"
                                             for d in coverage["difficulties"]] for tt in coverage["task_types"]])
    out.append("")
    if coverage["shortfalls"]:
        cells = ", ".join(f"{s['task_type']} × {s['difficulty']} ({s['count']}/{s['target']:.1f})"
                          for s in coverage["shortfalls"][:10])
        more = f" and {len(coverage['shortfalls']) - 10} more" if len(coverage["shortfalls"]) > 10 else ""
        out += [f"Below target: {cells}{more}.", ""]
    else:
        out += ["Every cell meets its target.", ""]
    if PLOT_FILES["coverage"] in plots:
        out += [f"![Coverage]({plots_prefix}{PLOT_FILES['coverage']})", ""]

    if top > 0 and score_rows:
        out += ["## Lowest-scoring prompts", ""]
        for model in models:
            mine = sorted((r for r in score_rows if r["model"] == model and r.get("score") is not None),
                          key=lambda r: (r["score"], r["id"]))[:top]
            if not mine:
                continue
            out += [f"**{model}**", ""]
            out += _table(["id", "task type", "difficulty", "score", "why"],
                          [[f"`{r['id']}`", str(r["task_type"]), str(r["difficulty"]), f"{r['score']:.2f}",
                            _cell_text("; ".join(f"{s['name']}: {s.get('rationale') or s.get('error')}"
                                                 for s in r["scorers"] if s.get("score") != 1.0))[:160]]
                           for r in mine])
            out.append("")
    judged = {m: d["judge"] for m, d in metrics["models"].items() if d.get("judge")}
    if judged:
        out += ["## LLM judge", "", "Judge verdicts per model: items judged, judge errors (unparsable "
                "verdicts, timeouts; left out of the means) and the mean agreement of the k samples.", ""]
        out += _table(["model", "judged items", "judge errors", "mean agreement"],
                      [[m, str(j["items"]), str(j["errors"]), _pct(j.get("mean_agreement"))]
                       for m, j in judged.items()])
        out.append("")
    failed = [r for r in score_rows if r.get("score") is None]
    if failed:
        out += ["## Unscored rows", "", f"{len(failed)} row(s) could not be scored (run errors or every scorer "
                "failed, e.g. an unparsable judge verdict); they are left out of the means.", ""]
        out += _table(["model", "id", "reason"], [[r["model"], f"`{r['id']}`", _cell_text(r.get("error"))[:120]]
                                                  for r in failed[:top or 5]])
        out.append("")
    if PLOT_FILES["latency"] in plots:
        out += ["## Latency and cost", "", f"![Latency and cost]({plots_prefix}{PLOT_FILES['latency']})", ""]
    return "\n".join(out).rstrip() + "\n"
