"""Fixtures for run-stage tests: a small project wired to the local test server."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO_ROOT = Path(__file__).resolve().parent.parent
KEY_ENV = "PRODBENCH_TEST_KEY"
FAST_RUN = {
    "concurrency": 8,
    "timeout_s": 2.0,
    "max_retries": 4,
    "backoff_base_s": 0.01,
    "backoff_max_s": 0.2,
    "max_failed_share": 0.05,
}


def fake_model(api_base: str, **overrides: Any) -> dict[str, Any]:
    """A model config for the local test server (litellm's openai provider)."""
    cfg = {"model": "openai/fake-model", "api_base": api_base, "api_key_env": KEY_ENV,
           "temperature": 0.0, "max_tokens": 32, "seed": 1}
    cfg.update(overrides)
    return cfg


def prompt(i: int, **overrides: Any) -> dict[str, Any]:
    """A single-turn prompt record numbered ``i``."""
    record = {"id": f"p-{i:04d}", "messages": [{"role": "user", "content": f"question {i}"}],
              "task_type": "fact_recall", "difficulty": "easy", "source": "synthetic"}
    record.update(overrides)
    return record


def multi_turn(i: int) -> dict[str, Any]:
    """A three-message dialogue with two generated assistant turns."""
    return prompt(i, task_type="multi_turn", messages=[
        {"role": "user", "content": f"first {i}"},
        {"role": "assistant", "content": None},
        {"role": "user", "content": f"second {i}"},
        {"role": "assistant", "content": None},
    ])


def write_prompts(root: Path, records: list[dict[str, Any]], name: str = "set.jsonl") -> Path:
    """Write records to prompts/golden/<name>."""
    path = root / "prompts" / "golden" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def make_project(root: Path, models: dict[str, dict[str, Any]], records: list[dict[str, Any]],
                 run: dict[str, Any] | None = None) -> Path:
    """A prodbench project in ``root``: the repo's params/schemas with the given models and prompts."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas", dirs_exist_ok=True)
    yaml = YAML(typ="safe")
    params = yaml.load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["models"] = models
    params["run"] = {**FAST_RUN, **(run or {})}
    with open(root / "params.yaml", "w", encoding="utf-8") as handle:
        yaml.dump(params, handle)
    for sub in ("golden", "rotating", "pool"):
        (root / "prompts" / sub).mkdir(parents=True, exist_ok=True)
    write_prompts(root, records)
    return root


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a results JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def subprocess_env(root: Path) -> dict[str, str]:
    """Environment for running ``prodbench`` in a subprocess against the test server."""
    env = dict(os.environ)
    env[KEY_ENV] = "test-key"
    env["PRODBENCH_ROOT"] = str(root)
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    return env
