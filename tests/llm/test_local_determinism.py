"""The embedded model's answers do not depend on timing.

In a run, which calls share a decode step, which sequence a call gets and whether its prompt is
partly in that sequence's KV cache already all depend on when the calls arrive. None of it may
change a token's logits, bit for bit, or a benchmark would answer differently from one run to
the next. Real llama.cpp (the C API inside the xllamacpp wheel) on the real SmolLM2 GGUF.
"""

from __future__ import annotations

import importlib.util

import pytest

from prodbench.llm.providers import local_capi
from prodbench.llm.providers.local_batch import BatchedChat
from prodbench.llm.providers.local_smollm2 import model_path

pytestmark = pytest.mark.local_model
if importlib.util.find_spec("xllamacpp") is None:
    pytest.skip("needs the [local] extra (xllamacpp)", allow_module_level=True)

QUESTIONS = ("Write a poem about the sea.", "What is 17 + 25?", "Name three colours.")
SCRATCH = 3  # a fourth sequence, for decoding a token next to another


@pytest.fixture(scope="module")
def decoder():
    import numpy

    capi = local_capi.CApiModel(model_path("local/smollm2-135m"), 2048)
    batched = BatchedChat(capi, slots=4)  # its thread waits for calls: the tests drive llama.cpp directly

    def prompt(question: str) -> list[int]:
        formatted = batched.formatter(messages=[{"role": "user", "content": question}])
        return batched.model.tokenize(formatted.prompt.encode(), add_bos=not formatted.added_special, special=True)

    def decode(entries: list[tuple[int, int, int]]) -> list[numpy.ndarray]:
        """Decode (token, position, sequence) entries in one call; every entry's logits, copied."""
        batched._fill([(token, position, seq, True) for token, position, seq in entries])
        batched._decode()
        return [numpy.ctypeslib.as_array(capi.c.llama_get_logits_ith(batched.ctx, i), shape=(batched.n_vocab,)).copy()
                for i in range(len(entries))]

    def forget(seq: int, start: int = 0) -> None:
        capi.c.llama_memory_seq_rm(batched.memory, seq, start, -1)

    yield prompt, decode, forget
    batched.close()
    capi.close()


def test_which_sequences_share_a_step_and_in_what_order_does_not_change_a_row(decoder):
    prompt, decode, forget = decoder
    prompts = [prompt(q) for q in QUESTIONS]
    for seq, tokens in enumerate(prompts):
        forget(seq)
        next_token = int(decode([(t, i, seq) for i, t in enumerate(tokens)])[-1].argmax())
    entry = {seq: (next_token, len(tokens), seq) for seq, tokens in enumerate(prompts)}

    def step(seqs: list[int]):
        logits = decode([entry[seq] for seq in seqs])
        for seq in seqs:
            forget(seq, entry[seq][1])  # back to the prompt alone
        return logits[seqs.index(0)]

    alone = step([0])
    for seqs in ([0, 1, 2], [0, 2], [2, 1, 0], [1, 0, 2]):
        assert (step(seqs) == alone).all(), seqs


def test_a_conversation_continued_from_its_kv_cache_gets_the_logits_of_one_prefill(decoder):
    """A retry or the next turn reuses what its sequence holds; a call that got another sequence
    prefills it all. Both must compute the same logits (flash attention on: without it, they
    differed by up to 0.59 here)."""
    prompt, decode, forget = decoder
    tokens = prompt(QUESTIONS[0])
    forget(0)
    forget(SCRATCH)
    token = int(decode([(t, i, 0) for i, t in enumerate(tokens)])[-1].argmax())
    answer = []
    for _ in range(6):  # decode steps, next to another sequence as in a run
        answer.append(token)
        logits = decode([(token, len(tokens) + len(answer) - 1, 0), (tokens[0], 0, SCRATCH)])[0]
        forget(SCRATCH)
        token = int(logits.argmax())
    continued = logits
    forget(0)
    whole = [*tokens, *answer]
    prefilled = decode([(t, i, 0) for i, t in enumerate(whole)])[-1]
    assert (continued == prefilled).all(), float(abs(continued - prefilled).max())
