"""LLM-as-judge through litellm against the local test server (tests/llm_server.py)."""

from __future__ import annotations

import pytest

from llm_server import LLMServer, last_user_message
from prodbench.score import score_results, summarize
from prodbench.score.scorers import Context, Item, SettingsError, get_scorer
from prodbench.score.scorers.judge import parse_verdict
from prodbench.score.scorers.rubric import load_rubric

KEY_ENV = "PRODBENCH_TEST_JUDGE_KEY"
PRO_PLAN_QUESTION = {"id": "p-001", "messages": [{"role": "user", "content": "What is the Pro plan price?"}],
                     "task_type": "fact_recall", "difficulty": "easy", "source": "synthetic", "reference": "20 EUR"}


@pytest.fixture
def judge_env(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key")


def params_for(server: LLMServer, **judge) -> dict:
    config = {"model": "openai/judge", "api_base": server.api_base, "api_key_env": KEY_ENV, "temperature": 0.0,
              "samples": 1, "timeout_s": 5, "max_retries": 0, **judge}
    return {"score": {"judge": config, "pass_threshold": 0.5,
                      "plan": {"fact_recall": [{"scorer": "judge", "rubric": "accuracy"}]}}}


def judge_once(server, settings, response="The Pro plan costs 20 EUR.", cache_dir=None, **judge):
    context = Context(params=params_for(server, **judge), cache_dir=cache_dir)
    scorer = get_scorer("judge")(settings, context)
    import asyncio

    item = Item(record=PRO_PLAN_QUESTION, response=response, model="m")
    return asyncio.run(scorer(item))


VERDICTS = [
    ('{"score": 5, "reason": "correct"}', (1, 5), 5),
    ('Here is my grading:\n```json\n{"Score": 2, "reason": "wrong"}\n```', (1, 5), 2),
    ("Score: 4/5 because it is mostly right", (1, 5), 4),
    ('{"verdict": "FAIL", "reason": "harmful"}', "pass/fail", False),
    ("Verdict: **PASS**", "pass/fail", True),
    ('{"winner": "B"}', "pairwise", "B"),
    ("Winner: a tie", "pairwise", "TIE"),
]


@pytest.mark.parametrize("text,scale,expected", VERDICTS)
def test_verdict_parser_accepts_common_shapes(text, scale, expected):
    assert parse_verdict(text, scale) == expected


@pytest.mark.parametrize("text,scale", [("Looks fine to me.", (1, 5)), ('{"score": 9}', (1, 5)),
                                        ('{"score": "great"}', (1, 5)), ("maybe", "pass/fail"),
                                        ('{"winner": "C"}', "pairwise"), ("", (1, 5)),
                                        ("After comparing, the winner is TIE.", "pairwise"),
                                        ("Score: 4/10", (1, 5))])
def test_verdict_parser_rejects_unparsable_or_out_of_scale(text, scale):
    with pytest.raises(ValueError):
        parse_verdict(text, scale)


def test_rubrics_are_data_files_and_unknown_ones_are_listed():
    rubric = load_rubric("accuracy", Context())
    assert rubric.scale == (1, 5) and rubric.pass_at == 4
    assert "$response" in rubric.template
    with pytest.raises(SettingsError, match="available: .*accuracy"):
        load_rubric("nope", Context())


def test_judge_scores_a_parsable_verdict_and_caches_it(judge_env, tmp_path):
    with LLMServer(responder=lambda body: '{"score": 4, "reason": "ok"}') as server:
        result = judge_once(server, {"rubric": "accuracy"}, cache_dir=tmp_path)
        assert result.score == pytest.approx(0.75) and result.passed is True and result.error is None
        sent = last_user_message(server.requests[0])
        assert "20 EUR" in sent and "The Pro plan costs 20 EUR." in sent
        again = judge_once(server, {"rubric": "accuracy"}, cache_dir=tmp_path)
        assert again == result
        assert server.total_calls == 1  # second verdict came from cache/judge


def test_unparsable_verdict_is_a_judge_error_not_a_zero(judge_env):
    with LLMServer(responder=lambda body: "I would rather not say.") as server:
        result = judge_once(server, {"rubric": "accuracy"})
    assert result.score is None and result.passed is None
    assert "unparsable judge verdict" in result.error


def test_timeout_is_a_judge_error_and_is_not_cached(judge_env, tmp_path):
    with LLMServer(responder=lambda body: '{"score": 5}') as server:
        server.fail("hang", times=1)
        result = judge_once(server, {"rubric": "accuracy"}, cache_dir=tmp_path, timeout_s=0.5)
        assert result.score is None and "timeout" in result.error.lower()
        retry = judge_once(server, {"rubric": "accuracy"}, cache_dir=tmp_path, timeout_s=0.5)
        assert retry.score == 1.0  # the error was not cached: the judge was asked again
        assert server.total_calls == 2


def test_k_samples_disagreement_is_reported(judge_env):
    def by_seed(body):
        return '{"score": 1}' if body.get("seed") == 2 else '{"score": 5}'

    with LLMServer(responder=by_seed) as server:
        result = judge_once(server, {"rubric": "accuracy", "samples": 3})
        assert server.total_calls == 3
    assert result.details["agreement"] == pytest.approx(2 / 3, abs=1e-4)
    assert sorted(result.details["verdicts"]) == [1, 5, 5]
    assert result.score == pytest.approx((11 / 3 - 1) / 4, abs=1e-4)
    assert "agreement 67%" in result.rationale


def test_some_samples_unparsable_uses_the_rest(judge_env):
    with LLMServer(responder=lambda body: "no idea" if body.get("seed") == 1 else '{"score": 5}') as server:
        result = judge_once(server, {"rubric": "accuracy", "samples": 2})
    assert result.score == 1.0 and result.details["parsed"] == 1 and result.details["errors"]


def test_pairwise_randomises_order_and_maps_the_verdict_back(judge_env, make_record, make_run_row):
    def prefer_good(body):
        text = last_user_message(body)
        a_part = text.split("## Response A", 1)[1].split("## Response B", 1)[0]
        return '{"winner": "A"}' if "GOOD" in a_part else '{"winner": "B"}'

    recs = [make_record(f"q{i}", reference="x") for i in range(12)]
    plan = {"fact_recall": [{"scorer": "judge_pairwise", "baseline": "base"}]}
    with LLMServer(responder=prefer_good) as server:
        params = params_for(server)
        params["score"]["plan"] = plan
        runs = [make_run_row(r, "base", "weak answer") for r in recs] + [make_run_row(r, "cand", "GOOD answer") for r in recs]
        rows = score_results(recs, runs, params)
        positions = ["GOOD" in last_user_message(b).split("## Response B")[0] for b in server.requests]
    cand = [r for r in rows if r["model"] == "cand"]
    base = [r for r in rows if r["model"] == "base"]
    assert all(r["score"] == 1.0 for r in cand)
    assert all(r["score"] == 0.5 for r in base)  # the baseline against itself is a tie, no call
    assert 0 < sum(positions) < len(positions)   # the candidate was shown first for some items only
    swaps = {r["scorers"][0]["details"]["swapped"] for r in cand}
    assert swaps == {True, False}


def test_judge_in_the_plan_records_errors_per_row(judge_env, make_record, make_run_row):
    recs = [make_record("a", reference="x"), make_record("b", reference="x")]

    def reply(body):
        return "unclear" if "answer-b" in last_user_message(body) else '{"score": 5}'

    with LLMServer(responder=reply) as server:
        rows = score_results(recs, [make_run_row(recs[0], "m", "answer-a"), make_run_row(recs[1], "m", "answer-b")],
                             params_for(server))
    by_id = {r["id"]: r for r in rows}
    assert by_id["a"]["score"] == 1.0
    assert by_id["b"]["score"] is None and "every scorer failed" in by_id["b"]["error"]
    assert by_id["b"]["scorers"][0]["error"].startswith("unparsable judge verdict")
    params = params_for(server)
    metrics = summarize(rows, [], params)
    assert metrics["models"]["m"]["judge"] == {"model": params["score"]["judge"]["model"], "items": 2, "errors": 1,
                                               "mean_agreement": 1.0}
    assert metrics["models"]["m"]["score_errors"] == 1


def test_missing_judge_key_is_a_user_error(monkeypatch):
    from prodbench.core.errors import UserError

    monkeypatch.delenv(KEY_ENV, raising=False)
    with LLMServer() as server, pytest.raises(UserError, match=KEY_ENV):
        judge_once(server, {"rubric": "accuracy"})


@pytest.mark.local_model
def test_embedded_model_as_judge_gives_a_verdict_or_a_judge_error():
    """The default judge (local/smollm2-135m) runs offline; a 135M model may not follow the
    rubric, which must then be a judge error, never a crash or a zero."""
    import asyncio

    params = {"score": {"judge": {"model": "local/smollm2-135m", "temperature": 0.0, "samples": 1,
                                  "max_tokens": 24, "timeout_s": 120, "max_retries": 0}}}
    scorer = get_scorer("judge")({"rubric": "accuracy"}, Context(params=params))
    result = asyncio.run(scorer(Item(record=PRO_PLAN_QUESTION, response="It costs 20 EUR.", model="m")))
    if result.error is None:
        assert 0.0 <= result.score <= 1.0 and result.details["parsed"] == 1
    else:
        assert result.score is None and result.error.startswith(("unparsable judge verdict", "judge "))
