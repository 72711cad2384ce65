"""Schema checks of prompt records (``schemas/prompt.schema.json``).

A compiled validator (jsonschema-rs) is the fast path; only failing records are
re-checked with ``jsonschema.Draft202012Validator.iter_errors`` for precise
``(field, message)`` pairs (``messages[2].content``, values cut to a readable length).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prodbench.core.errors import Problem, UserError
from prodbench.core.project import Project, package_schema
from prodbench.validate.rules import did_you_mean

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

MAX_VALUE_CHARS = 80


def _fmt_path(parts: Iterable[Any]) -> str:
    """Format a JSON path as ``messages[2].content``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(value: Any) -> str:
    """A JSON rendering of ``value`` cut to a readable length."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


class SchemaChecker:
    """Fast compiled validation with precise messages for failing records.

    Args:
        schema: The prompt record JSON Schema (draft 2020-12).
    """

    def __init__(self, schema: dict[str, Any]):
        import jsonschema_rs

        self.schema = schema
        self._fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
        self.is_valid: Callable[[Any], bool] = self._fast.is_valid
        self._slow: Validator | None = None

    def errors(self, record: Any) -> list[tuple[str, str]]:
        """Return ``(field, message)`` pairs for an invalid record, sorted by field."""
        slow = self._slow
        if slow is None:
            from jsonschema import Draft202012Validator

            slow = self._slow = Draft202012Validator(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        found = []
        for error in slow.iter_errors(record):
            found.append(_describe_error(error))
        if not found:  # the two validators disagree (should not happen): say so rather than pass
            found.append(("", "record does not match schemas/prompt.schema.json"))
        return sorted(set(found))


def _describe_error(error: Any) -> tuple[str, str]:
    """Turn a jsonschema ValidationError into ``(field, message)``."""
    path = list(error.absolute_path)
    message = error.message
    if error.validator == "required" and message.endswith(" is a required property"):
        name = message[: -len(" is a required property")].strip("'\"")
        return _fmt_path([*path, name]) or name, "required field is missing"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            key = extra[0]
            return (
                _fmt_path([*path, key]),
                f"unknown key {key!r} (allowed: {', '.join(allowed)}){did_you_mean(key, allowed)}",
            )
    if error.validator in ("type", "enum", "pattern", "minLength", "const", "format"):
        message = _requote(error)
    if error.validator in ("oneOf", "anyOf") and isinstance(error.validator_value, list):
        kinds = [sub.get("type") for sub in error.validator_value if isinstance(sub, dict)]
        names = [kind for kind in kinds if isinstance(kind, str)]
        if names and len(names) == len(kinds):
            message = f"{_short(error.instance)} is not valid: expected {' or '.join(names)}"
    if "then" in error.schema_path and path and path[-1] == "content":
        message += " (only assistant messages may have content null)"
    if len(message) > 300:
        message = message[:299] + "…"
    return _fmt_path(path) or "(record)", message


def _requote(error: Any) -> str:
    """Re-render jsonschema's message with the instance as (short) JSON instead of a repr."""
    value = _short(error.instance)
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{value} is not of type {expected}"
    if error.validator == "enum":
        return f"{value} is not one of {', '.join(_short(v) for v in error.validator_value)}"
    if error.validator == "pattern":
        return f"{value} does not match the pattern {error.validator_value}"
    if error.validator == "minLength":
        return f"{value} is too short (at least {error.validator_value} characters)"
    if error.validator == "format":
        return f"{value} is not a valid {error.validator_value}"
    return error.message


@lru_cache(maxsize=4)
def _load_schema(path: str) -> SchemaChecker:
    """Read and compile the schema at ``path`` (kept for the next run in this process)."""
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: schema file not found", exit_code=2) from None
    except json.JSONDecodeError as exc:
        raise UserError("", [Problem(path, exc.lineno, "", f"invalid JSON schema: {exc.msg}")]) from None
    return SchemaChecker(schema)


def schema_checker(project: Project | None = None) -> SchemaChecker:
    """The (cached) checker for ``prompt.schema.json`` shipped with the package.

    The project's own ``schemas/`` copy is never used: a branch cannot loosen its own check.
    """
    return _load_schema(str(package_schema("prompt.schema.json")))
