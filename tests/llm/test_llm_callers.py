"""The judge and the LLM tagger go through the one model layer: retries and the shared cache.

Both run against the local test server (tests/llm_server.py) with injected failures.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest

from llm_server import LLMServer
from prodbench.data.tagging import LLMTagger, Tags
from prodbench.score.scorers import Context, Item, get_scorer

KEY_ENV = "PRODBENCH_TEST_LLM_KEY"
TAXONOMY = {"task_types": {"fact_recall": "facts", "reasoning": "steps", "safety": "risky asks"},
            "difficulties": ["trivial", "easy", "medium", "hard"]}
FAST = {"timeout_s": 5.0, "max_retries": 3, "backoff_base_s": 0.01, "backoff_max_s": 0.2}
FALLBACK = Tags("fact_recall", "easy", 0.3, 0.3)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(KEY_ENV, "test-key")
    with LLMServer() as srv:
        yield srv


def _judge(server: LLMServer, cache_dir: Path | None, **judge) -> object:
    config = {"model": "openai/judge", "api_base": server.api_base, "api_key_env": KEY_ENV, "temperature": 0.0,
              "samples": 1, "timeout_s": 5, "max_retries": 3, **judge}
    context = Context(params={"score": {"judge": config}}, cache_dir=cache_dir)
    scorer = get_scorer("judge")({"rubric": "accuracy"}, context)
    item = Item(record={"id": "q1", "messages": [{"role": "user", "content": "Price of Pro?"}],
                        "reference": "20 EUR"}, response="20 EUR", model="m")
    return asyncio.run(scorer(item))


def _tagger(server: LLMServer, cache_dir: Path, **run) -> LLMTagger:
    cfg = {"model": "openai/tagger", "api_base": server.api_base, "api_key_env": KEY_ENV, "temperature": 0.0}
    return LLMTagger("fake", cfg, cache_dir, TAXONOMY, run_params={**FAST, **run})


@pytest.mark.parametrize("kind", ["429", "500"])
def test_judge_retries_a_failed_call(server: LLMServer, tmp_path: Path, kind: str) -> None:
    server.responder = lambda body: '{"score": 5}'
    server.fail(kind, times=2, retry_after=0.05)
    result = _judge(server, tmp_path)
    assert result.error is None and result.score == 1.0
    assert server.faults_served[kind] == 2 and server.total_calls == 3


def test_judge_gives_up_after_max_retries_and_caches_nothing(server: LLMServer, tmp_path: Path) -> None:
    server.fail("500", times=None)
    result = _judge(server, tmp_path, max_retries=1)
    assert result.score is None and result.error.startswith("judge ")
    assert server.total_calls == 2
    assert not any(p.stat().st_size for p in tmp_path.glob("*.jsonl"))


def test_judge_uses_the_response_cache(server: LLMServer, tmp_path: Path) -> None:
    server.responder = lambda body: '{"score": 4}'
    first = _judge(server, tmp_path)
    again = _judge(server, tmp_path)
    assert first == again and server.total_calls == 1
    (log,) = tmp_path.glob("*.jsonl")  # one ResponseCache log, not a file per verdict
    entry = json.loads(log.read_text().splitlines()[0])
    assert entry["response"]["content"] == '{"score": 4}'


def test_judge_reads_verdicts_cached_by_earlier_versions(server: LLMServer, tmp_path: Path) -> None:
    from prodbench.score.scorers.judge import _cache_key, conversation_text, judge_config
    from prodbench.score.scorers.rubric import load_rubric, render

    context = Context(params={"score": {"judge": {"model": "openai/judge", "api_base": server.api_base,
                                                  "api_key_env": KEY_ENV, "temperature": 0.0, "samples": 1,
                                                  "timeout_s": 5, "max_retries": 3}}})
    config = judge_config(context, {})
    item = Item(record={"id": "q1", "messages": [{"role": "user", "content": "Price of Pro?"}],
                        "reference": "20 EUR"}, response="20 EUR", model="m")
    messages = render(load_rubric("accuracy", context), question=conversation_text(item), reference="20 EUR",
                      response="20 EUR")
    key = _cache_key(config, messages, 0)
    legacy = tmp_path / key[:2] / f"{key}.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(json.dumps({"text": '{"score": 5}'}))
    result = _judge(server, tmp_path)
    assert result.score == 1.0 and server.total_calls == 0


@pytest.mark.parametrize("kind", ["429", "500"])
def test_tagger_retries_a_failed_call(server: LLMServer, tmp_path: Path, kind: str) -> None:
    server.responder = lambda body: '{"task_type": "reasoning", "difficulty": "hard", "confidence": 0.8}'
    server.fail(kind, times=2, retry_after=0.05)
    tagger = _tagger(server, tmp_path)
    tags = tagger.tag([{"role": "user", "content": "Why is the sky blue?"}], FALLBACK)
    assert (tags.task_type, tags.difficulty, tags.method) == ("reasoning", "hard", "llm:fake")
    assert server.faults_served[kind] == 2 and server.total_calls == 3
    assert tagger.calls == 1 and tagger.failures == 0


def test_tagger_falls_back_when_retries_run_out(server: LLMServer, tmp_path: Path) -> None:
    server.fail("500", times=None)
    tagger = _tagger(server, tmp_path, max_retries=1)
    tags = tagger.tag([{"role": "user", "content": "Why?"}], FALLBACK)
    assert dataclasses.replace(tags, fallback=None) == FALLBACK and tags.fallback == "llm:fake call failed"
    assert server.total_calls == 2 and tagger.failures == 1 and tagger.call_errors == 1


def test_tagger_timeout_comes_from_the_run_settings(server: LLMServer, tmp_path: Path) -> None:
    server.responder = lambda body: '{"task_type": "safety", "difficulty": "easy", "confidence": 0.9}'
    server.fail("hang", times=1)
    tagger = _tagger(server, tmp_path, timeout_s=0.5)
    tags = tagger.tag([{"role": "user", "content": "Is this safe?"}], FALLBACK)
    assert tags.task_type == "safety" and server.total_calls == 2  # timed out once, then retried


def test_tagger_uses_the_response_cache(server: LLMServer, tmp_path: Path) -> None:
    server.responder = lambda body: '{"task_type": "safety", "difficulty": "easy", "confidence": 0.9}'
    messages = [{"role": "user", "content": "Can I share my password?"}]
    first = _tagger(server, tmp_path).tag(messages, FALLBACK)
    again_tagger = _tagger(server, tmp_path)  # a new process would start like this: cache read from disk
    again = again_tagger.tag(messages, FALLBACK)
    assert first == again and server.total_calls == 1
    assert again_tagger.cache_hits == 1 and again_tagger.calls == 0
    assert [p.name for p in tmp_path.iterdir()] == ["responses.jsonl"]
