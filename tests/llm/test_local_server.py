"""The embedded model on xllamacpp (the default runtime) answers what llama-cpp-python answers.

Real llama.cpp on the real SmolLM2 GGUF, both bindings in one process: the same greedy
requests go through llama-cpp-python's ``Llama.create_chat_completion`` and through
:class:`ServerChat`, and every field a run stores must match.
"""

from __future__ import annotations

import concurrent.futures

import pytest

from local_cases import CASES, LONG, stored
from prodbench.llm.providers.local_server import ServerChat
from prodbench.llm.providers.local_smollm2 import model_path

pytestmark = pytest.mark.local_model


@pytest.fixture(scope="module")
def gguf():
    return model_path("local/smollm2-135m")


@pytest.fixture(scope="module")
def server(gguf):
    import importlib.util

    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("needs the [local] extra (xllamacpp)")
    engine = ServerChat(gguf, n_ctx=2048)
    yield engine
    engine.close()


def _ask(server: ServerChat, messages: list, max_tokens: int, stop=None, **sampling) -> tuple:
    return stored(server.complete(messages, {"max_tokens": max_tokens, "stop": stop, "temperature": 0.0,
                                             "seed": 7, **sampling}))


@pytest.mark.llama_cpp_python
def test_xllamacpp_answers_what_llama_cpp_python_answers(server, gguf):
    """Flash attention off on both, as the embedded model has it: the two builds of llama.cpp
    compute the same numbers (with it on, their kernels differ in the last digits: docs/run.md)."""
    from llama_cpp import Llama

    llama = Llama(model_path=str(gguf), n_ctx=2048, n_threads=2, flash_attn=False, verbose=False)
    try:
        first = [{"role": "user", "content": "Give me a name for a grey cat."}]
        expected = [stored(llama.create_chat_completion(messages=m, temperature=0.0, max_tokens=n, stop=s, seed=7))
                    for m, n, s in CASES]
        turn_1 = stored(llama.create_chat_completion(messages=first, temperature=0.0, max_tokens=24))
        second = [*first, {"role": "assistant", "content": turn_1[0]}, {"role": "user", "content": "Why that name?"}]
        turn_2 = stored(llama.create_chat_completion(messages=second, temperature=0.0, max_tokens=24))
    finally:
        llama.close()
    got = [_ask(server, m, n, s) for m, n, s in CASES]
    turns = (_ask(server, first, 24), _ask(server, second, 24))
    assert got == expected  # text, finish reason and usage (the end-of-generation token not counted)
    assert turns == (turn_1, turn_2)
    assert {reason for _, reason, _ in got} == {"stop", "length"}


def test_calls_from_many_threads_get_the_answers_they_get_one_by_one(server):
    one_by_one = [_ask(server, m, n, s) for m, n, s in CASES[:5]]
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        together = list(pool.map(lambda case: _ask(server, *case), CASES[:5]))
    assert together == one_by_one
    assert all(text for text, _, _ in together)


def test_a_prompt_longer_than_the_context_is_refused_and_the_engine_still_serves(server):
    with pytest.raises(ValueError, match="exceeds the available context size"):
        _ask(server, [{"role": "user", "content": LONG * 4}], 8)
    content, reason, usage = _ask(server, CASES[0][0], 8)
    assert content and reason in {"stop", "length"} and 0 < usage["completion_tokens"] <= 8


def test_a_seeded_sample_is_repeatable_and_differs_from_greedy(server):
    messages = [{"role": "user", "content": "Invent a product name for an invoicing app."}]
    # after the same request the KV cache holds the same tokens, as llama-cpp-python's does: a
    # different cached prefix changes the last digits of the logits, which can move a sample
    samples = [_ask(server, messages, 24, temperature=1.2, seed=11)[0] for _ in range(3)][1:]
    assert samples[0] == samples[1]
    others = {_ask(server, messages, 24, temperature=1.2, seed=seed)[0] for seed in (1, 2, 3)}
    assert len(others | {samples[0]}) > 1  # the seed matters, so sampling really happens
