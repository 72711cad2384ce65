"""Readers for the big chat APIs' logs: Chat Completions, Anthropic Messages, the Responses API,
request/response wrappers, Batch API input and output lines, trace exports."""

from __future__ import annotations

from typing import Any

from prodbench.data.readers.content import chat_messages, flatten, normalize_role, render_call, render_result
from prodbench.data.readers.registry import Malformed, Parsed, ReadContext, register

__all__ = ["anthropic", "batch_input", "batch_output", "openai", "request_response", "responses", "trace"]

ANTHROPIC_BLOCKS = frozenset({"tool_use", "tool_result", "thinking", "redacted_thinking"})


def _has_anthropic_blocks(messages: list[Any]) -> bool:
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(
                isinstance(p, dict) and (p.get("type") in ANTHROPIC_BLOCKS
                                         or (p.get("type") == "image" and "source" in p)) for p in content):
            return True
    return False


def _is_anthropic(obj: dict[str, Any], ctx: ReadContext) -> bool:
    messages = obj.get("messages")
    if not isinstance(messages, list):
        return False
    return ("system" in obj and not isinstance(obj["system"], dict)) or "anthropic_version" in obj \
        or str(obj.get("model", "")).startswith("claude") or _has_anthropic_blocks(messages)


@register("anthropic", detect=_is_anthropic, priority=20,
          example='{"system": "Be brief.", "messages": [{"role": "user", "content": [{"type": "text", '
                  '"text": "Hi"}]}]}')
def anthropic(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """Anthropic Messages: top-level ``system`` (text or blocks) + ``messages`` with content blocks."""
    system = flatten(obj.get("system"), ctx)
    messages = chat_messages(obj.get("messages"), ctx)
    if system:
        messages.insert(0, {"role": "system", "content": system})
    return Parsed(messages)


@register("openai", detect=lambda obj, ctx: isinstance(obj.get("messages"), list), priority=30,
          example='{"id": "r1", "messages": [{"role": "developer", "content": "Be brief."}, '
                  '{"role": "user", "content": "Hi"}]}')
def openai(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """OpenAI Chat Completions ``messages`` (content parts, ``tool_calls``, ``tool``, ``developer``)."""
    return Parsed(chat_messages(obj.get("messages"), ctx))


def _request(inner: Any, ctx: ReadContext, where: str) -> Parsed:
    """Read a request body: chat ``messages`` (OpenAI or Anthropic) or Responses ``input``."""
    if not isinstance(inner, dict):
        raise Malformed(f"'{where}' is not an object")
    if isinstance(inner.get("messages"), list):
        return anthropic(inner, ctx) if _is_anthropic(inner, ctx) else openai(inner, ctx)
    if "input" in inner:
        return responses(inner, ctx)
    raise Malformed(f"'{where}' has no 'messages' or 'input'")


@register("request_response", detect=lambda obj, ctx: isinstance(obj.get("request"), dict), priority=10,
          example='{"request": {"messages": [{"role": "user", "content": "Hi"}]}, "response": {"choices": [...]}}')
def request_response(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """A logged ``{"request": {...}, "response": {...}}`` pair (the request's body read as a chat log)."""
    request = obj["request"]
    inner = request.get("body") if isinstance(request.get("body"), dict) else request
    parsed = _request(inner, ctx, "request")
    return Parsed(parsed.messages, parsed.log_id)


@register("batch_input", detect=lambda obj, ctx: "custom_id" in obj and isinstance(obj.get("body"), dict),
          priority=10,
          example='{"custom_id": "req-1", "method": "POST", "url": "/v1/chat/completions", '
                  '"body": {"messages": [{"role": "user", "content": "Hi"}]}}')
def batch_input(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """A Batch API input line: ``custom_id`` (the log id) + ``body`` (a chat or Responses request)."""
    parsed = _request(obj["body"], ctx, "body")
    return Parsed(parsed.messages, str(obj["custom_id"]))


@register("batch_output", detect=lambda obj, ctx: "custom_id" in obj and ("response" in obj or "error" in obj),
          priority=11,
          example='{"id": "batch_req_1", "custom_id": "req-1", "response": {"status_code": 200, "body": {...}}}')
def batch_output(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """A Batch API output line holds only the reply: reported, with the file to ingest instead."""
    raise Malformed("a Batch API output line holds only the reply, no prompt: ingest the batch input file "
                    "(custom_id, body.messages) instead")


def _response_items(items: Any, ctx: ReadContext, where: str) -> list[dict[str, Any]]:
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    if not isinstance(items, list):
        raise Malformed(f"'{where}' is neither text nor a list of items")
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise Malformed(f"{where}[{index}] is not an object")
        kind = item.get("type", "message")
        if kind == "message" or ("role" in item and kind not in ("function_call", "function_call_output")):
            role = normalize_role(item.get("role"), f"{where}[{index}]")
            out.append({"role": role, "content": flatten(item.get("content"), ctx)})
        elif kind in ("function_call", "custom_tool_call", "web_search_call", "file_search_call"):
            out.append({"role": "tool", "content": render_call(item.get("name") or kind,
                                                               item.get("arguments", item.get("input")))})
        elif kind in ("function_call_output", "custom_tool_call_output"):
            out.append({"role": "tool", "content": render_result(item.get("output"), ctx)})
        else:  # reasoning, images, ...
            flatten([{"type": kind}], ctx)
    return out


def _is_responses(obj: dict[str, Any], ctx: ReadContext) -> bool:
    return isinstance(obj.get("input"), list) or obj.get("object") == "response" \
        or (isinstance(obj.get("input"), str) and "instructions" in obj)


@register("responses", detect=_is_responses, priority=40,
          example='{"instructions": "Be brief.", "input": [{"role": "user", "content": [{"type": "input_text", '
                  '"text": "Hi"}]}], "output": [...]}')
def responses(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """The Responses API: ``instructions`` (system), ``input`` (text or items), ``output`` items."""
    if obj.get("input") is None:
        raise Malformed("a Responses API object without 'input' holds only the reply: log the request too")
    messages = _response_items(obj["input"], ctx, "input")
    if isinstance(obj.get("instructions"), str):
        messages.insert(0, {"role": "system", "content": obj["instructions"]})
    if isinstance(obj.get("output"), list):
        messages += _response_items(obj["output"], ctx, "output")
    return Parsed(messages)


def _trace_input(obj: dict[str, Any]) -> Any:
    for key in ("input", "inputs"):
        value = obj.get(key)
        if isinstance(value, dict) and isinstance(value.get("messages"), list):
            return value
    return None


@register("trace", detect=lambda obj, ctx: _trace_input(obj) is not None, priority=15,
          example='{"trace_id": "t1", "input": {"messages": [{"role": "user", "content": "Hi"}]}, '
                  '"output": {...}}')
def trace(obj: dict[str, Any], ctx: ReadContext) -> Parsed:
    """Trace exports (Langfuse, LangSmith, OpenTelemetry GenAI): ``input.messages`` / ``inputs.messages``."""
    inner = _trace_input(obj)
    if inner is None:
        raise Malformed("no 'input.messages' list")
    return _request(inner, ctx, "input")
