"""One source for each command's one-line help: its docstring, mirrored by ``cli.COMMANDS``.

``prodbench --help`` lists commands from the static ``COMMANDS`` table (so it imports no
command module); these tests keep that table equal to the commands' own docstrings.
"""

from __future__ import annotations

import inspect

import click
import pytest
from click.testing import CliRunner

from prodbench.cli import COMMANDS, cli, iter_commands


def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, name
    return command



ALL = iter_commands()


def _first_line(command: click.Command) -> str:
    return inspect.cleandoc(command.help or "").split("\n", 1)[0].strip()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_table_equals_the_docstring_first_line(name: str) -> None:
    command = _command(name)
    assert COMMANDS[name][1] == _first_line(command), (
        f"cli.COMMANDS[{name!r}] and the first line of prodbench.commands.{COMMANDS[name][0]}'s "
        "docstring differ: change both together"
    )


@pytest.mark.parametrize("path,command", ALL, ids=[path for path, _ in ALL])
def test_every_command_explains_itself_in_one_line(path: str, command: click.Command) -> None:
    first = _first_line(command)
    assert first, f"prodbench {path} has no docstring"
    assert first.endswith("."), f"prodbench {path}: the one-liner should be a sentence: {first!r}"
    # No separate short_help: the docstring's first line is the only one-liner, and click shows
    # it whole (a first paragraph running over several lines would be cut).
    assert command.short_help is None, f"prodbench {path} declares short_help; put it in the docstring"
    assert command.get_short_help_str(limit=1000) == first, path


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_top_level_command_explains_more_than_its_one_liner(name: str) -> None:
    parts = inspect.cleandoc(_command(name).help or "").split("\n\n", 1)
    assert len(parts) == 2 and parts[1].strip(), f"prodbench {name} --help has only a one-liner"


def test_module_keys_match_command_names() -> None:
    for name, (module, _) in COMMANDS.items():
        assert _command(name).name == name, module


@pytest.mark.parametrize("path", [path for path, _ in ALL])
def test_help_shows_the_one_liner_first(path: str) -> None:
    result = CliRunner().invoke(cli, [*path.split(), "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    command = dict(ALL)[path]
    assert result.output.splitlines()[2].strip() == _first_line(command)
