"""Fixtures for the PR-loop (diff) tests: a temp git repo wired to the local LLM server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO_ROOT = Path(__file__).resolve().parent.parent
KEY_ENV = "PRODBENCH_DIFF_TEST_KEY"
PERIOD = "2026Q4"
FAST_RUN = {"concurrency": 8, "timeout_s": 5.0, "max_retries": 2, "backoff_base_s": 0.01,
            "backoff_max_s": 0.1, "max_failed_share": 1.0}


def responder(body: dict[str, Any]) -> str:
    """A fake model whose quality depends on the system prompt.

    The user message carries ``Q<i>``; the right answer is ``code-<i>``. With a system
    prompt containing ``CAREFUL`` every answer is right; otherwise only when
    ``i % 3 != 0``. A system prompt containing ``SLOPPY`` is right only when ``i % 2 == 0``.
    """
    messages = body.get("messages") or []
    system = " ".join(str(m.get("content")) for m in messages if m.get("role") == "system")
    user = [str(m.get("content")) for m in messages if m.get("role") == "user"][-1]
    match = re.search(r"Q(\d+)", user)
    i = int(match.group(1)) if match else 0
    if "CAREFUL" in system:
        right = True
    elif "SLOPPY" in system:
        right = i % 2 == 0
    else:
        right = i % 3 != 0
    return f"The answer is code-{i}." if right else "I am not sure."


def record(i: int, task_type: str = "fact_recall", difficulty: str = "easy", **extra: Any) -> dict[str, Any]:
    """A prompt whose reference is ``code-<i>`` (scored by contains_any)."""
    rec = {"id": f"q-{i:03d}", "messages": [{"role": "user", "content": f"Q{i}: what is the code?"}],
           "task_type": task_type, "difficulty": difficulty, "source": "synthetic",
           "reference": [f"code-{i}"]}
    rec.update(extra)
    return rec


def model_cfg(api_base: str, system_prompt: str | None = None) -> dict[str, Any]:
    """A model config for the local server."""
    cfg: dict[str, Any] = {"model": "openai/fake-model", "api_base": api_base, "api_key_env": KEY_ENV,
                           "temperature": 0.0, "max_tokens": 32}
    if system_prompt:
        cfg["system_prompt"] = system_prompt
    return cfg


def write_params(root: Path, models: dict[str, dict[str, Any]]) -> None:
    """params.yaml (the project's own, else the repo's) with these models, a fast run and a rotating slice."""
    yaml = YAML(typ="safe")
    source = root / "params.yaml" if (root / "params.yaml").is_file() else REPO_ROOT / "params.yaml"
    params = yaml.load(source.read_text(encoding="utf-8"))
    params["models"] = models
    params["run"] = FAST_RUN
    params["rotation"]["current"] = PERIOD
    params["score"]["plan"] = {t: [{"scorer": "contains_any", "weight": 1.0}]
                               for t in params["taxonomy"]["task_types"]}
    params["score"]["bootstrap"]["resamples"] = 500
    with open(root / "params.yaml", "w", encoding="utf-8") as handle:
        yaml.dump(params, handle)


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """Write prompt records as JSONL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` and return stdout."""
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def init_repo(root: Path, api_base: str, golden: list[dict[str, Any]], rotating: list[dict[str, Any]],
              models: dict[str, dict[str, Any]] | None = None) -> Path:
    """A committed prodbench repo (one commit) in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    models = models or {"plain": model_cfg(api_base), "support": model_cfg(api_base, "You are a support bot.")}
    write_params(root, models)
    write_jsonl(root / "prompts" / "golden" / "core.jsonl", golden)
    write_jsonl(root / "prompts" / "rotating" / PERIOD / "slice.jsonl", rotating)
    (root / ".gitignore").write_text("cache/\nreports/\nresults/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    commit(root, "base benchmark")
    return root


def commit(root: Path, message: str) -> str:
    """Commit everything and return the sha."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")
