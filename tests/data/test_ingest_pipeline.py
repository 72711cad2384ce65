"""`prodbench ingest`: formats, malformed lines, de-duplication reasons, tags, streaming, LLM tagger."""

from __future__ import annotations

import json
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import Result

from llm_server import LLMServer
from prodbench.core.params import edit_params, load_params
from prodbench.core.project import Project
from prodbench.data.ingest import IngestSettings, ingest_files
from prodbench.data.tagging import LLMTagger, heuristic_tag

BASE = "How do I move all my open invoices from the Starter plan to the Business plan without losing the payment history"


@pytest.fixture
def project(empty_project: Path) -> Path:
    return empty_project


def lines(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def test_openai_log_with_duplicates_and_malformed_lines(project: Path, tmp_path: Path,
                                                        read_jsonl: Callable[..., list],
                                                        invoke: Callable[..., Result]) -> None:
    log = tmp_path / "support.jsonl"
    log.write_text(lines(
        {"id": "a1", "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": BASE + "?"}]},
        "{not json",
        {"id": "a2", "messages": [{"role": "user", "content": BASE.lower() + "??"}]},  # exact after normalising
        {"id": "a3", "messages": [{"role": "user", "content": BASE + " please?"}]},   # near duplicate
        {"id": "a4", "messages": [{"role": "assistant", "content": "only a bot line"}]},  # no user turn
        {"id": "a5", "messages": "oops"},
        {"id": "a6", "messages": [{"role": "user", "content": "Summarize this thread about VAT errors."},
                                  {"role": "assistant", "content": "Sure"},
                                  {"role": "user", "content": "Make it shorter."}]},
    ))
    result = invoke("ingest", str(log), "--format", "openai")
    assert result.exit_code == 0, result.output
    assert "support.jsonl:2: malformed JSON" in result.output
    report = json.loads((project / "reports" / "ingest.json").read_text())
    assert report["read"] == 7 and report["added"] == 2 and report["malformed"] == 3
    assert [m["line"] for m in report["malformed_lines"]] == [2, 5, 6]
    reasons = {d["log_id"]: d["reason"] for d in report["dropped"]}
    assert reasons["a2"].startswith("exact duplicate of prod-")
    assert reasons["a3"].startswith("near duplicate of prod-") and "Jaccard" in reasons["a3"]
    rows = read_jsonl(project / "prompts" / "pool" / "production.jsonl")
    by_log = {r["origin"]["log_id"]: r for r in rows}
    assert set(by_log) == {"a1", "a6"}
    assert by_log["a1"]["messages"] == [{"role": "user", "content": BASE + "?"}]  # system prompt dropped
    multi = by_log["a6"]
    assert multi["task_type"] == "multi_turn" and "multi_turn" in multi["tags"]
    assert [m["content"] for m in multi["messages"]][1] is None  # the assistant turn is generated
    assert all(r["review"]["status"] == "pending" and r["source"] == "production" for r in rows)
    assert invoke("validate").exit_code == 0


def test_dedupe_against_everything_in_the_repo(project: Path, tmp_path: Path,
                                               make_record: Callable[..., dict],
                                               write_jsonl: Callable[..., Path],
                                               read_jsonl: Callable[..., list], invoke: Callable[..., Result]) -> None:
    write_jsonl(project / "prompts" / "golden" / "g.jsonl", [make_record("g-1", BASE + "?")])
    assert invoke("golden", "freeze").exit_code == 0
    log = tmp_path / "log.csv"
    log.write_text(f'question,ticket\n"{BASE}!",t-1\n"Draft a short, friendly email announcing dark mode.",t-2\n'
                   '"broken,row,extra",t-3,zzz\n')
    result = invoke("ingest", str(log), "--format", "csv", "--prompt-column", "question", "--id-column", "ticket",
                    "--source", "pilot")
    assert result.exit_code == 0, result.output
    report = json.loads((project / "reports" / "ingest.json").read_text())
    assert report["dropped"][0]["duplicate_of"] == "g-1" and "(golden)" in report["dropped"][0]["reason"]
    assert report["malformed_lines"][0]["line"] == 4
    rows = read_jsonl(project / "prompts" / "pool" / "pilot.jsonl")
    assert [(r["origin"]["log_id"], r["task_type"], r["source"]) for r in rows] == [("t-2", "open_writing", "pilot")]
    # re-ingesting the same log adds nothing (idempotent)
    assert invoke("ingest", str(log), "--format", "csv", "--prompt-column", "question", "--id-column", "ticket",
                  "--source", "pilot").exit_code == 0
    assert len(read_jsonl(project / "prompts" / "pool" / "pilot.jsonl")) == 1


