"""Secrets by value: every configured key is masked in anything prodbench writes.

A secret is known by its *value*, not by the name of the variable holding it: the values of
the environment variables that params.yaml names (``models.<m>.api_key_env``, router
``os.environ/NAME`` references anywhere in a model's config), of well-known provider and CI
variables (:data:`PROVIDER_VARS`), and of any variable whose name looks secret (KEY, TOKEN,
SECRET, ...). :func:`redact` replaces each value with ``***`` and then masks key-shaped
strings (``sk-...``, ``ghp_...``, ``AKIA...``, bearer tokens) as a second net.

Redaction must happen *before* any truncation (a key cut at character 500 would otherwise
leak its first characters), so write points call :func:`redact_obj` on whole records:
the run stage's rows, the journal, the response cache, shard merges and the PR comment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "PROVIDER_VARS", "redact", "redact_bytes", "redact_obj", "register_config", "register_names", "secret_values"]

MASK = "***"
#: Shortest value treated as a secret (shorter values would mask ordinary words).
MIN_SECRET_CHARS = 8

#: Variables providers and CI systems read keys from, masked whatever their value looks like.
PROVIDER_VARS = (
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_API_KEY", "AZURE_OPENAI_API_KEY", "GEMINI_API_KEY",
    "GOOGLE_API_KEY", "MISTRAL_API_KEY", "COHERE_API_KEY", "GROQ_API_KEY", "TOGETHERAI_API_KEY",
    "TOGETHER_API_KEY", "FIREWORKS_API_KEY", "DEEPSEEK_API_KEY", "OPENROUTER_API_KEY", "XAI_API_KEY",
    "PERPLEXITYAI_API_KEY", "REPLICATE_API_KEY", "HUGGINGFACE_API_KEY", "HF_TOKEN", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "VERTEXAI_CREDENTIALS", "GITHUB_TOKEN", "GH_TOKEN",
    "PRODBENCH_LEDGER_SALT",
)
_SECRET_NAME_PARTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "PASS", "SALT")
#: Key shapes, each with the literals one of which must occur for it to match: the fast
#: ``in`` test skips the regex for text without any (a single alternation regex costs ~0.5 s/MB).
_SHAPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("sk-", "pk-", "rk-"), r"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic / Stripe-style keys
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"\bgh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub tokens
    (("github_pat_",), r"\bgithub_pat_[A-Za-z0-9_]{20,}"),  # GitHub fine-grained tokens
    (("AKIA",), r"\bAKIA[0-9A-Z]{16}"),  # AWS access key ids
    (("AIza",), r"\bAIza[0-9A-Za-z_-]{30,}"),  # Google API keys
    (("hf_",), r"\bhf_[A-Za-z0-9]{20,}"),  # Hugging Face tokens
    (("earer", "EARER"), r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]{16,}"),  # Authorization headers echoed back
)
_SHAPES_STR = [(needles, re.compile(pattern)) for needles, pattern in _SHAPES]
_SHAPES_BYTES = [(tuple(n.encode("ascii") for n in needles), re.compile(pattern.encode("ascii")))
                 for needles, pattern in _SHAPES]
_ENV_REF = re.compile(r"os\.environ/([A-Za-z_][A-Za-z0-9_]*)")

_named: set[str] = set()  # variable names params.yaml points at


def register_names(names: Iterable[str]) -> None:
    """Treat the values of these environment variables as secrets from now on."""
    _named.update(n for n in names if isinstance(n, str) and n)


def register_config(config: Any) -> None:
    """Register every variable a model config (or a whole params mapping) names.

    Walks the structure for ``api_key_env`` / ``*_env`` values and router ``os.environ/NAME``
    references, so a key stored under an innocuous name (``LLM_PASS``) is still known.
    """
    found: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v, key)
        elif isinstance(node, str):
            if (key.endswith("_env") and "base" not in key) or key == "env":
                found.append(node)
            found.extend(_ENV_REF.findall(node))

    walk(config)
    register_names(found)


def _is_secret(name: str, value: str) -> bool:
    if len(value) < MIN_SECRET_CHARS:
        return False
    if name in _named or name in PROVIDER_VARS:
        return True
    upper = name.upper().replace("AUTHOR", "")
    if not any(part in upper for part in _SECRET_NAME_PARTS):
        return False
    # guessed from the name only: mask values that look like keys, not ordinary words ("disabled")
    return len(value) >= 16 or any(not c.isalpha() for c in value)


def secret_values() -> list[str]:
    """The current secret values, longest first (so a key containing another is masked whole)."""
    values = {value.strip() for name, value in os.environ.items() if value and _is_secret(name, value.strip())}
    return sorted(values, key=len, reverse=True)


def redact(text: str, values: list[str] | None = None) -> str:
    """``text`` with every secret value and every key-shaped string replaced by ``***``.

    Args:
        text: Any text about to be written or printed.
        values: Secret values (default: :func:`secret_values` now).
    """
    if not text:
        return text
    original = text
    for value in secret_values() if values is None else values:
        if value in text:
            text = text.replace(value, MASK)
    for needles, pattern in _SHAPES_STR:
        if any(n in text for n in needles):
            text = pattern.sub(MASK, text)
    return original if text == original else text


def redact_bytes(data: bytes) -> bytes:
    """:func:`redact` for serialised UTF-8 text (JSON, JSONL, markdown) about to be written.

    Keys are ASCII without characters JSON escapes, so their bytes appear verbatim in the
    serialised form; one C-speed scan per value, then the key shapes.
    """
    for value in secret_values():
        encoded = value.encode("utf-8")
        if encoded in data:
            data = data.replace(encoded, MASK.encode("ascii"))
    for needles, pattern in _SHAPES_BYTES:
        if any(n in data for n in needles):
            data = pattern.sub(MASK.encode("ascii"), data)
    return data


def redact_obj(obj: Any, values: list[str] | None = None) -> Any:
    """A copy of a JSON-like value with :func:`redact` applied to every string (keys included).

    Returns ``obj`` itself when nothing needed masking, so clean records cost one walk.
    """
    values = secret_values() if values is None else values

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return redact(node, values)
        if isinstance(node, dict):
            out = {walk(k) if isinstance(k, str) else k: walk(v) for k, v in node.items()}
            return node if all(a is b for a, b in zip(out.values(), node.values(), strict=True)) and \
                list(out) == list(node) else out
        if isinstance(node, list):
            items = [walk(v) for v in node]
            return node if all(a is b for a, b in zip(items, node, strict=True)) else items
        return node

    return walk(obj)
