"""The anonymize map over worker processes gives the output of one process, in input order.

Inputs are records of the independent dev corpus (bench/pii_eval, never the held-out split) with
blank lines, U+2028 and clean records mixed in; chunks are made small so that several are in
flight at once and results come back from different processes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result

from prodbench.data.anonymize import Anonymizer
from prodbench.data.anonymize import parallel as par
from prodbench.data.anonymize import stream as st
from prodbench.data.logs import LogEntry

DEV = Path(__file__).resolve().parents[3] / "bench" / "pii_eval" / "data" / "dev.jsonl"


def dev_texts(n: int) -> list[str]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()[:: 1500 // n]]
    assert all(row["split"] == "dev" for row in rows)
    return [row["text"] for row in rows][:n]


def jsonl_input(n: int = 48) -> bytes:
    lines = []
    for i, text in enumerate(dev_texts(n)):
        lines.append(orjson.dumps({"id": f"r{i}", "origin": {"log_id": "jane@corp.io"},
                                   "messages": [{"role": "user", "content": text + "\u2028tail"}]}))
        if i % 7 == 0:
            lines.append(b"")  # a blank line is kept where it was
        if i % 5 == 0:
            lines.append(b'{"id": "clean", "text": "no personal data here"}')
    return b"\n".join(lines) + b"\n"


@pytest.fixture()
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(par, "CHUNK_ITEMS", 4)


def test_jsonl_over_processes_equals_one_process_and_the_sequential_reader(small_chunks: None) -> None:
    data = jsonl_input()
    reference = io.BytesIO()
    st.anonymize_jsonl(io.BytesIO(data), reference.write, Anonymizer(), "in.jsonl")
    outputs = {}
    for jobs in (1, 2):
        out = io.BytesIO()
        counts = par.anonymize_jsonl(io.BytesIO(data), out.write, par.Spec(), "in.jsonl", par.Where(jobs=jobs))
        outputs[jobs] = (out.getvalue(), counts)
    assert outputs[1] == outputs[2]
    assert outputs[2][0] == reference.getvalue()
    assert outputs[2][1]["PERSON"] > 10
    assert outputs[2][0].count(b"\n") == data.count(b"\n") and b"jane@corp.io" in outputs[2][0]


def test_cli_jobs_and_detect_only_agree(project_dir: Path, invoke: Callable[..., Result], small_chunks: None) -> None:
    source = project_dir / "in.jsonl"
    source.write_bytes(jsonl_input(24))
    runs = {}
    for jobs in ("1", "2"):
        out = project_dir / f"out{jobs}.jsonl"
        result = invoke("anonymize", "--jsonl", str(source), "-o", str(out), "--jobs", jobs)
        assert result.exit_code == 0, result.output
        found = invoke("anonymize", "--detect-only", str(source), "--jobs", jobs)
        runs[jobs] = (out.read_bytes(), found.output)
    assert runs["1"] == runs["2"] and ": PERSON" in runs["2"][1]
    bad = invoke("anonymize", "--jsonl", str(source), "--jobs", "0")
    assert bad.exit_code == 2 and "--jobs" in bad.output
    bad = invoke("anonymize", "--jsonl", str(source), "--scheduler", "tcp://127.0.0.1:1")
    assert bad.exit_code == 2 and "--scheduler needs --engine dask" in bad.output


def test_a_bad_line_in_a_later_chunk_keeps_the_old_output(project_dir: Path, invoke: Callable[..., Result],
                                                          small_chunks: None) -> None:
    source = project_dir / "in.jsonl"
    lines = jsonl_input(24).splitlines()
    source.write_bytes(b"\n".join([*lines[:20], b'{"id": "x", "text": "cut', *lines[20:]]) + b"\n")
    out = project_dir / "out.jsonl"
    out.write_text("previous result\n")
    result = invoke("anonymize", "--jsonl", str(source), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 1 and f"{source}:21: malformed JSON" in result.output, result.output
    assert "Traceback" not in result.output
    assert out.read_text() == "previous result\n"


def ingest_like(items: list[object], anon: Anonymizer, jobs: int) -> list[object]:
    """What ingest does with each entry: reset, anonymize each text, read the state (skip a few)."""
    seen = []
    for k, item in enumerate(par.anonymize_ahead(iter(items), anon, jobs=jobs)):
        if not isinstance(item, LogEntry) or k % 9 == 4:  # dropped before anonymization
            continue
        anon.reset()
        texts = [anon.text(m["content"]) for m in item.messages if m["role"] == "user"]
        seen.append((texts, anon.mapping(), dict(anon.record_counts), anon.replacement_for("PERSON", "Zed Quux")))
    seen.append(dict(anon.counts))
    return seen


def test_ingest_map_gives_the_same_texts_and_state_as_local_calls(small_chunks: None) -> None:
    texts = dev_texts(30)
    items: list[object] = []
    for i in range(0, 30, 2):
        messages = [{"role": "user", "content": texts[i]}, {"role": "assistant", "content": "ok"},
                    {"role": "user", "content": texts[i + 1]}]
        items.append(LogEntry(line=i + 1, log_id=f"l{i}", messages=messages, fmt="openai"))
        if i % 6 == 0:
            items.append((i + 1, "malformed JSON"))
    local = ingest_like(items, Anonymizer(), jobs=1)
    anon = Anonymizer()
    calls = []
    real = anon.text
    anon.text = lambda text: calls.append(text) or real(text)  # type: ignore[method-assign]
    assert ingest_like(items, anon, jobs=2) == local
    assert calls == []  # every text came from the workers, none was anonymized again here
    assert "text" not in vars(anon)  # the stand-in is removed afterwards
