"""``prodbench comment``: post or update the sticky pull-request comment."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from prodbench.core.errors import UserError

RUN_URL = re.compile(r"https://[A-Za-z0-9.-]+(:\d+)?/[A-Za-z0-9_./-]+")


def checked_run_url(option: str, run_url: str) -> str:
    """``run_url`` if it is an https URL of a workflow run (it is put in the comment as a link)."""
    if not RUN_URL.fullmatch(run_url or ""):
        raise UserError(f"{option} must be an https URL of the workflow run, got {run_url[:80]!r}", exit_code=2)
    return run_url


def view_link(run_url: str) -> str:
    """The comment's closing line pointing at the static results page (``prodbench view --export``)."""
    return (f"\n\nFull results and prompt diffs: download the `prodbench-diff` artifact of "
            f"[this run]({checked_run_url('--run-url', run_url)}) and open `view/prodbench-view.html`.\n")


def failure_body(run_url: str) -> str:
    """The comment shown when the benchmark run failed before producing a comparison."""
    from prodbench.core.markdown import MARKER

    checked_run_url("--failed-run", run_url)
    return (f"{MARKER}\n### prodbench diff\n\n**The benchmark run failed before producing a comparison.** "
            f"See the [workflow run]({run_url}) for the error (for example a `prodbench validate` "
            f"problem), fix it and push again.\n")


def _read_body(body_file: Path | None, diff_json: Path | None, failed_run: str | None = None) -> str:
    """The comment body: a markdown file, rendered from an (untrusted) diff.json, or a failure note."""
    if sum(x is not None for x in (body_file, diff_json, failed_run)) != 1:
        raise UserError("give exactly one of --body-file FILE, --diff-json FILE or --failed-run URL", exit_code=2)
    if failed_run is not None:
        return failure_body(failed_run)
    if diff_json is not None:
        from prodbench.diff.render import render_from_file

        return render_from_file(diff_json)
    assert body_file is not None  # exactly one of the three was given
    try:
        return body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{body_file}: cannot read the comment body: {exc}", exit_code=2) from None


@click.command("comment")
@click.option("--repo", default=lambda: os.environ.get("GITHUB_REPOSITORY", ""),
              help="OWNER/NAME of the repository (default: $GITHUB_REPOSITORY).")
@click.option("--pr", "pr", required=True, help="Pull-request number (digits only).")
@click.option("--body-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Markdown body to post (e.g. reports/pr-comment.md).")
@click.option("--diff-json", type=click.Path(path_type=Path, dir_okay=False),
              help="Render the body from a diff.json (treated as untrusted data) instead of --body-file.")
@click.option("--failed-run", default=None, metavar="URL",
              help="Post a short 'the benchmark run failed' note linking to this workflow run URL.")
@click.option("--bot-login", default=None,
              help="Login that owns the sticky comment (default: GET /user; a workflow's GITHUB_TOKEN "
                   "cannot call it, use github-actions[bot]).")
@click.option("--api-url", default=None, help="API base (default: $GITHUB_API_URL or https://api.github.com).")
@click.option("--dry-run", is_flag=True, help="Print the body that would be posted and exit.")
@click.option("--changed-files", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Paths the pull request changes, one per line (from GitHub's API, not the artifact); "
                   "a change to grading code (tools/, schemas/, .github/, ...) opens the comment with a notice.")
@click.option("--approved", is_flag=True,
              help="A maintainer approved the grading-code change (the prodbench-approved label).")
@click.option("--status-sha", default=None, metavar="SHA",
              help="Also set the 'prodbench' commit status (the merge gate) on this head commit.")
@click.option("--benchmark-result", type=click.Choice(["success", "failure"]), default="success",
              help="Outcome of the benchmark run, for the commit status.")
@click.option("--run-url", default=None, metavar="URL",
              help="Workflow run whose artifact holds the static results page (prodbench view --export); "
                   "the comment ends with a link to it.")
def command(repo: str, pr: str, body_file: Path | None, diff_json: Path | None, failed_run: str | None,
            bot_login: str | None,
            api_url: str | None, dry_run: bool, changed_files: Path | None, approved: bool,
            status_sha: str | None, benchmark_result: str, run_url: str | None) -> None:
    """Post or update the one sticky pull-request comment on GitHub.

    Our comment is found by its hidden marker AND its author (the bot login), so a
    comment by someone else quoting the marker is never edited. The token comes
    from GITHUB_TOKEN and is never printed.
    """
    from prodbench.diff import trust
    from prodbench.diff.comment import client_from_env, post_sticky, validate_target

    repo, number = validate_target(repo, pr)
    code: list[str] = []
    if changed_files is not None:
        try:
            code = trust.code_changes(trust.read_changed_files(changed_files.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{changed_files}: cannot read the changed files: {exc}", exit_code=2) from None
    verdict = trust.gate(code, approved, benchmark_result == "success")
    try:
        body = _read_body(body_file, diff_json, failed_run)
    except UserError as exc:
        if diff_json is None or dry_run or exc.exit_code == 2:
            raise
        # a malformed artifact: replace the (now stale) sticky comment with the refusal, then fail
        from prodbench.diff.comment import client_from_env, post_sticky, rejected_artifact_body

        client = client_from_env(api_url, log=lambda message: click.echo(message, err=True))
        post_sticky(client, repo, number, rejected_artifact_body(str(exc)), login=bot_login)
        if status_sha:
            trust.post_status(client, repo, status_sha, trust.Gate("failure", "the benchmark artifact was rejected"))
        raise
    if run_url is not None and failed_run is None:
        body = body.rstrip("\n") + view_link(run_url)
    if code:
        from prodbench.core.markdown import MARKER

        rest = body[len(MARKER):].lstrip("\n") if body.startswith(MARKER) else body
        body = f"{MARKER}\n{trust.notice(code, approved)}{rest}"
    if dry_run:
        from prodbench.core.markdown import ensure_marker, fit_limit

        click.echo(fit_limit(ensure_marker(body)))
        return
    client = client_from_env(api_url, log=lambda message: click.echo(message, err=True))
    result = post_sticky(client, repo, number, body, login=bot_login)
    if status_sha:
        trust.post_status(client, repo, status_sha, verdict)
        click.echo(f"status {trust.STATUS_CONTEXT}: {verdict.state} ({verdict.description})")
    where = f": {result.url}" if result.url else ""
    click.echo(f"{result.action} comment {result.comment_id} on {repo}#{number} ({result.chars} chars){where}")
