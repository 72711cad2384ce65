"""params.yaml loading: schema problems carry the YAML line; edits keep comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodbench.core.errors import UserError
from prodbench.core.params import edit_params, load_params
from prodbench.core.project import find_project


def test_repository_params_are_valid(project_dir: Path) -> None:
    params = load_params(find_project())
    assert "fact_recall" in params["taxonomy"]["task_types"]
    assert params["models"]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "field", "expect"),
    [
        ("  concurrency: 4 ", "  concurency: 4 ", "run.concurency", "unknown key 'concurency'"),
        ("  timeout_s: 60", "  timeout_s: -1", "run.timeout_s", "-1"),
        ("  min_per_cell: 1", "  min_per_cell: many", "coverage.min_per_cell", "is not of type 'integer'"),
        ("  engine: builtin", "  engine: spacy", "anonymize.engine", "is not one of"),
    ],
)
def test_typo_is_reported_with_its_line(project_dir: Path, old: str, new: str, field: str, expect: str) -> None:
    path = project_dir / "params.yaml"
    text = path.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text)
    with pytest.raises(UserError) as info:
        load_params(find_project())
    problems = info.value.problems
    assert len(problems) == 1
    assert problems[0].field == field
    assert problems[0].line == _line_of(text, new.strip().split(":")[0] + ":")
    assert expect in problems[0].message
    assert str(problems[0]).startswith(f"params.yaml:{problems[0].line}: {field}:")


def test_invalid_yaml_names_the_line(project_dir: Path) -> None:
    path = project_dir / "params.yaml"
    lines = path.read_text().splitlines()
    lines.insert(3, "taxonomy: [unclosed")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError) as info:
        load_params(find_project())
    assert info.value.problems[0].line >= 4
    assert "invalid YAML" in info.value.problems[0].message


def test_edit_params_keeps_comments_and_order(project_dir: Path) -> None:
    path = project_dir / "params.yaml"
    before = path.read_text()
    with edit_params(find_project()) as tree:
        tree["rotation"]["current"] = "2027Q1"
    after = path.read_text()
    assert "current: 2027Q1" in after
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == [
        line for line in after.splitlines() if line.lstrip().startswith("#")
    ]
    assert load_params(find_project())["rotation"]["current"] == "2027Q1"


def test_loaded_params_are_plain_python(project_dir: Path) -> None:
    import orjson

    params = load_params(find_project())

    def walk(node):
        if isinstance(node, dict):
            assert type(node) is dict
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            assert type(node) is list
            for value in node:
                walk(value)
        else:
            assert node is None or type(node) in (str, int, float, bool), (node, type(node))

    walk(params)
    orjson.dumps(params)  # serialisable without a default= hook


def test_cli_errors_about_params_get_their_line(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from prodbench.cli import cli

    monkeypatch.delenv("PRODBENCH_TEST_MISSING_KEY", raising=False)
    path = project_dir / "params.yaml"
    text = path.read_text().replace(
        "models:\n", "models:\n  hosted:\n    model: openai/gpt-4o-mini\n    api_key_env: PRODBENCH_TEST_MISSING_KEY\n", 1
    )
    path.write_text(text)
    result = CliRunner().invoke(cli, ["run", "--model", "hosted"])
    assert result.exit_code == 1
    line = _line_of(text, "api_key_env: PRODBENCH_TEST_MISSING_KEY")
    assert f"params.yaml:{line}: models.hosted.api_key_env:" in result.output
    assert "Traceback" not in result.output


def test_an_edit_is_a_one_line_diff(project_dir: Path) -> None:
    path = project_dir / "params.yaml"
    before = path.read_text().splitlines()
    with edit_params(find_project()) as tree:
        tree["rotation"]["size"] = 31
    after = path.read_text().splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1].strip().startswith("size: 31")
