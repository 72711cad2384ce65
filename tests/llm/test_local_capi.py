"""Parallel sequences on xllamacpp's prebuilt llama.cpp (the default) answer what one-at-a-time
decoding answers, and what llama-cpp-python answers.

Real llama.cpp on the real SmolLM2 GGUF: :class:`BatchedChat` on the C API inside the xllamacpp
wheel (:class:`CApiModel`) against llama.cpp's own server engine one call at a time
(:class:`ServerChat`) and against llama-cpp-python's ``create_chat_completion``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import logging
import time

import pytest

from local_cases import CASES, stored
from prodbench.llm.providers import local_capi, local_smollm2
from prodbench.llm.providers.local_batch import BatchedChat
from prodbench.llm.providers.local_server import ServerChat
from prodbench.llm.providers.local_smollm2 import model_path

pytestmark = pytest.mark.local_model
if importlib.util.find_spec("xllamacpp") is None:
    pytest.skip("needs the [local] extra (xllamacpp)", allow_module_level=True)

FIRST = [{"role": "user", "content": "Give me a name for a grey cat."}]


def _second(answer: str) -> list[dict]:
    return [*FIRST, {"role": "assistant", "content": answer}, {"role": "user", "content": "Why that name?"}]


@pytest.fixture(scope="module")
def gguf():
    return model_path("local/smollm2-135m")


@pytest.fixture(scope="module")
def capi(gguf):
    model = local_capi.CApiModel(gguf, 2048)
    yield model
    model.close()


def _batched_answers(capi, slots: int) -> tuple[list, tuple]:
    batched = BatchedChat(capi, slots)  # fewer sequences than requests: some wait for a free one
    try:
        with concurrent.futures.ThreadPoolExecutor(len(CASES) + 1) as pool:
            conversation = pool.submit(lambda: (stored(batched.complete(FIRST, 24)),))
            got = list(pool.map(lambda case: stored(batched.complete(*case)), CASES))
            turn_1 = conversation.result()[0]
        turn_2 = stored(batched.complete(_second(turn_1[0]), 24))  # continues from its KV cache
    finally:
        batched.close()
    return got, (turn_1, turn_2)


def test_parallel_sequences_answer_what_llama_cpp_one_call_at_a_time_answers(capi, gguf):
    server = ServerChat(gguf, 2048)
    try:
        def ask(messages, max_tokens, stop=None):
            return stored(server.complete(messages, {"max_tokens": max_tokens, "stop": stop, "temperature": 0.0}))
        expected = [ask(*case) for case in CASES]
        turn_1 = ask(FIRST, 24)
        expected_turns = (turn_1, ask(_second(turn_1[0]), 24))
    finally:
        server.close()
    got, turns = _batched_answers(capi, slots=4)
    assert got == expected
    assert turns == expected_turns
    assert {reason for _, reason, _ in got} == {"stop", "length"}


def test_each_decode_step_reaches_llama_cpp_as_one_batch_in_sequence_order(capi, monkeypatch):
    """With a KV stream per sequence, llama.cpp splits a batch wherever the sequence ids stop
    rising, and a step whose ids fell (7, 6, 5, ...) was decoded one token at a time: twice the
    time per token. Every step must list its sequences in ascending order."""
    orders: list[list[int]] = []
    decode = BatchedChat._decode

    def recording_decode(self):
        batch = self.batch
        if all(batch.logits[i] for i in range(batch.n_tokens)) and batch.n_tokens > 1:  # a decode step
            orders.append([batch.seq_id[i][0] for i in range(batch.n_tokens)])
        decode(self)

    monkeypatch.setattr(BatchedChat, "_decode", recording_decode)
    _batched_answers(capi, slots=4)
    assert any(len(order) == 4 for order in orders)  # steps with every sequence busy were seen
    assert all(order == sorted(set(order)) for order in orders), [o for o in orders if o != sorted(set(o))][:3]


@pytest.mark.llama_cpp_python
def test_parallel_sequences_answer_what_llama_cpp_python_answers(capi, gguf):
    """The same rules as llama-cpp-python: template, tokens, stops, characters, usage. Flash
    attention off on both, as the embedded model has it: the two builds of llama.cpp compute the
    same numbers (with it on, their kernels differ in the last digits: docs/run.md)."""
    from llama_cpp import Llama

    llama = Llama(model_path=str(gguf), n_ctx=2048, n_threads=2, flash_attn=False, verbose=False)
    try:
        expected = [stored(llama.create_chat_completion(messages=m, temperature=0.0, max_tokens=n, stop=s, seed=7))
                    for m, n, s in CASES]
        turn_1 = stored(llama.create_chat_completion(messages=FIRST, temperature=0.0, max_tokens=24))
        turn_2 = stored(llama.create_chat_completion(messages=_second(turn_1[0]), temperature=0.0, max_tokens=24))
    finally:
        llama.close()
    got, turns = _batched_answers(capi, slots=3)
    assert got == expected
    assert turns == (turn_1, turn_2)


def test_a_character_cut_by_max_tokens_is_completed_one_call_at_a_time_too(capi, gguf):
    """llama.cpp's server engine stops inside a multi-byte character at ``max_tokens``;
    llama-cpp-python, and so the parallel sequences, decode on until it is whole."""
    messages = CASES[3][0]  # Chinese: many tokens are single bytes of a character
    # from 2 tokens: llama-cpp-python looks for a cut character in the answer's last 3 bytes, and
    # misses one cut in an answer of 1 or 2 bytes (it drops those bytes); the server path does not copy that
    lengths = range(2, 12)
    server = ServerChat(gguf, 2048)
    batched = BatchedChat(capi, 2)
    try:
        one_at_a_time = [stored(server.complete(messages, {"max_tokens": n, "temperature": 0.0})) for n in lengths]
        parallel = [stored(batched.complete(messages, n)) for n in lengths]
    finally:
        server.close()
        batched.close()
    assert one_at_a_time == parallel
    assert not any(text.endswith("\ufffd") for text, _, _ in one_at_a_time)
    assert any(usage["completion_tokens"] > n for n, (_, _, usage) in zip(lengths, one_at_a_time, strict=True))


@pytest.mark.llama_cpp_python
def test_the_prompt_is_rendered_and_tokenized_as_llama_cpp_python_does(capi, gguf):
    from llama_cpp import Llama

    from prodbench.llm.providers.local_batch import LlamaCppPythonModel

    reference = LlamaCppPythonModel(Llama(model_path=str(gguf), n_ctx=512, n_threads=1, verbose=False))
    for messages, _, _ in CASES:
        ours, theirs = capi.formatter(messages=messages), reference.formatter(messages=messages)
        assert (ours.prompt, ours.stop, ours.added_special) == (theirs.prompt, theirs.stop, theirs.added_special)
        tokens = capi.tokenize(ours.prompt.encode(), add_bos=False, special=True)
        assert tokens == reference.tokenize(ours.prompt.encode(), add_bos=False, special=True)
        assert capi.detokenize(tokens) == reference.detokenize(tokens)
    assert (capi.n_vocab, capi.n_ctx, capi.n_batch) == (reference.n_vocab, 2048, reference.n_batch)
    reference.llama.close()


def test_an_unknown_parameter_layout_is_refused_before_use():
    defaults = bytearray(1024)
    for offset, kind, value in local_capi._CONTEXT_FIELDS.values():
        if value is not None:
            __import__("struct").pack_into(kind, defaults, offset, value)
    defaults[local_capi._CONTEXT_FLAGS_AT:local_capi._CONTEXT_FLAGS_AT + 6] = local_capi._CONTEXT_FLAGS
    local_capi._check_layout(bytes(defaults))  # the layout this module knows
    shifted = bytes(8) + bytes(defaults[:-8])  # a field added in front moves every other one
    with pytest.raises(RuntimeError, match="llama_context_params layout"):
        local_capi._check_layout(shifted)


def test_without_the_c_api_greedy_calls_fall_back_to_one_call_at_a_time(monkeypatch, caplog):
    def unusable(*_args, **_kwargs):
        raise RuntimeError("xllamacpp's llama.cpp has another llama_context_params layout (flags)")

    monkeypatch.setattr(local_capi, "CApiModel", unusable)
    monkeypatch.setattr(local_smollm2, "_BATCHED", {})
    monkeypatch.setattr(local_smollm2, "_CAPI_UNUSABLE", set())
    monkeypatch.setattr(local_smollm2, "_SERVERS", {})
    monkeypatch.delenv("PRODBENCH_LOCAL_SLOTS", raising=False)
    monkeypatch.setenv("PRODBENCH_LOCAL_RUNTIME", "xllamacpp")
    local_smollm2.runtime.cache_clear()
    try:
        with caplog.at_level(logging.WARNING):
            answer = local_smollm2.generate("local/smollm2-135m", CASES[0][0], {"temperature": 0.0, "max_tokens": 8})
        assert answer["choices"][0]["message"]["content"]
        assert "parallel sequences unavailable" in caplog.text
        assert list(local_smollm2._SERVERS) == [str(model_path("local/smollm2-135m"))]
        for server in local_smollm2._SERVERS.values():
            server.close()
    finally:
        local_smollm2.runtime.cache_clear()


STORY = ([{"role": "user", "content": "Write a long story about a grey cat who learns to sail, in many chapters."}],
         300, None)


def _counting_steps(batched: BatchedChat) -> list[int]:
    """Count the decoder's ``llama_decode`` calls (``[n]``, updated in place)."""
    count, decode = [0], batched._decode

    def counted() -> None:
        count[0] += 1
        decode()

    batched._decode = counted
    return count


