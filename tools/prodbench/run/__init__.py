"""The run stage: every prompt through each model, cached per turn, resumable.

Public API (used by ``prodbench run``, ``diff`` and the benchmarks)::

    from prodbench.run import build_records, run_model
    records = build_records(project, params)
    rows = run_model(records, "smollm2-plain", params["models"]["smollm2-plain"], params.get("run"),
                     project.cache_dir / "responses")

Modules: ``stage`` (orchestration), ``runner`` (one row from cache or model), ``workers``
(forked processes), ``journal`` (resuming without cache), ``shards`` (split and merge),
``progress`` (counters and the progress bar). Importing this package does not import litellm.
"""

from prodbench.run.progress import RunStats
from prodbench.run.shards import merge_shards, parse_shard, select_shard, shard_suffix
from prodbench.run.stage import ModelRun, build_records, prepare_run, run_model

__all__ = ["ModelRun", "RunStats", "build_records", "merge_shards", "parse_shard", "prepare_run", "run_model",
           "select_shard", "shard_suffix"]
