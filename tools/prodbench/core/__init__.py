"""Shared foundations every stage builds on; imports no stage.

Modules: ``errors`` (UserError, Problem), ``project`` (repository paths), ``params``
(params.yaml), ``records`` (typed records at stage boundaries), ``prompts`` (prompt discovery
and loading), ``fsutil`` (atomic writes, JSONL), ``stats``, ``coverage``, ``markdown``, ``plots``.
Import the module you need (``from prodbench.core.params import load_params``); this package
face stays empty so importing one module never pulls in the others.
"""
