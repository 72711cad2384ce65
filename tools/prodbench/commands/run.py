"""``prodbench run``: send every prompt to each configured model (cached, resumable)."""

from __future__ import annotations

from typing import Any

import click

from prodbench.commands._common import load_context
from prodbench.core.errors import UserError


def _select_models(params: dict[str, Any], names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    models = params.get("models") or {}
    unknown = [n for n in names if n not in models]
    if unknown:
        raise UserError(f"unknown model(s) {', '.join(unknown)}; params.yaml defines: {', '.join(sorted(models))}",
                        exit_code=2)
    return {n: models[n] for n in (names or tuple(models))}


@click.command("run")
@click.option("--model", "-m", "models", multiple=True, metavar="NAME",
              help="Model name from params.yaml (repeatable; default: every model).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the response cache.")
@click.option("--refresh", is_flag=True, help="Ignore cached responses, call again and store the new ones.")
@click.option("--shard", metavar="I/N", help="Run only shard I of N (deterministic split by prompt id).")
@click.option("--merge", is_flag=True, help="Merge results/run/<model>.shard-I-of-N.jsonl files into <model>.jsonl.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
def command(models: tuple[str, ...], no_cache: bool, refresh: bool, shard: str | None, merge: bool,
            progress: bool | None) -> None:
    """Send every prompt to each configured model (cached, resumable).

    Sends the golden set and the current rotating slice through litellm and writes
    results/run/<model>.jsonl (one row per prompt, sorted by id). Responses are
    cached per turn in cache/responses/<model>/, so an untouched re-run makes no call and
    editing k prompts makes k calls per model. An interrupted run resumes where it stopped.

    \b
    Scale-out: each CI job runs `prodbench run --shard I/N` and uploads
    results/run/<model>.shard-I-of-N.jsonl plus cache/responses/<model>/;
    a final job puts them together and runs `prodbench run --merge`.
    """
    from prodbench.core.errors import StorageError
    from prodbench.core.fsutil import check_writable, confine, write_jsonl
    from prodbench.llm.config import load_model_configs
    from prodbench.run.shards import merge_shards, parse_shard, shard_suffix
    from prodbench.run.stage import build_records, prepare_run

    project, params = load_context()
    selected = _select_models(params, models)
    results_dir = project.results_dir / "run"
    if merge:
        if shard:
            raise UserError("--merge and --shard cannot be combined", exit_code=2)
        expected = {r.id for r in build_records(project, params)}
        for name in selected:
            merged = merge_shards(results_dir, name, expected)
            write_jsonl(results_dir / f"{name}.jsonl", merged)
            for path in results_dir.glob(f"{name}.shard-*-of-*.jsonl"):
                path.unlink()
            click.echo(f"merged {name}: {len(merged)} rows -> {project.rel(results_dir / f'{name}.jsonl')}", err=True)
        return
    shard_spec = parse_shard(shard)
    configs = load_model_configs(params, list(selected))
    for config in configs.values():  # fail fast: every model checked before any call
        config.preflight_env()
    records = build_records(project, params, shard_spec)
    cache_root = project.cache_dir / "responses"
    suffix = shard_suffix(shard_spec)
    plans = {
        name: prepare_run(records, name, config, params.get("run"), cache_root, use_cache=not no_cache,
                          refresh=refresh, journal_path=project.cache_dir / "journal" / f"{name}{suffix}.jsonl",
                          cache_writer=f"responses{suffix}")
        for name, config in configs.items()
    }
    for plan in plans.values():  # provider checks import litellm: only if a call is due
        if plan.todo:
            plan.config.preflight()
    check_writable(results_dir, "results folder")  # before the first paid call
    for name in plans:
        confine(results_dir / f"{name}{suffix}.jsonl", project.root, "results file")
    over: list[str] = []
    max_failed = float((params.get("run") or {}).get("max_failed_share", 0.05))
    for name, plan in plans.items():
        rows = plan.execute(progress)
        stats = plan.stats
        try:
            write_jsonl(results_dir / f"{name}{suffix}.jsonl", rows)
        except OSError as exc:
            raise StorageError.from_os_error(exc, results_dir / f"{name}{suffix}.jsonl", "results file",
                                             "Every answered call is in the response cache.") from None
        (cache_root / name).mkdir(parents=True, exist_ok=True)  # a DVC output, even when nothing was cached
        (project.cache_dir / "journal" / f"{name}{suffix}.jsonl").unlink(missing_ok=True)
        click.echo(f"run {stats.summary()}", err=True)
        if rows and stats.failed / len(rows) > max_failed:
            kinds = ", ".join(f"{k}: {v}" for k, v in sorted(stats.errors.items()))
            over.append(f"{name}: {stats.failed}/{len(rows)} rows failed ({kinds})")
    if over:
        raise UserError(
            "failed rows exceed run.max_failed_share "
            f"({max_failed:.0%}); the rows are saved with their errors:\n  " + "\n  ".join(over)
        )
