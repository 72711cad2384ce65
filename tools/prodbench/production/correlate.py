"""``prodbench correlate``: do benchmark scores predict production outcomes?

Joins the launch history (``metrics/history.jsonl``) with production metrics by version,
then for every benchmark slice (overall, golden, rotating, each task type, each
difficulty) and every declared production metric computes Spearman rho, Kendall tau-b and
Pearson r with bootstrap CIs and the pairwise agreement, and writes plain-words findings.

Lower-is-better metrics are sign-flipped first, so a positive correlation always means
"a higher benchmark score went with a better production outcome". Task-type slices are
compared with that task type's production segment when the file has one, else with all
traffic. The core is :func:`analyse` (pure); :func:`run_correlate` reads and writes files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.fsutil import atomic_write_text, write_json
from prodbench.core.params import line_locator
from prodbench.core.project import Project
from prodbench.production.inputs import Joined, MetricDecl, join, metric_decls, read_production
from prodbench.production.launch import history_path, read_history

DEFAULT_MIN_N = 5
TENTATIVE_BELOW = 8  # CIs from fewer launches than this are optimistic (see docs/production.md)
DEFAULT_BOOTSTRAP = {"resamples": 2000, "confidence": 0.95, "seed": 0}
LIST_WITH_NUMBERS = 3  # findings quote numbers for at most this many slices per group
VERDICTS = ("predicts", "inverse", "no_signal", "insufficient", "undefined")


@dataclass(frozen=True)
class CorrelateSettings:
    """Analysis settings (from params ``production``; bootstrap falls back to ``score.bootstrap``)."""

    min_n: int = DEFAULT_MIN_N
    resamples: int = 2000
    confidence: float = 0.95
    seed: int = 0

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CorrelateSettings:
        production = params.get("production") or {}
        boot = {**DEFAULT_BOOTSTRAP, **((params.get("score") or {}).get("bootstrap") or {}),
                **(production.get("bootstrap") or {})}
        return cls(
            min_n=int(production.get("min_n", DEFAULT_MIN_N)),
            resamples=int(boot["resamples"]),
            confidence=float(boot["confidence"]),
            seed=int(boot["seed"]),
        )


def slice_names(launches: list[dict[str, Any]], params: dict[str, Any]) -> list[str]:
    """Benchmark slices present in at least one launch, in a stable, readable order.

    Order: overall, golden, rotating, task types (taxonomy order, then others sorted),
    difficulties as ``difficulty:<name>`` (taxonomy order, then others sorted).
    """
    taxonomy = params.get("taxonomy") or {}
    tt_order = list((taxonomy.get("task_types") or {}).keys())
    diff_order = list(taxonomy.get("difficulties") or [])
    names = [s for s in ("overall", "golden", "rotating") if any(slice_score(e, s) is not None for e in launches)]
    seen_tt = {k for e in launches for k in ((e.get("scores") or {}).get("by_task_type") or {})}
    seen_d = {k for e in launches for k in ((e.get("scores") or {}).get("by_difficulty") or {})}
    tts = [t for t in tt_order if t in seen_tt] + sorted(seen_tt - set(tt_order))
    diffs = [d for d in diff_order if d in seen_d] + sorted(seen_d - set(diff_order))
    names += [t for t in tts if any(slice_score(e, t) is not None for e in launches)]
    names += [f"difficulty:{d}" for d in diffs if any(slice_score(e, f"difficulty:{d}") is not None for e in launches)]
    return names


def slice_score(entry: dict[str, Any], name: str) -> float | None:
    """Mean benchmark score of one slice in a history entry (None when absent)."""
    scores = entry.get("scores") or {}
    if name in ("overall", "golden", "rotating"):
        stat = scores.get(name)
    elif name.startswith("difficulty:"):
        stat = (scores.get("by_difficulty") or {}).get(name.split(":", 1)[1])
    else:
        stat = (scores.get("by_task_type") or {}).get(name)
    mean = stat.get("mean") if isinstance(stat, dict) else None
    return float(mean) if isinstance(mean, (int, float)) and not isinstance(mean, bool) else None


def verdict(result: dict[str, Any], min_n: int) -> str:
    """Classify one cell from its Spearman rho CI.

    ``insufficient`` (n < min_n), ``undefined`` (no variation), ``predicts`` (CI above 0),
    ``inverse`` (CI below 0), else ``no_signal`` (CI includes 0).
    """
    rho = result["spearman"]
    if result["n"] < min_n:
        return "insufficient"
    if rho["value"] is None:
        return "undefined"
    if rho["ci_low"] is None or rho["ci_high"] is None:
        return "no_signal"
    if rho["ci_low"] > 0:
        return "predicts"
    if rho["ci_high"] < 0:
        return "inverse"
    return "no_signal"


def fmt_rho(result: dict[str, Any]) -> str:
    """``rho 0.81 [0.42, 0.95], n=9`` (``rho n/a`` when undefined)."""
    rho = result["spearman"]
    if rho["value"] is None:
        return f"rho n/a, n={result['n']}"
    ci = "CI n/a" if rho["ci_low"] is None else f"{rho['ci_low']:.2f}, {rho['ci_high']:.2f}"
    return f"rho {rho['value']:.2f} [{ci}], n={result['n']}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe_metric(metric: str, cells: dict[str, dict[str, Any]], min_n: int) -> str:
    """One plain-words finding for a production metric across all slices.

    Example: ``reasoning scores track satisfaction (rho 0.81 [0.42, 0.95], n=9);
    open_writing does not (rho 0.05 [-0.61, 0.66], n=9)``.
    """
    groups: dict[str, list[str]] = {v: [] for v in VERDICTS}
    for name, cell in cells.items():
        groups[cell["verdict"]].append(name)
    groups["predicts"].sort(key=lambda s: -cells[s]["spearman"]["value"])
    parts: list[str] = []
    top = groups["predicts"][:LIST_WITH_NUMBERS]
    more = groups["predicts"][LIST_WITH_NUMBERS:]
    if len(top) == 1:
        parts.append(f"{top[0]} scores track {metric} ({fmt_rho(cells[top[0]])})")
    elif top:
        parts.append(f"{_and([f'{s} ({fmt_rho(cells[s])})' for s in top])} scores track {metric}")
    if more:
        parts[-1] += f", as do {len(more)} more slice(s): {_and(more)}"
    none = groups["no_signal"]
    with_numbers = [f"{s} ({fmt_rho(cells[s])})" for s in none]
    if len(none) == 1 and top:
        parts.append(f"{none[0]} does not ({fmt_rho(cells[none[0]])})")
    elif none and top:
        parts.append(f"{_and(with_numbers if len(none) <= LIST_WITH_NUMBERS else none)} do not")
    elif len(none) <= LIST_WITH_NUMBERS and none:
        parts.append(f"no slice predicts {metric}: {_and(with_numbers)} (95% CIs include 0)")
    elif none:
        strongest = max(none, key=lambda s: abs(cells[s]["spearman"]["value"]))
        parts.append(f"none of the {len(none)} slices predicts {metric} (all 95% CIs include 0; strongest: "
                     f"{strongest}, {fmt_rho(cells[strongest])})")
    inverse = sorted(groups["inverse"], key=lambda s: cells[s]["spearman"]["value"])
    if inverse:
        head = _and([f"{s} ({fmt_rho(cells[s])})" for s in inverse[:LIST_WITH_NUMBERS]])
        tail = f", as do {len(inverse) - LIST_WITH_NUMBERS} more slice(s): {_and(inverse[LIST_WITH_NUMBERS:])}" \
            if len(inverse) > LIST_WITH_NUMBERS else ""
        parts.append(f"{head} scores move against {metric}{tail} (higher scores went with worse {metric})")
    if groups["undefined"]:
        parts.append(f"{_and(groups['undefined'])}: no variation across launches, correlation undefined")
    if groups["insufficient"] and len(groups["insufficient"]) == len(cells):
        n_max = max(cell["n"] for cell in cells.values())
        parts.append(f"every slice has n <= {n_max} < {min_n} launches with {metric}: nothing can be concluded yet")
    elif groups["insufficient"]:
        parts.append(f"{_and(groups['insufficient'])}: n < {min_n}, nothing can be concluded")
    return "; ".join(parts) if parts else "no benchmark slice to compare"


def _benchmark_versions(joined: Joined) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for launch in joined.launches:
        bench = launch.entry.get("benchmark") or {}
        version = {"golden_version": bench.get("golden_version"), "rotation": bench.get("rotation")}
        if version not in seen:
            seen.append(version)
    return seen


def analyse(
    joined: Joined,
    decls: list[MetricDecl],
    params: dict[str, Any],
    settings: CorrelateSettings,
) -> dict[str, Any]:
    """Correlate every benchmark slice with every production metric (pure function).

    Returns:
        The ``metrics/correlation.json`` document (without input paths).
    """
    from prodbench.production.correlation_stats import cell_seed, correlate_pairs

    entries = [launch.entry for launch in joined.launches]
    slices = slice_names(entries, params)
    task_types = set((params.get("taxonomy") or {}).get("task_types") or {}) | {
        k for e in entries for k in ((e.get("scores") or {}).get("by_task_type") or {})}
    results: dict[str, dict[str, Any]] = {}
    for name in slices:
        results[name] = {}
        for decl in decls:
            segment = name if name in task_types and any(
                decl.name in launch.production.get(name, {}) for launch in joined.launches) else None
            xs = [slice_score(launch.entry, name) for launch in joined.launches]
            raw = [launch.production.get(segment, {}).get(decl.name) for launch in joined.launches]
            ys = [None if v is None else decl.sign * v for v in raw]
            cell = correlate_pairs(xs, ys, settings.resamples, settings.confidence,
                                   cell_seed(settings.seed, name, decl.name))
            cell["scope"] = f"segment {segment}" if segment else "all traffic"
            cell["verdict"] = verdict(cell, settings.min_n)
            cell["points"] = [
                {"label": launch.label, "benchmark": x, "production": y}
                for launch, x, y in zip(joined.launches, xs, raw, strict=False)
                if x is not None and y is not None
            ]
            results[name][decl.name] = cell

    findings, best = [], {}
    for decl in decls:
        cells = {name: results[name][decl.name] for name in slices}
        findings.append(describe_metric(decl.name, cells, settings.min_n))
        predictive = [s for s in slices if cells[s]["verdict"] == "predicts"]
        # Only slices with at least min_n launches can predict; among them the one whose CI's lower
        # bound is highest wins (a perfect rho on few launches does not beat a strong one on many).
        best[decl.name] = max(predictive, key=lambda s: (cells[s]["spearman"]["ci_low"], cells[s]["n"],
                                                         cells[s]["spearman"]["value"])) if predictive else None
    non_predictive = [
        s for s in slices
        if any(c["verdict"] in ("no_signal", "inverse") for c in results[s].values())
        and not any(c["verdict"] == "predicts" for c in results[s].values())
    ]
    unpredicted = [d.name for d in decls if best[d.name] is None
                   and any(results[s][d.name]["verdict"] in ("no_signal", "inverse") for s in slices)]
    launches = [
        {"label": launch.label, "date": launch.entry.get("date"),
         "golden_version": (launch.entry.get("benchmark") or {}).get("golden_version"),
         "rotation": (launch.entry.get("benchmark") or {}).get("rotation"),
         "overall": slice_score(launch.entry, "overall"),
         "production": {d.name: launch.production.get(None, {}).get(d.name) for d in decls}}
        for launch in joined.launches
    ]
    return {
        "launches": launches,
        "unpredicted_metrics": unpredicted,
        "slices": slices,
        "metrics": {d.name: {"direction": d.direction, "kind": d.kind, "description": d.description, "sign": d.sign}
                    for d in decls},
        "results": results,
        "findings": findings,
        "best_predictor": best,
        "non_predictive_slices": non_predictive,
        "warnings": _warnings(joined, results, settings),
        "benchmark_versions": _benchmark_versions(joined),
        "settings": {"min_n": settings.min_n, "resamples": settings.resamples, "confidence": settings.confidence,
                     "seed": settings.seed, "verdict_statistic": "spearman"},
    }


def _warnings(joined: Joined, results: dict[str, dict[str, Any]], settings: CorrelateSettings) -> list[str]:
    out: list[str] = []
    n_launches = len(joined.launches)
    if n_launches < settings.min_n:
        out.append(f"only {n_launches} launch(es) have both benchmark scores and production metrics: with "
                   f"n < {settings.min_n} nothing can be concluded; record more launches before acting on this")
    elif n_launches < TENTATIVE_BELOW:
        out.append(f"only {n_launches} launches: percentile-bootstrap CIs are optimistic at this size (about 7% "
                   "false 'predicts' at n=5 in bench/correlate_power.py); treat verdicts as tentative")
    small = sorted({s for s, cells in results.items() for c in cells.values()
                    if c["verdict"] == "insufficient"} if n_launches >= settings.min_n else set())
    if small:
        out.append(f"some slices have fewer than {settings.min_n} complete pairs (missing values): {', '.join(small)}")
    versions = _benchmark_versions(joined)
    if len(versions) > 1:
        desc = "; ".join(f"golden {v['golden_version'] or 'n/a'} / rotation {v['rotation'] or 'none'}" for v in versions)
        out.append(f"launches were scored with {len(versions)} benchmark versions ({desc}): the overall and "
                   "rotating slices mix prompt sets; the golden slice is the like-for-like comparison")
    if joined.history_only:
        out.append(f"launches without production rows (left out): {', '.join(joined.history_only)}")
    if joined.production_only:
        out.append(f"production rows without a recorded launch (left out): {', '.join(joined.production_only)}")
    return out


@dataclass(frozen=True)
class Outputs:
    """Where ``prodbench correlate`` writes."""

    report: Path
    json: Path
    plots_dir: Path | None


def default_outputs(project: Project) -> Outputs:
    """``reports/correlation.md``, ``metrics/correlation.json``, ``plots/correlation/``."""
    return Outputs(project.reports_dir / "correlation.md", project.metrics_dir / "correlation.json",
                   project.plots_dir / "correlation")


def run_correlate(
    project: Project,
    params: dict[str, Any],
    history: Path | None = None,
    production_file: Path | None = None,
    outputs: Outputs | None = None,
) -> dict[str, Any]:
    """Read inputs, analyse, and write the report, the JSON and the plots.

    Returns:
        The correlation document that was written.

    Raises:
        UserError: Bad declarations, a missing/malformed production file or history.
    """
    production = params.get("production") or {}
    history = history or history_path(project)
    production_file = production_file or project.root / production.get("metrics_file", "data/production/metrics.csv")
    outputs = outputs or default_outputs(project)
    line_of = line_locator(project.params_path)
    params_label = project.rel(project.params_path)
    decls = metric_decls(production, params_label, line_of)
    prod = read_production(production_file, project.rel(production_file), decls,
                           production.get("ignore_columns"), params_label, line_of)
    entries = read_history(history, project.rel(history))
    if not entries:
        raise UserError(f"{project.rel(history)}: no launches recorded yet; after each launch run "
                        "`prodbench launch record --model NAME --version V`")
    joined = join(entries, prod, project.rel(history))
    if not joined.launches:
        def some(items: list[str]) -> str:
            return ", ".join(items[:8]) + (f" (+{len(items) - 8} more)" if len(items) > 8 else "")

        raise UserError(
            f"no recorded launch matches a production row: {project.rel(history)} has {some(joined.history_only)}; "
            f"{project.rel(production_file)} has {some(joined.production_only) or 'no rows'}. The production "
            "`version` (and `model`, if present) must equal what `prodbench launch record` was given."
        )
    doc = analyse(joined, decls, params, CorrelateSettings.from_params(params))
    doc["warnings"] = prod.warnings + doc["warnings"]
    doc["inputs"] = {
        "history": project.rel(history),
        "production": project.rel(production_file),
        "production_rows": prod.rows,
        "launches": [launch.label for launch in joined.launches],
        "windows_averaged": sum(1 for n in prod.windows.values() if n > 1),
        "segments": sorted(prod.segments),
    }
    plots: list[str] = []
    if outputs.plots_dir is not None:
        from prodbench.production.plots import write_plots

        plots = [project.rel(p) for p in write_plots(doc, outputs.plots_dir)]
    doc["plots"] = plots
    from prodbench.production.render import render_markdown

    atomic_write_text(outputs.report, render_markdown(doc, outputs.report, project))
    write_json(outputs.json, doc)
    return doc
