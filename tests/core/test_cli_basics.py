"""The CLI entry point: help text, lazy imports, and error handling without tracebacks."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from prodbench.cli import COMMANDS, cli

HEAVY_MODULES = ("litellm", "pandas", "matplotlib", "scipy")


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_importing_cli_pulls_in_no_heavy_library() -> None:
    code = f"import sys, prodbench.cli; print(','.join(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_importtime_shows_no_heavy_import() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import prodbench.cli"], capture_output=True, text=True, check=True
    )
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
    assert not imported & set(HEAVY_MODULES)


def test_every_command_module_loads_and_has_help() -> None:
    for name in COMMANDS:
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output


def test_outside_a_project_is_a_usage_error_without_traceback(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "prodbench.cli", "coverage"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "params.yaml" in result.stderr
    assert "Traceback" not in result.stderr
