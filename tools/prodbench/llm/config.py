"""Model configs for the run stage: hashing, request parameters, pre-flight checks, shards.

Nothing here imports litellm at module level; :func:`preflight` imports it lazily.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError

# Keys of a model config that are not sent as generation parameters.
_NON_GEN_KEYS = {"model", "system_prompt", "api_base", "api_base_env", "api_key_env", "concurrency", "extra", "router"}
GEN_KEYS = ("temperature", "max_tokens", "seed")
DEFAULT_RUN = {
    "concurrency": 4,
    "timeout_s": 60.0,
    "max_retries": 4,
    "backoff_base_s": 0.5,
    "backoff_max_s": 30.0,
    "max_failed_share": 0.05,
    "workers": "auto",
}
LOCAL_PROVIDER = "local"


def config_hash(model_cfg: dict[str, Any]) -> str:
    """16-hex hash of the whole model config: any changed field changes it.

    Env var *names* are part of the config; their values (keys, URLs) are not.
    """
    return hashlib.sha256(orjson.dumps(model_cfg, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def run_settings(run_params: dict[str, Any] | None, model_cfg: dict[str, Any]) -> dict[str, Any]:
    """``run`` params with defaults filled in; a model's own ``concurrency`` wins.

    The embedded model runs one generation at a time (one llama.cpp context, all cores), so its
    concurrency is 1: more in flight would only queue behind the lock, inflate the recorded
    latencies and risk timeouts.
    """
    settings = {**DEFAULT_RUN, **(run_params or {})}
    if model_cfg.get("concurrency"):
        settings["concurrency"] = model_cfg["concurrency"]
    if str(model_cfg.get("model", "")).startswith(f"{LOCAL_PROVIDER}/"):
        settings["concurrency"] = 1
    return settings


def gen_params(model_cfg: dict[str, Any]) -> dict[str, Any]:
    """Generation parameters sent with every call (part of the cache key)."""
    params = {k: model_cfg[k] for k in GEN_KEYS if model_cfg.get(k) is not None}
    params.update(model_cfg.get("extra") or {})
    return params


def base_messages(record: dict[str, Any], model_cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's messages with the model's system prompt applied.

    The config's ``system_prompt`` becomes the first system message; if the record has its
    own leading system message, the two are joined (config first).
    """
    messages = [dict(m) for m in record["messages"]]
    system = model_cfg.get("system_prompt")
    if system:
        if messages and messages[0].get("role") == "system":
            messages[0]["content"] = f"{system}\n\n{messages[0].get('content') or ''}".rstrip()
        else:
            messages.insert(0, {"role": "system", "content": system})
    return messages


