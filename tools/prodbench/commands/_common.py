"""Helpers shared by the click commands: project loading and the option spelling rules.

Every command spells a concept the same way (checked by ``tests/core/test_cli_options.py``):

* ``--model/-m NAME``: a model, by its key in params.yaml ``models``;
* ``--output/-o FILE``: the one file a command writes (``--output-dir DIR`` for a directory);
* ``--metrics FILE``: a metrics JSON document (read or written);
* ``--format``: the shape of the data the command reads or prints;
* ``--no-cache``, ``--no-plots``, ``--plots-dir DIR``: the same meaning everywhere.

An old spelling that docs or scripts still use stays accepted as a hidden alias (see
:class:`AliasedOption`); ``--help`` shows only the current one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from prodbench.core.params import load_params
from prodbench.core.project import Project, find_project

__all__ = ["AliasedOption", "load_context"]


class AliasedOption(click.Option):
    """A click option that also accepts older spellings, hidden from ``--help``.

    Declare the aliases with ``hidden_aliases``; they parse exactly like the current
    spelling. Example::

        @click.option("--metrics", "metrics_file", cls=AliasedOption, hidden_aliases=("--metrics-file",))
    """

    def __init__(self, param_decls: Sequence[str], *, hidden_aliases: Sequence[str] = (), **attrs: Any) -> None:
        self.hidden_aliases: tuple[str, ...] = tuple(hidden_aliases)
        super().__init__([*param_decls, *self.hidden_aliases], **attrs)

    @property
    def shown_opts(self) -> list[str]:
        """The spellings ``--help`` shows (every declared one but the hidden aliases)."""
        return [opt for opt in self.opts if opt not in self.hidden_aliases]

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """The help line, listing only the current spellings."""
        opts = self.opts
        self.opts = self.shown_opts
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = opts


def load_context() -> tuple[Project, dict[str, Any]]:
    """Find the project and load its validated params (raises UserError on problems)."""
    project = find_project()
    return project, load_params(project)
