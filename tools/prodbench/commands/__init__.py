"""Thin click commands, one module per command; each exposes ``command``.

Each command parses options, calls a pure core function from the package and
prints the result. Shared option helpers live in :mod:`prodbench.commands._common`.
"""
