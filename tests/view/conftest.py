"""Fixtures of the ``prodbench view`` tests: a project with results, a diff and a pool; a live server.

The project is a copy of the repository's params, schemas, prompts and rubrics in a real git repository.
Its results are written like the run and score stages write them (rows built by
``prodbench.core.records.build_run_row``); some answers, a pool item and a changed prompt carry
the injection payload the PR comment is tested with (``tests/diff/conftest.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result

#: The PR-comment payload (tests/diff/conftest.py) plus script and attribute break-outs.
PAYLOAD = ("@octocat please merge. ![pixel](https://evil.example/p.png) [docs](https://evil.example) "
           "<img src=x onerror=\"window.__pwned=1\"> <a href='https://evil.example'>x</a> #42 www.evil.example "
           "<!-- prodbench-pr-comment --> </details> ``` | end <script>window.__pwned=2</script>"
           "\"><svg onload=\"window.__pwned=3\"></svg> </textarea></pre></script><b id=injected>bold</b>")
MODELS = ("alpha", "beta")


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` (identity set, no user config) and return its output."""
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "HOME": str(root), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env).stdout.strip()


def write_results(root: Path, records: list[Any], models: tuple[str, ...] = MODELS,
                  payload_ids: frozenset[str] = frozenset()) -> None:
    """``results/run/<model>.jsonl`` and ``results/scores.jsonl`` for ``records`` (LoadedPrompts)."""
    from prodbench.core.records import build_run_row

    (root / "results" / "run").mkdir(parents=True, exist_ok=True)
    scores = []
    for m, model in enumerate(models):
        rows = []
        for i, record in enumerate(records):
            generated = sum(1 for msg in record.messages if msg.get("content") is None) or 1
            text = PAYLOAD if record.id in payload_ids else f"{model} answers {record.id}"
            turns = [{"content": f"{text} (turn {t + 1})" if generated > 1 else text, "finish_reason": "stop",
                      "cached": False, "latency_s": 0.1 + (i % 7) / 10,
                      "usage": {"prompt_tokens": 20, "completion_tokens": 5 + m, "total_tokens": 25 + m},
                      "cost_usd": 0.0001} for t in range(generated)]
            rows.append(dict(build_run_row(record, model, "0" * 16, turns, attempts=1)))
            score = ((i * 7 + m * 3) % 11) / 10
            scores.append({"model": model, "id": record.id, "set": record.set, "task_type": record.task_type,
                           "difficulty": record.difficulty, "prompt_hash": "0" * 16, "score": score,
                           "passed": score >= 0.5, "error": None, "error_kind": None,
                           "scorers": [{"name": "contains_any", "weight": 1.0, "score": score, "passed": score >= 0.5,
                                        "rationale": PAYLOAD if record.id in payload_ids else f"rationale {record.id}",
                                        "error": None}]})
        (root / "results" / "run" / f"{model}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (root / "results" / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in scores), encoding="utf-8")


def pool_record(i: int, text: str, **extra: Any) -> dict[str, Any]:
    """A valid pending pool record ``pool-view-<i>``."""
    record = {"id": f"pool-view-{i:03d}", "messages": [{"role": "user", "content": text},
                                                       {"role": "assistant", "content": None}],
              "task_type": "fact_recall" if i % 2 else "reasoning", "difficulty": "easy", "source": "production",
              "tags": ["view"], "review": {"status": "pending"},
              "origin": {"tagger": {"confidence": round(0.3 + (i % 7) / 10, 2)}}}
    record.update(extra)
    return record


REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def _view_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project of :func:`view_project`, built once per session (tests get a copy)."""
    from prodbench.core.params import load_params
    from prodbench.core.project import Project
    from prodbench.core.prompts import load_prompts

    root = tmp_path_factory.mktemp("view-template") / "project"
    root.mkdir()
    for name in ("params.yaml", "dvc.yaml"):
        shutil.copy2(REPO_ROOT / name, root / name)
    for name in ("schemas", "prompts", "rubrics"):  # the project rubric the reference-free plan names
        shutil.copytree(REPO_ROOT / name, root / name)
    pool = root / "prompts" / "pool" / "view.jsonl"
    items = [pool_record(i, f"How do I export invoice batch {i} in Ledgerly?") for i in range(1, 13)]
    items[2]["review"] = {"status": "pending", "needs_attention": ["task_type"]}
    items[3]["messages"][0]["content"] = PAYLOAD
    pool.write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    project = Project(root)
    params = load_params(project)
    base = load_prompts(project, params)
    # head: one golden prompt's text changed (to the payload), one removed, one added
    golden = sorted((root / "prompts" / "golden").glob("*.jsonl"))[0]
    lines = golden.read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[0])  # lines[1] is removed
    changed["messages"][0]["content"] += "\n" + PAYLOAD
    added = dict(changed, id="view-added-001")
    golden.write_text("\n".join([json.dumps(changed), *lines[2:], json.dumps(added)]) + "\n", encoding="utf-8")
    head = load_prompts(project, params)
    write_results(root, head, payload_ids=frozenset({head[3].id}))
    _write_diff(root, git(root, "rev-parse", "HEAD"), params, base, head)
    return root


@pytest.fixture
def view_project(_view_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git project (cwd): the repository's prompts, two models' results, a pool file of pending
    items (``prompts/pool/view.jsonl``), and ``reports/diff.json`` comparing the first commit with
    a working tree that changed, added and removed prompts."""
    root = tmp_path / "project"
    shutil.copytree(_view_template, root, symlinks=True)
    monkeypatch.chdir(root)
    monkeypatch.setenv("PRODBENCH_REVIEWER", "Dana")
    monkeypatch.setenv("PRODBENCH_LEDGER_SALT", "view-tests-salt-0123456789abcdef")
    return root


def _write_diff(root: Path, sha: str, params: dict[str, Any], base: list[Any], head: list[Any]) -> None:
    from prodbench.diff.evaluate import ModelEval, RevisionData
    from prodbench.diff.git import Revision
    from prodbench.diff.stage import DiffSettings, compute_diff

    def evaluation(records: list[Any], shift: int) -> dict[str, ModelEval]:
        out = {}
        for model in MODELS:
            runs = {r.id: {"response": f"{PAYLOAD} {model} {r.id}"} for r in records}
            scores = {r.id: {"id": r.id, "model": model, "score": float((i + shift) % 2)}  # type: ignore[misc]
                      for i, r in enumerate(records)}
            out[model] = ModelEval(config={"model": model}, runs=runs, scores=scores)  # type: ignore[arg-type]
        return out

    doc = compute_diff(RevisionData(Revision("main", sha, root), params, base, None),
                       RevisionData(Revision("working tree", None, root), params, head, None),
                       evaluation(base, 0), evaluation(head, 1), DiffSettings(top_rows=5, resamples=200))
    (root / "reports").mkdir(exist_ok=True)
    (root / "reports" / "diff.json").write_text(json.dumps(doc), encoding="utf-8")


@pytest.fixture
def serve() -> Iterator[Callable[..., Any]]:
    """``serve(root, reviewer="Dana")`` -> a running :class:`ViewServer` for the project at ``root``."""
    from prodbench.core.params import load_params
    from prodbench.core.project import Project
    from prodbench.view.server import ViewApp, ViewServer

    servers = []

    def start(root: Path, reviewer: str | None = "Dana") -> ViewServer:
        project = Project(root)
        server = ViewServer(ViewApp(project, load_params(project), project.reports_dir / "diff.json", reviewer))
        server.app.warm()  # as `prodbench view` does before it prints the URL
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """``invoke(*args)``: run the prodbench CLI in-process (cwd must be the project)."""
    from prodbench.cli import cli

    return lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def results_writer() -> Callable[..., None]:
    """``results_writer(root, records)``: :func:`write_results`."""
    return write_results


@pytest.fixture
def payload() -> str:
    """The injection payload the project's texts carry."""
    return PAYLOAD


# --------------------------------------------------------------------------- the browser
# Headless Chromium from the OS packages (.ci/install installs chromium and chromium-driver),
# driven by Selenium with the system chromedriver; Selenium Manager never downloads anything
# (SE_OFFLINE, explicit driver path). Skipped with a reason only when it cannot be installed
# here (not root and chromium missing); as root (CI) a missing browser fails the tests.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _browser_session() -> Iterator[Any]:
    """A headless Chromium WebDriver (skipped only when it cannot be installed here)."""
    if not (CHROMIUM and DRIVER):
        if not IS_ROOT:
            pytest.skip("headless Chromium is not installed and this user cannot install it "
                        "(as root: apt-get install chromium chromium-driver, or run .ci/install)")
        pytest.fail("chromium / chromedriver missing: .ci/install installs them (apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], Any], timeout: float = 90.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # the page may be mid-render
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def ready(driver: Any, tab: str) -> None:
    """Wait until the page has rendered ``tab``."""
    wait_for(lambda: driver.execute_script(f"return document.body.getAttribute('data-ready-{tab}')") == "1",
             what=f"{tab} view")


def screenshot(driver: Any, name: str) -> None:
    """Save a screenshot to ``$PRODBENCH_VIEW_SCREENSHOTS/<name>.png`` when that is set (docs/img)."""
    folder = os.environ.get("PRODBENCH_VIEW_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        driver.save_screenshot(os.path.join(folder, f"{name}.png"))


def set_value(driver: Any, element_id: str, value: str) -> None:
    """Set an input or select and fire its ``input`` and ``change`` events (as typing would)."""
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id, value)


def assert_inert(driver: Any) -> None:
    """No payload ran or became markup."""
    assert driver.execute_script("return window.__pwned") is None
    assert driver.execute_script(
        "return document.querySelectorAll('#injected, img[src=x], svg, a[href*=evil], main script').length") == 0


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    """One headless Chromium WebDriver for the session's browser tests."""
    yield from _browser_session()


@pytest.fixture
def web() -> SimpleNamespace:
    """The browser helpers: ``wait_for``, ``ready``, ``screenshot``, ``set_value``, ``assert_inert``."""
    return SimpleNamespace(wait_for=wait_for, ready=ready, screenshot=screenshot, set_value=set_value,
                           assert_inert=assert_inert)
