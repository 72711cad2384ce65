"""``prodbench view``: a local page to read results, compare revisions and review the pool.

Public API::

    from prodbench.view import ViewApp, ViewServer, export_html
    server = ViewServer(ViewApp(project, params, project.reports_dir / "diff.json", reviewer="Dana"))
    print(server.url)            # http://127.0.0.1:PORT/?token=...
    server.serve_forever()
    export_html(project, params, Path("out"), project.reports_dir / "diff.json")  # one read-only file

Modules: ``results`` (Results view data), ``diffview`` (Diff view data), ``pool`` (review
operations, validated), ``sheet`` (CSV/XLSX round trip), ``page`` (the HTML shell), ``server``
(the local server), ``export`` (the static file); the page's code is in ``static/``.
"""

from prodbench.view.export import EXPORT_NAME, export_html
from prodbench.view.server import ViewApp, ViewServer

__all__ = ["EXPORT_NAME", "ViewApp", "ViewServer", "export_html"]
