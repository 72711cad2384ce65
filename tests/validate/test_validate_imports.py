"""validate and coverage stay light: no litellm, pandas, matplotlib or scipy, even when run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("litellm", "pandas", "matplotlib", "scipy")

SCRIPT = """
import sys
from click.testing import CliRunner
from prodbench.cli import cli
runner = CliRunner(env={"PRODBENCH_VALIDATE_NO_CACHE": "1"})  # write nothing into the repo
for args in (["validate"], ["coverage", "--no-write"]):
    result = runner.invoke(cli, args)
    assert result.exit_code in (0, 1), (args, result.output)
    assert "Traceback" not in result.output
print(",".join(m for m in %r if m in sys.modules))
"""


def test_validate_and_coverage_do_not_import_heavy_modules(repo_root: Path) -> None:
    # `import prodbench.cli` alone is checked in tests/core/test_cli_basics.py
    result = subprocess.run([sys.executable, "-c", SCRIPT % (HEAVY,)], cwd=repo_root, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "", f"heavy modules imported: {result.stdout}"

