"""Message content as logged by the big APIs, flattened to canonical messages.

Handles plain strings, OpenAI content parts (``text``, ``input_text``, ``output_text``,
``refusal``, ``image_url``, ``input_audio``, ``file``), Anthropic content blocks (``text``,
``image``, ``tool_use``, ``tool_result``, ``thinking``), assistant ``tool_calls`` and legacy
``function_call``. Non-text parts are dropped and counted in ``ctx.dropped``; tool calls and
results become ``tool`` messages (rendered text) that the shaper keeps as context.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from prodbench.data.readers.registry import Malformed, ReadContext

__all__ = ["chat_messages", "flatten", "normalize_role", "render_call", "render_result"]

TEXT_PARTS = frozenset({"text", "input_text", "output_text", "summary_text"})
DROPPED_PARTS = {"image_url": "image", "input_image": "image", "image": "image", "image_file": "image",
                 "input_audio": "audio", "audio": "audio", "file": "file", "input_file": "file",
                 "document": "file", "thinking": "thinking", "redacted_thinking": "thinking",
                 "reasoning": "thinking"}
ROLES = {
    "user": "user", "human": "user", "customer": "user", "client": "user", "visitor": "user",
    "end_user": "user", "enduser": "user", "prompter": "user",
    "assistant": "assistant", "gpt": "assistant", "bot": "assistant", "ai": "assistant", "model": "assistant",
    "agent": "assistant", "support": "assistant", "chatgpt": "assistant", "bard": "assistant",
    "bing": "assistant", "system_reply": "assistant",
    "system": "system", "developer": "system",
    "tool": "tool", "function": "tool", "ipython": "tool", "observation": "tool", "tool_response": "tool",
    "function_response": "tool", "function_call": "tool", "tool_call": "tool",
}


def normalize_role(value: Any, where: str) -> str:
    """The canonical role of a logged role/speaker name (``developer`` is ``system``).

    Raises:
        Malformed: Unknown role.
    """
    role = ROLES.get(str(value or "").strip().lower())
    if role is None:
        raise Malformed(f"{where} has an unknown role")
    return role


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render_call(name: Any, arguments: Any) -> str:
    """A tool call as context text: ``[tool call] name({...})``."""
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments)
    args = "" if arguments in (None, "", {}) else _as_text(arguments)
    return f"[tool call] {name or 'tool'}({args})"


def render_result(content: Any, ctx: ReadContext, name: Any = None) -> str:
    """A tool result as context text: ``[tool result] ...`` (parts flattened)."""
    label = f"[tool result {name}]" if name else "[tool result]"
    text = content if isinstance(content, str) else flatten(content, ctx, strict=False)
    return f"{label} {text or ''}".rstrip()


def flatten(content: Any, ctx: ReadContext, strict: bool = True) -> str | None:
    """The text of a message's content (None stays None); non-text parts counted in ``ctx.dropped``.

    Raises:
        Malformed: ``strict`` and the content is neither text nor a list of parts.
    """
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        if strict:
            raise Malformed("message content is neither text nor a list of parts")
        return _as_text(content)
    texts: list[str] = []
    for index, part in enumerate(content):
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            raise Malformed(f"content part {index} is not an object")
        kind = part.get("type")
        text = part.get("text")
        if isinstance(text, dict):  # Assistants API: {"type": "text", "text": {"value": ...}}
            text = text.get("value")
        if kind in TEXT_PARTS or (kind is None and isinstance(text, str)):
            if not isinstance(text, str):
                raise Malformed(f"content part {index} ({kind}) has no text")
            texts.append(text)
        elif kind == "refusal":
            texts.append(str(part.get("refusal") or ""))
        elif kind == "tool_use":
            texts.append(render_call(part.get("name"), part.get("input")))
        elif kind == "tool_result":
            texts.append(render_result(part.get("content"), ctx))
        else:
            ctx.dropped[DROPPED_PARTS.get(str(kind), str(kind or "unknown"))] += 1
    return "\n".join(texts)


def _split_blocks(content: Any, ctx: ReadContext) -> tuple[Any, list[str]]:
    """Anthropic blocks: ``(the text parts, tool context)`` (tool_use / tool_result pulled out)."""
    if not isinstance(content, list):
        return content, []
    kept: list[Any] = []
    tools: list[str] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "tool_use":
            tools.append(render_call(part.get("name"), part.get("input")))
        elif kind == "tool_result":
            tools.append(render_result(part.get("content"), ctx))
        else:
            kept.append(part)
    return kept, tools


def chat_messages(raw: Any, ctx: ReadContext, where: str = "messages") -> list[dict[str, Any]]:
    """Canonical messages from an OpenAI- or Anthropic-style ``messages`` list.

    An assistant message with tool calls becomes ``tool`` context (its text, if any, too); a
    user message holding only tool results adds no user turn.

    Raises:
        Malformed: Not a non-empty list of message objects with known roles.
    """
    if not isinstance(raw, list) or not raw:
        raise Malformed(f"'{where}' is not a non-empty list")
    out: list[dict[str, Any]] = []
    for index, message in enumerate(raw):
        if not isinstance(message, dict):
            raise Malformed(f"{where}[{index}] is not an object")
        role = normalize_role(message.get("role"), f"{where}[{index}]")
        content, tools = _split_blocks(message.get("content"), ctx)
        if role == "tool":
            name = message.get("name") or message.get("tool_call_id")
            out.append({"role": "tool", "content": render_result(message.get("content"), ctx, name)})
            continue
        text = flatten(content, ctx)
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                tools.append(render_call(function.get("name"), function.get("arguments")))
        legacy = message.get("function_call")
        if isinstance(legacy, dict):
            tools.append(render_call(legacy.get("name"), legacy.get("arguments")))
        if role == "assistant" and tools:
            if text and text.strip():
                tools.insert(0, f"[assistant] {text}")
            out.extend({"role": "tool", "content": t} for t in tools)
            continue
        out.extend({"role": "tool", "content": t} for t in tools)
        if role == "assistant" or (text is not None and text.strip()):
            out.append({"role": role, "content": text})
    return out
