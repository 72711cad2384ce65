"""ModelConfig and RunSettings: built once from params.yaml, validated, hash-compatible."""

from __future__ import annotations

import pytest

from prodbench.core.errors import UserError
from prodbench.llm.config import ModelConfig, RunSettings, config_hash, load_model_configs

RAW = {"model": "openai/gpt-4o-mini", "temperature": 0.2, "max_tokens": 64, "seed": 3,
       "system_prompt": "Be brief.", "api_key_env": "PRODBENCH_TEST_CFG_KEY", "extra": {"top_p": 0.9}}


def test_hash_is_the_legacy_config_hash_byte_for_byte() -> None:
    config = ModelConfig.from_params("m", RAW)
    assert config.hash == config_hash(RAW)
    # pinned: response caches written before ModelConfig existed stay valid
    assert config_hash({"model": "local/smollm2-135m", "temperature": 0.0, "max_tokens": 96, "seed": 7}) == \
        "73c0e3cbe63156c9"


def test_generation_params_system_prompt_and_embedded_flag() -> None:
    config = ModelConfig.from_params("m", RAW)
    assert dict(config.gen) == {"temperature": 0.2, "max_tokens": 64, "seed": 3, "top_p": 0.9}
    assert config.base_messages([{"role": "user", "content": "hi"}])[0] == {"role": "system", "content": "Be brief."}
    joined = config.base_messages([{"role": "system", "content": "Own."}, {"role": "user", "content": "hi"}])
    assert joined[0]["content"] == "Be brief.\n\nOwn." and len(joined) == 2
    assert not config.is_embedded
    assert ModelConfig.from_params("s", {"model": "local/smollm2-135m"}).is_embedded


def test_connection_is_resolved_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODBENCH_TEST_CFG_KEY", "secret-1")
    config = ModelConfig.from_params("m", RAW)
    assert config.connection == {"api_key": "secret-1"}
    monkeypatch.delenv("PRODBENCH_TEST_CFG_KEY")
    assert config.connection == {"api_key": "secret-1"}  # read once, when first needed


def test_missing_env_var_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRODBENCH_TEST_CFG_KEY", raising=False)
    with pytest.raises(UserError, match=r"models\.m\.api_key_env: environment variable PRODBENCH_TEST_CFG_KEY"):
        ModelConfig.from_params("m", RAW).preflight_env()


@pytest.mark.parametrize(("raw", "field"), [({"temperature": 0.1}, "models.bad.model"),
                                            ({"model": "x/y", "max_tokens": "many"}, "models.bad.max_tokens"),
                                            ({"model": "x/y", "extra": [1]}, "models.bad.extra")])
def test_invalid_configs_are_user_errors(raw: dict, field: str) -> None:
    with pytest.raises(UserError, match=field.replace(".", r"\.")):
        ModelConfig.from_params("bad", raw)


def test_run_settings_defaults_and_per_model_concurrency() -> None:
    base = RunSettings.from_params({"concurrency": 8, "timeout_s": 2})
    assert base.concurrency == 8 and base.timeout_s == 2.0 and base.max_retries == 4
    own = ModelConfig.from_params("m", {"model": "openai/x", "concurrency": 3})
    assert RunSettings.from_params({"concurrency": 8}, own).concurrency == 3
    assert base.retry.timeout_s == 2.0


@pytest.mark.parametrize("runtime", ["xllamacpp", "llama-cpp-python"])
def test_embedded_concurrency_is_the_parallel_sequences_for_greedy_configs(runtime: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from prodbench.llm.providers import local_runtime

    monkeypatch.setattr(local_runtime, "runtime", lambda: runtime)
    monkeypatch.delenv("PRODBENCH_LOCAL_SLOTS", raising=False)
    embedded = ModelConfig.from_params("s", {"model": "local/smollm2-135m", "concurrency": 4})
    assert RunSettings.from_params({"concurrency": 8}, embedded).concurrency == 4  # 4 parallel sequences
    greedy = ModelConfig.from_params("s", {"model": "local/smollm2-135m", "temperature": 0.0})
    assert RunSettings.from_params({"concurrency": 2}, greedy).concurrency == 8  # the default sequences
    sampling = ModelConfig.from_params("s", {"model": "local/smollm2-135m", "temperature": 0.7, "concurrency": 4})
    assert RunSettings.from_params({"concurrency": 8}, sampling).concurrency == 1  # one call at a time
    monkeypatch.setenv("PRODBENCH_LOCAL_SLOTS", "1")
    assert RunSettings.from_params({"concurrency": 8}, greedy).concurrency == 1  # parallel sequences off
    monkeypatch.setenv("PRODBENCH_LOCAL_SLOTS", "many")
    with pytest.raises(UserError, match="PRODBENCH_LOCAL_SLOTS"):
        RunSettings.from_params({"concurrency": 8}, greedy)


def test_unknown_embedded_runtime_lists_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from prodbench.llm.providers import local_runtime

    monkeypatch.setenv("PRODBENCH_LOCAL_RUNTIME", "llamafile")
    local_runtime.runtime.cache_clear()
    try:
        with pytest.raises(UserError, match="xllamacpp, llama-cpp-python"):
            local_runtime.runtime()
    finally:
        monkeypatch.delenv("PRODBENCH_LOCAL_RUNTIME")
        local_runtime.runtime.cache_clear()


def test_load_model_configs_keeps_params_order() -> None:
    params = {"models": {"b": {"model": "openai/b"}, "a": {"model": "openai/a"}}}
    assert list(load_model_configs(params)) == ["b", "a"]
    assert list(load_model_configs(params, ["a"])) == ["a"]
