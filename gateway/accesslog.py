"""The gateway's access log: one combined-format line per request, written by the app itself.

A WSGI middleware rather than the server's logger: one ``os.write`` per request (atomic for a
line on a pipe or an ``O_APPEND`` file, so threads need no lock) instead of a ``logging`` record,
which cost more of the worker's one core than the request itself on a cached read.

It never carries a credential: the path without its query string (the API refuses a token in a
URL with 400 TOKEN_IN_QUERY, but refused requests are logged too), no user (a Basic
``Authorization`` header decodes to one) and no Referer (another page's URL and query)::

    127.0.0.1 - - [02/Dec/2026:01:46:30 +0000] "GET /api/v1/catalogs/x HTTP/1.1" 200 1730 "-" "curl/8.5"
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
ACCESS_LOG_ENV = "CITYDIR_ACCESS_LOG"  # "-" (stdout, the default), "off", or a file path


class AccessLog:
    def __init__(self, app: WSGIApplication, fd: int) -> None:
        self._app = app
        self._fd = fd
        self._second = -1
        self._stamp = ""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        seen: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        try:
            return self._app(environ, start)
        finally:
            self._write(environ, seen)

    def _write(self, environ: WSGIEnvironment, seen: list[Any]) -> None:
        status = seen[0].split(" ", 1)[0] if seen else "500"
        size = next((v for k, v in seen[1] if k.lower() == "content-length"), "-") if seen else "-"
        agent = environ.get("HTTP_USER_AGENT", "-").replace('"', "'")
        # WSGI hands the path percent-decoded, as latin-1: quoted again, so that a line is one
        # line and a '"' cannot end the field. Never the query string.
        raw = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1", "replace")
        path = quote(raw, safe=_PATH_SAFE)
        line = (
            f"{environ.get('REMOTE_ADDR', '-')} - - [{self._now()}] "
            f'"{environ.get("REQUEST_METHOD", "-")} {path} {environ.get("SERVER_PROTOCOL", "-")}" '
            f'{status} {size} "-" "{agent}"\n'
        )
        # A full disk or a closed log must not fail the request that was served.
        with contextlib.suppress(OSError):
            os.write(self._fd, line.encode("utf-8", "replace"))

    def _now(self) -> str:
        second = int(time.time())
        if second != self._second:  # one strftime per second, not per request
            self._stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second))
            self._second = second
        return self._stamp


def with_access_log(app: WSGIApplication, target: str | None) -> WSGIApplication:
    """``app`` logging to ``target``: ``-`` or None for stdout, ``off`` for no log, else a file
    (appended to, created if missing)."""
    if target == "off":
        return app
    if target in (None, "", "-"):
        return AccessLog(app, 1)
    return AccessLog(app, os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640))
