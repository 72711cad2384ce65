"""The embedded model's sampling calls on xllamacpp: llama.cpp's server engine, in-process.

xllamacpp (MIT, maintained by Xorbits, the llama.cpp engine of Xinference) ships llama.cpp
compiled into a ``manylinux2014`` wheel (glibc 2.17 and newer), so installing it takes seconds
where llama-cpp-python compiles llama.cpp for minutes. Its :class:`xllamacpp.Server` is
llama.cpp's ``llama-server`` without the HTTP part, here with one sequence whose KV cache of
``n_ctx`` tokens is reused for the next prompt that starts the same way. Greedy calls, the
benchmark's, go to the parallel-sequence decoder instead (:mod:`.local_capi`); this engine
answers sampling calls, and greedy ones when parallel sequences are off.

What a call returns is what llama-cpp-python's ``Llama.create_chat_completion`` returns for the
same greedy request (the GGUF's own Jinja chat template, the arg-max token, the same stop,
``max_tokens`` and usage rules; a character cut by ``max_tokens`` is completed), with flash
attention off in both (:data:`.local_batch.FLASH_ATTENTION`): tests/llm/test_local_server.py
compares the two, and ``bench/default_repro.py`` the whole benchmark.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prodbench.llm.providers.local_batch import FLASH_ATTENTION

_MAX_CHARACTER_BYTES = 4  # UTF-8: a character cut after its first byte needs up to 3 more tokens
# Settings passed through to llama.cpp's sampler when the caller gives them.
SAMPLING_KEYS = ("temperature", "seed", "top_p", "top_k", "min_p", "stop", "repeat_penalty",
                 "presence_penalty", "frequency_penalty")


class ServerChat:
    """One llama.cpp server engine for a GGUF file, serving chat completions from any thread.

    Args:
        path: The GGUF model file.
        n_ctx: Context size.

    One sequence only: with several, llama.cpp's continuous batching puts a new prompt in the
    same batch as other sequences' next tokens, which changes some greedy answers in their
    last digits, depending on timing (26 of 156 in ``bench/default_repro.py``, docs/run.md).
    """

    def __init__(self, path: Path, n_ctx: int) -> None:
        import xllamacpp

        threads = os.cpu_count() or 1
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_parallel = 1
        params.n_ctx = n_ctx
        params.kv_unified = False  # a KV stream per sequence, n_ctx tokens each
        params.n_batch = 512  # llama-cpp-python's prompt chunks, so the same numbers come out
        params.n_ubatch = 512
        attention = xllamacpp.llama_flash_attn_type
        params.flash_attn_type = (attention.LLAMA_FLASH_ATTN_TYPE_ENABLED if FLASH_ATTENTION
                                  else attention.LLAMA_FLASH_ATTN_TYPE_DISABLED)
        params.ctx_shift = False
        params.cache_ram_mib = 512
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.warmup = False
        params.verbosity = 1  # errors only: llama.cpp's server logs every request otherwise
        self.path = path
        self.n_ctx = n_ctx
        self._server: Any = xllamacpp.Server(params)

    def complete(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """One chat completion (blocking; safe to call from many threads at once).

        Args:
            messages: ``role``/``content`` chat messages.
            params: ``max_tokens`` and the sampling settings of :data:`SAMPLING_KEYS`.

        Returns:
            An OpenAI-style chat completion dict.

        Raises:
            ValueError: llama.cpp refused the request (e.g. the prompt exceeds ``n_ctx``).
        """
        request: dict[str, Any] = {"messages": messages, "verbose": True, "max_tokens": params["max_tokens"]}
        request.update({key: params[key] for key in SAMPLING_KEYS if params.get(key) is not None})
        answer = self._ask(request)
        # llama.cpp's server stops at max_tokens inside a multi-byte character (its bytes come
        # out as U+FFFD); llama-cpp-python decodes on until the character is whole. The same
        # greedy (or seeded) request with a token more gives the same tokens plus the next one.
        repeatable = float(params.get("temperature") or 0.0) == 0.0 or params.get("seed") is not None
        for extra in range(1, _MAX_CHARACTER_BYTES):
            if not (repeatable and answer["choices"][0]["finish_reason"] == "length"
                    and answer["choices"][0]["message"]["content"].endswith("\ufffd")):
                break
            answer = self._ask({**request, "max_tokens": params["max_tokens"] + extra})
        return answer

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        raw = self._server.handle_chat_completions(request)
        if "error" in raw:
            error = raw["error"]
            raise ValueError(error.get("message") if isinstance(error, dict) else str(error))
        return _as_llama_cpp_python(raw, str(self.path))

    def close(self) -> None:
        """Stop the engine's thread and free the model (idempotent)."""
        self._server = None  # the engine stops when its last reference goes


def _as_llama_cpp_python(raw: dict[str, Any], model: str) -> dict[str, Any]:
    """The server's answer as llama-cpp-python reports it: the raw generated text (no reasoning
    or tool-call parsing), and completion tokens without the end-of-generation token, which
    llama.cpp's server counts and llama-cpp-python does not."""
    details = raw.get("__verbose") or {}
    choice = raw["choices"][0]
    usage = dict(raw.get("usage") or {})
    completion = int(usage.get("completion_tokens", 0))
    if details.get("stop_type") == "eos" and completion > 0:
        completion -= 1
    prompt = int(usage.get("prompt_tokens", 0))
    content = details.get("content")
    if content is None:
        content = (choice.get("message") or {}).get("content") or ""
    return {
        "id": raw.get("id"),
        "object": "chat.completion",
        "created": raw.get("created"),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "logprobs": None,
            "finish_reason": choice.get("finish_reason") or "stop",
        }],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }
