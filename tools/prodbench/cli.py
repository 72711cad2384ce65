"""The ``prodbench`` command line.

Subcommands live in ``prodbench.commands.<name>`` and are imported only when run,
so ``prodbench --help`` and light commands never pay for litellm, pandas or
matplotlib. User mistakes (:class:`~prodbench.core.errors.UserError`) are printed as
``file:line: field: message`` without a traceback.
"""

from __future__ import annotations

import importlib

import click

from prodbench import __version__
from prodbench.core.errors import UserError

# name -> (module under prodbench.commands, one-line help shown by `prodbench --help`).
# The one-liner is the first line of the command's docstring, repeated here so that
# `prodbench --help` imports no command module; tests/core/test_cli_help.py keeps them equal.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "Check prompt files against the schema and the repo rules."),
    "coverage": ("coverage", "Show the task type x difficulty coverage table against targets."),
    "run": ("run", "Send every prompt to each configured model (cached, resumable)."),
    "score": ("score", "Score model responses with the scoring plan and write metrics."),
    "report": ("report", "Write the markdown report, PNG plots and plot data for `dvc plots`."),
    "diff": ("diff", "Compare two revisions: score deltas, significance, coverage delta."),
    "comment": ("comment", "Post or update the one sticky pull-request comment on GitHub."),
    "ingest": ("ingest", "Ingest production/pilot logs into prompts/pool/ (anonymized, de-duplicated, tagged)."),
    "anonymize": ("anonymize", "Detect and replace personal data in text or JSONL."),
    "golden": ("golden", "Freeze, bump or check the golden-set lock (prompts/golden.lock)."),
    "rotate": ("rotate", "Sample the quarterly rotating slice from the approved pool (stratified, seeded)."),
    "review": ("review", "Walk pending pool items in the terminal (accept, reject, edit tags)."),
    "purge": ("purge", "Remove a record or a leaked value from the prompt files and ledger it."),
    "launch": ("launch", "Record launched model versions with their benchmark scores."),
    "correlate": ("correlate", "Correlate launched versions' benchmark scores with production user metrics."),
    "view": ("view", "Open a local page to read results, compare revisions and review the pool."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"prodbench.commands.{COMMANDS[cmd_name][0]}")
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List subcommands from the static table, without importing them."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            if exc.problems:
                exc.problems = _locate(exc.problems)
            from prodbench.core.secrets import redact

            click.echo(redact(f"error: {exc}" if not exc.problems else str(exc)), err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: finished rows are saved; re-run to resume.", err=True)
            ctx.exit(130)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="prodbench")
def cli() -> None:
    """prodbench: a git-native benchmark for LLM applications.

    Prompts live in prompts/ as JSONL, settings in params.yaml, and the pipeline in
    dvc.yaml (validate -> run -> score -> report). A typical loop:

    \b
      prodbench validate          # check prompt files
      dvc repro                   # run, score and report every model
      prodbench diff --base main  # what a branch changes, as a PR comment

    Run `prodbench COMMAND --help` for details of each command.
    """


def iter_commands() -> list[tuple[str, click.Command]]:
    """Every command and subcommand with its full name (``"launch record"``); imports them all."""

    def walk(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
        found = [(path, command)]
        if isinstance(command, click.Group):
            for sub_name, sub in sorted(command.commands.items()):
                found += walk(sub, f"{path} {sub_name}")
        return found

    context = click.Context(cli)
    found = []
    for name in sorted(COMMANDS):
        command = cli.get_command(context, name)
        if command is not None:
            found += walk(command, name)
    return found

def _locate(problems: list) -> list:
    """Give params.yaml problems raised without a line number their line."""
    from prodbench.core.params import locate_params_problems
    from prodbench.core.project import find_project

    try:
        project = find_project()
    except UserError:
        return problems
    return locate_params_problems(problems, project.params_path)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="prodbench")


if __name__ == "__main__":
    main()
