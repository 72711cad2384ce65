"""``prodbench comment``: post or update the sticky pull-request comment."""

from __future__ import annotations

import os
from pathlib import Path

import click

from prodbench.errors import UserError


def _read_body(body_file: Path | None, diff_json: Path | None) -> str:
    """The comment body: a markdown file, or rendered from an (untrusted) diff.json."""
    if (body_file is None) == (diff_json is None):
        raise UserError("give exactly one of --body-file FILE or --diff-json FILE", exit_code=2)
    if body_file is not None:
        try:
            return body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{body_file}: cannot read the comment body: {exc}", exit_code=2) from None
    from prodbench.diff_render import render_from_file

    return render_from_file(diff_json)


@click.command("comment")
@click.option("--repo", default=lambda: os.environ.get("GITHUB_REPOSITORY", ""),
              help="OWNER/NAME of the repository (default: $GITHUB_REPOSITORY).")
@click.option("--pr", "pr", required=True, help="Pull-request number (digits only).")
@click.option("--body-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Markdown body to post (e.g. reports/pr-comment.md).")
@click.option("--diff-json", type=click.Path(path_type=Path, dir_okay=False),
              help="Render the body from a diff.json (treated as untrusted data) instead of --body-file.")
@click.option("--bot-login", default=None,
              help="Login that owns the sticky comment (default: GET /user; a workflow's GITHUB_TOKEN "
                   "cannot call it, use github-actions[bot]).")
@click.option("--api-url", default=None, help="API base (default: $GITHUB_API_URL or https://api.github.com).")
@click.option("--dry-run", is_flag=True, help="Print the body that would be posted and exit.")
def command(repo: str, pr: str, body_file: Path | None, diff_json: Path | None, bot_login: str | None,
            api_url: str | None, dry_run: bool) -> None:
    """Post or update ONE sticky comment on a pull request.

    Our comment is found by its hidden marker AND its author (the bot login), so a
    comment by someone else quoting the marker is never edited. The token comes
    from GITHUB_TOKEN and is never printed.
    """
    from prodbench.comment import client_from_env, post_sticky, validate_target

    repo, number = validate_target(repo, pr)
    body = _read_body(body_file, diff_json)
    if dry_run:
        from prodbench.markdown import ensure_marker, fit_limit

        click.echo(fit_limit(ensure_marker(body)))
        return
    client = client_from_env(api_url, log=lambda message: click.echo(message, err=True))
    result = post_sticky(client, repo, number, body, login=bot_login)
    where = f": {result.url}" if result.url else ""
    click.echo(f"{result.action} comment {result.comment_id} on {repo}#{number} ({result.chars} chars){where}")
