"""Run stage through litellm over real HTTP against tests/llm_server.py."""

from __future__ import annotations

import os

import pytest

from llm_server import LLMServer
from prodbench.core.errors import UserError
from prodbench.llm.config import config_hash
from prodbench.run.stage import RunStats, prepare_run, run_model, select_shard


@pytest.fixture
def run_fake(fast_run):
    """``run_fake(records, cfg, cache_dir, stats=None, **kwargs)``: ``run_model`` as model "fake", fast settings."""
    def run(records, cfg, cache_dir, stats=None, **kwargs):
        return run_model(records, "fake", cfg, fast_run, cache_dir, stats=stats, **kwargs)

    return run


def test_rows_match_contract_and_untouched_rerun_makes_no_call(server, tmp_path, fake_model, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(12)]
    cfg = fake_model(server.api_base)
    rows = run_fake(records, cfg, tmp_path)
    assert [r["id"] for r in rows] == sorted(r.id for r in records)
    assert server.total_calls == 12
    first = rows[0]
    assert first["response"] == "Answer to: question 0"
    assert first["set"] == "golden" and first["error"] is None and first["attempts"] == 1
    assert first["config_hash"] == config_hash(cfg) and len(first["prompt_hash"]) == 16
    assert first["usage"]["total_tokens"] == first["turns"][0]["usage"]["total_tokens"] > 0
    assert first["cached"] is False and first["turns"][0]["finish_reason"] == "stop"

    stats = RunStats("fake")
    again = run_fake(records, cfg, tmp_path, stats=stats)
    assert server.total_calls == 12  # nothing new
    assert stats.calls == 0 and stats.cache_hits == 12
    assert all(r["cached"] for r in again)
    assert [r["response"] for r in again] == [r["response"] for r in rows]


@pytest.mark.parametrize("k", [1, 3])
def test_editing_k_prompts_makes_exactly_k_calls(server, tmp_path, k, fake_model, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(10)]
    cfg = fake_model(server.api_base)
    run_fake(records, cfg, tmp_path)
    server.reset_counters()
    for record in records[:k]:
        record.record["messages"] = [{"role": "user", "content": f"edited {record.id}"}]
    rows = run_fake(records, cfg, tmp_path)
    assert server.total_calls == k
    assert set(server.calls_by_prompt) == {f"edited p-{i:04d}" for i in range(k)}
    assert sum(not r["cached"] for r in rows) == k


@pytest.mark.parametrize("change", [{"temperature": 0.5}, {"max_tokens": 7}, {"seed": 2},
                                    {"system_prompt": "Be brief."}, {"extra": {"top_p": 0.9}}])
def test_any_config_change_invalidates_that_model_only(server, tmp_path, change, fake_model, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(4)]
    cfg = fake_model(server.api_base)
    run_fake(records, cfg, tmp_path)
    changed = {**cfg, **change}
    assert config_hash(changed) != config_hash(cfg)
    server.reset_counters()
    run_fake(records, changed, tmp_path)
    assert server.total_calls == 4
    server.reset_counters()
    run_fake(records, cfg, tmp_path)  # the old config is still cached
    assert server.total_calls == 0


def test_no_cache_and_refresh(server, tmp_path, fake_model, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(3)]
    cfg = fake_model(server.api_base)
    run_fake(records, cfg, tmp_path, use_cache=False)
    assert not (tmp_path / "fake").exists()  # --no-cache writes nothing
    run_fake(records, cfg, tmp_path)
    run_fake(records, cfg, tmp_path, refresh=True)
    assert server.total_calls == 9
    server.reset_counters()
    run_fake(records, cfg, tmp_path)
    assert server.total_calls == 0


def test_multi_turn_is_generated_turn_by_turn(server, tmp_path, fake_model, multi_turn, run_fake, loaded):
    records = [loaded(multi_turn(1))]
    cfg = fake_model(server.api_base, system_prompt="You are terse.")
    rows = run_fake(records, cfg, tmp_path)
    assert server.total_calls == 2
    first, second = server.requests
    assert first["messages"] == [{"role": "system", "content": "You are terse."},
                                 {"role": "user", "content": "first 1"}]
    # the second request carries the model's own first answer
    assert second["messages"][2] == {"role": "assistant", "content": "Answer to: first 1"}
    assert second["messages"][3] == {"role": "user", "content": "second 1"}
    assert [t["content"] for t in rows[0]["turns"]] == ["Answer to: first 1", "Answer to: second 1"]
    assert rows[0]["response"] == "Answer to: second 1"
    assert rows[0]["usage"]["total_tokens"] == sum(t["usage"]["total_tokens"] for t in rows[0]["turns"])


