"""The package keeps its shape: a folder per stage, small modules, no import cycles, core below stages.

These read the source (``ast``), nothing is imported, so a broken module fails here with its name.
"""

from __future__ import annotations

import ast

MAX_LINES = 400
STAGE_PACKAGES = ("core", "llm", "run", "validate", "score", "report", "diff", "data", "production", "commands", "view")


def test_no_module_is_longer_than_the_limit(package_graph) -> None:
    long = {name: n for name, path in package_graph.modules.items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: {long}"


def test_there_is_no_import_cycle(package_graph) -> None:
    graph = package_graph.imports
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == [], "import cycles (lazy imports count too): " + "; ".join(" -> ".join(c) for c in cycles)


def test_core_imports_no_stage(package_graph) -> None:
    offenders = {name: sorted(m for m in deps if not m.startswith("prodbench.core") and m != "prodbench")
                 for name, deps in package_graph.imports.items() if name.startswith("prodbench.core")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_stage_package_has_a_documented_public_face(package_graph) -> None:
    missing = []
    for stage in STAGE_PACKAGES:
        tree = ast.parse((package_graph.package / stage / "__init__.py").read_text(encoding="utf-8"))
        has_all = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
                      for n in tree.body)
        if not ast.get_docstring(tree) or (stage not in ("core", "commands") and not has_all):
            missing.append(stage)
    assert missing == [], f"stage packages without a docstring and __all__: {missing}"


def test_only_stage_folders_sit_at_the_top_of_the_package(package_graph) -> None:
    package = package_graph.package
    top_modules = sorted(p.name for p in package.glob("*.py"))
    folders = sorted(p.name for p in package.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert top_modules == ["__init__.py", "cli.py"]
    assert folders == sorted(STAGE_PACKAGES)
