"""Judge rubrics: data files that tell the LLM judge what to grade and on which scale.

A rubric is ``rubrics/<name>.md`` in the project (if present) or the built-in
``prodbench/score/scorers/rubrics/<name>.md``. It has a front matter (``scale: 1-5`` /
``pass/fail`` / ``pairwise``, ``pass: 4``) and a ``string.Template`` body using ``$question``,
``$reference``, ``$response`` (``$response_a``/``$response_b`` for pairwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from prodbench.score.scorers import Context, SettingsError

__all__ = ["Rubric", "available_rubrics", "load_rubric", "parse_rubric", "render", "rubric_dirs"]


@dataclass(frozen=True)
class Rubric:
    """A judge rubric loaded from a data file.

    Attributes:
        name: Rubric name (file stem).
        scale: ``(low, high)`` for numeric scales, ``"pass/fail"`` or ``"pairwise"``.
        pass_at: Minimum raw score that passes (numeric scales).
        template: The prompt template (``string.Template`` syntax).
        text: The whole file (hashed into the cache key).
    """

    name: str
    scale: tuple[int, int] | str
    pass_at: float | None
    template: str
    text: str


def rubric_dirs(context: Context) -> list[Path]:
    """Where rubrics are looked up: the project's ``rubrics/`` then the built-in ones."""
    dirs = [Path(d) for d in context.shared.get("rubric_dirs", [])]
    dirs.append(Path(str(resources.files("prodbench.score.scorers") / "rubrics")))
    return dirs


def available_rubrics(context: Context) -> list[str]:
    """Names of every rubric that can be used."""
    return sorted({p.stem for d in rubric_dirs(context) if d.is_dir() for p in d.glob("*.md")})


def load_rubric(name: str, context: Context) -> Rubric:
    """Load rubric ``name``.

    Raises:
        SettingsError: Unknown rubric (listing the available ones) or a malformed file.
    """
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name or ""):
        raise SettingsError(f"scorer 'judge': invalid rubric name {name!r}")
    for directory in rubric_dirs(context):
        path = directory / f"{name}.md"
        if path.is_file():
            return parse_rubric(name, path.read_text(encoding="utf-8"))
    raise SettingsError(
        f"scorer 'judge': unknown rubric {name!r}; available: {', '.join(available_rubrics(context))}"
    )


def parse_rubric(name: str, text: str) -> Rubric:
    """Parse a rubric file (front matter between ``---`` lines, then the template)."""
    meta: dict[str, str] = {}
    body = text
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) != 2:
            raise SettingsError(f"rubric {name!r}: front matter is not closed with '---'")
        for line in parts[0].splitlines()[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                meta[key.strip()] = value.strip()
        body = parts[1].lstrip("-").lstrip("\n")
    raw_scale = meta.get("scale", "1-5")
    scale: tuple[int, int] | str
    if raw_scale in ("pass/fail", "pairwise"):
        scale = raw_scale
    else:
        match = re.fullmatch(r"(\d+)\s*-\s*(\d+)", raw_scale)
        if not match or int(match.group(1)) >= int(match.group(2)):
            raise SettingsError(f"rubric {name!r}: scale must be 'LOW-HIGH', 'pass/fail' or 'pairwise'")
        scale = (int(match.group(1)), int(match.group(2)))
    pass_at = float(meta["pass"]) if "pass" in meta else None
    return Rubric(name, scale, pass_at, body, text)


def render(rubric: Rubric, **values: str) -> list[dict[str, str]]:
    """The judge's chat messages for a rubric and the item's values."""
    return [{"role": "user", "content": Template(rubric.template).safe_substitute(values)}]
