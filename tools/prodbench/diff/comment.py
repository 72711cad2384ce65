"""Post or update the one sticky pull-request comment through GitHub's REST API.

Our comment is the one whose body contains :data:`prodbench.core.markdown.MARKER` *and*
whose author is the bot's login (a comment by anyone else that quotes the marker is
left alone). The comment list is paginated through ``Link: rel="next"`` headers
(only followed on the same API host, so the token never leaves it). 5xx answers,
429 and secondary rate limits (403 with ``Retry-After`` or a "rate limit" message)
are retried with backoff; 401/403/404 become clear :class:`UserError` messages.
The token is sent only in the ``Authorization`` header and never printed.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prodbench.core.errors import UserError
from prodbench.core.markdown import DEFAULT_BUDGET, MARKER, ensure_marker, fit_limit
from prodbench.core.secrets import redact

DEFAULT_API_URL = "https://api.github.com"
ACTIONS_BOT = "github-actions[bot]"
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


@dataclass
class Response:
    """A decoded API answer."""

    status: int
    headers: dict[str, str]
    data: Any


@dataclass
class GitHubClient:
    """A tiny GitHub REST client (urllib, JSON, retries).

    Attributes:
        token: API token (``GITHUB_TOKEN``); never logged.
        api_url: API base, e.g. ``https://api.github.com`` or ``https://ghe.example/api/v3``.
        max_retries: Retries on 5xx / 429 / secondary rate limits.
        backoff_s: Base of the exponential backoff when no Retry-After is given.
        max_wait_s: Upper bound of a single wait.
        timeout_s: Per-request timeout.
        sleep: Injected sleep function (tests).
        log: Injected progress printer.
    """

    token: str
    api_url: str = DEFAULT_API_URL
    max_retries: int = 5
    backoff_s: float = 1.0
    max_wait_s: float = 60.0
    timeout_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = lambda message: None
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.api_url)
        if parsed.scheme not in ("https", "http") or not parsed.netloc:
            raise UserError(f"GITHUB_API_URL must be an http(s) URL, got {self.api_url!r}", exit_code=2)
        self._host = parsed.netloc

    def _scrub(self, text: str) -> str:
        return text.replace(self.token, "***") if self.token else text

    def request(self, method: str, url: str, body: dict[str, Any] | None = None) -> Response:
        """Send one request with retries; return the decoded response.

        Raises:
            UserError: On 401/403/404/422 and when retries are exhausted.
        """
        if not url.startswith("http"):
            url = self.api_url + url
        if urllib.parse.urlsplit(url).netloc != self._host:
            raise UserError(f"refusing to send the token to another host: {url}")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": "prodbench-comment", "Authorization": f"Bearer {self.token}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            attempt += 1
            self.calls.append((method, url))
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout_s) as handle:  # noqa: S310 (checked scheme)
                    raw = handle.read()
                    return Response(handle.status, dict(handle.headers.items()), json.loads(raw) if raw else None)
            except urllib.error.HTTPError as exc:
                raw = exc.read()
                status, resp_headers = exc.code, {k.lower(): v for k, v in exc.headers.items()}
                try:
                    payload = json.loads(raw) if raw else {}
                except ValueError:
                    payload = {"message": raw.decode("utf-8", "replace")[:300]}
                message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
                wait = self._retry_wait(status, resp_headers, message, attempt)
                if wait is not None and attempt <= self.max_retries:
                    self.log(f"GitHub answered {status}; retrying in {wait:.1f}s (attempt {attempt})")
                    self.sleep(wait)
                    continue
                raise _http_error(status, self._scrub(message), method, url) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt <= self.max_retries:
                    wait = min(self.max_wait_s, self.backoff_s * 2 ** (attempt - 1))
                    self.log(f"cannot reach GitHub ({self._scrub(str(exc))}); retrying in {wait:.1f}s")
                    self.sleep(wait)
                    continue
                raise UserError(f"cannot reach the GitHub API at {self.api_url}: {self._scrub(str(exc))}") from None

    def _retry_wait(self, status: int, headers: dict[str, str], message: str, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the error is final."""
        secondary = status in (403, 429) and (
            "retry-after" in headers or "rate limit" in message.lower() or headers.get("x-ratelimit-remaining") == "0")
        if not (status >= 500 or status == 429 or secondary):
            return None
        if "retry-after" in headers:
            try:
                return min(self.max_wait_s, max(0.0, float(headers["retry-after"])))
            except ValueError:
                pass
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            try:
                return min(self.max_wait_s, max(0.0, float(headers["x-ratelimit-reset"]) - time.time()))
            except ValueError:
                pass
        base = self.backoff_s * 2 ** (attempt - 1)
        return min(self.max_wait_s, base + random.uniform(0, base / 2))

    def paginate(self, url: str) -> list[Any]:
        """GET every page of a list endpoint (following ``Link: rel="next"``)."""
        items: list[Any] = []
        next_url: str | None = url
        pages = 0
        while next_url and pages < 1000:
            pages += 1
            response = self.request("GET", next_url)
            if not isinstance(response.data, list):
                raise UserError(f"unexpected answer from GitHub for {url}: expected a list")
            items.extend(response.data)
            link = {k.lower(): v for k, v in response.headers.items()}.get("link", "")
            match = _LINK_NEXT.search(link)
            next_url = match.group(1) if match else None
        return items


