"""Strict readers for the fields of an untrusted JSON document, with errors that name the field.

Each reader takes the enclosing object, the key and the object's path (``models["gpt"].overall``)
and returns the value if it has the expected JSON type; otherwise it raises
:class:`~prodbench.core.errors.UserError`, e.g. ``malformed diff document:
models["gpt"].overall.p_value: expected a number or null, got a string``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

from prodbench.core.errors import UserError

T = TypeVar("T")
PREFIX = "malformed diff document"


def kind(value: Any) -> str:
    """The JSON type of ``value`` in words (``a string``, ``null``, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object" if isinstance(value, dict) else "a value"


def at(path: str, key: str | int) -> str:
    """The path of ``key`` inside ``path`` (untrusted keys are quoted and cut)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,40}", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)[:60]}]"  # json.dumps escapes control characters


def fail(path: str, expected: str, value: Any) -> UserError:
    """The error for a field of the wrong type."""
    return UserError(f"{PREFIX}: {path}: expected {expected}, got {kind(value)}")


def as_object(value: Any, path: str) -> dict[str, Any]:
    """``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise fail(path, "an object", value)
    return value


def get(obj: dict[str, Any], key: str, path: str) -> Any:
    """``obj[key]`` of any type; the key must be present."""
    if key not in obj:
        raise UserError(f"{PREFIX}: {at(path, key)} is missing")
    return obj[key]


def child(obj: dict[str, Any], key: str, path: str) -> tuple[dict[str, Any], str]:
    """The object ``obj[key]`` and its path."""
    where = at(path, key)
    return as_object(get(obj, key, path), where), where


def _typed(obj: dict[str, Any], key: str, path: str, ok: Callable[[Any], bool], what: str, null: bool) -> Any:
    value = get(obj, key, path)
    if ok(value) or (null and value is None):
        return value
    raise fail(at(path, key), what + (" or null" if null else ""), value)


def text(obj: dict[str, Any], key: str, path: str, *, null: bool = False) -> Any:
    """A string (or null if ``null``)."""
    return _typed(obj, key, path, lambda v: isinstance(v, str), "a string", null)


#: Largest magnitude accepted for a number (integers stay exact as doubles; a 400-digit
#: number would overflow when rendered).
MAX_MAGNITUDE = 2**53


def _finite(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return abs(v) <= MAX_MAGNITUDE  # compared as integers: a 400-digit one never becomes a float
    return isinstance(v, float) and math.isfinite(v) and abs(v) <= MAX_MAGNITUDE


def _bounded(value: Any, key: str, path: str) -> Any:
    if value is not None and not _finite(value):
        raise UserError(f"{PREFIX}: {at(path, key)}: expected a finite number of at most 2**53 in magnitude")
    return value


def integer(obj: dict[str, Any], key: str, path: str, *, null: bool = False) -> Any:
    """An integer of at most 2**53 in magnitude, booleans excluded (or null if ``null``)."""
    value = _typed(obj, key, path, lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer", null)
    return _bounded(value, key, path)


def number(obj: dict[str, Any], key: str, path: str, *, null: bool = False) -> Any:
    """A finite number of at most 2**53 in magnitude, booleans excluded (or null if ``null``)."""
    value = _typed(obj, key, path, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number",
                   null)
    return _bounded(value, key, path)


def boolean(obj: dict[str, Any], key: str, path: str) -> bool:
    """A boolean."""
    return bool(_typed(obj, key, path, lambda v: isinstance(v, bool), "a boolean", False))


def items(value: Any, path: str, item: Callable[[Any, str], T]) -> list[T]:
    """``value`` as an array, each element read by ``item(value, path)``."""
    if not isinstance(value, list):
        raise fail(path, "an array", value)
    return [item(v, at(path, i)) for i, v in enumerate(value)]


def array(obj: dict[str, Any], key: str, path: str, item: Callable[[Any, str], T]) -> list[T]:
    """The array ``obj[key]``, each element read by ``item(value, path)``."""
    return items(get(obj, key, path), at(path, key), item)


def mapping(obj: dict[str, Any], key: str, path: str, item: Callable[[Any, str], T]) -> dict[str, T]:
    """An object used as a map (order kept), each value read by ``item(value, path)``."""
    value, where = child(obj, key, path)
    return {k: item(v, at(where, k)) for k, v in value.items()}


def text_item(value: Any, path: str) -> str:
    """An array element or map value that must be a string."""
    if not isinstance(value, str):
        raise fail(path, "a string", value)
    return value


def pair_item(value: Any, path: str) -> tuple[str, str]:
    """An array element that must be a ``[task type, difficulty]`` pair of strings."""
    if not (isinstance(value, list) and len(value) == 2):
        raise fail(path, "a [task type, difficulty] pair", value)
    return text_item(value[0], at(path, 0)), text_item(value[1], at(path, 1))
