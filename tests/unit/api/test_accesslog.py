"""The gateway's own access log: one line per request, never a credential."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import werkzeug.test
from flask import Flask

from gateway.accesslog import AccessLog, with_access_log

LINE = re.compile(
    r"^(?P<addr>\S+) - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "
    r'"(?P<method>\S+) (?P<path>\S+) (?P<proto>\S+)" (?P<status>\d{3}) (?P<size>\S+) "-" "(?P<agent>[^"]*)"$'
)


def _serve(app: Callable[..., Iterable[bytes]], tmp_path: Path, **environ: Any) -> list[str]:
    log = tmp_path / "access.log"
    wrapped = with_access_log(app, str(log))
    started: list[str] = []
    env = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/api/v1/x", "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", **environ,
    }  # fmt: skip

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)

    body = b"".join(wrapped(env, start))
    assert body == b"ok" and started
    return log.read_text().splitlines()


def _never_called(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    raise AssertionError("the app failed before it started a response")


def _ok(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("201 CREATED", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def test_a_line_per_request_in_combined_shape(tmp_path: Path) -> None:
    lines = _serve(_ok, tmp_path, HTTP_USER_AGENT='curl/8 "x"')
    assert len(lines) == 1
    m = LINE.match(lines[0])
    assert m, lines[0]
    request = (m["method"], m["path"], m["proto"], m["status"], m["size"])
    assert request == ("GET", "/api/v1/x", "HTTP/1.1", "201", "2")
    assert m["agent"] == "curl/8 'x'"  # a quote cannot end the field


def test_no_credential_reaches_the_log(tmp_path: Path) -> None:
    secret = "s3cr3t-token-value"
    lines = _serve(
        _ok, tmp_path, QUERY_STRING=f"access_token={secret}", HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_REFERER=f"https://x.example/?token={secret}",
    )  # fmt: skip
    assert secret not in "\n".join(lines)
    assert LINE.match(lines[0])


def test_a_hostile_path_stays_one_quoted_line(tmp_path: Path) -> None:
    # WSGI hands the path percent-decoded (latin-1): a newline or a quote in it must be re-quoted.
    lines = _serve(_ok, tmp_path, PATH_INFO='/api/v1/a"b\nc\xe4')
    assert len(lines) == 1
    m = LINE.match(lines[0])
    assert m and m["path"] == "/api/v1/a%22b%0Ac%E4", lines


def test_a_failing_app_is_logged_as_500_and_still_raises(tmp_path: Path) -> None:
    def broken(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raise RuntimeError("boom")

    log = tmp_path / "access.log"
    wrapped = with_access_log(broken, str(log))
    try:
        wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, _never_called)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the error must reach the server")
    assert '" 500 - ' in log.read_text()


def test_off_is_no_wrapper_and_a_flask_app_logs_through_it(tmp_path: Path) -> None:
    assert with_access_log(_ok, "off") is _ok
    app = Flask(__name__)

    @app.get("/hello")
    def hello() -> str:
        return "ok"

    log = tmp_path / "flask.log"
    logged = with_access_log(app, str(log))
    client = werkzeug.test.Client(logged)
    assert client.get("/hello?token=zzz").status_code == 200
    assert client.get("/nowhere").status_code == 404
    text = log.read_text()
    assert '"GET /hello HTTP/1.1" 200 2 ' in text and '"GET /nowhere HTTP/1.1" 404 ' in text
    assert "zzz" not in text
    assert isinstance(with_access_log(_ok, None), AccessLog)
    assert os.stat(log).st_mode & 0o777 == 0o640
