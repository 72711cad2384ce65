"""The poster against hostile artifacts and races, on the local GitHub test server.

A malformed ``diff.json`` (a 400-digit number, 5,000-deep nesting, a non-finite number) is
refused with a clear error and a non-zero exit, and the sticky comment is replaced by the
refusal instead of staying stale; two posters racing leave exactly one sticky comment;
``GH-1`` is rendered so GitHub does not link it to #1.
"""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner

from github_server import GitHubServer
from prodbench.cli import cli
from prodbench.core.markdown import MARKER, ZWSP, inline
from prodbench.diff.comment import GitHubClient, post_sticky

REPO = "octo/bench"
TOKEN = "ghs_HARDENTOKEN456"  # noqa: S105 (fake)
BOT = "prodbench-bot"


@pytest.fixture
def gh():
    with GitHubServer() as server:
        server.add_token(TOKEN, BOT)
        yield server


@pytest.mark.parametrize("payload", [
    '{"schema_version": 1, "models": {}, "settings": {"alpha": 1' + "0" * 400 + "}}",
    '{"schema_version": 1, "models": {"m": ' + "[" * 5000 + "]" * 5000 + "}}",
    '{"schema_version": 1, "models": {"m": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}}",
], ids=["400-digit-number", "deep-array", "deep-object"])
def test_a_malformed_artifact_is_refused_and_replaces_the_stale_comment(gh, tmp_path, payload):
    gh.add_comment(REPO, 7, BOT, f"{MARKER}\nold numbers from an earlier run")
    artifact = tmp_path / "diff.json"
    artifact.write_text(payload, encoding="utf-8")
    result = CliRunner().invoke(cli, ["comment", "--repo", REPO, "--pr", "7", "--diff-json", str(artifact),
                                      "--bot-login", BOT], env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": gh.url})
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    comments = gh.comments_on(REPO, 7)
    assert len(comments) == 1 and "artifact was rejected" in comments[0]["body"]
    assert "old numbers" not in comments[0]["body"]


def test_non_finite_and_oversized_numbers_are_refused_by_the_field_readers():
    from prodbench.core.errors import UserError
    from prodbench.diff import fields

    for bad in (float("inf"), float("nan"), 10**400):
        with pytest.raises(UserError, match="finite number|expected a number"):
            fields.number({"x": bad}, "x", "models.m")
    with pytest.raises(UserError, match="at most 2"):
        fields.integer({"n": 10**30}, "n", "models.m")


def test_two_posters_racing_leave_one_sticky_comment(gh):
    barrier = threading.Barrier(2)

    class Racer(GitHubClient):
        first = True

        def paginate(self, url: str) -> list:
            items = super().paginate(url)
            if self.first:  # both list the comments before either creates one
                self.first = False
                barrier.wait(timeout=10)
            return items

    results: list = []

    def post(text: str) -> None:
        client = Racer(token=TOKEN, api_url=gh.url, sleep=lambda s: None)
        results.append(post_sticky(client, REPO, 9, f"{MARKER}\n{text}", login=BOT))

    threads = [threading.Thread(target=post, args=(f"body {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2
    comments = gh.comments_on(REPO, 9)
    assert len(comments) == 1, [c["body"] for c in comments]
    assert {r.comment_id for r in results} == {comments[0]["id"]}


def test_gh_references_are_not_autolinked():
    text = inline("see GH-1 and gh-22, not GHz-3")
    assert "GH-1" not in text.replace("\\", "") and f"GH{ZWSP}" in text and f"gh{ZWSP}" in text
    assert "GHz" in text and json.dumps(inline("#1")).count("\\u200b") == 1


def _post(gh, tmp_path, changed: list[str], *extra: str):
    files = tmp_path / "changed.txt"
    files.write_text("\n".join(changed) + "\n", encoding="utf-8")
    body = tmp_path / "body.md"
    body.write_text(f"{MARKER}\n### prodbench diff\nall good\n", encoding="utf-8")
    return CliRunner().invoke(cli, ["comment", "--repo", REPO, "--pr", "5", "--body-file", str(body),
                                    "--bot-login", BOT, "--changed-files", str(files),
                                    "--status-sha", "a" * 40, *extra],
                              env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": gh.url})


def test_a_pr_changing_grading_code_gets_a_notice_and_a_failed_gate_until_approved(gh, tmp_path):
    result = _post(gh, tmp_path, ["prompts/golden/a.jsonl", "tools/prodbench/score/stage.py",
                                  ".github/workflows/benchmark.yml"])
    assert result.exit_code == 0, result.output
    body = gh.comments_on(REPO, 5)[0]["body"]
    assert body.startswith(MARKER) and "changes code that grades it" in body and "score/stage" in body
    assert gh.state.statuses[-1]["state"] == "failure" and "prodbench-approved" in gh.state.statuses[-1]["description"]
    assert _post(gh, tmp_path, ["tools/x.py"], "--approved").exit_code == 0
    assert gh.state.statuses[-1]["state"] == "success"
    assert len(gh.comments_on(REPO, 5)) == 1


def test_a_data_only_pr_passes_the_gate_without_a_notice(gh, tmp_path):
    result = _post(gh, tmp_path, ["prompts/golden/a.jsonl", "params.yaml", "rubrics/x.md"])
    assert result.exit_code == 0, result.output
    assert "grades it" not in gh.comments_on(REPO, 5)[0]["body"]
    assert gh.state.statuses[-1]["state"] == "success"
    assert _post(gh, tmp_path, ["params.yaml"], "--benchmark-result", "failure").exit_code == 0
    assert gh.state.statuses[-1]["state"] == "failure"
