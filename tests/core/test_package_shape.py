"""The package keeps its shape: a folder per stage, small modules, no import cycles, core below stages.

These read the source (``ast``), nothing is imported, so a broken module fails here with its name.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tools" / "prodbench"  # read as text, never imported
MAX_LINES = 420  # "no module over about 400 lines": a hard cap a little above it
STAGE_PACKAGES = ("core", "llm", "run", "validate", "score", "report", "diff", "data", "production", "commands")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> set[str]:
    """Every prodbench module ``path`` imports, at module level or inside a function."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                 for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in type_only:  # `if TYPE_CHECKING:` imports never run
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("prodbench"):
            module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if candidate in MODULES else module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("prodbench"))
    return {name for name in found if name in MODULES}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def test_no_module_is_longer_than_the_limit() -> None:
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"


def test_there_is_no_import_cycle() -> None:
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == [], "import cycles (lazy imports count too): " + "; ".join(" -> ".join(c) for c in cycles)


def test_core_imports_no_stage() -> None:
    offenders = {name: sorted(m for m in deps if not m.startswith("prodbench.core") and m != "prodbench")
                 for name, deps in GRAPH.items() if name.startswith("prodbench.core")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_stage_package_has_a_documented_public_face() -> None:
    missing = []
    for stage in STAGE_PACKAGES:
        tree = ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))
        has_all = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
                      for n in tree.body)
        if not ast.get_docstring(tree) or (stage not in ("core", "commands") and not has_all):
            missing.append(stage)
    assert missing == [], f"stage packages without a docstring and __all__: {missing}"


def test_only_stage_folders_sit_at_the_top_of_the_package() -> None:
    top_modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert top_modules == ["__init__.py", "cli.py"]
    assert folders == sorted(STAGE_PACKAGES)
