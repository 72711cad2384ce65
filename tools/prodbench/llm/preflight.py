"""Provider checks before any call: unknown model, missing API key.

Called through :meth:`prodbench.llm.config.ModelConfig.preflight`, only when a call is due.
Models the fast path serves (:mod:`prodbench.llm.fast_openai`) are checked without litellm;
the others ask litellm (imported here, lazily).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from prodbench.core.errors import Problem, UserError

if TYPE_CHECKING:
    from prodbench.llm.config import ModelConfig


def _problem(where: str, message: str) -> UserError:
    return UserError("", [Problem("params.yaml", 0, where, message)])


def check_provider(config: ModelConfig) -> None:
    """Check that litellm knows the model (or router deployments) and has a key for it.

    Raises:
        UserError: With the params.yaml field and what to do.
    """
    if not config.router and not config.is_embedded and _check_fast(config):
        return
    if config.is_embedded:
        from prodbench.llm.providers.local_smollm2 import check_available

        check_available(config.model)
        return
    from prodbench.llm.loader import litellm_module

    litellm = litellm_module()
    if config.router:
        _check_router(config, litellm)
        return
    connection = config.connection
    try:
        _, provider, _, _ = litellm.get_llm_provider(model=config.model, api_base=connection.get("api_base"))
    except Exception as exc:  # litellm raises BadRequestError for unknown providers
        raise _problem(f"{config.where}.model", f"unknown model or provider {config.model!r}: "
                                                f"{str(exc).splitlines()[0][:200]}") from None
    if "api_key" in connection or "api_base" in connection:
        return
    check = litellm.validate_environment(model=config.model)
    if not check.get("keys_in_environment", True):
        missing = ", ".join(check.get("missing_keys") or []) or "an API key"
        raise _problem(
            f"{config.where}.api_key_env",
            f"model {config.model!r} ({provider}) needs {missing} in the environment; set it or name the "
            "variable with api_key_env",
        )


def _check_fast(config: ModelConfig) -> bool:
    """Check a model the fast path serves (True), or leave it to litellm (False).

    Raises:
        UserError: ``openai/`` without a key: the message litellm's check gives.
    """
    from prodbench.llm.fast_openai import fast_endpoint

    endpoint = fast_endpoint(config.model, config.connection, config.gen)
    if endpoint is None:
        return False
    connection = config.connection
    if endpoint.provider == "openai" and not ("api_key" in connection or "api_base" in connection) \
            and "Authorization" not in endpoint.headers:
        raise _problem(
            f"{config.where}.api_key_env",
            f"model {config.model!r} (openai) needs OPENAI_API_KEY in the environment; set it or name the "
            "variable with api_key_env",
        )
    return True


def _check_router(config: ModelConfig, litellm: Any) -> None:
    router = config.router or {}
    deployments = router.get("model_list")
    if not isinstance(deployments, list) or not deployments:
        raise _problem(f"{config.where}.router.model_list",
                       "a router needs a non-empty model_list of deployments")
    names = {d.get("model_name") for d in deployments if isinstance(d, dict)}
    if config.model not in names:
        raise _problem(f"{config.where}.model", f"{config.model!r} is not a model_name in router.model_list "
                                                f"(have: {', '.join(sorted(map(str, names)))})")
    for index, deployment in enumerate(deployments):
        params = (deployment or {}).get("litellm_params") or {}
        where = f"{config.where}.router.model_list.{index}.litellm_params"
        if not params.get("model"):
            raise _problem(where, "each deployment needs litellm_params.model")
        for value in params.values():
            if isinstance(value, str) and value.startswith("os.environ/") and not os.environ.get(value[11:]):
                raise _problem(where, f"environment variable {value[11:]} is not set")
        try:
            litellm.get_llm_provider(model=params["model"], api_base=params.get("api_base"))
        except Exception:
            raise _problem(where, f"unknown model or provider {params['model']!r}") from None
