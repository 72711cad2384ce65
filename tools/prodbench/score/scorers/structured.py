"""Structured-output scorers: JSON validity and JSON Schema conformance."""

from __future__ import annotations

import json
import re
from typing import Any

from prodbench.score.scorers import Context, Item, ScoreResult, SettingsError, register
from prodbench.score.scorers._util import check_keys

_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def parse_json_response(text: str, allow_fence: bool = True) -> tuple[bool, Any, str]:
    """Parse a response as JSON.

    Args:
        text: The response.
        allow_fence: Accept a response wrapped in a single markdown code fence.

    Returns:
        ``(ok, value, message)``; ``message`` explains a failure.
    """
    body = text.strip()
    if allow_fence:
        fenced = _FENCE.match(body)
        if fenced:
            body = fenced.group(1)
    try:
        return True, json.loads(body), "valid JSON"
    except json.JSONDecodeError as exc:
        return False, None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


def _allow_fence(name: str, settings: dict[str, Any]) -> bool:
    value = settings.get("allow_fence", True)
    if not isinstance(value, bool):
        raise SettingsError(f"scorer {name!r}: `allow_fence` must be true or false")
    return value


@register("json_valid")
def json_valid(settings: dict[str, Any], context: Context):
    """Passes when the response is valid JSON (a ```json fence is accepted unless `allow_fence: false`)."""
    check_keys("json_valid", settings, ["allow_fence"])
    allow_fence = _allow_fence("json_valid", settings)

    def score(item: Item) -> ScoreResult:
        ok, _, message = parse_json_response(item.response, allow_fence)
        return ScoreResult(1.0 if ok else 0.0, ok, message)

    return score


@register("json_schema")
def json_schema(settings: dict[str, Any], context: Context):
    """Passes when the response is JSON that conforms to `schema` (JSON Schema draft 2020-12)."""
    check_keys("json_schema", settings, ["schema", "allow_fence"])
    schema = settings.get("schema")
    allow_fence = _allow_fence("json_schema", settings)
    if not isinstance(schema, dict):
        raise SettingsError("scorer 'json_schema' needs a `schema` object")
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise SettingsError(f"scorer 'json_schema': invalid schema: {exc.message}") from None
    validator = Draft202012Validator(schema)

    def score(item: Item) -> ScoreResult:
        ok, value, message = parse_json_response(item.response, allow_fence)
        if not ok:
            return ScoreResult(0.0, False, message)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
        if not errors:
            return ScoreResult(1.0, True, "conforms to the schema")
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        return ScoreResult(0.0, False, f"{len(errors)} schema error(s); {where}: {first.validator} failed")

    return score
