"""Parallel sequences for the embedded model: greedy chat completions decoded together.

llama.cpp decodes several sequences in one ``llama_decode`` call (one KV-cache stream per
sequence). For a 135M model on a few cores one step costs little more for 8 sequences than
for one, so the concurrent calls of a run share each step instead of waiting for a lock.

A call returns what ``Llama.create_chat_completion`` returns for the same greedy request on a
fresh context: the same chat template, tokenization, prefill chunks of ``n_batch`` tokens, arg-max
token, end-of-generation, stop-string, multi-byte and ``max_tokens`` rules and usage counts
(tests/llm/test_local_batch.py and tests/llm/test_local_capi.py compare them).

What a call answers never depends on timing (tests/llm/test_local_determinism.py checks the
logits bit for bit): which sequences share a decode step does not change a row, and a prompt is
prefilled on its own, never in the same ``llama_decode`` call as other sequences' next tokens.
A sequence keeps the prompt it prefilled, and a prompt that starts the same way (a shared system
prompt, a conversation's next turn) only prefills the rest, on a sequence that holds the prefix
or into which it is copied; with flash attention off (:data:`FLASH_ATTENTION`) a prompt token's
values do not depend on the chunks it was prefilled in, as long as no chunk is a single token.
Decoded tokens (an answer) differ slightly from the same tokens prefilled, so they are never
reused: the next turn prefills the previous answer again.

A call whose future is cancelled (its caller timed out) stops at the next step and frees its
sequence. It runs on llama-cpp-python (:class:`LlamaCppPythonModel`) or on the C API inside the
xllamacpp wheel (:class:`prodbench.llm.providers.local_capi.CApiModel`). Only greedy requests
come here (:func:`is_greedy`); sampling stays on the runtime's one-call-at-a-time path.
"""

from __future__ import annotations

import concurrent.futures
import os
import queue
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Settings that change the arg-max token when given a non-default value: such requests
# are not greedy and take the runtime's one-call-at-a-time sampling path.
_NEUTRAL = {"repeat_penalty": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0}

# Flash attention, off on every context of the embedded model (as llama-cpp-python has it).
# With it on, in llama.cpp's CPU kernels a prompt prefilled in two chunks gets other logits
# than the same prompt prefilled at once (up to 0.67 apart), so reusing a cached prefix would
# make answers depend on which sequence a call got; 21 of 156 rows of the default benchmark
# changed between two repeats (docs/run.md). Off, chunks of two tokens or more agree bit for bit.
FLASH_ATTENTION = False

# A prefix another sequence holds is copied (its whole KV-cache stream, about 47 MB for
# SmolLM2-135M's 2,048 tokens) if that saves prefilling at least this many tokens. On two cores
# the copy took about 10 ms, a prefill about 5 ms a token (40 tokens: 30 ms copied, 230 ms prefilled).
COPY_MIN_TOKENS = 16


def is_greedy(kwargs: Mapping[str, Any]) -> bool:
    """True if ``create_chat_completion(**kwargs)`` would pick the arg-max token at each step."""
    if float(kwargs.get("temperature") or 0.0) != 0.0:
        return False
    return all(kwargs.get(name) in (None, neutral) for name, neutral in _NEUTRAL.items())


def prefill_chunks(length: int, size: int) -> list[tuple[int, int]]:
    """``(start, end)`` chunks of at most ``size`` tokens covering ``length``, none of a single
    token unless ``length`` is 1 (llama.cpp computes a one-token batch with other kernels)."""
    chunks = [(start, min(start + size, length)) for start in range(0, length, size)]
    if len(chunks) > 1 and chunks[-1][1] - chunks[-1][0] == 1:
        (start, end), (_, last) = chunks[-2], chunks[-1]
        chunks[-2:] = [(start, end - 1), (end - 1, last)]
    return chunks


@dataclass
class _Request:
    prompt: list[int]
    stops: list[bytes]
    max_tokens: int
    future: concurrent.futures.Future[dict[str, Any]]
    slot: int = -1
    position: int = 0
    completion: list[int] = field(default_factory=list)
    text: bytes = b""
    multibyte_fix: int = 0
    finish_reason: str = ""


