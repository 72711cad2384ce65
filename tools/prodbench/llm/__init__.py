"""The model layer: the one way prodbench calls a model (run stage, LLM judge, LLM tagger).

Public API::

    from prodbench.llm import LLMClient, ModelConfig, ResponseCache, RunSettings
    config = ModelConfig.from_params("gpt", params["models"]["gpt"])   # validated once
    settings = RunSettings.from_params(params.get("run"), config)
    client = LLMClient(config, settings.retry, cache=ResponseCache(cache_dir / config.name))
    outcome = await client.complete(messages, key=client.key(messages))  # cached, retried

Modules: ``config`` (ModelConfig, RunSettings, RetryPolicy), ``client`` (LLMClient: the call
path, pricing), ``fast_openai`` (the OpenAI-compatible fast path, no litellm), ``pacing`` (rate
limits), ``prices`` (the price table), ``retry`` (retry classes, backoff, redaction), ``cache``
(ResponseCache), ``preflight`` (provider checks), ``providers/`` (the embedded ``local/`` model).
Importing this package does not import litellm.
"""

from prodbench.llm.cache import ResponseCache, cache_key
from prodbench.llm.client import LLMClient
from prodbench.llm.config import ModelConfig, RetryPolicy, RunSettings, config_hash, load_model_configs
from prodbench.llm.retry import CallOutcome

__all__ = ["CallOutcome", "LLMClient", "ModelConfig", "ResponseCache", "RetryPolicy", "RunSettings", "cache_key",
           "config_hash", "load_model_configs"]
