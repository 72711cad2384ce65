"""The page: one HTML shell around the shipped CSS and JavaScript (``static/``), no asset from the internet.

Served (``prodbench view``), the shell links ``/static/*`` and carries the session token for the
page's state-changing requests. Exported (``prodbench view --export DIR``), everything is inlined
into one self-contained, read-only file: the CSS, the scripts and the data as a
``<script type="application/json">`` block (every ``<``, ``>`` and ``&`` escaped, so no text in the
data can close it). Both forms set a Content-Security-Policy that allows only the shipped code:
the served page loads scripts from itself only, the exported one only the inlined script (by hash).
The scripts render every prompt and model output with ``textContent``: text, never markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from typing import Any

#: The scripts, in load order (each is one part of the page; ``app.js`` starts it).
SCRIPTS = ("util.js", "results.js", "diff.js", "review.js", "app.js")
STYLES = ("app.css",)
STATIC = frozenset(SCRIPTS + STYLES)
SERVED_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def static_text(name: str) -> str:
    """The text of a shipped asset (``name`` must be one of :data:`STATIC`)."""
    if name not in STATIC:
        raise KeyError(name)
    return resources.files("prodbench.view").joinpath("static").joinpath(name).read_text(encoding="utf-8")


def _shell(head: str, tail: str, read_only: bool) -> str:
    tabs = ["results", "diff"] + ([] if read_only else ["review"])
    buttons = "".join(f'<button type="button" class="tab" data-tab="{t}" id="tabbtn-{t}">{t.title()}</button>'
                      for t in tabs)
    sections = "".join(f'<section id="tab-{t}" class="panel" hidden></section>' for t in tabs)
    mode = "export" if read_only else "server"
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<meta name=\"referrer\" content=\"no-referrer\"><title>prodbench view</title>{head}</head>"
            f"<body data-mode=\"{mode}\"><header><strong>prodbench view</strong><nav>{buttons}</nav>"
            "<span id=\"status\" role=\"status\"></span></header>"
            f"<main>{sections}</main>{tail}</body></html>\n")


def served_page(token: str) -> str:
    """The page ``prodbench view`` serves (assets from ``/static/``; ``token`` for state-changing requests)."""
    head = "".join(f'<link rel="stylesheet" href="/static/{name}">' for name in STYLES)
    head += f'<meta name="pb-token" content="{html.escape(token)}">'
    tail = "".join(f'<script src="/static/{name}"></script>' for name in SCRIPTS)
    return _shell(head, tail, read_only=False)


def json_for_html(data: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def exported_page(data: dict[str, Any]) -> str:
    """One self-contained read-only HTML file holding ``data`` (``{"results": ..., "diff": ...}``)."""
    css = "\n".join(static_text(n) for n in STYLES)
    js = "\n".join(static_text(n) for n in SCRIPTS)
    csp = (f"default-src 'none'; script-src {_sha256(js)}; style-src {_sha256(css)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    head = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}"><style>{css}</style>'
    tail = (f'<script type="application/json" id="pb-data">{json_for_html(data)}</script>'
            f"<script>{js}</script>")
    return _shell(head, tail, read_only=True)


__all__ = ["SCRIPTS", "SERVED_CSP", "STATIC", "exported_page", "json_for_html", "served_page", "static_text"]
