"""litellm custom providers shipped with prodbench.

:func:`register` adds them to ``litellm.custom_provider_map``; the run stage calls it
right after importing litellm. Currently one provider: ``local/<model>`` runs an
embedded GGUF model in-process (see :mod:`prodbench.llm.providers.local_smollm2`).
"""

from __future__ import annotations

from typing import Any


def register(litellm: Any) -> None:
    """Register prodbench's custom providers with litellm (idempotent)."""
    from prodbench.llm.providers.local_smollm2 import PROVIDER, handler

    current = list(getattr(litellm, "custom_provider_map", None) or [])
    if any(entry.get("provider") == PROVIDER for entry in current):
        return
    current.append({"provider": PROVIDER, "custom_handler": handler()})
    litellm.custom_provider_map = current
    # litellm reads the map when it sets up custom providers; older versions need this call.
    setup = getattr(getattr(litellm, "utils", None), "custom_llm_setup", None)
    if callable(setup):
        setup()
