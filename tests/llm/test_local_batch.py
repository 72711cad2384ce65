"""Parallel sequences on the embedded model answer exactly what one-at-a-time decoding answers.

Real llama.cpp on the real SmolLM2 GGUF: the same greedy requests go through
``Llama.create_chat_completion`` one by one and through :class:`BatchedChat` all at once
(threads, as a run's concurrent calls), and every field a run stores must match.
"""

from __future__ import annotations

import concurrent.futures

import pytest

from local_cases import CASES, LONG, stored
from prodbench.llm.providers.local_batch import BatchedChat, LlamaCppPythonModel, is_greedy

pytestmark = [pytest.mark.local_model, pytest.mark.llama_cpp_python]

@pytest.fixture(scope="module")
def llama():
    from llama_cpp import Llama

    from prodbench.llm.providers.local_smollm2 import model_path

    instance = Llama(model_path=str(model_path("local/smollm2-135m")), n_ctx=2048, n_threads=2, flash_attn=False,
                     verbose=False)
    yield instance
    instance.close()


def test_parallel_sequences_answer_what_one_at_a_time_decoding_answers(llama):
    assert len(llama.tokenize(CASES[6][0][0]["content"].encode())) > llama.n_batch  # chunked prefill covered
    expected = []
    for messages, max_tokens, stop in CASES:
        llama.reset()
        expected.append(stored(llama.create_chat_completion(messages=messages, temperature=0.0,
                                                             max_tokens=max_tokens, stop=stop, seed=7)))
    batched = BatchedChat(LlamaCppPythonModel(llama), slots=4)  # fewer slots than requests: some wait for a free sequence
    try:
        with concurrent.futures.ThreadPoolExecutor(len(CASES)) as pool:
            got = list(pool.map(lambda case: stored(batched.complete(*case)), CASES))
        again = stored(batched.complete(*CASES[1]))  # a freed sequence is clean for the next prompt
    finally:
        batched.close()
    assert got == expected
    assert again == expected[1]
    assert {reason for _, reason, _ in got} == {"stop", "length"}


def test_the_next_turn_continues_from_its_conversation_as_llama_cpp_python_does(llama):
    """Turn 2 answers what llama-cpp-python answers for the whole conversation on a fresh context
    (the decoder reuses turn 1's prompt, never its answer's tokens: they were decoded one at a time)."""
    first = [{"role": "user", "content": "Give me a name for a grey cat."}]
    def second(answer: str) -> list[dict]:
        return [*first, {"role": "assistant", "content": answer}, {"role": "user", "content": "Why that name?"}]

    llama.reset()
    expected_1 = stored(llama.create_chat_completion(messages=first, temperature=0.0, max_tokens=24))
    llama.reset()
    expected_2 = stored(llama.create_chat_completion(messages=second(expected_1[0]), temperature=0.0,
                                                      max_tokens=24))
    batched = BatchedChat(LlamaCppPythonModel(llama), slots=3)
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:  # another conversation runs alongside
            other = pool.submit(lambda: [batched.complete(case[0], case[1]) for case in CASES[:3]])
            got_1 = stored(batched.complete(first, 24))
            got_2 = stored(batched.complete(second(got_1[0]), 24))
            other.result()
    finally:
        batched.close()
    assert (got_1, got_2) == (expected_1, expected_2)


def test_a_prompt_longer_than_the_context_fails_like_llama_cpp_python_and_the_others_still_run(llama):
    batched = BatchedChat(LlamaCppPythonModel(llama), slots=2)
    try:
        with pytest.raises(ValueError, match=r"exceed context window of 2048"):
            batched.complete([{"role": "user", "content": LONG * 4}], 8)
        content, reason, usage = stored(batched.complete(CASES[0][0], 8))
    finally:
        batched.close()
    assert content and usage["completion_tokens"] <= 8


def test_only_greedy_requests_are_batched():
    assert is_greedy({"temperature": 0.0, "max_tokens": 8, "seed": 7, "stop": ["\n"]})
    assert is_greedy({"temperature": 0, "repeat_penalty": 1.0})
    assert not is_greedy({"temperature": 0.7})
    assert not is_greedy({"temperature": 0.0, "repeat_penalty": 1.1})
    assert not is_greedy({"temperature": 0.0, "presence_penalty": 0.5})
