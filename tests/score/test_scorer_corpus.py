"""The scorer corpus (tests/score/corpus/*.yaml): every case must get the verdict a careful human gives.

``golden.yaml`` holds adversarial responses to every golden row, scored with the row's real plan;
``scorers.yaml`` holds cases for every built-in scorer with explicit settings. A case marked
``limitation`` is a known disagreement: it runs as a strict xfail, so fixing it makes the test
fail until the mark is removed. Empty and whitespace responses are added to every golden row.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from prodbench.core.params import load_params
from prodbench.core.project import find_project
from prodbench.core.prompts import GOLDEN, load_prompts
from prodbench.score import score_results
from prodbench.score.plan import plan_for
from prodbench.score.scorers import Context, Item, ScoreResult, available, get_scorer

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).resolve().parents[2]
MODEL_BASED = ("judge", "judge_pairwise")
EMPTY = ("", "   \n\t ")


def _load(name: str) -> Any:
    return yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def golden() -> tuple[dict[str, Any], dict[str, Any]]:
    """The repository's golden prompts (judge checks left out: judge.yaml covers the judge) and params."""
    project = find_project(ROOT)
    params = load_params(project)
    prompts = {}
    for prompt in load_prompts(project, params, (GOLDEN,)):
        checks = {k: v for k, v in (prompt.record.get("checks") or {}).items() if k not in MODEL_BASED}
        prompts[prompt.id] = dataclasses.replace(prompt, record={**prompt.record, "checks": checks})
    return prompts, params


@pytest.fixture(scope="module")
def golden_scores(golden) -> dict[tuple[str, int], dict[str, Any]]:
    """Every golden-corpus case scored in one pass: (row id, case index) -> score row."""
    prompts, params = golden
    corpus = _load("golden.yaml")
    runs, keys = [], {}
    for rid, cases in corpus.items():
        responses = [c["response"] for c in cases] + list(EMPTY)
        for index, response in enumerate(responses):
            model = f"case-{len(keys)}"
            keys[model] = (rid, index)
            runs.append({"model": model, "id": rid, "response": response, "error": None})
    rows = score_results([prompts[rid] for rid in corpus if rid in prompts], runs, params)
    return {keys[row["model"]]: row for row in rows}


def _golden_cases() -> list[Any]:
    params = []
    for rid, cases in _load("golden.yaml").items():
        for index, case in enumerate(cases):
            marks = [pytest.mark.xfail(strict=True, reason=case["limitation"])] if case.get("limitation") else []
            params.append(pytest.param(rid, index, case, id=f"{rid}-{index}", marks=marks))
    return params


@pytest.mark.parametrize("rid,index,case", _golden_cases())
def test_golden_case(golden_scores, rid: str, index: int, case: dict[str, Any]) -> None:
    row = golden_scores[(rid, index)]
    verdicts = {s["name"]: s for s in row["scorers"]}
    for name, expected in case["expect"].items():
        assert name in verdicts, f"{rid}: scorer {name!r} is not in the row's plan ({sorted(verdicts)})"
        got = verdicts[name]
        assert got["passed"] is expected, (
            f"{rid} {name}: expected {'pass' if expected else 'fail'} ({case['why']}), got "
            f"{got['score']} - {got['rationale']}\n  response: {case['response']!r}")


def test_every_golden_row_and_scorer_is_in_the_corpus(golden) -> None:
    prompts, _ = golden
    corpus = _load("golden.yaml")
    assert sorted(prompts) == sorted(corpus), "golden.yaml must have cases for every golden row, and only those"
    covered = {name for cases in corpus.values() for case in cases for name in case["expect"]}
    scorers = {p.name for rid in corpus for p in plan_for(prompts[rid], golden[1])}
    assert scorers <= covered, f"scorers without a corpus case: {sorted(scorers - covered)}"


def test_empty_and_whitespace_responses_score_zero_on_every_golden_row(golden_scores) -> None:
    corpus = _load("golden.yaml")
    for rid, cases in corpus.items():
        for offset in range(len(EMPTY)):
            row = golden_scores[(rid, len(cases) + offset)]
            assert row["score"] == 0.0 and row["passed"] is False, f"{rid}: empty response scored {row['score']}"
            assert all(s["passed"] is False for s in row["scorers"]), rid


# ---------------------------------------------------------------- per-scorer cases


def _scorer_cases() -> list[Any]:
    params = []
    for name, cases in _load("scorers.yaml").items():
        for index, case in enumerate(cases):
            marks = [pytest.mark.xfail(strict=True, reason=case["limitation"])] if case.get("limitation") else []
            params.append(pytest.param(name, case, id=f"{name}-{index}", marks=marks))
    return params


@pytest.mark.parametrize("name,case", _scorer_cases())
def test_scorer_case(name: str, case: dict[str, Any]) -> None:
    record = {"id": "c-001", "task_type": case.get("task_type", "open_writing"), "messages": [
        {"role": "user", "content": case.get("prompt", "Question?")}, {"role": "assistant", "content": None}]}
    if "reference" in case:
        record["reference"] = case["reference"]
    scorer = get_scorer(name)(case.get("settings") or {}, Context(params={}))
    result = scorer(Item(record=record, response=case["response"], model="m"))
    assert isinstance(result, ScoreResult)
    assert result.passed is case["pass"], (
        f"{name}: expected {'pass' if case['pass'] else 'fail'} ({case['why']}), got {result.score} - "
        f"{result.rationale}\n  response: {case['response']!r}")


def test_every_deterministic_scorer_has_cases_both_ways() -> None:
    corpus = _load("scorers.yaml")
    for name in available():
        if name in MODEL_BASED:
            continue
        verdicts = {case["pass"] for case in corpus.get(name, [])}
        assert verdicts == {True, False}, f"scorers.yaml needs passing and failing cases for {name!r}"


@pytest.mark.parametrize("name", [n for n in sorted(available()) if n not in MODEL_BASED])
@pytest.mark.parametrize("response", EMPTY, ids=["empty", "whitespace"])
def test_empty_response_scores_zero_for_every_scorer(name: str, response: str) -> None:
    case = next(c for c in _load("scorers.yaml")[name] if c["pass"])
    record = {"id": "c-001", "task_type": "open_writing", "reference": case.get("reference", "x"),
              "messages": [{"role": "user", "content": "Q?"}]}
    result = get_scorer(name)(case.get("settings") or {}, Context(params={}))(
        Item(record=record, response=response, model="m"))
    assert isinstance(result, ScoreResult) and result.score == 0.0 and result.passed is False
