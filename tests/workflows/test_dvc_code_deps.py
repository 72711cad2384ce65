"""DVC knows the code: every stage lists, as dependencies, the folders of the code its command runs.

The check is static: from ``prodbench.commands.<command>`` it follows every ``prodbench`` import
(module level and inside functions) and requires each module reached to sit under one of the
stage's ``deps``. A stage that runs code it does not list would report "up to date" after a fix to
that code and leave stale metrics in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]  # dvc.yaml is read at collection, to name the stages
# The console-script entry point and the package face decide nothing a stage writes.
NOT_STAGE_CODE = {"prodbench", "prodbench.cli", "prodbench.commands"}


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
def test_stage_lists_every_module_its_command_runs(stage: str, package_graph) -> None:
    command, deps = STAGES[stage]
    modules = package_graph.modules
    reached = package_graph.closure(f"prodbench.commands.{command}") - NOT_STAGE_CODE
    unlisted = sorted(m for m in reached
                      if not any(modules[m] == d or d in modules[m].parents for d in deps))
    assert unlisted == [], f"stage {stage!r} runs code it does not list in deps: {unlisted}"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_lists_no_code_it_does_not_run(stage: str, package_graph) -> None:
    command, deps = STAGES[stage]
    reached = [package_graph.modules[m] for m in package_graph.closure(f"prodbench.commands.{command}")]
    code_deps = [d for d in deps if package_graph.package in d.parents]
    unused = [str(d.relative_to(REPO_ROOT)) for d in code_deps
              if not any(p == d or d in p.parents for p in reached)]
    assert unused == [], f"stage {stage!r} lists code it never imports: {unused}"
