"""Sharded runs: a deterministic split of the prompts by id, and merging the shards' results."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import cast

from prodbench.core.errors import Problem, UserError
from prodbench.core.limits import read_jsonl_rows
from prodbench.core.records import LoadedPrompt, RunRow
from prodbench.core.secrets import redact_obj


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """Parse ``I/N`` (1-based) into ``(I, N)``.

    Raises:
        UserError: Malformed or out-of-range shard spec.
    """
    if not text:
        return None
    try:
        index, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise UserError(f"--shard must look like I/N (e.g. 2/4), got {text!r}", exit_code=2) from None
    if total < 1 or not 1 <= index <= total:
        raise UserError(f"--shard {text}: need 1 <= I <= N", exit_code=2)
    return index, total


def shard_of(record_id: str, total: int) -> int:
    """Deterministic 1-based shard of a prompt id (stable across machines and runs)."""
    return int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) % total + 1


def select_shard(records: list[LoadedPrompt], shard: tuple[int, int]) -> list[LoadedPrompt]:
    """The records of shard ``(I, N)``: a deterministic split on a hash of the id."""
    index, total = shard
    return [r for r in records if shard_of(r.id, total) == index]


def shard_suffix(shard: tuple[int, int] | None) -> str:
    """File-name suffix of a shard's outputs: ``.shard-I-of-N`` (empty for a full run)."""
    return f".shard-{shard[0]}-of-{shard[1]}" if shard else ""


def merge_shards(results_dir: Path, model_name: str, expected_ids: set[str] | None = None) -> list[RunRow]:
    """Merge ``<model>.shard-I-of-N.jsonl`` files into the rows of ``<model>.jsonl``.

    Shards partition the ids, so merging is a union; it is refused (UserError) when a
    shard is missing, shard counts differ, an id appears twice, or (with ``expected_ids``)
    a prompt has no row.

    Returns:
        The merged rows, sorted by id (the caller writes them and removes the shard files).
    """
    pattern = re.compile(rf"^{re.escape(model_name)}\.shard-(\d+)-of-(\d+)\.jsonl$")
    found: dict[int, Path] = {}
    totals: set[int] = set()
    for path in sorted(results_dir.glob(f"{model_name}.shard-*-of-*.jsonl")):
        match = pattern.match(path.name)
        if match:
            found[int(match.group(1))] = path
            totals.add(int(match.group(2)))
    if not found:
        raise UserError(f"no shard files {model_name}.shard-I-of-N.jsonl in {results_dir}")
    if len(totals) != 1:
        raise UserError(f"{model_name}: shard files from different splits (N = {sorted(totals)}); keep one split")
    total = totals.pop()
    missing = sorted(set(range(1, total + 1)) - set(found))
    if missing:
        raise UserError(f"{model_name}: missing shard(s) {missing} of {total}")
    rows: dict[str, RunRow] = {}
    for index in sorted(found):
        for line, row in read_jsonl_rows(found[index], unique="id", required=("id",)):
            if row["id"] in rows:
                raise UserError("", [Problem(str(found[index]), line, "id",
                                             f"{model_name}: prompt {row['id']!r} appears in more than one shard")])
            rows[row["id"]] = cast(RunRow, redact_obj(row))
    if expected_ids is not None:
        absent = sorted(expected_ids - set(rows))
        if absent:
            raise UserError(f"{model_name}: {len(absent)} prompt(s) have no row after merging, e.g. {absent[:3]}")
        rows = {k: v for k, v in rows.items() if k in expected_ids}
    return [rows[rid] for rid in sorted(rows)]
