"""Lazy package faces: a stage package exports names that load their module on first use.

A package face (``prodbench.data``, ``prodbench.diff``, ``prodbench.production``) lists its public
names in ``_EXPORTS`` (name -> module inside the package) and sets
``__getattr__ = lazy_attributes(__name__, _EXPORTS)`` (PEP 562), so ``import prodbench.data``
stays cheap and ``from prodbench.data import ingest_files`` imports ``prodbench.data.ingest`` only.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``package.<exports[name]>`` when ``name`` is first used.

    Args:
        package: The package's ``__name__``.
        exports: Public name -> module (relative to the package) that defines it.

    Returns:
        The ``__getattr__`` function; a loaded name is cached in the package's namespace.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
