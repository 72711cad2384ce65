"""DVC knows the code: every stage lists, as dependencies, the folders of the code its command runs.

The check is static: from ``prodbench.commands.<command>`` it follows every ``prodbench`` import
(module level and inside functions) and requires each module reached to sit under one of the
stage's ``deps``. A stage that runs code it does not list would report "up to date" after a fix to
that code and leave stale metrics in the repository.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]  # the files are read as text: dvc.yaml and the package
PACKAGE = REPO_ROOT / "tools" / "prodbench"
# The console-script entry point and the package face decide nothing a stage writes.
NOT_STAGE_CODE = {"prodbench", "prodbench.cli", "prodbench.commands"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                 for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in type_only:  # `if TYPE_CHECKING:` imports never run
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("prodbench"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("prodbench"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MODULES:
            found.add(node.value)  # modules loaded by name (validate's rule modules)
        elif (isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant)
              and str(node.values[0].value).startswith("prodbench.") and str(node.values[0].value).endswith(".")):
            prefix = str(node.values[0].value)  # f"prodbench.pkg.{name}": any module of that package
            found.update(m for m in MODULES if m.startswith(prefix))
    parents = set()
    for name in found:  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = name.split(".")
        parents.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return {m for m in found | parents if m in MODULES}


def closure(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_imports(MODULES[name]) - seen)
    return seen


def _stages(dvc_file: Path) -> dict[str, tuple[str, list[Path]]]:
    doc = yaml.safe_load(dvc_file.read_text(encoding="utf-8"))
    out = {}
    for name, stage in doc["stages"].items():
        body = stage.get("do", stage)
        command = re.match(r"prodbench (\w+)", body["cmd"]).group(1)
        deps = [(dvc_file.parent / d).resolve() for d in body.get("deps", []) if "${" not in d]
        out[name] = (command, deps)
    return out


STAGES = {**_stages(REPO_ROOT / "dvc.yaml"), **_stages(REPO_ROOT / "data" / "dvc.yaml")}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_lists_every_module_its_command_runs(stage: str) -> None:
    command, deps = STAGES[stage]
    reached = closure(f"prodbench.commands.{command}") - NOT_STAGE_CODE
    unlisted = sorted(m for m in reached
                      if not any(MODULES[m] == d or d in MODULES[m].parents for d in deps))
    assert unlisted == [], f"stage {stage!r} runs code it does not list in deps: {unlisted}"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_lists_no_code_it_does_not_run(stage: str) -> None:
    command, deps = STAGES[stage]
    reached = [MODULES[m] for m in closure(f"prodbench.commands.{command}")]
    code_deps = [d for d in deps if PACKAGE in d.parents]
    unused = [str(d.relative_to(REPO_ROOT)) for d in code_deps
              if not any(p == d or d in p.parents for p in reached)]
    assert unused == [], f"stage {stage!r} lists code it never imports: {unused}"
