"""The web blueprint without a network: what it serves, with which headers, and that the page's
modules and labels are complete (every import resolves, both languages have every label)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gateway.web import STATIC_DIR, web_bp


def _client(**flask_kwargs: Any) -> FlaskClient:
    app = Flask(__name__, **flask_kwargs)
    app.register_blueprint(web_bp)
    return app.test_client()


@pytest.mark.parametrize("flask_kwargs", [{}, {"static_folder": None}])
def test_serves_the_page_and_its_assets(flask_kwargs: dict[str, object]) -> None:
    # With Flask's default /static rule (the app has no static folder of its own) and without one.
    client = _client(**flask_kwargs)
    page = client.get("/")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert b'src="/static/app.js"' in page.data
    for asset, mimetype in (
        ("app.js", "text/javascript"),
        ("style.css", "text/css"),
        ("views/catalogs.js", "text/javascript"),
    ):
        answer = client.get(f"/static/{asset}")
        assert answer.status_code == 200, asset
        assert answer.mimetype == mimetype
    assert client.get("/static/../__init__.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_every_module_import_resolves() -> None:
    for module in STATIC_DIR.rglob("*.js"):
        for target in re.findall(r"""^import .* from '([^']+)';""", module.read_text(), flags=re.M):
            assert (module.parent / target).resolve().is_file(), f"{module.name} imports missing {target}"


def test_no_remote_resources() -> None:
    # Offline and CSP 'self': nothing may load from another origin.
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in (".js", ".css", ".html"):
            text = path.read_text()
            assert not re.search(r"""(src|href)=["']https?://""", text), path
            assert "@import url(" not in text, path


REPO = Path(__file__).resolve().parents[2]
# Codes the page words only generically ("the gateway answered with error N" + its message).
GENERIC_CODES = {"HTTP_ERROR"}
# CheckAccess reasons the chaincode is being changed to give (besides those access.py has today).
COMING_REASONS = {"expired", "revoked", "not-yet-valid", "no-grant"}


def _dictionaries(tmp_path: Path) -> dict[str, dict[str, str]]:
    """i18n.js's DICTIONARIES, read by node."""
    script = tmp_path / "keys.mjs"
    script.write_text(
        "globalThis.localStorage = {getItem: () => null, setItem() {}};\n"
        "globalThis.navigator = {language: 'en'};\n"
        "globalThis.document = {documentElement: {}};\n"
        f"const m = await import({json.dumps((STATIC_DIR / 'i18n.js').as_uri())});\n"
        "console.log(JSON.stringify(m.DICTIONARIES));\n"
    )
    out = subprocess.run(["node", str(script)], capture_output=True, text=True, check=True, timeout=60)
    dictionaries: dict[str, dict[str, str]] = json.loads(out.stdout)
    return dictionaries


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_both_languages_label_everything(tmp_path: Path) -> None:
    d = _dictionaries(tmp_path)
    en, zh = set(d["en"]), set(d["zh"])
    assert en == zh, {"only en": sorted(en - zh), "only zh": sorted(zh - en)}
    used: set[str] = set()
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in (".js", ".html"):
            text = path.read_text()
            used |= set(re.findall(r"""\bt\('([A-Za-z0-9_.]+)'""", text))
            used |= set(re.findall(r'data-i18n="([^"]+)"', text))
    assert used <= en, sorted(used - en)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_every_error_code_and_access_reason_has_words(tmp_path: Path) -> None:
    """Each error code the gateway or the chaincode can answer has a sentence in both languages,
    and so has each reason CheckAccess gives (today's and the coming ones): none reaches the
    page as a bare code or as the server's English."""
    d = _dictionaries(tmp_path)
    codes = set(re.findall(r'"([A-Z][A-Z_]{3,})"', (REPO / "gateway/api/errors.py").read_text()))
    codes |= set(
        re.findall(
            r'^\s+([A-Z][A-Z_]{3,}) = "\1"$', (REPO / "chaincode/directory/errors.py").read_text(), re.M
        )
    )
    assert {"CONFLICT", "TRANSACTION_INVALID", "NOT_FOUND", "UNAUTHENTICATED"} <= codes, codes
    access = (REPO / "chaincode/directory/access.py").read_text()
    reasons = set(re.findall(r'_verdict\((?:True|False), "([a-z-]+)"', access)) | COMING_REASONS
    for lang in ("en", "zh"):
        missing = sorted(c for c in codes - GENERIC_CODES if f"err.code.{c}" not in d[lang])
        assert not missing, (lang, missing)
        missing = sorted(r for r in reasons if f"check.reason.{r}" not in d[lang])
        assert not missing, (lang, missing)
