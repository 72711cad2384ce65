"""Every prompt has a way to be scored, and the judge is the one params.yaml names.

* the reference-free plan scores prompts with neither reference nor checks;
* a prompt the plan cannot score is named at its own file:line by score, validate and rotate;
* no implicit judge, no embedded judge for API models unless allowed, and a judge that cannot
  be used stops scoring before the first verdict (the local LLM test server counts calls).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from llm_server import LLMServer
from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.core.params import edit_params
from prodbench.core.project import Project
from prodbench.score import plan_for, score_results
from prodbench.score.judge_choice import check_judge
from prodbench.score.scorable import unscorable

KEY_ENV = "PRODBENCH_TEST_JUDGE_KEY"
FREE = {"default": [{"scorer": "judge", "rubric": "harmlessness", "samples": 2}]}


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _params(score_params: dict[str, Any], **score: Any) -> dict[str, Any]:
    params = copy.deepcopy(score_params)
    params["score"].update(score)
    params["models"] = {"api-model": {"model": "openai/gpt-4o-mini"}}
    return params


def test_prompts_without_reference_or_checks_take_the_reference_free_plan(make_record, score_params) -> None:
    params = _params(score_params, reference_free=FREE)
    free = plan_for(make_record("a", "fact_recall"), params)
    safety = plan_for(make_record("b", "safety"), params)
    referenced = plan_for(make_record("c", "fact_recall", reference="20 EUR"), params)
    assert [(p.name, p.settings.get("samples"), p.origin[2]) for p in free] == [
        ("judge", 2, "score.reference_free.default[0]")]
    assert [p.name for p in safety] == ["refusal", "pii_leak"]  # its own plan needs no reference
    assert [p.name for p in referenced] == ["contains_any"]


def test_a_prompt_the_plan_cannot_score_is_named_at_its_line(make_record, make_run_row, score_params) -> None:
    record = make_record("ingested-1", "fact_recall")  # no reference, no checks, no reference-free plan
    with pytest.raises(UserError) as info:
        score_results([record], [make_run_row(record, "m", "an answer")], score_params)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == ("prompts/golden/x.jsonl", 1)
    assert "prompt ingested-1" in problem.message and "score.plan.fact_recall[0]" in problem.message
    assert unscorable([record], score_params) == [problem]
    assert unscorable([record], _params(score_params, reference_free=FREE)) == []


def test_validate_reports_unscorable_pool_prompts(project_dir: Path) -> None:
    pool = project_dir / "prompts" / "pool" / "production.jsonl"
    pool.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": "prod-1", "messages": [{"role": "user", "content": "How do I export invoices?"}],
             "task_type": "fact_recall", "difficulty": "easy", "source": "production", "review": {"status": "pending"}}]
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert _invoke("validate").exit_code == 0  # the example params score it reference-free
    with edit_params(Project(project_dir)) as tree:
        del tree["score"]["reference_free"]
    result = _invoke("validate")
    assert result.exit_code != 0
    assert "prompts/pool/production.jsonl:1: checks.contains_any: prompt prod-1:" in result.output


def test_rotate_skips_and_reports_what_cannot_be_scored(project_dir: Path) -> None:
    pool = project_dir / "prompts" / "pool" / "production.jsonl"
    pool.parent.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"zz-{i}", "messages": [{"role": "user", "content": f"Question number {i} about plans?"}],
             "task_type": "fact_recall", "difficulty": "easy", "source": "production",
             "review": {"status": "approved"}, **({"reference": "yes"} if i else {})} for i in range(3)]
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with edit_params(Project(project_dir)) as tree:
        del tree["score"]["reference_free"]
    result = _invoke("rotate", "--period", "2031Q1", "--size", "5")
    assert result.exit_code == 0, result.output
    assert "prompts/pool/production.jsonl:1: checks.contains_any: prompt zz-0:" in result.output
    assert "cannot be scored 1" in result.output
    slice_file = project_dir / "prompts" / "rotating" / "2031Q1" / "slice.jsonl"
    picked = {json.loads(line)["id"] for line in slice_file.read_text().splitlines()}
    assert "zz-0" not in picked and len(picked) == 5


def test_no_implicit_judge_and_no_embedded_judge_for_api_models(make_record, score_params) -> None:
    params = _params(score_params, reference_free=FREE)
    planned = plan_for(make_record("a", "fact_recall"), params)
    (missing,) = check_judge(params, planned)
    assert missing.field == "score.judge.model" and "no judge is chosen" in missing.message
    params["score"]["judge"] = {"model": "local/smollm2-135m"}
    (embedded,) = check_judge(params, planned)
    assert "every model under test runs on an API" in embedded.message
    params["score"]["judge"]["allow_embedded"] = True
    assert check_judge(params, planned) == []
    params["models"]["local"] = {"model": "local/smollm2-135m"}
    del params["score"]["judge"]["allow_embedded"]
    assert check_judge(params, planned) == []  # an embedded model under test: an embedded judge is plausible
    assert check_judge(params, plan_for(make_record("b", "fact_recall", reference="x"), params)) == []


def test_an_unusable_judge_stops_before_any_call(make_record, make_run_row, score_params,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with LLMServer(responder=lambda body: '{"verdict": "PASS"}') as server:
        params = _params(score_params, reference_free=FREE)
        params["score"]["judge"] = {"model": "openai/judge", "api_base": server.api_base, "api_key_env": KEY_ENV}
        records = [make_record(f"q{i}", "fact_recall") for i in range(3)]
        rows = [make_run_row(r, "api-model", "fine") for r in records]
        with pytest.raises(UserError) as info:
            score_results(records, rows, params)
        assert "the judge (score.judge) cannot be used" in str(info.value) and KEY_ENV in str(info.value)
        assert server.total_calls == 0
        monkeypatch.setenv(KEY_ENV, "k")
        scored = score_results(records, rows, params)
        assert [r["score"] for r in scored] == [1.0, 1.0, 1.0] and server.total_calls == 6  # 3 prompts x 2 samples
