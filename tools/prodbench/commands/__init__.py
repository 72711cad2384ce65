"""Thin click commands, one module per command; each exposes ``command``.

Each command parses options, calls the functions of its stage folder and prints the result.
``prodbench.cli.COMMANDS`` lists them (with each docstring's first line) so that
``prodbench --help`` imports none of them. Shared helpers and the option spelling rules live
in :mod:`prodbench.commands._common`.
"""

__all__: list[str] = []
