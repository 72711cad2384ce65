"""Helpers shared by the click commands."""

from __future__ import annotations

from typing import Any

from prodbench.core.params import load_params
from prodbench.core.project import Project, find_project


def load_context() -> tuple[Project, dict[str, Any]]:
    """Find the project and load its validated params (raises UserError on problems)."""
    project = find_project()
    return project, load_params(project)