@pytest.mark.parametrize("kind", ["429", "500", "hang", "malformed", "disconnect"])
def test_recovers_from_injected_failures_without_losing_or_duplicating_rows(server, tmp_path, kind, fake_model, fast_run, prompt, loaded):
    records = [loaded(prompt(i)) for i in range(8)]
    server.fail(kind, times=3, retry_after=0.05)
    stats = RunStats("fake")
    rows = run_model(records, "fake", fake_model(server.api_base), {**fast_run, "timeout_s": 0.5}, tmp_path,
                     stats=stats)
    assert [r["id"] for r in rows] == [r.id for r in records]
    assert all(r["error"] is None for r in rows)
    assert server.faults_served[kind] == 3
    assert stats.retries == 3
    assert server.total_calls == 8 + 3
    assert sum(r["attempts"] for r in rows) == 11
    assert all(r["response"] == f"Answer to: question {int(r['id'][2:])}" for r in rows)


def test_retry_after_is_honoured(server, tmp_path, fake_model, fast_run, prompt, loaded):
    server.fail("429", times=1, retry_after=0.4)
    records = [loaded(prompt(1))]
    run_model(records, "fake", fake_model(server.api_base), {**fast_run, "backoff_max_s": 5}, tmp_path)
    assert server.total_calls == 2
    # backoff_base_s is 0.01 s: the 0.4 s gap can only come from Retry-After
    gap = server.request_times[1] - server.request_times[0]
    assert gap >= 0.38


def test_row_that_keeps_failing_is_recorded_not_dropped_nor_cached(server, tmp_path, fake_model, fast_run, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(5)]
    server.fail("500", times=None, match="question 2")
    stats = RunStats("fake")
    rows = run_model(records, "fake", fake_model(server.api_base), {**fast_run, "max_retries": 2}, tmp_path,
                     stats=stats)
    assert len(rows) == 5
    bad = next(r for r in rows if r["id"] == "p-0002")
    assert bad["error"]["status"] == 500 and bad["response"] is None and bad["attempts"] == 3
    assert stats.failed == 1
    server.clear_faults()
    server.reset_counters()
    rows = run_fake(records, fake_model(server.api_base), tmp_path)
    assert server.total_calls == 1  # only the failed row is retried: errors are never cached
    assert all(r["error"] is None for r in rows)


def test_client_errors_are_not_retried(server, tmp_path, fake_model, fast_run, prompt, loaded):
    records = [loaded(prompt(1))]
    cfg = fake_model(server.api_base)
    server.responder = lambda body: (_ for _ in ()).throw(AssertionError("unreachable"))
    rows = run_model(records, "fake", {**cfg, "api_base": server.api_base.replace("/v1", "/nope")}, fast_run, tmp_path)
    assert rows[0]["error"]["status"] == 404
    assert rows[0]["attempts"] == 1


def test_missing_api_key_fails_before_any_call(server, tmp_path, monkeypatch, fake_model, key_env, prompt, run_fake, loaded):
    monkeypatch.delenv(key_env)
    with pytest.raises(UserError) as info:
        run_fake([loaded(prompt(1))], fake_model(server.api_base), tmp_path)
    text = str(info.value)
    assert key_env in text and "models.fake.api_key_env" in text
    assert server.total_calls == 0


def test_provider_key_missing_from_environment(server, tmp_path, monkeypatch, prompt, run_fake, loaded):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UserError) as info:
        run_fake([loaded(prompt(1))], {"model": "openai/gpt-4o-mini"}, tmp_path)
    assert "OPENAI_API_KEY" in str(info.value)


def test_unknown_provider_fails_before_any_call(server, tmp_path, fake_model, prompt, run_fake, loaded):
    with pytest.raises(UserError) as info:
        run_fake([loaded(prompt(1))], fake_model(server.api_base, model="nosuchprovider-xyz/model"),
             tmp_path)
    assert "unknown model or provider" in str(info.value)
    assert server.total_calls == 0