def test_conversation_export_and_low_confidence_marked_for_review(project: Path, tmp_path: Path,
                                                                  read_jsonl: Callable[..., list],
                                                                  invoke: Callable[..., Result]) -> None:
    log = tmp_path / "conv.jsonl"
    log.write_text(lines(
        {"conversation_id": "c-1", "turns": [{"speaker": "customer", "text": "hello there"}]},
        {"conversation_id": "c-2", "turns": [{"speaker": "martian", "text": "?"}]},
    ))
    assert invoke("ingest", str(log), "--format", "conversation").exit_code == 0
    (row,) = read_jsonl(project / "prompts" / "pool" / "production.jsonl")
    assert row["review"]["needs_attention"][0] == "task_type"
    assert row["origin"]["tagger"]["confidence"] < 0.6


def test_streaming_memory_does_not_grow_with_the_log(project: Path, tmp_path: Path) -> None:
    distinct = [orjson.dumps({"id": f"r{i}", "messages": [{"role": "user", "content": f"{BASE} number {i}?"}]})
                for i in range(20)]
    params = load_params(Project(project))

    def run(n: int) -> tuple[int, int, object]:
        log = tmp_path / f"log{n}.jsonl"
        with open(log, "wb") as handle:
            for i in range(n):  # mostly repeated requests, as in real support logs
                handle.write(distinct[i % 20] + b"\n")
        tracemalloc.start()
        report = ingest_files(Project(project), params, [log], IngestSettings.from_params(params),
                              output=tmp_path / f"out{n}.jsonl")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak, os.path.getsize(log), report

    run(20)  # warm up: lexicons, gazetteer and datasketch are loaded once per process
    peak_small, _, _ = run(2_000)
    peak_big, size_big, report = run(8_000)
    assert report.read == 8_000 and report.added <= 20
    assert sum(report.dropped_counts.values()) >= 8_000 - 20
    assert len(report.dropped) == 1000  # listed up to a cap, all counted
    assert size_big > 1_000_000
    assert peak_big < peak_small * 1.5 + 200_000, (peak_small, peak_big)  # 4x the log, ~same memory


def test_llm_tagger_through_litellm_is_cached(project: Path, monkeypatch: pytest.MonkeyPatch,
                                              read_jsonl: Callable[..., list], invoke: Callable[..., Result]) -> None:
    answer = {"task_type": "safety", "difficulty": "hard", "confidence": 0.9}
    with LLMServer(responder=lambda body: json.dumps(answer)) as server:
        monkeypatch.setenv("FAKE_KEY", "test")
        cfg = {"model": "openai/fake-tagger", "api_base": server.api_base, "api_key_env": "FAKE_KEY",
               "temperature": 0.0}
        params = load_params(Project(project))
        tagger = LLMTagger("fake", cfg, project / "cache" / "tagger", params["taxonomy"])
        messages = [{"role": "user", "content": "How do I export invoices?"}]
        fallback = heuristic_tag(messages, list(params["taxonomy"]["task_types"]), params["taxonomy"]["difficulties"])
        first = tagger.tag(messages, fallback)
        second = tagger.tag(messages, fallback)
        assert (first.task_type, first.difficulty, first.method) == ("safety", "hard", "llm:fake")
        assert second == first
        assert server.total_calls == 1 and tagger.cache_hits == 1
        assert "How do I export invoices?" in server.requests[0]["messages"][0]["content"]

        # an unusable answer falls back to the heuristic tags, visibly, and counts as a failure
        answer.update(task_type="not-a-type")
        other = tagger.tag([{"role": "user", "content": "Something else entirely?"}], fallback)
        assert other.task_type == fallback.task_type and other.method == "heuristic"
        assert "unusable" in str(other.fallback) and tagger.failures == 1

        # and through the CLI: params `ingest.llm_tagger` names a models entry
        answer.update(task_type="reasoning")
        with edit_params(Project(project)) as tree:
            tree["models"]["fake"] = cfg
            tree["ingest"]["llm_tagger"] = "fake"
        log = project / "l.jsonl"
        log.write_text(lines({"id": "z", "prompt": "Tell me about the Pro plan"}))
        assert invoke("ingest", str(log)).exit_code == 0
        (row,) = read_jsonl(project / "prompts" / "pool" / "production.jsonl")
        assert row["task_type"] == "reasoning" and row["origin"]["tagger"]["method"] == "llm:fake"


def test_raw_dir_without_logs_is_fine_and_pilot_folder_sets_source(project: Path,
                                                                   read_jsonl: Callable[..., list],
                                                                   invoke: Callable[..., Result]) -> None:
    raw = project / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "README.md").write_text("logs go here\n")
    result = invoke("ingest", "--raw-dir", str(raw))
    assert result.exit_code == 0 and "no logs to ingest" in result.output
    assert json.loads((project / "reports" / "ingest.json").read_text())["read"] == 0
    (raw / "pilot").mkdir()
    (raw / "pilot" / "run1.jsonl").write_text(lines({"id": "p1", "prompt": "What does the Business plan cost per seat?"}))
    assert invoke("ingest").exit_code == 0
    (row,) = read_jsonl(project / "prompts" / "pool" / "pilot.jsonl")
    assert row["source"] == "pilot" and row["origin"]["log_file"] == "run1.jsonl"