def connection_params(model_name: str, model_cfg: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    """``api_base``/``api_key`` for litellm, read from the config and its env vars.

    Raises:
        UserError: A named env var is missing or empty (the value is never printed).
    """
    env = os.environ if env is None else env
    out: dict[str, Any] = {}
    if model_cfg.get("api_base"):
        out["api_base"] = model_cfg["api_base"]
    for key, target in (("api_base_env", "api_base"), ("api_key_env", "api_key")):
        var = model_cfg.get(key)
        if var:
            value = env.get(var)
            if not value:
                raise UserError(
                    "",
                    [Problem("params.yaml", 0, f"models.{model_name}.{key}",
                             f"environment variable {var} is not set (model {model_name!r} needs it)")],
                )
            out[target] = value
    return out


def _problem(model_name: str, field: str, message: str) -> UserError:
    return UserError("", [Problem("params.yaml", 0, f"models.{model_name}.{field}", message)])


def preflight_env(model_name: str, model_cfg: dict[str, Any]) -> None:
    """The checks that need no litellm: env vars named by the config (and a router's ``os.environ/``).

    Raises:
        UserError: A named environment variable is missing.
    """
    connection_params(model_name, model_cfg)
    router = model_cfg.get("router") or {}
    for index, deployment in enumerate(router.get("model_list") or []):
        params = (deployment or {}).get("litellm_params") or {} if isinstance(deployment, dict) else {}
        for value in params.values():
            if isinstance(value, str) and value.startswith("os.environ/") and not os.environ.get(value[11:]):
                raise _problem(model_name, f"router.model_list.{index}.litellm_params",
                               f"environment variable {value[11:]} is not set")


def preflight(model_name: str, model_cfg: dict[str, Any]) -> None:
    """Fail fast, before any call, on an unknown model/provider or a missing API key.

    Imports litellm (seconds); :func:`preflight_env` is the cheap part, enough when every
    response is already cached.

    Raises:
        UserError: With the params.yaml field and what to do.
    """
    preflight_env(model_name, model_cfg)
    connection = connection_params(model_name, model_cfg)
    from prodbench.llm.client import litellm_module

    litellm = litellm_module()
    if model_cfg.get("router"):
        _preflight_router(model_name, model_cfg, litellm)
        return
    model = model_cfg["model"]
    if model.startswith(f"{LOCAL_PROVIDER}/"):
        from prodbench.llm.providers.local_smollm2 import check_available

        check_available(model)
        return
    try:
        _, provider, _, _ = litellm.get_llm_provider(model=model, api_base=connection.get("api_base"))
    except Exception as exc:  # litellm raises BadRequestError for unknown providers
        raise _problem(model_name, "model", f"unknown model or provider {model!r}: {str(exc).splitlines()[0][:200]}") from None
    if "api_key" in connection or "api_base" in connection:
        return
    check = litellm.validate_environment(model=model)
    if not check.get("keys_in_environment", True):
        missing = ", ".join(check.get("missing_keys") or []) or "an API key"
        raise _problem(
            model_name, "api_key_env",
            f"model {model!r} ({provider}) needs {missing} in the environment; set it or name the "
            "variable with api_key_env",
        )


def _preflight_router(model_name: str, model_cfg: dict[str, Any], litellm: Any) -> None:
    router = model_cfg["router"]
    deployments = router.get("model_list")
    if not isinstance(deployments, list) or not deployments:
        raise _problem(model_name, "router.model_list", "a router needs a non-empty model_list of deployments")
    names = {d.get("model_name") for d in deployments if isinstance(d, dict)}
    if model_cfg["model"] not in names:
        raise _problem(model_name, "model", f"{model_cfg['model']!r} is not a model_name in router.model_list "
                                            f"(have: {', '.join(sorted(map(str, names)))})")
    for index, deployment in enumerate(deployments):
        params = (deployment or {}).get("litellm_params") or {}
        field = f"router.model_list.{index}.litellm_params"
        if not params.get("model"):
            raise _problem(model_name, field, "each deployment needs litellm_params.model")
        for value in params.values():
            if isinstance(value, str) and value.startswith("os.environ/") and not os.environ.get(value[11:]):
                raise _problem(model_name, field, f"environment variable {value[11:]} is not set")
        try:
            litellm.get_llm_provider(model=params["model"], api_base=params.get("api_base"))
        except Exception:
            raise _problem(model_name, field, f"unknown model or provider {params['model']!r}") from None


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """Parse ``I/N`` (1-based) into ``(I, N)``.

    Raises:
        UserError: Malformed or out-of-range shard spec.
    """
    if not text:
        return None
    try:
        index, total = (int(part) for part in text.split("/"))
    except ValueError:
        raise UserError(f"--shard must look like I/N (e.g. 2/4), got {text!r}", exit_code=2) from None
    if total < 1 or not 1 <= index <= total:
        raise UserError(f"--shard {text}: need 1 <= I <= N", exit_code=2)
    return index, total


def shard_of(record_id: str, total: int) -> int:
    """Deterministic 1-based shard of a prompt id (stable across machines and runs)."""
    return int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) % total + 1