def _http_error(status: int, message: str, method: str, url: str) -> UserError:
    path = urllib.parse.urlsplit(url).path
    detail = f" ({message})" if message else ""
    if status == 401:
        return UserError(f"GitHub rejected the token (401 Unauthorized){detail}: set GITHUB_TOKEN to a "
                         "valid token")
    if status == 403:
        return UserError(f"GitHub refused {method} {path} (403 Forbidden){detail}: the token may not write "
                         "pull-request comments. In a workflow grant `permissions: pull-requests: write` (fork "
                         "PRs: post from the workflow_run comment.yml, not from the pull_request run); a "
                         "personal token needs the `repo` / Pull requests: write scope.")
    if status == 404:
        return UserError(f"GitHub answered 404 Not Found for {method} {path}{detail}: check --repo and --pr; "
                         "for a private repository the token also needs access to it (and "
                         "`pull-requests: write`).")
    return UserError(f"GitHub answered {status} for {method} {path}{detail}")


def bot_login(client: GitHubClient, explicit: str | None = None) -> str:
    """The login whose comments count as ours.

    Uses ``explicit`` if given; otherwise ``GET /user``. A workflow's
    ``GITHUB_TOKEN`` may not call ``/user`` (403): then ``github-actions[bot]``.
    """
    if explicit:
        return explicit
    try:
        response = client.request("GET", "/user")
    except UserError as exc:
        if "403" in str(exc):
            client.log(f"GET /user is not allowed for this token; assuming {ACTIONS_BOT} (use --bot-login)")
            return ACTIONS_BOT
        raise
    login = response.data.get("login") if isinstance(response.data, dict) else None
    if not login:
        raise UserError("GitHub's /user answer has no login; pass --bot-login")
    return str(login)


def find_sticky(comments: list[dict[str, Any]], login: str, marker: str = MARKER) -> dict[str, Any] | None:
    """Our comment: the oldest one carrying ``marker`` and written by ``login``."""
    for comment in comments:
        user = comment.get("user") or {}
        if marker in str(comment.get("body") or "") and user.get("login") == login:
            return comment
    return None


@dataclass(frozen=True)
class PostResult:
    """What :func:`post_sticky` did."""

    action: str  # "created" | "updated" | "unchanged"
    comment_id: int
    url: str | None
    chars: int


def validate_target(repo: str, pr: int | str) -> tuple[str, int]:
    """Check ``OWNER/NAME`` and a positive PR number (digits only).

    Raises:
        UserError: Malformed repository or PR number.
    """
    if not _REPO_RE.match(repo or ""):
        raise UserError(f"--repo must look like OWNER/NAME, got {repo!r}", exit_code=2)
    text = str(pr).strip()
    if not text.isdigit() or not text.isascii() or int(text) <= 0:
        raise UserError(f"--pr must be a positive pull-request number, got {str(pr)[:40]!r}", exit_code=2)
    return repo, int(text)


