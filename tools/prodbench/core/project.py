"""Locate the prodbench project (the directory holding ``params.yaml``) and its paths."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from prodbench.core.errors import UserError

PARAMS_FILE = "params.yaml"
#: The JSON Schemas shipped inside the installed package: the trusted copy every check uses.
#: The top-level ``schemas/`` of a checkout is the user-visible copy (a test keeps them equal);
#: a revision's own schema files are never used to check that revision.
PACKAGE_SCHEMAS = Path(__file__).resolve().parent / "schemas"


def package_schema(name: str) -> Path:
    """Path of a schema shipped with the package (``params.schema.json``, ``prompt.schema.json``, ...)."""
    return PACKAGE_SCHEMAS / name


@dataclass(frozen=True)
class Project:
    """Paths of one prodbench checkout.

    Attributes:
        root: Directory containing ``params.yaml``.
    """

    root: Path

    @property
    def params_path(self) -> Path:
        return self.root / PARAMS_FILE

    @property
    def schemas_dir(self) -> Path:
        """The checkout's user-visible schema copy (checks use :func:`package_schema` instead)."""
        return self.root / "schemas"

    @property
    def prompts_dir(self) -> Path:
        return self.root / "prompts"

    @property
    def golden_dir(self) -> Path:
        return self.prompts_dir / "golden"

    @property
    def golden_lock(self) -> Path:
        return self.prompts_dir / "golden.lock"

    @property
    def rotating_dir(self) -> Path:
        return self.prompts_dir / "rotating"

    @property
    def pool_dir(self) -> Path:
        return self.prompts_dir / "pool"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def metrics_dir(self) -> Path:
        return self.root / "metrics"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def plots_dir(self) -> Path:
        return self.root / "plots"

    def rel(self, path: str | os.PathLike[str]) -> str:
        """Return ``path`` relative to the project root when it lies inside it."""
        path = Path(path)
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def find_project(start: str | os.PathLike[str] | None = None) -> Project:
    """Find the project root: ``$PRODBENCH_ROOT``, else the nearest parent with params.yaml.

    Args:
        start: Directory to start from (defaults to the current directory).

    Raises:
        UserError: No params.yaml was found.
    """
    env_root = os.environ.get("PRODBENCH_ROOT")
    if env_root and start is None:
        root = Path(env_root)
        if not (root / PARAMS_FILE).is_file():
            raise UserError(f"PRODBENCH_ROOT={env_root} has no {PARAMS_FILE}", exit_code=2)
        return Project(root.resolve())
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / PARAMS_FILE).is_file():
            return Project(candidate)
    raise UserError(
        f"no {PARAMS_FILE} found in {here} or any parent directory; run prodbench inside a "
        "prodbench repository (or set PRODBENCH_ROOT)",
        exit_code=2,
    )
