"""``prodbench launch record`` takes the benchmark version from scores.json, not from the checkout."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson
from click.testing import CliRunner

from prodbench.cli import cli


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def test_record_uses_the_commit_lock_and_rotation_the_scores_came_from(project_dir: Path,
                                                                       model_scores: Callable[..., dict]) -> None:
    _git(project_dir, "init", "-q")
    _git(project_dir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "later")
    scored = {"commit": "0123456789abcdef0123456789abcdef01234567", "uncommitted_changes": True,
              "golden_version": "7", "golden_set_hash": "h", "rotation": "2026Q3", "prompts": 60,
              "prompts_hash": "feedfacefeedface", "judge": "openai/judge"}
    path = project_dir / "metrics" / "scores.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"models": {"bot": model_scores(0.5, 0.7, 0.4)}, "benchmark": scored}))
    result = CliRunner().invoke(cli, ["launch", "record", "--model", "bot", "--version", "v1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "commit 0123456789ab (as scored)" in result.output and "uncommitted changes" in result.output
    (line,) = (project_dir / "metrics" / "history.jsonl").read_bytes().splitlines()
    bench = orjson.loads(line)["benchmark"]
    assert (bench["commit"], bench["golden_version"], bench["rotation"]) == (scored["commit"], "7", "2026Q3")
    assert bench["prompts_hash"] == "feedfacefeedface" and bench["from"] == "scores"
    assert bench["commit"] != _git(project_dir, "rev-parse", "HEAD")


def test_an_old_scores_file_falls_back_to_the_checkout_and_says_so(project_dir: Path,
                                                                  model_scores: Callable[..., dict],
                                                                  write_scores: Callable[..., Path]) -> None:
    write_scores(project_dir, {"bot": model_scores(0.5, 0.7, 0.4)})
    result = CliRunner().invoke(cli, ["launch", "record", "--model", "bot", "--version", "v1"], catch_exceptions=False)
    assert result.exit_code == 0 and "current checkout: scores.json does not say" in result.output
    (line,) = (project_dir / "metrics" / "history.jsonl").read_bytes().splitlines()
    assert orjson.loads(line)["benchmark"]["from"] == "checkout"