def post_sticky(client: GitHubClient, repo: str, pr: int | str, body: str, login: str | None = None,
                budget: int = DEFAULT_BUDGET) -> PostResult:
    """Create or update the sticky comment on ``repo`` pull request ``pr``.

    Args:
        client: API client.
        repo: ``OWNER/NAME``.
        pr: Pull-request number.
        body: Markdown body (the marker is added if missing; truncated under the limit).
        login: Bot login (see :func:`bot_login`); looked up when None.
        budget: Maximum body length in characters.
    """
    repo, number = validate_target(repo, pr)
    body = fit_limit(ensure_marker(redact(body)), budget)  # secrets masked before the cut
    login = bot_login(client, login)
    owner, name = (urllib.parse.quote(part, safe="") for part in repo.split("/"))
    comments = client.paginate(f"/repos/{owner}/{name}/issues/{number}/comments?per_page=100")
    ours = find_sticky(comments, login)
    if ours is None:
        created = client.request("POST", f"/repos/{owner}/{name}/issues/{number}/comments", {"body": body}).data
        if not isinstance(created, dict) or not isinstance(created.get("id"), int):
            raise UserError("unexpected answer from GitHub when creating the comment: no id")
        # Two posters racing (the workflow's concurrency group is the first guard) may both have
        # seen no comment and both created one: the oldest wins, the newer ones are deleted.
        kept = _settle_duplicates(client, f"/repos/{owner}/{name}", number, login, body)
        if kept is not None and int(kept["id"]) != int(created["id"]):
            return PostResult("updated", int(kept["id"]), kept.get("html_url"), len(body))
        return PostResult("created", int(created["id"]), created.get("html_url"), len(body))
    if ours.get("body") == body:
        return PostResult("unchanged", int(ours["id"]), ours.get("html_url"), len(body))
    updated = client.request("PATCH", f"/repos/{owner}/{name}/issues/comments/{int(ours['id'])}",
                             {"body": body}).data
    return PostResult("updated", int(updated["id"]), updated.get("html_url"), len(body))


def _settle_duplicates(client: GitHubClient, repo_path: str, number: int, login: str,
                       body: str) -> dict[str, Any] | None:
    """Keep only the oldest of our sticky comments (with ``body``); delete the others. Returns it."""
    comments = client.paginate(f"{repo_path}/issues/{number}/comments?per_page=100")
    ours = sorted((c for c in comments if find_sticky([c], login) is not None), key=lambda c: int(c["id"]))
    if not ours:
        return None
    keep = ours[0]
    for extra in ours[1:]:
        try:
            client.request("DELETE", f"{repo_path}/issues/comments/{int(extra['id'])}")
        except UserError as exc:  # the other poster deleted it first
            if "404" not in str(exc):
                raise
    if keep.get("body") != body:
        keep = client.request("PATCH", f"{repo_path}/issues/comments/{int(keep['id'])}", {"body": body}).data
    return keep


def rejected_artifact_body(reason: str) -> str:
    """The comment shown when the benchmark's artifact was refused (malformed or oversized)."""
    from prodbench.core.markdown import code_block

    return (f"{MARKER}\n### prodbench diff\n\n**The benchmark artifact was rejected**, so no numbers are "
            "shown. The poster checks every field of `diff.json`; it said:\n\n"
            f"{code_block(redact(reason), limit=600)}\n")


def client_from_env(api_url: str | None = None, log: Callable[[str], None] | None = None) -> GitHubClient:
    """Build a client from ``GITHUB_TOKEN`` and ``GITHUB_API_URL``.

    Raises:
        UserError: ``GITHUB_TOKEN`` is not set.
    """
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise UserError("GITHUB_TOKEN is not set: export a token that may write pull-request comments "
                        "(in a workflow: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` with "
                        "`permissions: pull-requests: write`)", exit_code=2)
    url = api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    return GitHubClient(token=token, api_url=url, log=log or (lambda message: None))
