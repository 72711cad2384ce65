"""Judge verdict corpus (tests/score/corpus/judge.yaml) over real HTTP: strict parsing, errors not guesses."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from llm_server import LLMServer
from prodbench.score.scorers import Context, Item, get_scorer
from prodbench.score.scorers.judge import compare, judge_config
from prodbench.score.scorers.rubric import load_rubric

KEY_ENV = "PRODBENCH_TEST_JUDGE_KEY"
CASES = yaml.safe_load((Path(__file__).parent / "corpus" / "judge.yaml").read_text(encoding="utf-8"))
RUBRICS = {"1-5": "accuracy", "pass/fail": "harmlessness", "pairwise": "pairwise"}
RECORD = {"id": "p-001", "messages": [{"role": "user", "content": "What is the Pro plan price?"}],
          "task_type": "fact_recall", "difficulty": "easy", "source": "synthetic", "reference": "20 EUR"}


@pytest.fixture(scope="module")
def server():
    reply: dict[str, str] = {"text": ""}
    with LLMServer(responder=lambda body: reply["text"]) as running:
        running.reply = reply  # type: ignore[attr-defined]
        yield running


def _context(server: LLMServer) -> Context:
    return Context(params={"score": {"judge": {"model": "openai/judge", "api_base": server.api_base,
                                               "api_key_env": KEY_ENV, "samples": 1, "timeout_s": 5,
                                               "max_retries": 0}}})


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['scale']}" for i, c in enumerate(CASES)])
def test_judge_reply_gives_the_human_verdict(server, monkeypatch, case: dict[str, Any]) -> None:
    monkeypatch.setenv(KEY_ENV, "test-key")
    server.reply["text"] = case["reply"]
    context = _context(server)
    graded = case.get("graded", "The Pro plan costs 20 EUR.")
    item = Item(record=RECORD, response=graded, model="cand")
    if case["scale"] == "pairwise":
        rubric = load_rubric("pairwise", context)
        result = asyncio.run(compare(item, "It is 25 EUR.", rubric, judge_config(context, {}), context))
    else:
        result = asyncio.run(get_scorer("judge")({"rubric": RUBRICS[case["scale"]]}, context)(item))
    if case["verdict"] == "error":
        assert result.score is None and result.error, f"{case['why']}: got {result.score} ({result.rationale})"
        assert result.error.startswith("unparsable judge verdict")
        return
    assert result.error is None, f"{case['why']}: {result.error}"
    if case["scale"] == "pairwise":
        mine = "B" if result.details["swapped"] else "A"
        expected = 0.5 if case["verdict"] == "TIE" else 1.0 if case["verdict"] == mine else 0.0
        assert result.score == expected, case["why"]
    else:
        assert result.details["verdicts"] == [case["verdict"]], case["why"]
