"""Per-token prices from litellm's price table, with or without importing litellm.

The litellm path asks ``litellm.get_model_info`` (litellm is imported anyway). The fast path
(:mod:`prodbench.llm.fast_openai`) reads the same local table litellm ships
(``model_prices_and_context_window_backup.json``, the one ``LITELLM_LOCAL_MODEL_COST_MAP=True``
selects) without importing litellm, resolving a ``provider/name`` string the way
``get_model_info`` does for the fast-path providers: the whole string if the table has it for
that provider, else the bare name listed under that provider (a test checks both agree).
Prices are looked up once per model.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import orjson

__all__ = ["price", "table_prices", "token_prices"]

_PRICES: dict[tuple[str, bool], tuple[float, float] | None] = {}
_TABLE: dict[str, Any] | None = None
TABLE_FILE = "model_prices_and_context_window_backup.json"


def _table() -> dict[str, Any]:
    """litellm's local price table, read once (no litellm import; empty if litellm is missing)."""
    global _TABLE
    if _TABLE is None:
        spec = importlib.util.find_spec("litellm")
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        _TABLE = {}
        for location in locations:
            path = os.path.join(location, TABLE_FILE)
            if os.path.exists(path):
                with open(path, "rb") as handle:
                    _TABLE = orjson.loads(handle.read())
                break
    return _TABLE


def _pair(info: Any) -> tuple[float, float] | None:
    if not isinstance(info, dict):
        return None
    prices = (float(info.get("input_cost_per_token") or 0.0), float(info.get("output_cost_per_token") or 0.0))
    return prices if any(prices) else None


def table_prices(model: str) -> tuple[float, float] | None:
    """``(input, output)`` USD per token of a ``provider/name`` model from the local table, or None."""
    table = _table()
    provider, _, name = model.partition("/")
    if not name:
        return _pair(table.get(model))
    for key in (model, name):
        info = table.get(key)
        if isinstance(info, dict) and info.get("litellm_provider") == provider:
            return _pair(info)
    return None


def _litellm_prices(model: str) -> tuple[float, float] | None:
    from prodbench.llm.loader import litellm_module

    try:
        return _pair(litellm_module().get_model_info(model))
    except Exception:  # noqa: BLE001 - unknown to the price table: cost stays null
        return None


def token_prices(model: str, *, without_litellm: bool = False) -> tuple[float, float] | None:
    """``(input, output)`` USD per token, or None (memoised per model and way of looking up).

    Args:
        model: The litellm model string whose price applies.
        without_litellm: Read the table directly (the fast path) instead of asking litellm.
    """
    key = (model, without_litellm)
    if key not in _PRICES:
        _PRICES[key] = table_prices(model) if without_litellm else _litellm_prices(model)
    return _PRICES[key]


def price(model: str, usage: dict[str, Any] | None, *, without_litellm: bool = False) -> float | None:
    """Cost in USD of one response from its token usage, where the price is known."""
    prices = token_prices(model, without_litellm=without_litellm)
    if prices is None or not usage:
        return None
    return round(prices[0] * int(usage.get("prompt_tokens") or 0)
                 + prices[1] * int(usage.get("completion_tokens") or 0), 10)
