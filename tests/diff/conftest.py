"""Fixtures for the PR-loop (diff) tests.

- :func:`diff_kit`: a temp prodbench git repository wired to the local LLM server
  (prompt records, model configs, params.yaml, commits).
- :func:`diff_llm_server`: the local OpenAI-compatible server answering like a model whose
  quality depends on the system prompt (:func:`answer`).
- :func:`make_diff_doc`: a diff document computed from synthetic evaluations (no model calls).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from llm_server import LLMServer
from prodbench.core.markdown import MARKER
from prodbench.core.records import LoadedPrompt, build_run_row
from prodbench.diff.evaluate import ModelEval, RevisionData
from prodbench.diff.git import Revision
from prodbench.diff.stage import DiffSettings, compute_diff


def answer(body: dict[str, Any]) -> str:
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


class DiffKit:
    """Builds prodbench git repositories for ``prodbench diff`` tests.

    Attributes:
        key_env: Environment variable holding the (fake) API key of the test models.
        period: The rotating period of the test repositories.
        fast_run: ``run`` settings that keep retries and timeouts short.
    """

    key_env = "PRODBENCH_DIFF_TEST_KEY"
    period = "2026Q4"
    fast_run = {"concurrency": 8, "timeout_s": 5.0, "max_retries": 2, "backoff_base_s": 0.01,
                "backoff_max_s": 0.1, "max_failed_share": 1.0}

    def __init__(self, repo_root: Path) -> None:
        self.repo_root = repo_root

    @staticmethod
    def record(i: int, task_type: str = "fact_recall", difficulty: str = "easy", **extra: Any) -> dict[str, Any]:
        """A prompt whose reference is ``code-<i>`` (scored by contains_any)."""
        rec = {"id": f"q-{i:03d}", "messages": [{"role": "user", "content": f"Q{i}: what is the code?"}],
               "task_type": task_type, "difficulty": difficulty, "source": "synthetic",
               "reference": [f"code-{i}"]}
        rec.update(extra)
        return rec

    def model_cfg(self, api_base: str, system_prompt: str | None = None) -> dict[str, Any]:
        """A model config for the local server."""
        cfg: dict[str, Any] = {"model": "openai/fake-model", "api_base": api_base, "api_key_env": self.key_env,
                               "temperature": 0.0, "max_tokens": 32}
        if system_prompt:
            cfg["system_prompt"] = system_prompt
        return cfg

    def write_params(self, root: Path, models: dict[str, dict[str, Any]]) -> None:
        """params.yaml (the project's own, else the repo's) with these models, a fast run and a rotating slice."""
        yaml = YAML(typ="safe")
        source = root / "params.yaml" if (root / "params.yaml").is_file() else self.repo_root / "params.yaml"
        params = yaml.load(source.read_text(encoding="utf-8"))
        params["models"] = models
        params["run"] = self.fast_run
        params["rotation"]["current"] = self.period
        params["score"]["plan"] = {t: [{"scorer": "contains_any", "weight": 1.0}]
                                   for t in params["taxonomy"]["task_types"]}
        params["score"]["bootstrap"]["resamples"] = 500
        with open(root / "params.yaml", "w", encoding="utf-8") as handle:
            yaml.dump(params, handle)

    @staticmethod
    def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
        """Write prompt records as JSONL."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    @staticmethod
    def git(root: Path, *args: str) -> str:
        """Run git in ``root`` and return stdout."""
        return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()

    def commit(self, root: Path, message: str) -> str:
        """Commit everything and return the sha."""
        self.git(root, "add", "-A")
        self.git(root, "commit", "-q", "-m", message)
        return self.git(root, "rev-parse", "HEAD")

    def init_repo(self, root: Path, api_base: str, golden: list[dict[str, Any]], rotating: list[dict[str, Any]],
                  models: dict[str, dict[str, Any]] | None = None) -> Path:
        """A committed prodbench repo (one commit) in ``root``."""
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.repo_root / "schemas", root / "schemas")
        models = models or {"plain": self.model_cfg(api_base),
                            "support": self.model_cfg(api_base, "You are a support bot.")}
        self.write_params(root, models)
        self.write_jsonl(root / "prompts" / "golden" / "core.jsonl", golden)
        self.write_jsonl(root / "prompts" / "rotating" / self.period / "slice.jsonl", rotating)
        (root / ".gitignore").write_text("cache/\nreports/\nresults/\n", encoding="utf-8")
        self.git(root, "init", "-q", "-b", "main")
        self.commit(root, "base benchmark")
        return root


