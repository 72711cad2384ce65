"""A local HTTP server on 127.0.0.1 that answers like GitHub's REST API (issue comments).

Endpoints: ``GET /user``, ``GET/POST /repos/{o}/{r}/issues/{n}/comments`` (with
``per_page``/``page`` and ``Link`` pagination), ``PATCH`` and ``DELETE /repos/{o}/{r}/issues/comments/{id}``, ``POST /repos/{o}/{r}/statuses/{sha}``.
Tokens map to users; a token may lack write permission (403), an unknown token gets
401, an unknown repository 404, a body over 65,536 characters 422. Faults can be
queued: ``server.fail(502)`` or ``server.fail(403, secondary=True, retry_after=0)``.

Usage::

    with GitHubServer() as gh:
        gh.add_token("t-bot", "prodbench-bot")
        ...  # GITHUB_API_URL=gh.url
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 65_536


@dataclass
class Token:
    login: str
    can_write: bool = True
    is_app: bool = False  # GITHUB_TOKEN-like: GET /user is forbidden


@dataclass
class Fault:
    status: int
    secondary: bool = False
    retry_after: float | None = None
    method: str | None = None


@dataclass
class State:
    repos: set[str] = field(default_factory=lambda: {"octo/bench"})
    tokens: dict[str, Token] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1000


class GitHubServer:
    """The fake API; a context manager that serves on an ephemeral port."""

    def __init__(self, per_page_max: int = 100) -> None:
        self.state = State()
        self.per_page_max = per_page_max
        self.lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----- set-up helpers -------------------------------------------------
    def add_token(self, token: str, login: str, can_write: bool = True, is_app: bool = False) -> None:
        self.state.tokens[token] = Token(login, can_write, is_app)

    def add_comment(self, repo: str, number: int, login: str, body: str) -> dict[str, Any]:
        with self.lock:
            return self._create(repo, number, login, body)

    def fail(self, status: int, secondary: bool = False, retry_after: float | None = None,
             method: str | None = None, times: int = 1) -> None:
        for _ in range(times):
            self.state.faults.append(Fault(status, secondary, retry_after, method))

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.state.comments if c["_repo"] == repo and c["_number"] == number]

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # ----- lifecycle ------------------------------------------------------
    def __enter__(self) -> GitHubServer:
        server = self
        class Handler(_Handler):
            owner = server
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    # ----- model ----------------------------------------------------------
    def _create(self, repo: str, number: int, login: str, body: str) -> dict[str, Any]:
        self.state.next_id += 1
        cid = self.state.next_id
        comment = {"id": cid, "body": body, "user": {"login": login, "type": "Bot" if "[bot]" in login else "User"},
                   "html_url": f"https://github.example/{repo}/pull/{number}#issuecomment-{cid}",
                   "_repo": repo, "_number": number}
        self.state.comments.append(comment)
        return comment


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


class _Handler(BaseHTTPRequestHandler):
    owner: GitHubServer

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        gh = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("Authorization", "")
        with gh.lock:
            gh.state.requests.append((method, self.path, auth))
            fault = next((f for f in gh.state.faults if f.method in (None, method)), None)
            if fault is not None:
                gh.state.faults.remove(fault)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            message = ("You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
                       if fault.secondary else "Server Error")
            self._send(fault.status, {"message": message}, headers)
            return
        token = auth.removeprefix("Bearer ").removeprefix("token ").strip()
        user = gh.state.tokens.get(token)
        if user is None:
            self._send(401, {"message": "Bad credentials"})
            return
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path == "/user" and method == "GET":
            if user.is_app:
                self._send(403, {"message": "Resource not accessible by integration"})
            else:
                self._send(200, {"login": user.login, "id": 1})
            return
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", path)
        if match:
            repo = f"{match.group(1)}/{match.group(2)}"
            if repo not in gh.state.repos:
                self._send(404, {"message": "Not Found"})
                return
            number = int(match.group(3))
            if method == "GET":
                self._list(repo, number, query)
                return
            if method == "POST":
                self._write(user, raw, lambda body: gh._create(repo, number, user.login, body), 201)
                return
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)/statuses/([0-9a-f]{40})", path)
        if match and method == "POST":
            if not user.can_write:
                self._send(403, {"message": "Resource not accessible by integration"})
                return
            status = json.loads(raw)
            if status.get("state") not in ("error", "failure", "pending", "success"):
                self._send(422, {"message": "Validation Failed"})
                return
            with gh.lock:
                gh.state.statuses.append({**status, "sha": match.group(3), "creator": user.login})
            self._send(201, status)
            return
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)", path)
        if match and method == "DELETE":
            repo = f"{match.group(1)}/{match.group(2)}"
            with gh.lock:
                comment = next((c for c in gh.state.comments
                                if c["id"] == int(match.group(3)) and c["_repo"] == repo), None)
                if comment is not None and comment["user"]["login"] == user.login and user.can_write:
                    gh.state.comments.remove(comment)
            if comment is None:
                self._send(404, {"message": "Not Found"})
            elif comment["user"]["login"] != user.login or not user.can_write:
                self._send(403, {"message": "Must have admin rights to Repository."})
            else:
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()
            return
        if match and method == "PATCH":
            repo = f"{match.group(1)}/{match.group(2)}"
            comment = next((c for c in gh.state.comments if c["id"] == int(match.group(3)) and c["_repo"] == repo),
                           None)
            if comment is None:
                self._send(404, {"message": "Not Found"})
                return
            if comment["user"]["login"] != user.login:
                self._send(403, {"message": "Must have admin rights to Repository."})
                return

            def update(body: str) -> dict[str, Any]:
                comment["body"] = body
                return comment

            self._write(user, raw, update, 200)
            return
        self._send(404, {"message": "Not Found"})

    def _list(self, repo: str, number: int, query: dict[str, list[str]]) -> None:
        gh = self.owner
        per_page = min(int(query.get("per_page", ["30"])[0]), gh.per_page_max)
        page = int(query.get("page", ["1"])[0])
        items = gh.comments_on(repo, number)
        chunk = items[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(items):
            base = f"{gh.url}/repos/{repo}/issues/{number}/comments"
            headers["Link"] = (f'<{base}?per_page={per_page}&page={page + 1}>; rel="next", '
                               f'<{base}?per_page={per_page}&page={-(-len(items) // per_page)}>; rel="last"')
        self._send(200, [_public(c) for c in chunk], headers)

    def _write(self, user: Token, raw: bytes, action: Any, status: int) -> None:
        if not user.can_write:
            self._send(403, {"message": "Resource not accessible by integration"})
            return
        try:
            body = json.loads(raw)["body"]
        except (ValueError, KeyError, TypeError):
            self._send(400, {"message": "Problems parsing JSON"})
            return
        if not isinstance(body, str) or len(body) > MAX_BODY:
            self._send(422, {"message": "Validation Failed", "errors": [{"message": "body is too long (maximum is "
                                                                         "65536 characters)"}]})
            return
        with self.owner.lock:
            result = action(body)
        self._send(status, _public(result))