def test_unknown_local_model(tmp_path, prompt, run_fake, loaded):
    with pytest.raises(UserError) as info:
        run_fake([loaded(prompt(1))], {"model": "local/not-a-model"}, tmp_path)
    assert "local/smollm2-135m" in str(info.value)


def test_shards_partition_and_use_separate_cache_files(server, tmp_path, fake_model, fast_run, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(30)]
    cfg = fake_model(server.api_base)
    parts = [select_shard(records, (i, 3)) for i in (1, 2, 3)]
    ids = [r.id for part in parts for r in part]
    assert sorted(ids) == sorted(r.id for r in records)  # disjoint and complete
    assert all(parts)  # a 30-id split leaves no shard empty
    assert select_shard(records, (2, 3)) == parts[1]  # deterministic
    for i, part in enumerate(parts, start=1):
        run_model(part, "fake", cfg, fast_run, tmp_path, cache_writer=f"responses.shard-{i}-of-3")
    assert sorted(p.name for p in (tmp_path / "fake").iterdir()) == [
        f"responses.shard-{i}-of-3.jsonl" for i in (1, 2, 3)]
    server.reset_counters()
    run_fake(records, cfg, tmp_path)  # merged caches: the full run is all hits
    assert server.total_calls == 0


def test_a_run_that_finished_after_this_one_loaded_the_cache_is_not_paid_again(server, tmp_path, fake_model,
                                                                                 fast_run, prompt, run_fake, loaded):
    """Two runs on one cache: the second loaded it, then the first finished before the second took the lock."""
    records = [loaded(prompt(i)) for i in range(6)]
    cfg = fake_model(server.api_base)
    late = prepare_run(records, "fake", cfg, fast_run, tmp_path)
    assert len(late.todo) == 6  # nothing cached when it loaded
    run_fake(records, cfg, tmp_path)  # the other run: pays for all six and releases the lock
    assert server.total_calls == 6
    rows = late.execute(show_progress=False)
    assert server.total_calls == 6  # nothing bought twice
    assert [r["response"] for r in rows] == [f"Answer to: question {i}" for i in range(6)]
    assert late.stats.calls == 0


def test_router_config_stands_in_for_a_model(server, tmp_path, key_env, prompt, run_fake, loaded):
    with LLMServer(responder=lambda body: "from B") as other:
        cfg = {
            "model": "fake-group",
            "temperature": 0.0,
            "router": {
                "model_list": [
                    {"model_name": "fake-group", "litellm_params": {
                        "model": "openai/a", "api_base": server.api_base, "api_key": f"os.environ/{key_env}"}},
                    {"model_name": "fake-group", "litellm_params": {
                        "model": "openai/b", "api_base": other.api_base, "api_key": f"os.environ/{key_env}"}},
                ],
                "routing_strategy": "simple-shuffle",
            },
        }
        rows = run_fake([loaded(prompt(i)) for i in range(10)], cfg, tmp_path)
        assert server.total_calls + other.total_calls == 10
        assert all(r["error"] is None for r in rows)


def test_router_missing_env_fails_fast(server, tmp_path, monkeypatch, key_env, prompt, run_fake, loaded):
    monkeypatch.delenv(key_env)
    cfg = {"model": "g", "router": {"model_list": [{"model_name": "g", "litellm_params": {
        "model": "openai/a", "api_base": server.api_base, "api_key": f"os.environ/{key_env}"}}]}}
    with pytest.raises(UserError, match=key_env):
        run_fake([loaded(prompt(1))], cfg, tmp_path)
    assert server.total_calls == 0


def test_journal_resumes_even_without_cache(server, tmp_path, fake_model, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(6)]
    cfg = fake_model(server.api_base)
    journal = tmp_path / "journal.jsonl"
    run_fake(records[:4], cfg, tmp_path, use_cache=False, journal_path=journal)
    with open(journal, "ab") as handle:
        handle.write(b'{"id": "p-0005", "trunc')  # a torn line left by a crash
    server.reset_counters()
    stats = RunStats("fake")
    rows = run_fake(records, cfg, tmp_path, use_cache=False, journal_path=journal, stats=stats)
    assert server.total_calls == 2 and stats.reused == 4
    assert [r["id"] for r in rows] == [r.id for r in records]


