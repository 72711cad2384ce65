"""Confinement: trusted schemas, safe names, no write outside the project, one discovery walk.

Each test builds the attack as real files (a project copy whose schema was deleted, a model
named ``../../../pwned``, a rotating period linked to a folder outside the repository) and
runs the real commands.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.core.fsutil import confine
from prodbench.core.params import load_params
from prodbench.core.project import PACKAGE_SCHEMAS, Project
from prodbench.core.prompts import find_jsonl, load_prompts

ROOT = Path(__file__).resolve().parents[2]


def _invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, list(args), env={"PRODBENCH_ROOT": str(root)})


def test_the_packaged_schemas_equal_the_user_visible_copy():
    shipped = {p.name: p.read_bytes() for p in PACKAGE_SCHEMAS.glob("*.json")}
    visible = {p.name: p.read_bytes() for p in (ROOT / "schemas").glob("*.json")}
    assert shipped == visible and "params.schema.json" in shipped


def test_a_checkout_without_its_schema_still_gets_checked(project_dir):
    shutil.rmtree(project_dir / "schemas")
    text = (project_dir / "params.yaml").read_text(encoding="utf-8")
    (project_dir / "params.yaml").write_text(text.replace("\nmodels:\n", "\nmodels:\n  ../../../pwned:\n"
                                                          "    model: openai/x\n", 1), encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_params(Project(project_dir))
    assert "models" in str(info.value) and "pwned" in str(info.value)
    result = _invoke(project_dir, "run")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert not (project_dir.parent.parent / "pwned").exists()
    assert not any(project_dir.parent.rglob("*escaped*"))


def test_confine_refuses_paths_that_resolve_outside(tmp_path):
    root = tmp_path / "proj"
    (root / "results").mkdir(parents=True)
    assert confine(root / "results" / "m.jsonl", root) == (root / "results" / "m.jsonl").resolve()
    with pytest.raises(UserError, match="outside"):
        confine(root / "results" / ".." / ".." / "escaped.jsonl", root)
    (root / "results" / "link").symlink_to(tmp_path)
    with pytest.raises(UserError, match="outside"):
        confine(root / "results" / "link" / "x.jsonl", root)


def _rotating_link(project_dir: Path, target: Path) -> None:
    params = (project_dir / "params.yaml").read_text(encoding="utf-8")
    period = params.split("\n  current:")[1].split()[0].strip("'\"")
    shutil.rmtree(project_dir / "prompts" / "rotating" / period)
    (project_dir / "prompts" / "rotating" / period).symlink_to(target, target_is_directory=True)


def test_a_rotating_period_linked_outside_the_repo_is_refused_by_validate_and_run(project_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.jsonl").write_text('{"id": "x", "messages": "not a list"}\n', encoding="utf-8")
    _rotating_link(project_dir, outside)
    for command in ("validate", "run", "coverage"):
        result = _invoke(project_dir, command)
        assert result.exit_code != 0, (command, result.output)
        assert "outside the repository" in result.output and "Traceback" not in result.output


def test_a_link_inside_the_repo_is_validated_like_any_file(project_dir):
    inside = project_dir / "extra"
    inside.mkdir()
    (inside / "bad.jsonl").write_text('{"id": "x", "messages": "not a list"}\n', encoding="utf-8")
    _rotating_link(project_dir, inside)
    result = _invoke(project_dir, "validate")
    assert result.exit_code == 1 and "messages" in result.output  # checked, not skipped
    project = Project(project_dir)
    validated = set(find_jsonl(project, project.prompts_dir))
    with pytest.raises(UserError, match="messages"):  # run refuses the same record, with its line
        load_prompts(project, load_params(project))
    assert any(p.name == "bad.jsonl" for p in validated)


def test_a_prompt_record_without_id_or_with_string_messages_is_a_located_error(project_dir):
    path = project_dir / "prompts" / "golden" / "fact_recall.jsonl"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"messages": "hello", "task_type": "fact_recall", "difficulty": "easy", '
                     '"source": "synthetic"}\n')
    line = len(path.read_text(encoding="utf-8").splitlines())
    for command in ("run", "score", "coverage"):
        result = _invoke(project_dir, command)
        assert result.exit_code == 1, (command, result.output)
        assert f"prompts/golden/fact_recall.jsonl:{line}:" in result.output and "Traceback" not in result.output
