"""score_results / summarize on hand-made run rows, and the `prodbench score` command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.score import plan_for, score_results, summarize


def test_plan_merges_checks_over_the_task_type_plan(make_record, score_params):
    rec = make_record(task_type="reasoning", checks={"length": {"max_words": 50, "weight": 2}, "numeric_answer": False,
                                                "regex": {"pattern": "x"}})
    plan = {p.name: p for p in plan_for(rec, score_params)}
    assert set(plan) == {"length", "regex"}
    assert plan["length"].settings == {"max_words": 50}
    assert plan["length"].weight == 2.0
    assert plan["regex"].weight == 1.0
    assert plan["length"].origin == ("prompts/golden/x.jsonl", 1, "checks.length")


def test_score_results_weights_scorers_and_handles_run_errors(make_record, make_run_row, score_params):
    recs = [make_record("r1", "reasoning", "easy", reference=12), make_record("r2", "reasoning", "hard", reference=12),
            make_record("f1", "fact_recall", reference="Pro")]
    rows = score_results(recs, [
        make_run_row(recs[0], "m", "It is 12"),                                       # both pass
        make_run_row(recs[1], "m", "I think the result is 13, after long thought ok"),  # both fail
        make_run_row(recs[2], "m", None, error={"type": "Timeout", "message": "slow", "status": None}),
        {**make_run_row(recs[2], "m", "x"), "id": "gone"},                           # stale prompt: ignored
    ], score_params)
    assert [r["id"] for r in rows] == ["f1", "r1", "r2"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["r1"]["score"] == 1.0 and by_id["r1"]["passed"] is True
    # numeric fails (weight 3), length 5/10 words -> 0.5 (weight 1): (0*3 + 0.5*1) / 4
    assert by_id["r2"]["score"] == pytest.approx(0.125)
    assert by_id["r2"]["passed"] is False
    assert [s["name"] for s in by_id["r2"]["scorers"]] == ["numeric_answer", "length"]
    assert by_id["f1"]["score"] is None and by_id["f1"]["error"].startswith("run error: Timeout")
    assert by_id["r1"]["set"] == "golden" and len(by_id["r1"]["prompt_hash"]) == 16


def test_plan_problems_are_located_and_reported_together(make_record, score_params):
    recs = [make_record("a", "fact_recall", checks={"regex": {"pattern": "("}}, reference="x"),
            make_record("b", "open_writing")]
    with pytest.raises(UserError) as info:
        score_results(recs, [], score_params)
    text = str(info.value)
    assert "prompts/golden/x.jsonl:1: checks.regex:" in text
    # a prompt the plan cannot score is named at its own line, not at the plan's
    assert "prompts/golden/x.jsonl:1: task_type: prompt b: no scorers for task type 'open_writing'" in text


def test_unknown_scorer_in_checks_is_located(make_record, score_params):
    recs = [make_record("a", "fact_recall", reference="x", checks={"contains_anyy": {}})]
    with pytest.raises(UserError, match=r"x.jsonl:1: checks.contains_anyy: unknown scorer 'contains_anyy'"):
        score_results(recs, [], score_params)


def test_summarize_splits_sets_groups_and_intervals(make_record, make_run_row, score_params):
    recs = [make_record(f"g{i}", "fact_recall", "easy" if i % 2 else "hard", reference="Pro") for i in range(10)]
    recs += [make_record(f"r{i}", "safety", "easy", set_name="rotating") for i in range(4)]
    runs = [make_run_row(r, "a", "Pro" if i < 7 else "Basic", latency=0.1 * (i + 1)) for i, r in enumerate(recs[:10])]
    runs += [make_run_row(r, "a", "I'm sorry, but I can't help with that.", cached=True, latency=9.0) for r in recs[10:]]
    runs += [make_run_row(r, "b", "Pro") for r in recs[:10]]
    runs += [make_run_row(recs[10], "b", None, error={"type": "RateLimitError", "message": "", "status": 429})]
    rows = score_results(recs, runs, score_params)
    metrics = summarize(rows, runs, score_params)
    a, b = metrics["models"]["a"], metrics["models"]["b"]
    assert a["golden"]["mean"] == pytest.approx(0.7) and a["golden"]["n"] == 10
    assert a["golden"]["ci_low"] < 0.7 < a["golden"]["ci_high"]
    # every rotating row passes: a Wilson interval (continuity-corrected), not a zero-width [1, 1]
    assert a["rotating"] == {"mean": 1.0, "ci_low": 0.3958, "ci_high": 1.0, "n": 4, "pass_rate": 1.0}
    assert a["overall"]["n"] == 14 and a["overall"]["pass_rate"] == pytest.approx(11 / 14, abs=1e-4)
    assert list(a["by_task_type"]) == ["fact_recall", "safety"]
    assert list(a["by_difficulty"]) == ["easy", "hard"]
    assert a["tokens"]["total_tokens"] == 14 * 30
    # 0.1 .. 1.0 and four cached rows keeping their original 9.0 s
    assert a["latency_s"]["p50"] == pytest.approx(0.75)
    assert a["latency_s"]["p90"] == pytest.approx(9.0)
    assert a["errors"] == 0 and b["errors"] == 1
    assert b["golden"]["ci_low"] < b["golden"]["ci_high"] == 1.0
    assert b["rotating"]["n"] == 0 and b["rotating"]["mean"] is None
    assert a["cost_usd"] is None
    assert "judge" not in a  # only present when a judge scorer ran


def test_score_command_writes_rows_and_sorted_metrics(tmp_path, monkeypatch, make_record, make_run_row,
                                                      score_params, write_score_project):
    params = {**score_params, "models": {"a": {"model": "openai/x"}, "b": {"model": "openai/y"}}}
    recs = [make_record(f"f{i}", "fact_recall", reference="Pro") for i in range(3)]
    write_score_project(tmp_path, params, recs, {"a": [make_run_row(r, "a", "Pro") for r in recs],
                                            "b": [make_run_row(r, "b", "no") for r in recs]})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["score"])
    assert result.exit_code == 0, result.output
    assert "a: score 1.000" in result.output and "b: score 0.000" in result.output
    rows = [json.loads(line) for line in (tmp_path / "results" / "scores.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and {r["model"] for r in rows} == {"a", "b"}
    text = (tmp_path / "metrics" / "scores.json").read_text()
    metrics = json.loads(text)
    assert metrics["models"]["a"]["overall"]["mean"] == 1.0
    assert list(metrics["models"]["a"]) == sorted(metrics["models"]["a"])


def test_score_command_reports_missing_results_without_traceback(tmp_path, monkeypatch, make_record,
                                                                 score_params, write_score_project):
    params = {**score_params, "models": {"a": {"model": "openai/x"}}}
    write_score_project(tmp_path, params, [make_record("f1", reference="Pro")], {})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["score"])
    assert result.exit_code == 1
    assert "no run results for a" in result.output and "Traceback" not in result.output


def test_list_scorers_needs_no_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["score", "--list-scorers"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert "rouge_l" in names and "judge_pairwise" in names and names == sorted(names)
