"""The admin web page: a static single-page app that talks only to the REST API (/api/v1).

Register with ``app.register_blueprint(web_bp)``: ``/`` serves ``index.html`` and
``/static/<path>`` the page's modules, styles and images. No build step, no CDN.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from flask.blueprints import BlueprintSetupState

STATIC_DIR = Path(__file__).parent / "static"

# Same-origin only: the page loads nothing from elsewhere and never runs inline code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

web_bp = Blueprint("web", __name__)


@web_bp.record_once
def _share_static_route(state: BlueprintSetupState) -> None:
    # Flask gives every app a /static/<path> rule of its own (registered first, so it shadows ours).
    # The API ships no static files; when the app's folder is absent, point that rule at ours.
    app = state.app
    if app.has_static_folder and app.static_url_path == "/static":
        folder = app.static_folder
        if folder is None or not Path(folder).is_dir():
            app.static_folder = str(STATIC_DIR)


def _no_sniff(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@web_bp.get("/")
def index() -> Response:
    response = send_from_directory(STATIC_DIR, "index.html", max_age=0)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    return _no_sniff(response)


@web_bp.get("/static/<path:filename>")
def static_file(filename: str) -> Response:
    # Revalidated on every load (ETag), so a redeployed page is never stale.
    response = send_from_directory(STATIC_DIR, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return _no_sniff(response)
