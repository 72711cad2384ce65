"""Bad log input to `prodbench ingest`: each bad record is named at file:line, nothing is lost,
and a log that gives nothing usable exits 1 — never a traceback or a long stall."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result

from prodbench.data.readers.files import MAX_RECORD_BYTES

GOOD = orjson.dumps({"id": "ok-1", "messages": [{"role": "user", "content": "How do I export last "
                                                 "quarter's invoices as CSV from the web dashboard?"}]}) + b"\n"


def huge_line() -> bytes:
    text = "Please summarise this contract. " * (50_000_000 // 32)  # a 50 MB single line
    return orjson.dumps({"id": "big", "messages": [{"role": "user", "content": text}]}) + b"\n"


def deep_line(depth: int = 5_000) -> bytes:
    return b'{"id": "deep", "messages": ' + b"[" * depth + b"]" * depth + b"}\n"


BAD_LINES = {
    "binary": bytes(range(256)) * 4 + b"\n",
    "non_utf8": b'{"id": "x", "messages": [{"role": "user", "content": "caf\xe9 au lait"}]}\n',
    "deep_json": deep_line(),
}


def pool_rows(project: Path) -> list[dict]:
    pool = project / "prompts" / "pool" / "production.jsonl"
    return [json.loads(line) for line in pool.read_text().splitlines()] if pool.exists() else []


@pytest.mark.parametrize("kind", sorted(BAD_LINES))
def test_bad_record_is_named_and_the_good_one_kept(kind: str, empty_project: Path, tmp_path: Path,
                                                   invoke: Callable[..., Result]) -> None:
    log = tmp_path / f"{kind}.jsonl"
    log.write_bytes(BAD_LINES[kind] + GOOD)
    result = invoke("ingest", str(log))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"{kind}.jsonl:1:" in result.output
    assert [r["origin"]["log_id"] for r in pool_rows(empty_project)] == ["ok-1"]


@pytest.mark.parametrize("kind", sorted(BAD_LINES))
def test_log_with_nothing_usable_exits_1_and_keeps_the_pool(kind: str, empty_project: Path, tmp_path: Path,
                                                            invoke: Callable[..., Result]) -> None:
    first = tmp_path / "first.jsonl"
    first.write_bytes(GOOD)
    assert invoke("ingest", str(first)).exit_code == 0
    before = (empty_project / "prompts" / "pool" / "production.jsonl").read_bytes()
    log = tmp_path / f"{kind}.jsonl"
    log.write_bytes(BAD_LINES[kind])
    result = invoke("ingest", str(log))
    assert result.exit_code == 1, result.output
    assert f"{kind}.jsonl:1:" in result.output and "Traceback" not in result.output
    assert (empty_project / "prompts" / "pool" / "production.jsonl").read_bytes() == before


def test_50_mb_single_line_is_refused_at_its_line(empty_project: Path, tmp_path: Path,
                                                  invoke: Callable[..., Result]) -> None:
    log = tmp_path / "huge.jsonl"
    log.write_bytes(GOOD + huge_line())
    assert log.stat().st_size > 50_000_000 > MAX_RECORD_BYTES
    result = invoke("ingest", str(log))
    assert result.exit_code == 0, result.output
    assert "huge.jsonl:2: record too large (50.0 MB" in result.output
    assert [r["origin"]["log_id"] for r in pool_rows(empty_project)] == ["ok-1"]
    only_huge = tmp_path / "only_huge.jsonl"
    only_huge.write_bytes(huge_line())
    result = invoke("ingest", str(only_huge))
    assert result.exit_code == 1 and "only_huge.jsonl:1: " in result.output
