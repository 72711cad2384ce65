"""One spelling per option concept across every command (see prodbench.commands._common)."""

from __future__ import annotations

from collections import defaultdict

import click
import pytest

from prodbench.cli import cli, iter_commands
from prodbench.commands._common import AliasedOption

# long spelling -> the short alias it always has
SHORT = {"--model": "-m", "--output": "-o"}
# spellings replaced by the one on the right; never shown in --help again
RETIRED = {
    "--models": "--model",
    "--llm-tagger": "--model",
    "--out": "--output",
    "--output-file": "--output",
    "--metrics-file": "--metrics",
    "--metrics-path": "--metrics",
    "--plot-dir": "--plots-dir",
    "--no-plot": "--no-plots",
    "--nocache": "--no-cache",
}



ALL = iter_commands()
OPTIONS = [
    (path, param)
    for path, command in ALL
    for param in command.params
    if isinstance(param, click.Option) and param.name != "help"
]


def _shown(option: click.Option) -> list[str]:
    """The spellings --help shows (hidden aliases left out)."""
    if isinstance(option, AliasedOption):
        return option.shown_opts + option.secondary_opts
    return option.opts + option.secondary_opts


def _long(option: click.Option) -> str:
    return next(o for o in _shown(option) if o.startswith("--"))


def test_options_naming_a_model_are_spelled_model() -> None:
    for path, option in OPTIONS:
        names_a_model = "model" in (option.name or "") or (option.metavar == "NAME" and "model" in (option.help or ""))
        if names_a_model:
            assert _shown(option) == ["--model", "-m"] or _shown(option) == ["-m", "--model"], (
                f"prodbench {path}: {_shown(option)} names a model: spell it --model/-m"
            )
            assert option.metavar == "NAME", f"prodbench {path} {_long(option)}: metavar NAME"


def test_short_aliases_mean_one_thing() -> None:
    by_short: dict[str, set[str]] = defaultdict(set)
    for _path, option in OPTIONS:
        long = _long(option)
        for short in (o for o in _shown(option) if not o.startswith("--")):
            by_short[short].add(long)
        if long in SHORT:
            assert SHORT[long] in _shown(option), f"prodbench {_path}: {long} without {SHORT[long]}"
    for short, longs in by_short.items():
        assert len(longs) == 1, f"{short} stands for {sorted(longs)}"


def test_no_retired_spelling_is_shown() -> None:
    for path, option in OPTIONS:
        for spelling in _shown(option):
            assert spelling not in RETIRED, f"prodbench {path}: {spelling} is now {RETIRED[spelling]}"


def test_one_spelling_keeps_one_kind_of_value() -> None:
    """A spelling used by several commands takes the same kind of value everywhere."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for _path, option in OPTIONS:
        kind = "flag" if option.is_flag else type(option.type).__name__
        if isinstance(option.type, click.Path):
            kind += ":dir" if not option.type.file_okay else ":file" if not option.type.dir_okay else ":any"
        kinds[_long(option)].add(kind)
    mixed = {spelling: sorted(k) for spelling, k in kinds.items() if len(k) > 1}
    assert not mixed


@pytest.mark.parametrize(
    "command,args,param,value",
    [
        ("ingest", ["--llm-tagger", "tagger"], "llm_model", "tagger"),
        ("ingest", ["-m", "tagger"], "llm_model", "tagger"),
        ("coverage", ["--metrics-file", "x.json"], "metrics_file", "x.json"),
        ("score", ["-m", "a", "--model", "b", "-o", "s.jsonl"], "models", ("a", "b")),
        ("diff", ["--base", "main", "-m", "a"], "models", ("a",)),
        ("run", ["-m", "a"], "models", ("a",)),
    ],
)
def test_current_spellings_and_hidden_aliases_parse(command: str, args: list[str], param: str, value) -> None:
    cmd = cli.get_command(click.Context(cli), command)
    assert cmd is not None
    ctx = cmd.make_context(command, list(args))
    got = ctx.params[param]
    assert (str(got) if not isinstance(got, tuple) else got) == value


def test_hidden_aliases_stay_out_of_help() -> None:
    from click.testing import CliRunner

    for command, alias in (("ingest", "--llm-tagger"), ("coverage", "--metrics-file")):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert alias not in result.output


def test_launch_record_accepts_its_old_scores_spelling_hidden() -> None:
    from click.testing import CliRunner

    launch = cli.get_command(click.Context(cli), "launch")
    assert isinstance(launch, click.Group)
    record = launch.get_command(click.Context(launch), "record")
    assert record is not None
    for spelling in ("--metrics", "--scores"):
        ctx = record.make_context("record", ["--model", "a", "--version", "1", spelling, "m.json"])
        assert str(ctx.params["scores_path"]) == "m.json"
    result = CliRunner().invoke(cli, ["launch", "record", "--help"])
    assert result.exit_code == 0 and "--metrics" in result.output and "--scores" not in result.output
