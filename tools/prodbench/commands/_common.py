"""Helpers shared by the click commands."""

from __future__ import annotations

from typing import Any

import click

from prodbench.params import load_params
from prodbench.project import Project, find_project


def load_context() -> tuple[Project, dict[str, Any]]:
    """Find the project and load its validated params (raises UserError on problems)."""
    project = find_project()
    return project, load_params(project)


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "md"]),
    default="text",
    show_default=True,
    help="Output format: a readable table (text), machine-readable JSON, or GitHub markdown.",
)