class BatchedChat:
    """One llama.cpp context with ``slots`` sequences, fed by a decoding thread.

    Args:
        model: The loaded model, as :class:`LlamaCppPythonModel` or
            :class:`prodbench.llm.providers.local_capi.CApiModel` present it: its weights,
            vocabulary, chat template and context settings (and the llama.cpp C functions as
            ``model.c``).
        slots: Sequences decoded together; each has the context size of ``model``.
    """

    def __init__(self, model: Any, slots: int) -> None:
        import numpy

        self._c, self._np = model.c, numpy
        self.model = model
        self.slots = slots
        self.n_ctx = model.n_ctx
        self.n_batch = model.n_batch
        self.n_vocab = model.n_vocab
        self.vocab = model.vocab
        self.formatter = model.formatter
        self.ctx = model.c.llama_init_from_model(model.model, model.context_params(self.n_ctx * slots, slots))
        if not self.ctx:
            raise RuntimeError("llama.cpp could not create a context for parallel sequences")
        self.memory = model.c.llama_get_memory(self.ctx)
        self.batch = model.c.llama_batch_init(max(self.n_batch, slots), 0, 1)
        self._pending: queue.Queue[_Request | None] = queue.Queue()
        self._free = list(range(slots))
        # the prompt each sequence's KV cache holds (prefilled, so reusable), kept after a call
        # ends so the next prompt that starts the same way only prefills the rest
        self._prefilled: list[list[int]] = [[] for _ in range(slots)]
        self._last_used = [0] * slots
        self._clock = 0
        self.copied_tokens = 0  # prompt tokens taken from another sequence's KV cache, not prefilled
        self._thread = threading.Thread(target=self._loop, name="prodbench-local-batch", daemon=True)
        self._thread.start()

    @staticmethod
    def supports(llama: Any) -> bool:
        """True if llama-cpp-python's ``llama`` carries the chat template this class formats with."""
        return "tokenizer.chat_template" in (getattr(llama, "metadata", None) or {}) \
            and getattr(llama, "chat_format", None) == "chat_template.default" and llama.chat_handler is None

    def complete(self, messages: list[dict[str, Any]], max_tokens: int | None,
                 stop: str | list[str] | None = None) -> dict[str, Any]:
        """A chat completion dict, as ``Llama.create_chat_completion`` returns it (blocking)."""
        return self.submit(messages, max_tokens, stop).result()

    def submit(self, messages: list[dict[str, Any]], max_tokens: int | None,
               stop: str | list[str] | None = None) -> concurrent.futures.Future[dict[str, Any]]:
        """Queue a chat completion; the future gets what :meth:`complete` returns.

        Cancelling the future (``asyncio.wrap_future`` does when its awaiting task times out)
        stops the decoding of that call at the next step.

        Raises:
            ValueError: The prompt does not fit in a sequence's context.
        """
        formatted = self.formatter(messages=messages)
        prompt = self.model.tokenize(formatted.prompt.encode("utf-8"), add_bos=not formatted.added_special,
                                     special=True)
        stops = [] if stop is None else [stop] if isinstance(stop, str) else list(stop)
        if formatted.stop is not None:
            stops += formatted.stop if isinstance(formatted.stop, list) else [formatted.stop]
        if len(prompt) >= self.n_ctx:
            raise ValueError(f"Requested tokens ({len(prompt)}) exceed context window of {self.n_ctx}")
        if max_tokens is None or max_tokens <= 0:
            max_tokens = self.n_ctx - len(prompt)
        max_tokens = max_tokens if max_tokens + len(prompt) < self.n_ctx else self.n_ctx - len(prompt)
        request = _Request(prompt, [s.encode("utf-8") for s in stops], max_tokens, concurrent.futures.Future())
        self._pending.put(request)
        return request.future

    def close(self) -> None:
        """Stop the decoding thread and free the context (idempotent)."""
        if self.ctx is None:
            return
        self._pending.put(None)
        self._thread.join(timeout=30)
        self._c.llama_batch_free(self.batch)
        self._c.llama_free(self.ctx)
        self.ctx = None

    # ---- the decoding thread --------------------------------------------------------------

    def _loop(self) -> None:
        active: list[_Request] = []
        while True:
            while self._free:
                try:
                    request = self._pending.get(block=not active)
                except queue.Empty:
                    break
                if request is None:
                    return
                if not request.future.cancelled():
                    self._start(request, active)
            for request in [r for r in active if r.future.cancelled()]:
                # its caller gave up: the sequence is free for the next call, and its prompt
                # is still in the KV cache for a retry
                active.remove(request)
                self._release(request)
            if active:
                self._step(active)

    def _fail(self, request: _Request, error: BaseException, active: list[_Request]) -> None:
        if request in active:
            active.remove(request)
        if request.slot >= 0:  # what the cache holds is unknown after a failed decode: clear it
            self._c.llama_memory_seq_rm(self.memory, request.slot, -1, -1)
            self._prefilled[request.slot] = []
        self._release(request)
        _settle(request.future, error=error)

    def _release(self, request: _Request) -> None:
        if request.slot >= 0:
            self._free.append(request.slot)
            request.slot = -1

    def _take_slot(self, prompt: list[int]) -> tuple[int, int]:
        """A free sequence for ``prompt`` and how many of its first tokens that sequence holds.

        The free sequence sharing the longest prefilled prefix with ``prompt`` (else the least
        recently used one). If another sequence, busy or not, holds a prefix at least
        :data:`COPY_MIN_TOKENS` longer, its KV-cache stream is copied into the chosen one first
        (a memory copy instead of a prefill). At least the last two prompt tokens are prefilled
        again: the last for its logits, and no chunk may be a single token."""
        reusable = prompt[:max(len(prompt) - 2, 0)]
        held = [len(os.path.commonprefix([cached, reusable])) for cached in self._prefilled]
        reused, _, slot = max((held[free], -self._last_used[free], free) for free in self._free)
        best, source = max((length, other) for other, length in enumerate(held))
        if best - reused >= COPY_MIN_TOKENS:
            # the whole stream is copied (llama.cpp copies across streams only whole); the next
            # llama_decode applies the copy, and _start drops what lies past the shared prefix
            self._c.llama_memory_seq_cp(self.memory, source, slot, -1, -1)
            self._prefilled[slot] = self._prefilled[source][:best]
            self.copied_tokens += best
            reused = best
        self._free.remove(slot)
        self._clock += 1
        self._last_used[slot] = self._clock
        return slot, reused

    def _start(self, request: _Request, active: list[_Request]) -> None:
        """Prefill a prompt (what its sequence does not hold yet, in chunks of ``n_batch``) and
        take its first token."""
        request.slot, reused = self._take_slot(request.prompt)
        try:
            self._c.llama_memory_seq_rm(self.memory, request.slot, reused, -1)
            prefilled = self._prefilled[request.slot] = request.prompt[:reused]
            rest = request.prompt[reused:]
            for start, end in prefill_chunks(len(rest), self.n_batch):
                chunk = rest[start:end]
                self._fill([(token, reused + start + i, request.slot, start + i == len(rest) - 1)
                            for i, token in enumerate(chunk)])
                self._decode()
                prefilled.extend(chunk)
            request.position = len(request.prompt)
            token = self._argmax(self.batch.n_tokens - 1)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            self._fail(request, exc, active)
            return
        active.append(request)
        self._accept(request, token, active)

    def _step(self, active: list[_Request]) -> None:
        """Decode the last token of every active sequence in one call; take each next token.

        The tokens go in ascending sequence order: with a KV stream per sequence, llama.cpp
        splits a batch wherever the sequence ids stop rising, and decoding them one by one
        takes twice as long per token. Which sequences share a step does not change a row's
        logits (tests/llm/test_local_determinism.py checks it bit for bit)."""
        running = sorted(active, key=lambda request: request.slot)
        self._fill([(r.completion[-1], r.position, r.slot, True) for r in running])
        try:
            self._decode()
        except BaseException as exc:  # noqa: BLE001
            for request in running:
                self._fail(request, exc, active)
            return
        for index, request in enumerate(running):
            request.position += 1
            self._accept(request, self._argmax(index), active)

    def _fill(self, entries: list[tuple[int, int, int, bool]]) -> None:
        batch = self.batch
        batch.n_tokens = len(entries)
        for i, (token, position, slot, wants_logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = position
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = slot
            batch.logits[i] = wants_logits

    def _decode(self) -> None:
        status = self._c.llama_decode(self.ctx, self.batch)
        if status != 0:
            raise RuntimeError(f"llama_decode returned {status}")

    def _argmax(self, index: int) -> int:
        logits = self._np.ctypeslib.as_array(self._c.llama_get_logits_ith(self.ctx, index), shape=(self.n_vocab,))
        return int(logits.argmax())  # the first of equal maxima, as llama.cpp's greedy sampler

    def _accept(self, request: _Request, token: int, active: list[_Request]) -> None:
        """Llama._create_completion's per-token rules, in its order."""
        done = False
        if self._c.llama_vocab_is_eog(self.vocab, token):
            request.text = self.model.detokenize(request.completion)
            request.finish_reason, done = "stop", True
        else:
            request.completion.append(token)
            all_text = self.model.detokenize(request.completion)
            for k, char in enumerate(all_text[-3:]):
                k = 3 - k
                for num, pattern in ((2, 192), (3, 224), (4, 240)):
                    if num > k and pattern & char == pattern:
                        request.multibyte_fix = num - k
            if request.multibyte_fix > 0:
                request.multibyte_fix -= 1
            else:
                any_stop = [s for s in request.stops if s in all_text]
                if any_stop:
                    request.text = all_text[: all_text.index(any_stop[0])]
                    request.finish_reason, done = "stop", True
                elif len(request.completion) >= request.max_tokens:
                    request.text = self.model.detokenize(request.completion)
                    request.finish_reason, done = "length", True
            if not done and request.position + 1 >= self.n_ctx:  # the context is full
                request.text = self.model.detokenize(request.completion)
                request.finish_reason, done = "length", True
        if done:
            active.remove(request)
            self._release(request)
            _settle(request.future, result=self._response(request))

    def _response(self, request: _Request) -> dict[str, Any]:
        prompt_tokens, completion_tokens = len(request.prompt), len(request.completion)
        return {
            "id": f"chatcmpl-{uuid.uuid4()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model.model_path,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": request.text.decode("utf-8", errors="ignore")},
                "logprobs": None,
                "finish_reason": request.finish_reason,
            }],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }


