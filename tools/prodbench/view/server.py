"""The local server of ``prodbench view``: 127.0.0.1, a random port, a one-time token.

Safety rules, each enforced for every request:

* the server binds 127.0.0.1 only, and answers only requests whose ``Host`` header names it
  (``127.0.0.1:PORT`` or ``localhost:PORT``): a web page elsewhere cannot reach it through DNS
  rebinding;
* the URL printed at start carries a random token; opening it sets a ``SameSite=Strict``,
  ``HttpOnly`` cookie and redirects to a URL without it. Data requests need the cookie;
  state-changing requests (``POST``) also need the token in the ``X-Prodbench-Token`` header
  (which only the page itself knows) and a same-origin ``Origin`` when the browser sends one;
* every response forbids framing and sniffing, and the page's Content-Security-Policy allows
  only its own scripts.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from prodbench.core.errors import UserError
from prodbench.core.project import Project
from prodbench.view.page import SERVED_CSP, STATIC, served_page, static_text

COOKIE = "prodbench_view"  # + "_PORT": two servers on one machine keep separate sessions
TOKEN_HEADER = "X-Prodbench-Token"
MAX_BODY = 64 * 1024 * 1024


@dataclass
class ViewApp:
    """What the server serves: the project's results, diff and pool, and the session token."""

    project: Project
    params: dict[str, Any]
    diff_path: Path
    reviewer: str | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lock: threading.Lock = field(default_factory=threading.Lock)
    _cached: dict[str, tuple[Any, bytes]] = field(default_factory=dict)

    def _inputs(self, name: str) -> Any:
        """What a document is built from (paths, sizes, times): the cache key, None for no cache."""
        if name == "results":
            from prodbench.view.results import run_files

            pool = self.project.pool_dir
            prompts = [p for p in sorted(self.project.prompts_dir.rglob("*.jsonl")) if pool not in p.parents]
            paths = [*run_files(self.project), self.project.results_dir / "scores.jsonl",
                     self.project.params_path, *prompts]
        elif name == "diff":
            paths = [self.diff_path]
        else:
            return None
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else (str(p),) for p in paths)

    def document(self, name: str) -> bytes:
        """A GET endpoint's document as JSON bytes; Results and Diff are kept until their inputs change."""
        key = self._inputs(name)
        cached = self._cached.get(name)
        if key is not None and cached is not None and cached[0] == key:
            return cached[1]
        data = orjson.dumps(self.get(name), option=orjson.OPT_NON_STR_KEYS)
        if key is not None:
            self._cached[name] = (key, data)
        return data

    def warm(self) -> None:
        """Build the Results and Diff documents now, so that opening the page does not wait for them."""
        for name in ("results", "diff"):
            with contextlib.suppress(UserError):  # reported when the page asks for it
                self.document(name)

    def get(self, name: str) -> Any:
        """The document of a GET endpoint (``results``, ``diff``, ``pool``)."""
        if name == "results":
            from prodbench.view.results import results_payload

            return results_payload(self.project, self.params)
        if name == "diff":
            from prodbench.view.diffview import diff_payload

            return diff_payload(self.project, self.diff_path)
        if name == "pool":
            from prodbench.view.pool import pool_payload

            return pool_payload(self.project, self.params, self.reviewer)
        raise KeyError(name)

    def post(self, name: str, body: bytes, query: dict[str, str]) -> tuple[Any, bytes | None, str]:
        """Run a state-changing endpoint. Returns ``(JSON answer, file bytes or None, file type)``."""
        from prodbench.view import pool, sheet

        if name == "pool/import":
            with self.lock:
                return sheet.import_sheet(self.project, self.params, body, Path(query.get("name", "")).name,
                                          self.reviewer), None, ""
        request = orjson.loads(body or b"{}")
        if not isinstance(request, dict):
            raise UserError("request: expected a JSON object", exit_code=2)
        if name == "pool/edit":
            with self.lock:
                record, problems = pool.edit_item(self.project, self.params, str(request.get("file")),
                                                  str(request.get("id")), dict(request.get("changes") or {}))
            return {"record": record, "problems": [{"field": f, "message": m} for f, m in problems]}, None, ""
        targets = [(str(f), str(i)) for f, i in request.get("items") or []]
        if name == "pool/decide":
            with self.lock:
                return pool.decide_items(self.project, self.params, targets, str(request.get("status")),
                                         self.reviewer), None, ""
        if name == "pool/export":
            fmt = str(request.get("format"))
            wanted = set(targets)
            chosen = [item for item in pool.load_pool(self.project) if (item.label, item.record.get("id")) in wanted]
            return None, sheet.export_sheet(chosen, fmt), fmt
        raise KeyError(name)


