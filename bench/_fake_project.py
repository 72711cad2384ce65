"""A throw-away project pointed at the local test server, for the run benchmarks.

The benchmarks start ``tests/llm_server.py`` as a separate process and build their inputs
here; they import nothing from the test suite.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
KEY_ENV = "PRODBENCH_TEST_KEY"
# short timeouts and backoff, as in the run-stage tests
FAST_RUN = {"concurrency": 8, "timeout_s": 2.0, "max_retries": 4, "backoff_base_s": 0.01, "backoff_max_s": 0.2,
            "max_failed_share": 0.05}


def fake_model(api_base: str, **overrides: Any) -> dict[str, Any]:
    """A model config for the test server (litellm's openai provider)."""
    return {"model": "openai/fake-model", "api_base": api_base, "api_key_env": KEY_ENV,
            "temperature": 0.0, "max_tokens": 32, "seed": 1, **overrides}


def prompt(i: int) -> dict[str, Any]:
    """A single-turn prompt record numbered ``i``."""
    return {"id": f"p-{i:04d}", "messages": [{"role": "user", "content": f"question {i}"}],
            "task_type": "fact_recall", "difficulty": "easy", "source": "synthetic"}


def make_project(root: Path, models: dict[str, dict[str, Any]], records: list[dict[str, Any]],
                 run: dict[str, Any] | None = None) -> Path:
    """A prodbench project in ``root``: the repo's params/schemas with the given models and prompts."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "schemas", root / "schemas", dirs_exist_ok=True)
    yaml = YAML(typ="safe")
    params = yaml.load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["models"] = models
    params["run"] = {**FAST_RUN, **(run or {})}
    with open(root / "params.yaml", "w", encoding="utf-8") as handle:
        yaml.dump(params, handle)
    for sub in ("golden", "rotating", "pool"):
        (root / "prompts" / sub).mkdir(parents=True, exist_ok=True)
    path = root / "prompts" / "golden" / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root
