"""Markdown rendering of ``reports/correlation.md`` from the correlation document."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prodbench.core.project import Project

VERDICT_TEXT = {
    "predicts": "predicts",
    "inverse": "inverse",
    "no_signal": "does not predict",
    "insufficient": "n too small",
    "undefined": "no variation",
}


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _value(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def _stat(stat: dict[str, Any]) -> str:
    if stat["value"] is None:
        return "–"
    ci = "" if stat["ci_low"] is None else f" [{stat['ci_low']:.2f}, {stat['ci_high']:.2f}]"
    return f"{stat['value']:.2f}{ci}"


def _agreement(agree: dict[str, Any]) -> str:
    if not agree["pairs"]:
        return "–"
    ties = agree["pairs"] - agree["concordant"] - agree["discordant"]
    share = "–" if agree["share"] is None else f"{agree['share']:.0%}"
    return f"{share} ({agree['concordant']}/{agree['concordant'] + agree['discordant']}, {ties} tied)"


def _direction(meta: dict[str, Any]) -> str:
    arrow = "higher is better" if meta["direction"] == "higher_is_better" else "lower is better (sign flipped)"
    return f"{meta['kind']}, {arrow}"


def render_markdown(doc: dict[str, Any], report_path: Path, project: Project) -> str:
    """Render the correlation report (findings first, then one table per metric)."""
    inputs = doc["inputs"]
    settings = doc["settings"]
    lines = [
        "# Benchmark vs production",
        "",
        f"{len(inputs['launches'])} launch(es) joined from `{inputs['history']}` and `{inputs['production']}`"
        + (f": {', '.join(inputs['launches'])}." if inputs["launches"] else "."),
        "",
    ]
    if doc["warnings"]:
        lines += ["## Warnings", ""] + [f"- ⚠️ {w}" for w in doc["warnings"]] + [""]
    lines += ["## Findings", ""]
    for name, finding in zip(doc["metrics"], doc["findings"], strict=False):
        best = doc["best_predictor"].get(name)
        tail = f" Best predictor: **{best}**." if best else ""
        lines.append(f"- **{name}**: {finding}.{tail}")
    if doc["non_predictive_slices"]:
        lines += [
            "",
            f"Slices that predict none of the production metrics: {', '.join(doc['non_predictive_slices'])}. "
            "See docs/production.md (\"When a slice predicts nothing\") for what to change in the dataset.",
        ]
    if doc.get("unpredicted_metrics"):
        lines += [
            "",
            f"No benchmark slice predicts {', '.join(doc['unpredicted_metrics'])}: the benchmark does not yet measure "
            "what drives it, or the metric does not depend on the model (see docs/production.md).",
        ]
    lines.append("")
    for name, meta in doc["metrics"].items():
        desc = f" — {meta['description']}" if meta.get("description") else ""
        lines += [
            f"## {name} ({_direction(meta)}){desc}",
            "",
            "| slice | compared with | n | Spearman rho [95% CI] | Kendall tau-b [95% CI] | Pearson r [95% CI] "
            "| pair agreement | verdict |",
            "|---|---|---:|---|---|---|---|---|",
        ]
        for slice_name in doc["slices"]:
            cell = doc["results"][slice_name][name]
            lines.append(
                f"| {slice_name} | {cell['scope']} | {cell['n']} | {_stat(cell['spearman'])} | "
                f"{_stat(cell['kendall'])} | {_stat(cell['pearson'])} | {_agreement(cell['agreement'])} | "
                f"{VERDICT_TEXT[cell['verdict']]} |"
            )
        lines.append("")
    if doc.get("launches"):
        metrics = list(doc["metrics"])
        lines += [
            "## Launches",
            "",
            "| launch | date | golden lock | rotation | overall score | " + " | ".join(metrics) + " |",
            "|---|---|---|---|---:|" + "---:|" * len(metrics),
        ]
        for launch in doc["launches"]:
            values = " | ".join(_value(launch["production"].get(m)) for m in metrics)
            lines.append(f"| {launch['label']} | {launch['date'] or '–'} | {launch['golden_version'] or '–'} | "
                         f"{launch['rotation'] or '–'} | {_score(launch['overall'])} | {values} |")
        lines += ["", "Production values are for all traffic, averaged over windows.", ""]
    if doc.get("plots"):
        lines += ["## Plots", ""]
        for plot in doc["plots"]:
            rel = os.path.relpath(project.root / plot, report_path.parent).replace(os.sep, "/")
            title = Path(plot).stem.replace("_", " ")
            lines.append(f"![{title}]({rel})")
        lines.append("")
    lines += [
        "## Method",
        "",
        "- Pairwise-complete launches per slice and metric (a missing value drops that pair only); "
        "windows of one version are averaged; segment rows are compared with the task-type slice of the same name.",
        "- Lower-is-better metrics are sign-flipped, so a positive correlation always means higher benchmark "
        "scores went with better production outcomes.",
        f"- Spearman rho (average ranks for ties), Kendall tau-b and Pearson r (scipy.stats); percentile bootstrap "
        f"{settings['confidence']:.0%} CIs over {settings['resamples']} resamples of launches (seed {settings['seed']}).",
        "- Pair agreement: share of launch pairs the benchmark orders the same way as production, among pairs "
        "tied on neither side; tied pairs are counted separately.",
        f"- Verdict from Spearman rho: *predicts* when its CI lies above 0, *inverse* below 0, *does not predict* "
        f"when the CI includes 0, *n too small* under n = {settings['min_n']}.",
        "",
    ]
    return "\n".join(lines)
