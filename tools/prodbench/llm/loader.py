"""Import and configure litellm once: offline price list, quiet, lean per-call path.

litellm takes seconds to import, so nothing imports it at module level: callers ask
:func:`litellm_module` when they are about to call a model. Its price list is read locally
(``LITELLM_LOCAL_MODEL_COST_MAP=True``, no download) and per-call work nobody uses is
switched off (see ``docs/run.md`` for the profile behind each knob). The embedded model's
custom provider is registered here.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["litellm_module"]

_LITELLM: Any = None


def litellm_module() -> Any:
    """Import and configure litellm once (offline price list, quiet, lean per-call path)."""
    global _LITELLM
    if _LITELLM is not None:
        return _LITELLM
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    litellm.turn_off_message_logging = True
    litellm.num_retries = 0
    if os.environ.get("PRODBENCH_LITELLM_LEAN", "1") != "0":
        _lean(litellm)
    from prodbench.llm.providers import register

    register(litellm)
    _LITELLM = litellm
    return litellm


def _has_callbacks(litellm: Any) -> bool:
    """True if the user registered any litellm logging callback (then logging stays on)."""
    names = ("callbacks", "success_callback", "_async_success_callback", "input_callback",
             "failure_callback", "_async_failure_callback", "service_callback")
    return any(getattr(litellm, name, None) for name in names)


def _lean(litellm: Any) -> None:
    """Switch off per-call work the run stage does not use (measured in docs/run.md).

    * litellm prices every response through ``Logging.response_cost_calculator`` (model-info
      lookups, ~1/4 of the client CPU per call); the run stage prices a response itself from
      the model's per-token prices, looked up once per model (:func:`token_prices`).
    * With no logging callback registered, the success-logging pass (payload building,
      redaction, a scheduled task per call) has no consumer; it is skipped. If the user
      registers callbacks, it runs as usual.

    Each patch is applied only if the attribute exists, so a litellm upgrade that renames them
    degrades to the normal (slower) path. ``PRODBENCH_LITELLM_LEAN=0`` disables all of it.
    """
    logging_cls: Any
    try:
        from litellm.litellm_core_utils.litellm_logging import Logging as logging_cls
    except ImportError:  # pragma: no cover - layout of another litellm version
        logging_cls = None
    if logging_cls is not None and hasattr(logging_cls, "response_cost_calculator"):
        def _no_cost(self: Any, *args: Any, **kwargs: Any) -> None:
            return None

        logging_cls.response_cost_calculator = _no_cost
    utils: Any = getattr(litellm, "utils", None)
    original = getattr(utils, "dispatch_success_logging", None)
    if callable(original) and not getattr(original, "_prodbench_lean", False):
        def dispatch_success_logging(*args: Any, **kwargs: Any) -> Any:
            if _has_callbacks(litellm):
                return original(*args, **kwargs)
            return None

        dispatch_success_logging._prodbench_lean = True  # type: ignore[attr-defined]
        utils.dispatch_success_logging = dispatch_success_logging
