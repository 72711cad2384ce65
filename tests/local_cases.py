"""Chat requests that cover the embedded model's edge cases, shared by the runtime tests."""

from __future__ import annotations

LONG = " ".join(f"Line {i}: the invoice INV-{1000 + i} was paid on day {i % 28 + 1}." for i in range(60))
CASES = [
    ([{"role": "user", "content": "What is 17 + 25? Answer with the number."}], 24, None),
    ([{"role": "system", "content": "You are Ledgerly's support assistant. Answer briefly."},
      {"role": "user", "content": "Can I pay my invoice in euros?"}], 40, None),
    ([{"role": "user", "content": "Name three colours."}, {"role": "assistant", "content": "Red, green, blue."},
      {"role": "user", "content": "And two more?"}], 32, None),
    ([{"role": "user", "content": "请用中文介绍一下你自己。"}], 40, None),  # multi-byte tokens
    ([{"role": "user", "content": "日本語で挨拶してください。"}], 40, None),
    ([{"role": "user", "content": "Write a Python function that adds two numbers."}], 48, "\n\n"),  # user stop
    ([{"role": "user", "content": "Summarise these lines in one sentence:\n" + LONG}], 24, None),  # > n_batch
    ([{"role": "user", "content": "Say OK."}], 1, None),  # stops on max_tokens at once
]


def stored(response: dict) -> tuple:
    """What a run stores of a chat completion: content, finish reason and usage."""
    choice = response["choices"][0]
    return choice["message"]["content"], choice["finish_reason"], response["usage"]
