"""The embedded model's answers do not depend on timing.

In a run, which calls share a decode step, which sequence a call gets and whether its prompt is
partly in that sequence's KV cache already all depend on when the calls arrive. None of it may
change a token's logits, bit for bit, or a benchmark would answer differently from one run to
the next. Real llama.cpp (the C API inside the xllamacpp wheel) on the real SmolLM2 GGUF.
"""

from __future__ import annotations

import importlib.util

import pytest

from local_cases import stored
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

    def copy(source: int, destination: int) -> None:
        """Copy one sequence's KV-cache stream into another (applied by the next decode)."""
        capi.c.llama_memory_seq_cp(batched.memory, source, destination, -1, -1)

    yield prompt, decode, forget, copy
    batched.close()
    capi.close()


def test_which_sequences_share_a_step_and_in_what_order_does_not_change_a_row(decoder):
    prompt, decode, forget, _ = decoder
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


def test_a_prompt_prefilled_in_chunks_gets_the_logits_of_one_prefill(decoder):
    """A prompt that starts like what a sequence holds only prefills the rest: the logits must be
    those of the whole prompt prefilled at once, wherever the cut falls (two tokens or more)."""
    prompt, decode, forget, _ = decoder
    tokens = prompt(QUESTIONS[0] + " " + "Make it about waves, wind and a lighthouse. " * 6)
    forget(0)
    whole = decode([(t, i, 0) for i, t in enumerate(tokens)])[-1]
    for cut in (2, 5, len(tokens) // 2, len(tokens) - 2):
        forget(1)
        decode([(t, i, 1) for i, t in enumerate(tokens[:cut])])
        rest = decode([(t, cut + i, 1) for i, t in enumerate(tokens[cut:])])[-1]
        assert (rest == whole).all(), (cut, float(abs(rest - whole).max()))


def _turns(first: str, reply: str) -> tuple[list[dict], list[dict]]:
    turn_1 = [{"role": "user", "content": first}]
    return turn_1, [*turn_1, {"role": "assistant", "content": "{answer}"}, {"role": "user", "content": reply}]


CONVERSATIONS = [
    _turns("Which currencies can I invoice in on the Pro plan? For context: Pro supports up to 25 currencies, "
           "including USD, EUR, GBP and CAD.", "Does that include euros?"),
    _turns("Give me a name for a grey cat.", "Why that name?"),
    _turns("My invoice INV-2041 shows the wrong VAT rate. What should I do?", "It is 21% but should be 9%."),
]


def test_the_next_turn_answers_the_same_whether_its_sequence_holds_the_last_one_or_not(decoder):
    """In a run, turn 2 lands on the sequence that answered turn 1, or, when that one is busy,
    on another: both must give the same answer (it did not, before answers were never reused)."""
    batched = BatchedChat(local_capi.CApiModel(model_path("local/smollm2-135m"), 2048), slots=2)
    try:
        for turn_1, template in CONVERSATIONS:
            answer = batched.complete(turn_1, 48)["choices"][0]["message"]["content"]
            turn_2 = [dict(m, content=answer) if m["content"] == "{answer}" else m for m in template]
            continued = batched.complete(turn_2, 48)  # the sequence holds turn 1 and its answer
            batched.complete([{"role": "user", "content": "Unrelated: name a river."}], 4)
            fresh = BatchedChat(batched.model, slots=1)
            try:
                alone = fresh.complete(turn_2, 48)  # a sequence that never saw turn 1
            finally:
                fresh.close()
            assert stored(continued) == stored(alone)
            assert stored(batched.complete(turn_2, 48)) == stored(alone)  # a retry of the same prompt
    finally:
        batched.close()
        batched.model.close()


SYSTEM = ("You are Ledgerly's customer support assistant. Ledgerly is an online invoicing and bookkeeping "
          "service. Answer briefly and accurately, never reveal personal data, and refuse harmful requests.")


def test_a_prefix_copied_from_a_busy_sequence_gives_the_logits_of_a_fresh_prefill(decoder):
    """A prompt whose start another sequence holds, while that sequence is decoding its own answer,
    takes the prefix from it (a copy of its KV-cache stream): the logits of the rest, and of the
    next decoded token, must be those of the whole prompt prefilled on an empty sequence."""
    prompt, decode, forget, copy = decoder
    first = prompt(f"{SYSTEM} First question: which plans include recurring invoices?")
    second = prompt(f"{SYSTEM} Second question: can I export my ledger to CSV?")
    shared = next(i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b)
    assert shared >= 40  # the test needs a long common prefix
    forget(0)
    token = int(decode([(t, i, 0) for i, t in enumerate(first)])[-1].argmax())
    for position in range(len(first), len(first) + 5):  # sequence 0 goes on answering
        token = int(decode([(token, position, 0)])[0].argmax())
    forget(1)
    fresh = decode([(t, i, 1) for i, t in enumerate(second)])[-1]
    fresh_next = decode([(int(fresh.argmax()), len(second), 1)])[0]

    copy(0, 2)
    forget(2, shared)
    copied = decode([(t, shared + i, 2) for i, t in enumerate(second[shared:])])[-1]
    copied_next = decode([(int(copied.argmax()), len(second), 2)])[0]
    assert (copied == fresh).all(), float(abs(copied - fresh).max())
    assert (copied_next == fresh_next).all(), float(abs(copied_next - fresh_next).max())


def test_calls_sharing_a_system_prompt_copy_it_and_answer_as_alone():
    """Two calls with one long system prompt: the second, arriving while the first is decoded,
    copies the system prompt from the first's sequence, and both answer as each would alone."""
    questions = ["Which plans include recurring invoices?", "Can I export my ledger to CSV?",
                 "How do I add a second user?"]
    calls = [[{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}] for q in questions]
    model = local_capi.CApiModel(model_path("local/smollm2-135m"), 2048)
    try:
        alone = []
        for messages in calls:
            fresh = BatchedChat(model, slots=1)
            try:
                alone.append(stored(fresh.complete(messages, 40)))
            finally:
                fresh.close()
        batched = BatchedChat(model, slots=3)
        try:
            futures = [batched.submit(messages, 40) for messages in calls]
            together = [stored(future.result()) for future in futures]
            assert batched.copied_tokens > 0
        finally:
            batched.close()
        assert together == alone
    finally:
        model.close()
