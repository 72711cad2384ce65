"""The local server's rules: token then cookie, token header on state changes, local Host only."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def request(server: Any, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request (the Host header is whatever ``headers`` says, else the server's)."""
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # the first check loads the PII lexicons
    sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    conn.putrequest(method, path, skip_host=True)
    for key, value in sent.items():
        conn.putheader(key, value)
    conn.putheader("Content-Length", str(len(body or b"")))
    conn.endheaders(body or b"")
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def session(server: Any) -> str:
    """The cookie header value the token URL sets."""
    status, headers, _ = request(server, "GET", "/?token=" + server.app.token)
    assert status == 303 and headers["Location"] == "/"
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    return cookie.split(";")[0]


def test_the_token_url_sets_a_cookie_that_opens_the_page_and_data(view_project: Path, serve: Callable) -> None:
    server = serve(view_project)
    assert server.server_address[0] == "127.0.0.1" and server.server_address[1] > 0
    assert request(server, "GET", "/")[0] == 403
    assert request(server, "GET", "/?token=wrong")[0] == 403
    assert request(server, "GET", "/api/results")[0] == 403
    cookie = session(server)
    status, headers, page = request(server, "GET", "/", {"Cookie": cookie})
    assert status == 200 and b"<script src=\"/static/app.js\">" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    status, _, data = request(server, "GET", "/api/results", {"Cookie": cookie})
    assert status == 200 and set(json.loads(data)["models"]) == {"alpha", "beta"}
    assert request(server, "GET", "/static/app.js")[0] == 200
    assert request(server, "GET", "/static/../server.py")[0] == 404


def test_non_local_host_headers_are_refused(view_project: Path, serve: Callable) -> None:
    server = serve(view_project)
    cookie = session(server)
    for host in ("evil.example", f"evil.example:{server.server_address[1]}", "127.0.0.1:1", "0.0.0.0"):
        assert request(server, "GET", "/?token=" + server.app.token, {"Host": host})[0] == 421
        assert request(server, "GET", "/api/pool", {"Host": host, "Cookie": cookie})[0] == 421
    assert request(server, "GET", "/", {"Host": f"localhost:{server.server_address[1]}", "Cookie": cookie})[0] == 200


def test_state_changing_requests_need_the_token_header(view_project: Path, serve: Callable) -> None:
    server = serve(view_project)
    cookie = session(server)
    pool = view_project / "prompts" / "pool" / "view.jsonl"
    before = pool.read_bytes()
    body = json.dumps({"items": [["prompts/pool/view.jsonl", "pool-view-001"]], "status": "approved"}).encode()
    assert request(server, "POST", "/api/pool/decide", {"Cookie": cookie}, body)[0] == 403
    assert request(server, "POST", "/api/pool/decide", {"Cookie": cookie, "X-Prodbench-Token": "x"}, body)[0] == 403
    assert request(server, "POST", "/api/pool/decide", {"X-Prodbench-Token": server.app.token}, body)[0] == 403
    cross = {"Cookie": cookie, "X-Prodbench-Token": server.app.token, "Origin": "http://evil.example"}
    assert request(server, "POST", "/api/pool/decide", cross, body)[0] == 403
    assert pool.read_bytes() == before
    good = {"Cookie": cookie, "X-Prodbench-Token": server.app.token,
            "Origin": f"http://127.0.0.1:{server.server_address[1]}"}
    status, _, answer = request(server, "POST", "/api/pool/decide", good, body)
    assert status == 200 and json.loads(answer)["approved"] == 1
    assert pool.read_bytes() != before


def test_bad_requests_get_a_clear_error_not_a_traceback(view_project: Path, serve: Callable) -> None:
    server = serve(view_project)
    headers = {"Cookie": session(server), "X-Prodbench-Token": server.app.token}
    status, _, answer = request(server, "POST", "/api/pool/edit", headers,
                                json.dumps({"file": "../params.yaml", "id": "x", "changes": {}}).encode())
    assert status == 422 and "not a pool file" in json.loads(answer)["error"]
    status, _, answer = request(server, "POST", "/api/pool/decide", headers, b"{not json")
    assert status == 422
    assert request(server, "POST", "/api/nothing", headers, b"{}")[0] == 404


def test_the_command_prints_a_token_url_and_serves_it(view_project: Path) -> None:
    import os
    import subprocess
    import sys
    import urllib.request

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "prodbench.cli", "view", "--no-browser"], cwd=view_project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("prodbench view: http://127.0.0.1:") and "/?token=" in line, line
        url = line.split(": ", 1)[1].strip()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(url, timeout=120) as response:
            assert response.status == 200 and response.url.endswith("/") and "token=" not in response.url
        with opener.open(url.split("?")[0] + "api/pool", timeout=120) as response:
            assert len(json.loads(response.read())["items"]) >= 12
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_malformed_diff_document_is_a_clear_error(view_project: Path, invoke: Callable, tmp_path: Path) -> None:
    doc = json.loads((view_project / "reports" / "diff.json").read_text())
    doc["models"]["alpha"]["overall"]["p_value"] = "small"
    (view_project / "reports" / "diff.json").write_text(json.dumps(doc))
    result = invoke("view", "--export", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "reports/diff.json:" in result.output and "p_value" in result.output and "Traceback" not in result.output


def test_the_results_document_follows_its_files(view_project: Path, serve: Callable) -> None:
    server = serve(view_project)
    cookie = session(server)
    first = json.loads(request(server, "GET", "/api/results", {"Cookie": cookie})[2])
    assert request(server, "GET", "/api/results", {"Cookie": cookie})[2] == server.app.document("results")
    scores = view_project / "results" / "scores.jsonl"
    rows = [json.loads(line) for line in scores.read_text().splitlines()]
    rows[0]["score"] = 0.123
    scores.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    second = json.loads(request(server, "GET", "/api/results", {"Cookie": cookie})[2])
    rid, model = rows[0]["id"], rows[0]["model"]
    assert first["answers"][model][rid]["score"] != 0.123
    assert second["answers"][model][rid]["score"] == 0.123
