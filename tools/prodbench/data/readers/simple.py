"""Readers for the simpler shapes: ShareGPT, ``turns`` arrays, conversation exports,
prompt/response pairs (JSONL and CSV rows), and the ``--map`` field mapping."""

from __future__ import annotations

from typing import Any

from prodbench.core.errors import UserError
from prodbench.data.readers.content import chat_messages, flatten, normalize_role
from prodbench.data.readers.registry import Malformed, Parsed, ReadContext, register

__all__ = ["MAP_TARGETS", "conversation", "mapped", "parse_map", "prompt_response", "sharegpt", "turns"]

TURN_LIST_KEYS = ("turns", "conversation", "dialog", "dialogue", "transcript")
ROLE_KEYS = ("role", "speaker", "author", "from", "sender")
TEXT_KEYS = ("content", "text", "message", "body", "value")
PROMPT_KEYS = ("prompt", "question", "instruction", "query", "user_input", "input", "request_text")
MAP_TARGETS = ("messages", "prompt", "turns", "system", "id")


def _first(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if obj.get(key) is not None:
            return obj[key]
    return None


def user_turns(texts: list[Any], where: str) -> list[dict[str, Any]]:
    """Consecutive user turns (a list of strings): each gets a model turn after it, never merged."""
    messages: list[dict[str, Any]] = []
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise Malformed(f"{where}[{index}] is not text")
        if messages:
            messages.append({"role": "assistant", "content": None})
        messages.append({"role": "user", "content": text})
    return messages


def _speaker_turns(turns: Any, ctx: ReadContext, where: str) -> list[dict[str, Any]]:
    if not isinstance(turns, list) or not turns:
        raise Malformed(f"'{where}' has no turns")
    if all(isinstance(t, str) for t in turns):
        return user_turns(turns, where)
    messages: list[dict[str, Any]] = []
    for index, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise Malformed(f"{where}[{index}] is not an object")
        role = normalize_role(_first(turn, ROLE_KEYS), f"{where}[{index}]")
        raw = _first(turn, TEXT_KEYS)
        text = flatten(raw, ctx)
        if role == "tool":
            kind = str(_first(turn, ROLE_KEYS)).lower()
            label = "[tool call]" if kind in ("function_call", "tool_call") else "[tool result]"
            messages.append({"role": "tool", "content": f"{label} {text or ''}".rstrip()})
        else:
            messages.append({"role": role, "content": text})
    return messages


@register("sharegpt", detect=lambda obj, ctx: isinstance(obj.get("conversations"), list), priority=50,
          example='{"id": "s1", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}')
def sharegpt(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """ShareGPT: ``conversations`` of ``{from: human|gpt|system|function_call|observation, value}``."""
    return Parsed(_speaker_turns(obj["conversations"], ctx, "conversations"))


@register("turns", detect=lambda obj, ctx: isinstance(obj.get("turns"), list) and bool(obj["turns"])
          and all(isinstance(t, str) for t in obj["turns"]), priority=55,
          example='{"question_id": 81, "turns": ["Write a haiku.", "Now make it rhyme."]}')
def turns(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """``{"turns": ["q1", "q2"]}`` (MT-Bench style): consecutive user turns, each answered by the model."""
    return Parsed(user_turns(obj["turns"], "turns"))


def _turn_list(obj: dict[str, Any], ctx: ReadContext) -> Any:
    return _first(obj, TURN_LIST_KEYS)


@register("conversation", detect=lambda obj, ctx: isinstance(_turn_list(obj, ctx), list), priority=60,
          example='{"conversation_id": "c1", "turns": [{"speaker": "customer", "text": "Hi"}, '
                  '{"speaker": "agent", "text": "Hello"}]}')
def conversation(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """Conversation exports: ``turns``/``conversation``/``dialog`` lists of ``{speaker|role, text|content}``."""
    return Parsed(_speaker_turns(_turn_list(obj, ctx), ctx, "turns"))


def _prompt_key(obj: dict[str, Any], ctx: ReadContext) -> str | None:
    for key in (ctx.prompt_column, *PROMPT_KEYS):
        if isinstance(obj.get(key), str):
            return key
    return None


@register("prompt_response", detect=lambda obj, ctx: _prompt_key(obj, ctx) is not None, priority=70,
          aliases=("jsonl",),
          example='{"id": "p1", "prompt": "Hi", "response": "Hello"}  (CSV: a prompt column)')
def prompt_response(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """A prompt (``ingest.prompt_column``, or prompt/question/instruction/query/input) and its response."""
    key = _prompt_key(obj, ctx)
    if key is None or not obj[key].strip():
        raise Malformed(f"missing or empty '{ctx.prompt_column}' field")
    text = obj[key]
    if key == "instruction" and isinstance(obj.get("input"), str) and obj["input"].strip():
        text = f"{text}\n\n{obj['input']}"  # Alpaca: instruction + input
    return Parsed([{"role": "user", "content": text}])


# --------------------------------------------------------------------------- --map


def parse_map(spec: str | dict[str, str] | None, where: str = "--map") -> dict[str, tuple[str, ...]] | None:
    """``"messages=data.chat,id=meta.uid"`` (or params ``ingest.map``) -> target -> path segments.

    Raises:
        UserError: Unknown target or an empty path (the message lists the targets).
    """
    if not spec:
        return None
    pairs = spec.items() if isinstance(spec, dict) else (
        tuple(p.split("=", 1)) if "=" in p else (p, "") for p in spec.split(",") if p.strip())
    mapping: dict[str, tuple[str, ...]] = {}
    for target, path in pairs:
        target, path = str(target).strip(), str(path).strip()
        if target not in MAP_TARGETS:
            raise UserError(f"{where}: {target!r} is not a mapping target; use {', '.join(MAP_TARGETS)} "
                            "(e.g. messages=data.chat,id=meta.uid)", exit_code=2)
        if not path:
            raise UserError(f"{where}: {target}= needs a field path (e.g. {target}=data.field)", exit_code=2)
        mapping[target] = tuple(path.split("."))
    if not {"messages", "prompt", "turns"} & set(mapping):
        raise UserError(f"{where}: map one of messages=, prompt= or turns= (the user text)", exit_code=2)
    return mapping


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.lstrip("-").isdigit() and -len(obj) <= int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


@register("mapped", detect=None, priority=99, example="--map messages=data.chat,id=meta.uid")
def mapped(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """Any other shape, read through ``--map target=field.path`` (targets: messages, prompt, turns, system, id)."""
    mapping = ctx.mapping or {}
    messages: list[dict[str, Any]] = []
    for target in ("messages", "turns", "prompt"):
        if target not in mapping:
            continue
        value = _get(obj, mapping[target])
        where = f"--map {target}={'.'.join(mapping[target])}"
        if value is None:
            raise Malformed(f"{where}: no such field")
        if target == "messages":
            messages += chat_messages(value, ctx, where)
        elif target == "turns":
            messages += _speaker_turns(value, ctx, where)
        elif not isinstance(value, str):
            raise Malformed(f"{where}: not text")
        else:
            messages.append({"role": "user", "content": value})
    if "system" in mapping and isinstance(_get(obj, mapping["system"]), str):
        messages.insert(0, {"role": "system", "content": _get(obj, mapping["system"])})
    log_id = _get(obj, mapping["id"]) if "id" in mapping else None
    return Parsed(messages, None if log_id is None else str(log_id))