def _settle(future: concurrent.futures.Future[dict[str, Any]], *, result: dict[str, Any] | None = None,
            error: BaseException | None = None) -> None:
    """Give ``future`` its result or error, unless its caller cancelled it meanwhile."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]
    except concurrent.futures.InvalidStateError:
        pass  # cancelled by a caller that timed out: nobody waits for it


class LlamaCppPythonModel:
    """A loaded ``llama_cpp.Llama`` as :class:`BatchedChat` uses it (its context is not touched)."""

    def __init__(self, llama: Any) -> None:
        import llama_cpp
        from llama_cpp import llama_chat_format

        self.c = llama_cpp
        self.llama = llama
        self.model = llama.model
        self.model_path = llama.model_path
        self.n_ctx = llama.n_ctx()
        self.n_batch = llama.n_batch
        self.n_vocab = llama.n_vocab()
        self.vocab = llama._model.vocab
        eos, bos = llama.token_eos(), llama.token_bos()
        self.formatter = llama_chat_format.Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
            stop_token_ids=[eos],
        )

    def context_params(self, n_ctx: int, n_seq_max: int) -> Any:
        """``llama``'s own context settings (flash attention included) for ``n_seq_max`` sequences,
        a KV stream each."""
        params = self.c.llama_context_params.from_buffer_copy(self.llama.context_params)
        params.n_ctx = n_ctx
        params.n_seq_max = n_seq_max
        params.kv_unified = False  # a stream per sequence: each attends over its own cells only
        return params

    def tokenize(self, text: bytes, *, add_bos: bool, special: bool) -> list[int]:
        return list(self.llama.tokenize(text, add_bos=add_bos, special=special))

    def detokenize(self, tokens: list[int]) -> bytes:
        return bytes(self.llama.detokenize(tokens))
