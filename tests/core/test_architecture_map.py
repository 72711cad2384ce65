"""docs/ARCHITECTURE.md is a map of tools/prodbench/: every folder, module and asset is on it.

The page has one ``### `<folder>/` `` section per package folder (the top one is
``### `tools/prodbench/` ``); a module counts as mapped when its file name appears in
backticks inside its folder's section. Names in a section that no longer exist fail too.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tools" / "prodbench"
MAP = ROOT / "docs" / "ARCHITECTURE.md"
IGNORED = {"__pycache__"}


def _sections() -> dict[str, str]:
    """Folder (relative to the package, "" for the top) -> the text of its section."""
    text = MAP.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in re.finditer(r"^### `([^`]+)/`[^\n]*\n(.*?)(?=^#{1,3} |\Z)", text, re.M | re.S):
        folder = match.group(1)
        found["" if folder == "tools/prodbench" else folder] = match.group(2)
    return found


def _folders() -> list[Path]:
    return sorted(p for p in [PACKAGE, *PACKAGE.rglob("*")] if p.is_dir() and (p / "__init__.py").is_file())


def _entries(folder: Path) -> list[str]:
    """What a folder's section must name: its modules (``__init__.py`` when it holds code) and assets."""
    names = []
    for path in sorted(folder.iterdir()):
        if path.name in IGNORED or path.name.startswith("."):
            continue
        if path.is_dir():
            if not (path / "__init__.py").is_file():
                names.append(path.name + "/")  # an asset folder (e.g. rubrics/)
        elif path.name == "__init__.py":
            if _holds_code(path) or folder == PACKAGE:
                names.append(path.name)
        else:
            names.append(path.name)
    return names


def _holds_code(init: Path) -> bool:
    """More than a public face: defines functions or classes itself."""
    return bool(re.search(r"^(def|class|async def) ", init.read_text(encoding="utf-8"), re.M))


def _named(section: str) -> set[str]:
    return set(re.findall(r"`([\w.-]+(?:\.\w+|/))`", section))


def test_every_package_folder_has_a_section_with_a_docs_page() -> None:
    sections = _sections()
    for folder in _folders():
        rel = folder.relative_to(PACKAGE).as_posix() if folder != PACKAGE else ""
        assert rel in sections, f"docs/ARCHITECTURE.md has no section ### `{rel or 'tools/prodbench'}/`"
    for rel, _section in sections.items():
        assert (PACKAGE / rel).is_dir(), f"docs/ARCHITECTURE.md maps {rel}/, which does not exist"
    for page in set(re.findall(r"docs/[\w-]+\.md", MAP.read_text(encoding="utf-8"))):
        assert (ROOT / page).is_file(), f"docs/ARCHITECTURE.md points at missing {page}"


def test_every_module_is_on_the_map() -> None:
    sections = _sections()
    missing = []
    for folder in _folders():
        rel = folder.relative_to(PACKAGE).as_posix() if folder != PACKAGE else ""
        named = _named(sections.get(rel, ""))
        missing += [f"{rel}/{name}".lstrip("/") for name in _entries(folder) if name not in named]
    assert not missing, f"not described in docs/ARCHITECTURE.md: {missing}"


def test_the_map_names_no_module_that_is_gone() -> None:
    stale = []
    for rel, section in _sections().items():
        for name in _named(section):
            is_file_name = name.endswith((".py", ".yaml", ".md")) and "/" not in name
            if is_file_name and not (PACKAGE / rel / name).exists():
                stale.append(f"{rel}/{name}".lstrip("/"))
    assert not stale, f"docs/ARCHITECTURE.md describes modules that do not exist: {stale}"