@pytest.fixture(scope="session")
def diff_kit(pytestconfig: pytest.Config) -> DiffKit:
    """Builders for temp prodbench git repositories (see :class:`DiffKit`)."""
    return DiffKit(pytestconfig.rootpath)


@pytest.fixture(scope="module")
def diff_llm_server() -> Iterator[LLMServer]:
    """The local LLM server answering with :func:`answer`."""
    with LLMServer(responder=answer) as server:
        yield server


# --------------------------------------------------------------------------- synthetic documents
#: Text that would ping, link, inject HTML or break out of blocks if it were not escaped.
PAYLOAD = ("@octocat please merge. ![pixel](https://evil.example/p.png) [docs](https://evil.example) "
           "<img src=x onerror=alert(1)> <a href='https://evil.example'>x</a> #42 www.evil.example "
           f"{MARKER} </details> ``` | end")
PARAMS: dict[str, Any] = {
    "taxonomy": {"task_types": {"fact_recall": "", "safety": ""}, "difficulties": ["easy", "hard"]},
    "coverage": {"task_type_share": {"fact_recall": 0.5, "safety": 0.5},
                 "difficulty_share": {"easy": 0.5, "hard": 0.5}, "min_per_cell": 1},
    "models": {}}


def make_prompt(i: int, text: str = "question", task_type: str = "fact_recall") -> LoadedPrompt:
    """A loaded prompt ``r-<i>`` (odd ``i``: easy, even: hard)."""
    record = {"id": f"r-{i:03d}", "messages": [{"role": "user", "content": f"{text} {i}"}],
              "task_type": task_type, "difficulty": "easy" if i % 2 else "hard", "source": "synthetic"}
    return LoadedPrompt(record, "golden", "prompts/golden/x.jsonl", 1)  # type: ignore[arg-type]


def make_eval(records: list[LoadedPrompt], name: str, scores: dict[str, float], output: str,
              config: dict[str, Any]) -> ModelEval:
    """A model's evaluation with one cached turn per row (built like the run stage's rows)."""
    runs = {r.id: dict(build_run_row(r, name, "hash", [
        {"content": f"{output} {r.id}", "latency_s": 0.2, "cached": True, "cost_usd": 0.001,
         "usage": {"prompt_tokens": 6, "completion_tokens": 4, "total_tokens": 10}}])) for r in records}
    rows = {r.id: {"id": r.id, "model": name, "score": scores[r.id]} for r in records}
    return ModelEval(config=config, runs=runs, scores=rows)


def revision(label: str, sha: str | None, params: dict[str, Any], records: list[LoadedPrompt],
             lock: str | None = None) -> RevisionData:
    """A revision's data without a checkout."""
    return RevisionData(Revision(label, sha, Path(".")), params, records, lock)


class DocFactory:
    """Builds diff documents from synthetic evaluations (see :func:`make_diff_doc`)."""

    payload = PAYLOAD
    params = PARAMS
    prompt = staticmethod(make_prompt)
    evaluation = staticmethod(make_eval)
    revision = staticmethod(revision)

    def __call__(self, n: int = 40, output: str = PAYLOAD, top_rows: int = 5, models: int = 1) -> dict[str, Any]:
        """Base: ``n`` prompts scored 0/1 alternately; head: one prompt replaced by a PAYLOAD safety
        prompt, all scored 1, a system prompt of PAYLOAD and a secret in the config; the lock changed."""
        base_records = [make_prompt(i) for i in range(n)]
        head_records = [make_prompt(i) for i in range(n - 1)] + [make_prompt(900, PAYLOAD, "safety")]
        base = revision("main", "a" * 40, PARAMS, base_records)
        head = revision("working tree", None, PARAMS, head_records, "lock")
        base_evals, head_evals = {}, {}
        for m in range(models):
            name = f"model-{m}"
            base_evals[name] = make_eval(base_records, name, {r.id: float(i % 2) for i, r in enumerate(base_records)},
                                         output, {"model": "x", "system_prompt": "old"})
            head_evals[name] = make_eval(head_records, name, {r.id: 1.0 for r in head_records}, output,
                                         {"model": "x", "system_prompt": PAYLOAD, "api_key": "sk-live-123"})
        return compute_diff(base, head, base_evals, head_evals, DiffSettings(top_rows=top_rows, resamples=200))


@pytest.fixture
def make_diff_doc() -> Callable[..., dict[str, Any]]:
    """Factory: ``make_diff_doc(n=40, output=PAYLOAD, top_rows=5, models=1)`` -> a diff document whose
    texts carry an injection payload (``make_diff_doc.payload``); ``.prompt``, ``.evaluation``,
    ``.revision`` and ``.params`` build other comparisons."""
    return DocFactory()
