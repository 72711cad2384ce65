"""Collecting the test suite stays light: no test module imports litellm at module level.

litellm takes seconds to import (and may try to download a price list), so tests that need
it import it inside the test or a fixture.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Collect in a child process; an audit hook records which file imported litellm first.
SCRIPT = r"""
import json, sys, traceback
first = []
def hook(event, args):
    if event == "import" and args[0] == "litellm" and not first:
        files = [f.filename for f in traceback.extract_stack() if "/tests/" in f.filename]
        first.append(files[-1] if files else "?")
sys.addaudithook(hook)
import pytest
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "tests"])
print(json.dumps({"code": int(code), "litellm": "litellm" in sys.modules, "first": first}))
"""


def test_collecting_the_suite_does_not_import_litellm() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tools"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, proc.stdout[-2000:]
    assert not result["litellm"], f"collection imported litellm, first from {result['first']}"
