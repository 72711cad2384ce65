"""Model configs, typed and validated once: :class:`ModelConfig` and :class:`RunSettings`.

A ``models.<name>`` entry of params.yaml (or the ``score.judge`` section) becomes one frozen
:class:`ModelConfig` holding everything the rest of the package asks of it: the litellm model
string, the config :attr:`~ModelConfig.hash` that keys the response cache, the generation
parameters, the system prompt, the connection (``api_base``/``api_key`` read from the
environment once) and whether it is the embedded model. The ``run`` section becomes a frozen
:class:`RunSettings` per model.

Nothing here imports litellm; :meth:`ModelConfig.preflight` does, lazily
(see :mod:`prodbench.llm.preflight`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import orjson

from prodbench.core.errors import Problem, UserError

GEN_KEYS = ("temperature", "max_tokens", "seed")
DEFAULT_RUN: dict[str, Any] = {
    "concurrency": 4,
    "timeout_s": 60.0,
    "max_retries": 4,
    "backoff_base_s": 0.5,
    "backoff_max_s": 30.0,
    "max_failed_share": 0.05,
    "workers": "auto",
}
LOCAL_PROVIDER = "local"
EMBEDDED_PREFIX = f"{LOCAL_PROVIDER}/"


def config_hash(model_cfg: Mapping[str, Any]) -> str:
    """16-hex hash of the whole model config: any changed field changes it.

    Env var *names* are part of the config; their values (keys, URLs) are not.
    """
    return hashlib.sha256(orjson.dumps(dict(model_cfg), option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def is_embedded_model(model: str) -> bool:
    """True for a ``local/<name>`` model string (the in-process GGUF provider)."""
    return model.startswith(EMBEDDED_PREFIX)


@dataclass(frozen=True)
class RetryPolicy:
    """How one model call is retried (shared by the run stage, the judge and the tagger).

    Attributes:
        timeout_s: Per-attempt timeout.
        max_retries: Retries after the first attempt.
        backoff_base_s: First exponential backoff delay (doubled per retry, with jitter).
        backoff_max_s: Cap on any delay, ``Retry-After`` included.
    """

    timeout_s: float = 60.0
    max_retries: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0


@dataclass(frozen=True)
class RunSettings:
    """The ``run`` section of params.yaml for one model, defaults filled in.

    Attributes:
        concurrency: Calls in flight (a model's own ``concurrency`` wins; the embedded model: 1).
        timeout_s: Per-call timeout.
        max_retries: Retries per call.
        backoff_base_s: First backoff delay.
        backoff_max_s: Cap on backoff delays.
        max_failed_share: Share of failed rows above which ``prodbench run`` fails.
        workers: Processes (``auto`` or a number; see :mod:`prodbench.run.workers`).
    """

    concurrency: int = 4
    timeout_s: float = 60.0
    max_retries: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    max_failed_share: float = 0.05
    workers: int | str | None = "auto"

    @classmethod
    def from_params(cls, run_params: Mapping[str, Any] | None, config: ModelConfig | None = None) -> RunSettings:
        """Settings from the ``run`` section; a model's own ``concurrency`` wins.

        The embedded model's concurrency is its number of parallel sequences for greedy configs
        (:func:`prodbench.llm.providers.local_runtime.embedded_concurrency`, 8 unless the model
        sets fewer) and 1 for sampling ones (one call at a time on either runtime: more in
        flight would only queue, inflate the recorded latencies and risk timeouts).

        Raises:
            UserError: A setting has the wrong type.
        """
        raw = {**DEFAULT_RUN, **{k: v for k, v in (run_params or {}).items() if k in DEFAULT_RUN}}
        try:
            settings = cls(concurrency=int(raw["concurrency"]), timeout_s=float(raw["timeout_s"]),
                           max_retries=int(raw["max_retries"]), backoff_base_s=float(raw["backoff_base_s"]),
                           backoff_max_s=float(raw["backoff_max_s"]),
                           max_failed_share=float(raw["max_failed_share"]), workers=raw["workers"])
        except (TypeError, ValueError) as exc:
            raise UserError("", [Problem("params.yaml", 0, "run", f"invalid run setting: {exc}")]) from None
        if config is not None:
            if config.is_embedded:
                from prodbench.llm.providers.local_runtime import embedded_concurrency

                settings = replace(settings, concurrency=embedded_concurrency(config.gen, config.concurrency))
            elif config.concurrency:
                settings = replace(settings, concurrency=config.concurrency)
        return settings

    @property
    def retry(self) -> RetryPolicy:
        """The retry part of the settings."""
        return RetryPolicy(self.timeout_s, self.max_retries, self.backoff_base_s, self.backoff_max_s)


def _problem(where: str, message: str) -> UserError:
    return UserError("", [Problem("params.yaml", 0, where, message)])


@dataclass(frozen=True, eq=False)
class ModelConfig:
    """One model config, built once from params.yaml and validated.

    Attributes:
        name: The ``models`` key (``judge`` for the judge).
        model: The litellm model string (a router's ``model_name`` for a router).
        raw: The config exactly as in params.yaml (what :attr:`hash` covers).
        hash: :func:`config_hash` of ``raw``; keys the response cache.
        gen: Generation parameters sent with every call (part of the cache key).
        system_prompt: Prepended to every conversation (see :meth:`base_messages`).
        concurrency: The model's own concurrency (None: the ``run`` setting).
        rpm: Requests per minute the provider allows (None: learned from its headers).
        tpm: Tokens per minute the provider allows (None: learned from its headers).
        router: A litellm ``Router`` config, or None.
        where: The params.yaml field that problems are reported against.
    """

    name: str
    model: str
    raw: Mapping[str, Any]
    hash: str
    gen: Mapping[str, Any]
    system_prompt: str | None = None
    concurrency: int | None = None
    rpm: int | None = None
    tpm: int | None = None
    router: Mapping[str, Any] | None = None
    where: str = ""
    _checked: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def from_params(cls, name: str, raw: Mapping[str, Any], *, where: str | None = None) -> ModelConfig:
        """Validate one ``models.<name>`` entry and build its config.

        Args:
            name: The model's name.
            raw: Its params.yaml entry.
            where: Field prefix for problems (default ``models.<name>``).

        Raises:
            UserError: A field has the wrong type (named by its params.yaml path).
        """
        where = where or f"models.{name}"
        if not isinstance(raw, Mapping):
            raise _problem(where, "a model config must be a mapping")
        model = raw.get("model")
        if not isinstance(model, str) or not model.strip():
            raise _problem(f"{where}.model", "a model config needs a `model` string (e.g. openai/gpt-4o-mini)")
        for key in ("temperature",):
            if raw.get(key) is not None and (isinstance(raw[key], bool) or not isinstance(raw[key], (int, float))):
                raise _problem(f"{where}.{key}", f"must be a number, got {raw[key]!r}")
        for key in ("max_tokens", "seed", "concurrency", "rpm", "tpm"):
            if raw.get(key) is not None and (isinstance(raw[key], bool) or not isinstance(raw[key], int)):
                raise _problem(f"{where}.{key}", f"must be an integer, got {raw[key]!r}")
        for key in ("rpm", "tpm"):
            if raw.get(key) is not None and raw[key] < 1:
                raise _problem(f"{where}.{key}", f"must be at least 1 (per minute), got {raw[key]!r}")
        for key in ("extra", "router"):
            if raw.get(key) is not None and not isinstance(raw[key], Mapping):
                raise _problem(f"{where}.{key}", "must be a mapping")
        system = raw.get("system_prompt")
        if system is not None and not isinstance(system, str):
            raise _problem(f"{where}.system_prompt", "must be a string")
        gen = {k: raw[k] for k in GEN_KEYS if raw.get(k) is not None}
        gen.update(raw.get("extra") or {})
        return cls(name=name, model=model, raw=raw, hash=config_hash(raw), gen=gen, system_prompt=system or None,
                   concurrency=raw.get("concurrency") or None, rpm=raw.get("rpm"), tpm=raw.get("tpm"),
                   router=raw.get("router") or None, where=where)

    @property
    def is_embedded(self) -> bool:
        """True for the embedded model (``local/<name>``): the one place that knows the prefix."""
        return self.router is None and is_embedded_model(self.model)

    @property
    def price_model(self) -> str:
        """The litellm model string whose price applies (first matching deployment of a router)."""
        if self.router:
            for deployment in self.router.get("model_list") or []:
                params = (deployment or {}).get("litellm_params") or {}
                if deployment.get("model_name") == self.model and params.get("model"):
                    return str(params["model"])
        return self.model

    @cached_property
    def connection(self) -> dict[str, Any]:
        """``api_base``/``api_key`` for litellm, from the config and its env vars (read once).

        Raises:
            UserError: A named env var is missing or empty (the value is never printed).
        """
        return connection_params(self.name, self.raw, where=self.where)

    def base_messages(self, messages: list[Any]) -> list[dict[str, Any]]:
        """``messages`` (copied) with the model's system prompt applied.

        The config's ``system_prompt`` becomes the first system message; if the record has
        its own leading system message, the two are joined (config first).
        """
        out = [dict(m) for m in messages]
        if self.system_prompt:
            if out and out[0].get("role") == "system":
                out[0]["content"] = f"{self.system_prompt}\n\n{out[0].get('content') or ''}".rstrip()
            else:
                out.insert(0, {"role": "system", "content": self.system_prompt})
        return out

    def preflight_env(self) -> None:
        """The checks that need no litellm: env vars named by the config (and a router's ``os.environ/``).

        Raises:
            UserError: A named environment variable is missing.
        """
        if "env" in self._checked:
            return
        _ = self.connection
        for index, deployment in enumerate((self.router or {}).get("model_list") or []):
            params = (deployment or {}).get("litellm_params") or {} if isinstance(deployment, dict) else {}
            for value in params.values():
                if isinstance(value, str) and value.startswith("os.environ/") and not os.environ.get(value[11:]):
                    raise _problem(f"{self.where}.router.model_list.{index}.litellm_params",
                                   f"environment variable {value[11:]} is not set")
        self._checked.add("env")

    def preflight(self) -> None:
        """Fail fast, before any call, on an unknown model/provider or a missing API key.

        Imports litellm (seconds); :meth:`preflight_env` is the cheap part, enough when every
        response is already cached. Done once per config object.

        Raises:
            UserError: With the params.yaml field and what to do.
        """
        if "full" in self._checked:
            return
        self.preflight_env()
        from prodbench.llm.preflight import check_provider

        check_provider(self)
        self._checked.add("full")


def connection_params(name: str, raw: Mapping[str, Any], env: Mapping[str, str] | None = None,
                      where: str | None = None) -> dict[str, Any]:
    """``api_base``/``api_key`` for litellm from a raw config and its env vars.

    Raises:
        UserError: A named env var is missing or empty (the value is never printed).
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    where = where or f"models.{name}"
    out: dict[str, Any] = {}
    if raw.get("api_base"):
        out["api_base"] = raw["api_base"]
    for key, target in (("api_base_env", "api_base"), ("api_key_env", "api_key")):
        var = raw.get(key)
        if var:
            value = environ.get(var)
            if not value:
                raise _problem(f"{where}.{key}", f"environment variable {var} is not set (model {name!r} needs it)")
            out[target] = value
    return out


def load_model_configs(params: Mapping[str, Any], names: list[str] | tuple[str, ...] | None = None
                       ) -> dict[str, ModelConfig]:
    """Every ``models`` entry (or the named ones) as a :class:`ModelConfig`, in params order.

    Raises:
        UserError: A config is invalid.
    """
    models = params.get("models") or {}
    return {name: ModelConfig.from_params(name, raw) for name, raw in models.items()
            if names is None or name in names}


def as_model_config(name: str, config: ModelConfig | Mapping[str, Any]) -> ModelConfig:
    """``config`` if it already is a :class:`ModelConfig`, else one built from the raw dict."""
    return config if isinstance(config, ModelConfig) else ModelConfig.from_params(name, config)
