"""``prodbench score``: score run results with the scoring plan and write metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from prodbench.commands._common import load_context
from prodbench.core.errors import UserError
from prodbench.core.fsutil import write_json, write_jsonl
from prodbench.core.limits import read_jsonl_rows
from prodbench.core.project import Project
from prodbench.core.prompts import GOLDEN, ROTATING, load_prompts


def load_run_results(project: Project, params: dict[str, Any], results_dir: Path,
                     models: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Read ``results/run/<model>.jsonl`` for every configured model (or just ``models``).

    Raises:
        UserError: A model has no results file (run it first) or a file is malformed.
    """
    configured = list((params.get("models") or {}).keys())
    unknown = [m for m in models if m not in configured]
    if unknown:
        raise UserError(f"unknown model {unknown[0]!r}; configured models: {', '.join(configured)}", exit_code=2)
    rows: list[dict[str, Any]] = []
    missing = []
    for name in models or tuple(configured):
        path = results_dir / f"{name}.jsonl"
        if not path.is_file():
            missing.append(name)
            continue
        # every line an object with a string id, each id once (a duplicated row would be scored twice)
        for _, row in read_jsonl_rows(path, project.rel(path), unique="id", required=("id",)):
            row.setdefault("model", name)
            rows.append(row)
    if missing:
        raise UserError(
            f"no run results for {', '.join(missing)} in {project.rel(results_dir)}; "
            f"run `prodbench run --model {missing[0]}` (or `dvc repro`) first"
        )
    return rows


def ensure_judge_cache(path: Path) -> None:
    """Create the judge cache directory (a DVC ``persist`` output, so it must exist)."""
    marker = path / "README.txt"
    if not marker.is_file():
        from prodbench.core.fsutil import atomic_write_text

        atomic_write_text(marker, "Cached LLM-judge verdicts (prodbench score). Safe to delete.\n")


def print_summary(metrics: dict[str, Any]) -> None:
    """Print one line per model: mean score with CI, pass rate, n and errors."""
    for name, data in metrics["models"].items():
        stat = data["overall"]
        if stat["mean"] is None:
            click.echo(f"{name}: no scored rows ({data['errors']} run errors)")
            continue
        ci = f" [{stat['ci_low']:.3f}, {stat['ci_high']:.3f}]" if stat["ci_low"] is not None else ""
        click.echo(f"{name}: score {stat['mean']:.3f}{ci}  pass {stat['pass_rate']:.0%}  n={stat['n']}"
                   f"  run errors={data['errors']}  scoring errors={data['score_errors']}")
        judge = data.get("judge")
        if judge:
            click.echo(f"  judged by {judge.get('model')}: {judge['items']} verdict(s), {judge['errors']} judge error(s)")


@click.command("score")
@click.option("--model", "-m", "models", multiple=True, metavar="NAME",
              help="Score only this model from params.yaml (repeatable; default: every model).")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory of run results (default: results/run).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Per-row scores (default: results/scores.jsonl).")
@click.option("--metrics", "metrics_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Metrics document (default: metrics/scores.json).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the judge cache (cache/judge).")
@click.option("--list-scorers", is_flag=True, help="List the available scorers and exit.")
@click.option("--explain", "explain_id", metavar="ID", default=None,
              help="Show why prompt ID got its score (each scorer's settings, score and reason) and exit; "
                   "writes nothing.")
def command(models: tuple[str, ...], results_dir: Path | None, output: Path | None, metrics_path: Path | None,
            no_cache: bool, list_scorers: bool, explain_id: str | None) -> None:
    """Score model responses with the scoring plan and write metrics.

    The plan is params.yaml score.plan plus each prompt's checks. Reads results/run/<model>.jsonl and the golden + current rotating prompts; writes
    results/scores.jsonl (one row per model and prompt) and metrics/scores.json (per model:
    overall, golden, rotating, by task type and difficulty, with 95% intervals: Wilson for
    pass/fail slices, bootstrap floored by Wilson for graded ones). `--explain ID` shows how
    one prompt's responses were scored.
    """
    if list_scorers:
        from prodbench.score.scorers import available

        for name, description in available().items():
            click.echo(f"{name:18} {description}")
        return
    from prodbench.score import score_results, summarize

    project, params = load_context()
    if not no_cache:
        ensure_judge_cache(project.cache_dir / "judge")
    records = load_prompts(project, params, (GOLDEN, ROTATING))
    run_rows = load_run_results(project, params, results_dir or project.results_dir / "run", models)
    if explain_id is not None:
        from prodbench.score.explain import explain

        click.echo(explain(records, run_rows, params, explain_id,
                           cache_dir=None if no_cache else project.cache_dir / "judge",
                           rubric_dirs=[project.root / "rubrics"]))
        return
    rows = score_results(
        records, run_rows, params,
        cache_dir=None if no_cache else project.cache_dir / "judge",
        rubric_dirs=[project.root / "rubrics"],
    )
    from prodbench.score.judge_choice import judge_label
    from prodbench.score.provenance import benchmark_provenance

    judged = any(s.get("name") in ("judge", "judge_pairwise") for r in rows for s in r.get("scorers") or [])
    judge = judge_label(params) if judged else None
    metrics = summarize(rows, run_rows, params, benchmark=benchmark_provenance(project, params, records, judge))
    write_jsonl(output or project.results_dir / "scores.jsonl", rows)
    write_json(metrics_path or project.metrics_dir / "scores.json", metrics)
    print_summary(metrics)