def test_api_key_never_in_results(server, tmp_path, monkeypatch, fake_model, fast_run, key_env, prompt, loaded):
    secret = "sk-very-secret-value-123"
    monkeypatch.setenv(key_env, secret)
    server.fail("500", times=None)
    rows = run_model([loaded(prompt(1))], "fake", fake_model(server.api_base),
                     {**fast_run, "max_retries": 0}, tmp_path)
    assert rows[0]["error"] is not None
    assert secret not in repr(rows)
    assert os.environ[key_env] == secret


def test_forked_workers_share_the_work_without_loss_or_duplicates(server, tmp_path, fake_model, fast_run, prompt, run_fake, loaded):
    records = [loaded(prompt(i)) for i in range(40)]
    cfg = fake_model(server.api_base)
    run_fake(records[:5], cfg, tmp_path / "warm")  # 5 rows already cached: counted once, by the parent
    for path in (tmp_path / "warm" / "fake").iterdir():
        (tmp_path / "fake").mkdir(exist_ok=True)
        path.rename(tmp_path / "fake" / "responses.jsonl")
    server.reset_counters()
    server.fail("429", times=4, retry_after=0.01)
    stats = RunStats("fake")
    rows = run_model(records, "fake", cfg, {**fast_run, "workers": 2, "concurrency": 8}, tmp_path, stats=stats)
    assert [r["id"] for r in rows] == [r.id for r in records]
    assert all(r["error"] is None for r in rows)
    assert server.total_calls == 39 and max(server.calls_by_prompt.values()) <= 2
    assert stats.retries == 4 and stats.calls == 35
    assert stats.turns == 40 and stats.cache_hits == 5
    logs = sorted(p.name for p in (tmp_path / "fake").iterdir())
    assert logs == ["responses.jsonl", "responses.w1.jsonl", "responses.w2.jsonl"]  # one log per process
    keys = [line for name in logs[1:] for line in (tmp_path / "fake" / name).read_text().splitlines()]
    assert len(keys) == 35  # every call stored exactly once
    server.reset_counters()
    run_fake(records, fake_model(server.api_base), tmp_path)
    assert server.total_calls == 0


def test_worker_count_rules():
    from prodbench.run.workers import worker_count

    assert worker_count("auto", 2, 1000, {"model": "openai/x"}) == 1  # low concurrency: in-process
    assert worker_count("auto", 32, 10, {"model": "openai/x"}) == 1  # few rows: not worth a fork
    assert worker_count(3, 8, 1000, {"model": "openai/x"}) == 3
    assert worker_count(4, 2, 1000, {"model": "openai/x"}) == 2  # never more than concurrency
    assert worker_count(2, 8, 100, {"model": "local/smollm2-135m"}) == 1
    assert worker_count(2, 8, 100, {"model": "g", "router": {"model_list": []}}) == 1


def test_retry_after_header_parsing_and_retry_classes():
    from prodbench.llm.client import backoff_delay, is_retryable, retry_after_s

    class Err(Exception):
        def __init__(self, status, headers):
            super().__init__("boom")
            self.status_code = status
            self.response = type("Response", (), {"headers": headers})()

    assert retry_after_s(Err(429, {"retry-after": "2"})) == 2.0
    assert retry_after_s(Err(429, {"retry-after-ms": "150"})) == 0.15
    assert retry_after_s(Err(429, {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"})) is None
    assert is_retryable(Err(429, {})) and is_retryable(Err(503, {}))
    assert not is_retryable(Err(401, {})) and not is_retryable(Err(400, {}))
    settings = {"backoff_base_s": 1.0, "backoff_max_s": 5.0}
    assert 0.5 <= backoff_delay(1, settings, None) <= 1.5
    assert backoff_delay(10, settings, None) <= 7.5  # capped (with jitter)
    assert 3.0 <= backoff_delay(1, settings, 3.0) <= 3.3  # Retry-After wins over the exponential


@pytest.mark.parametrize(
    ("env", "message", "secret"),
    [
        ({"MY_PROVIDER_SECRET": "s3cr3t-value-123456"}, "auth failed for s3cr3t-value-123456", "s3cr3t-value-123456"),
        ({}, "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwx", "sk-proj-abcdefghijklmnopqrstuvwx"),
        ({}, "header was Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9.payload.sig"),
        ({}, "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ],
)
def test_error_messages_never_carry_secrets(monkeypatch, env, message, secret):
    from prodbench.llm.client import error_record

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    recorded = error_record(RuntimeError(message))
    assert secret not in recorded["message"]
    assert "***" in recorded["message"]