def _wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_a_cancelled_call_stops_being_decoded_and_its_retry_answers_the_same(capi):
    batched = BatchedChat(capi, slots=2)
    try:
        batched.complete(*STORY)
        again = stored(batched.complete(*STORY))  # what a retry answers: the prompt's KV prefix is reused
        assert again[2]["completion_tokens"] > 100  # long enough to be cancelled midway
        steps = _counting_steps(batched)
        future = batched.submit(*STORY)
        _wait_until(lambda: steps[0] >= 10)
        assert future.cancel()
        at_cancel = steps[0]
        _wait_until(lambda: len(batched._free) == 2)  # its sequence is freed
        assert steps[0] <= at_cancel + 1  # at most the step under way when it was cancelled
        assert stored(batched.complete(*STORY)) == again
    finally:
        batched.close()


def test_an_embedded_call_that_times_out_is_no_longer_decoded(monkeypatch, gguf):
    monkeypatch.setattr(local_smollm2, "_BATCHED", {})
    monkeypatch.setattr(local_smollm2, "_CAPI_MODELS", [])
    monkeypatch.setenv("PRODBENCH_LOCAL_RUNTIME", "xllamacpp")
    monkeypatch.setenv("PRODBENCH_LOCAL_SLOTS", "2")
    local_smollm2.runtime.cache_clear()
    messages, max_tokens, _ = STORY

    def call() -> asyncio.Future:
        return asyncio.ensure_future(local_smollm2.acompletion(model="local/smollm2-135m", messages=messages,
                                                               temperature=0.0, max_tokens=max_tokens))

    async def time_out_midway(steps: list[int]) -> None:
        task = call()
        while steps[0] < 10:
            await asyncio.sleep(0.01)
        await asyncio.wait_for(task, 0.01)  # as the run's per-call timeout does

    async def first() -> dict:
        return await call()

    try:
        asyncio.run(first())  # loads the model
        batched = local_smollm2._BATCHED[str(gguf)]
        steps = _counting_steps(batched)
        with pytest.raises(TimeoutError):
            asyncio.run(time_out_midway(steps))
        at_timeout = steps[0]
        _wait_until(lambda: len(batched._free) == 2)  # its sequence is freed
        assert steps[0] <= at_timeout + 1  # not decoded to its end
        assert at_timeout < max_tokens // 2
    finally:
        local_smollm2._close_all()
        local_smollm2.runtime.cache_clear()