class Handler(BaseHTTPRequestHandler):
    """One request; the app is ``self.server.app``."""

    server: ViewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the terminal shows only the URL and errors."""

    # ---------------------------------------------------------------- checks
    def _host_ok(self) -> bool:
        port = self.server.server_address[1]
        return self.headers.get("Host", "") in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _cookie_ok(self) -> bool:
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except Exception:  # a malformed Cookie header is no session
            return False
        morsel = cookie.get(f"{COOKIE}_{self.server.server_address[1]}")
        return morsel is not None and hmac.compare_digest(morsel.value, self.server.app.token)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", SERVED_CSP)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS), "application/json")

    def _refuse(self, status: HTTPStatus, why: str) -> None:
        self._send(status, f"{status.value} {status.phrase}: {why}\n".encode(), "text/plain; charset=utf-8")

    # ---------------------------------------------------------------- methods
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        """Page, assets and data documents."""
        if not self._host_ok():
            return self._refuse(HTTPStatus.MISDIRECTED_REQUEST, "this server answers only 127.0.0.1/localhost")
        url = urlsplit(self.path)
        app = self.server.app
        if url.path.startswith("/static/"):
            name = url.path[len("/static/"):]
            if name not in STATIC:
                return self._refuse(HTTPStatus.NOT_FOUND, "no such asset")
            kind = "text/css" if name.endswith(".css") else "text/javascript"
            return self._send(200, static_text(name).encode("utf-8"), f"{kind}; charset=utf-8")
        if url.path == "/":
            token = parse_qs(url.query).get("token", [""])[0]
            if token and hmac.compare_digest(token, app.token):
                return self._send(303, b"", "text/plain", {
                    "Location": "/", "Set-Cookie": f"{COOKIE}_{self.server.server_address[1]}={app.token}; HttpOnly; SameSite=Strict; Path=/"})
            if not self._cookie_ok():
                return self._refuse(HTTPStatus.FORBIDDEN, "open the URL `prodbench view` printed (it holds the token)")
            return self._send(200, served_page(app.token).encode("utf-8"), "text/html; charset=utf-8")
        if url.path.startswith("/api/"):
            if not self._cookie_ok():
                return self._refuse(HTTPStatus.FORBIDDEN, "no session: open the URL `prodbench view` printed")
            try:
                return self._send(200, app.document(url.path[len("/api/"):]), "application/json")
            except KeyError:
                return self._refuse(HTTPStatus.NOT_FOUND, "no such endpoint")
            except UserError as exc:
                return self._json(422, {"error": str(exc)})
        return self._refuse(HTTPStatus.NOT_FOUND, "no such page")

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        """State-changing requests: the cookie, the token header and a same-origin Origin."""
        if not self._host_ok():
            return self._refuse(HTTPStatus.MISDIRECTED_REQUEST, "this server answers only 127.0.0.1/localhost")
        app = self.server.app
        sent = self.headers.get(TOKEN_HEADER, "")
        if not (self._cookie_ok() and sent and hmac.compare_digest(sent, app.token)):
            return self._refuse(HTTPStatus.FORBIDDEN, "state-changing requests need the session token")
        origin = self.headers.get("Origin")
        if origin is not None and origin != f"http://{self.headers.get('Host')}":
            return self._refuse(HTTPStatus.FORBIDDEN, "cross-origin request")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
        body = self.rfile.read(length)
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            answer, file_bytes, fmt = app.post(url.path[len("/api/"):], body, query)
        except KeyError:
            return self._refuse(HTTPStatus.NOT_FOUND, "no such endpoint")
        except (UserError, orjson.JSONDecodeError) as exc:
            return self._json(422, {"error": str(exc)})
        if file_bytes is not None:
            kind = "text/csv; charset=utf-8" if fmt == "csv" else \
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return self._send(200, file_bytes, kind, {"Content-Disposition": f'attachment; filename="pool.{fmt}"'})
        return self._json(200, answer)


class ViewServer(ThreadingHTTPServer):
    """The HTTP server holding the :class:`ViewApp`."""

    daemon_threads = True

    def __init__(self, app: ViewApp, port: int = 0):
        self.app = app
        super().__init__(("127.0.0.1", port), Handler)

    @property
    def url(self) -> str:
        """The URL to open (with the one-time token)."""
        return f"http://127.0.0.1:{self.server_address[1]}/?token={self.app.token}"


__all__ = ["COOKIE", "TOKEN_HEADER", "ViewApp", "ViewServer"]
