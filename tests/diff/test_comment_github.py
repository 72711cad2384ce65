"""`prodbench comment` against a local server that answers like GitHub's REST API."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from github_server import GitHubServer
from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.core.markdown import GITHUB_COMMENT_LIMIT, MARKER, code_block, inline
from prodbench.diff.comment import GitHubClient, post_sticky

REPO = "octo/bench"
TOKEN = "ghs_SECRETTOKEN123"  # noqa: S105 (fake)


@pytest.fixture
def gh():
    with GitHubServer(per_page_max=10) as server:
        server.add_token(TOKEN, "prodbench-bot")
        server.add_token("other-token", "mallory")
        server.add_token("app-token", "github-actions[bot]", is_app=True)
        server.add_token("readonly", "prodbench-bot", can_write=False)
        yield server


def _client(gh: GitHubServer, token: str = TOKEN, waits: list[float] | None = None) -> GitHubClient:
    waits = waits if waits is not None else []
    return GitHubClient(token=token, api_url=gh.url, sleep=waits.append, backoff_s=0.01)


def _invoke(gh: GitHubServer, tmp_path, body: str, *extra: str, token: str = TOKEN, pr: str = "7"):
    body_file = tmp_path / "comment.md"
    body_file.write_text(body, encoding="utf-8")
    env = {"GITHUB_TOKEN": token, "GITHUB_API_URL": gh.url}
    return CliRunner().invoke(cli, ["comment", "--repo", REPO, "--pr", pr, "--body-file", str(body_file), *extra],
                              env=env)


def test_first_run_creates_second_updates_same_comment(gh, tmp_path):
    first = _invoke(gh, tmp_path, "score went up")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("created comment")
    second = _invoke(gh, tmp_path, "score went down")
    assert second.exit_code == 0, second.output
    assert second.output.startswith("updated comment")
    comments = gh.comments_on(REPO, 7)
    assert len(comments) == 1
    assert comments[0]["body"].startswith(MARKER) and "score went down" in comments[0]["body"]
    third = _invoke(gh, tmp_path, "score went down")
    assert third.output.startswith("unchanged comment")
    assert TOKEN not in first.output + second.output + third.output


def test_other_users_marker_comment_left_alone_and_pagination(gh, tmp_path):
    for index in range(23):  # three pages of 10
        gh.add_comment(REPO, 7, "alice", f"chatter {index}")
    fake = gh.add_comment(REPO, 7, "mallory", f"{MARKER}\nI am not the bot")
    ours = gh.add_comment(REPO, 7, "prodbench-bot", f"{MARKER}\nold numbers")
    result = _invoke(gh, tmp_path, f"{MARKER}\nnew numbers")
    assert result.exit_code == 0, result.output
    assert fake["body"] == f"{MARKER}\nI am not the bot"
    assert ours["body"] == f"{MARKER}\nnew numbers"
    assert len(gh.comments_on(REPO, 7)) == 25
    pages = [path for method, path, _ in gh.state.requests if method == "GET" and "/comments" in path]
    assert len(pages) == 3


def test_actions_token_falls_back_to_actions_bot(gh, tmp_path):
    gh.add_comment(REPO, 7, "github-actions[bot]", f"{MARKER}\nprevious")
    result = _invoke(gh, tmp_path, "fresh", token="app-token")
    assert result.exit_code == 0, result.output
    assert "github-actions[bot]" in result.output  # the notice on stderr (mixed into output)
    assert [c["body"] for c in gh.comments_on(REPO, 7)] == [f"{MARKER}\nfresh"]


def test_oversized_body_is_truncated_under_the_limit(gh, tmp_path):
    body = "# Report\n\n```text\n" + ("x" * 99 + "\n") * 3000 + "```\n"
    result = _invoke(gh, tmp_path, body)
    assert result.exit_code == 0, result.output
    posted = gh.comments_on(REPO, 7)[0]["body"]
    assert len(body) > GITHUB_COMMENT_LIMIT >= len(posted)
    assert posted.startswith(MARKER)
    assert "truncated" in posted
    assert posted.count("```") % 2 == 0  # the open code fence was closed


def test_injection_payload_is_inert(gh):
    payload = ("@octocat @org/team #1 ![x](https://evil.example/p.png) [click](javascript:alert(1)) "
               "<img src=x onerror=alert(1)> <script>x</script> www.evil.example " + MARKER + " ``` |")
    body = f"{MARKER}\n| output |\n|---|\n| {inline(payload)} |\n\n{code_block(payload)}\n"
    post_sticky(_client(gh), REPO, 7, body)
    posted = gh.comments_on(REPO, 7)[0]["body"]
    assert posted.count(MARKER) == 1
    outside_code = re.sub(r"(`{3,})text\n.*?\n\1", "", posted, flags=re.DOTALL)
    assert not re.search(r"@[A-Za-z]", outside_code)  # no mention
    assert not re.search(r"#\d", outside_code)  # no issue reference
    assert "<img" not in outside_code and "<script" not in outside_code
    assert "](" not in outside_code  # no link or image syntax
    assert not re.search(r"https?://", outside_code) and "www." not in outside_code
    assert len(re.findall(r"(?<!\\)\|", outside_code)) == 6  # the payload's pipe is escaped: one cell


def test_forbidden_names_the_permission_and_hides_token(gh, tmp_path):
    result = _invoke(gh, tmp_path, "hello", token="readonly")
    assert result.exit_code == 1
    assert "pull-requests: write" in result.output
    assert "Traceback" not in result.output


def test_bad_token_and_unknown_repo(gh, tmp_path):
    bad = _invoke(gh, tmp_path, "hello", token="ghp_nope_secret")
    assert bad.exit_code == 1 and "401" in bad.output and "ghp_nope_secret" not in bad.output
    with pytest.raises(UserError, match="404"):
        post_sticky(_client(gh), "octo/missing", 7, "hi")


def test_retries_on_5xx_and_secondary_rate_limit(gh):
    waits: list[float] = []
    gh.fail(502, times=2)
    gh.fail(403, secondary=True, retry_after=0.25, method="POST")
    result = post_sticky(_client(gh, waits=waits), REPO, 7, "hello")
    assert result.action == "created"
    assert len(gh.comments_on(REPO, 7)) == 1
    assert len(waits) == 3 and 0.25 in waits


def test_retries_are_bounded(gh):
    gh.fail(500, times=10)
    client = _client(gh)
    client.max_retries = 2
    with pytest.raises(UserError, match="500"):
        post_sticky(client, REPO, 7, "hello")


@pytest.mark.parametrize("pr", ["7; rm -rf /", "-1", "0", "٣", "abc"])
def test_pr_number_must_be_digits(gh, tmp_path, pr):
    result = _invoke(gh, tmp_path, "hello", pr=pr)
    assert result.exit_code == 2
    assert "--pr" in result.output
    assert gh.state.requests == []


def test_token_is_not_sent_to_another_host(gh):
    gh.add_comment(REPO, 7, "alice", "x")
    client = _client(gh)
    with pytest.raises(UserError, match="another host"):
        client.request("GET", "http://evil.example/steal")


def test_failed_run_note_replaces_the_sticky_comment(gh, tmp_path):
    assert _invoke(gh, tmp_path, "scores").exit_code == 0
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": gh.url}
    url = "https://github.example/octo/bench/actions/runs/123"
    result = CliRunner().invoke(cli, ["comment", "--repo", REPO, "--pr", "7", "--failed-run", url], env=env)
    assert result.exit_code == 0, result.output
    [comment] = gh.comments_on(REPO, 7)
    assert "benchmark run failed" in comment["body"] and f"]({url})" in comment["body"]
    bad = CliRunner().invoke(cli, ["comment", "--repo", REPO, "--pr", "7", "--failed-run",
                                   "javascript:alert(1)"], env=env)
    assert bad.exit_code == 2 and "https URL" in bad.output


def test_run_url_adds_the_results_page_link(gh, tmp_path):
    url = "https://github.example/octo/bench/actions/runs/456"
    result = _invoke(gh, tmp_path, "scores", "--run-url", url)
    assert result.exit_code == 0, result.output
    [comment] = gh.comments_on(REPO, 7)
    assert comment["body"].startswith(MARKER)
    assert f"[this run]({url})" in comment["body"] and "view/prodbench-view.html" in comment["body"]
    bad = _invoke(gh, tmp_path, "scores", "--run-url", "https://x.example/a)[y](https://evil")
    assert bad.exit_code == 2 and "--run-url must be an https URL" in bad.output
