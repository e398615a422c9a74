"""Issue 12, the web page: evidence bundles and the ledger panel, end to end in Chromium.

* "Download evidence" saves the server's zip under the server's file name; "Verify" sends that zip
  to /evidence/verify and shows the verdict, one row per check, the witness sentence (on the
  embedded ledger: a single operator is the only witness) and the offline command with the
  genesis hash. A bundle with one byte changed is shown INVALID, naming the failing check.
* An entity's provenance (block, validation code, endorsers) shows where its last write does.
* The ledger panel finds a block by number, by a transaction id and by block hash, refuses a
  malformed query and says when nothing matches; shows the genesis hash; and draws transactions
  per minute and per organisation from /ledger/activity.

Screenshots: tests/artifacts/web-41-…, web-42-…, web-43-… (named with the ledger, like the rest).
"""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from tests.browser.test_web import (
    HASH,
    TX_ID,
    Rest,
    _assert_fits,
    _entity,
    approve_via_rest,
    close_toasts,
    create_health_catalog,
    file_request,
    go,
    open_page,
    set_lang,
    sign_in,
    site,
    wait_js,
)
from tests.integration.rest import Headers

# What the page says on the embedded ledger, whatever the server's own words.
SINGLE_OPERATOR = {"en": "single operator is the only witness", "zh": "唯一的见证者是单一运营方"}
VERIFY_DONE = "#verify-result, #evidence-result .alert"


def _raw(
    base: str, token: str, path: str, data: bytes | None = None, content_type: str | None = None
) -> tuple[int, Headers, bytes]:
    """A call whose body is bytes (a zip), not JSON."""
    req = urllib.request.Request(
        base + "/api/v1" + path, data=data, method="POST" if data is not None else "GET"
    )
    req.add_header("Authorization", f"Bearer {token}")
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, Headers(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, Headers(exc.headers.items()), exc.read()


def _report(answer: Any) -> dict[str, Any]:
    """The verifier's report from {data: report}; the report may come as a JSON string."""
    data = _entity(answer)
    report: dict[str, Any] = json.loads(data) if isinstance(data, str) else data
    return report


def _tampered(bundle: bytes) -> bytes:
    """The same zip with one byte of one member's content changed (the member a claim's value is in,
    else the first one), so the zip itself stays readable and only the verifier can tell."""
    source = zipfile.ZipFile(io.BytesIO(bundle))
    names = source.namelist()
    target = next((n for n in names if n.startswith("values/")), names[0])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == target:
                middle = len(content) // 2
                content = content[:middle] + bytes([content[middle] ^ 0x01]) + content[middle + 1 :]
            dest.writestr(info, content)
    return out.getvalue()


def _genesis(base: str, token: str) -> str:
    genesis: str = _entity(Rest(base, token).ok("GET", "/ledger?blocks=0"))["genesis_hash"]
    assert genesis and HASH.match(genesis), genesis
    return genesis


def _verify_on_page(page: Any) -> Any:
    page.click("#evidence-verify")
    page.wait_for_selector(VERIFY_DONE)
    assert not page.locator("#evidence-result .alert-error").count(), page.locator(
        "#evidence-result"
    ).inner_text()
    return page.locator("#verify-result")


def _assert_valid_report(page: Any, ledger: str, lang: str, genesis: str, server: dict[str, Any]) -> None:
    """The page shows what the gateway's verifier found: VALID, each of its checks, the witness."""
    result = page.locator("#verify-result")
    assert result.get_attribute("data-verdict") == "VALID", result.inner_text()
    assert "VALID" in page.locator("#verify-verdict").inner_text()
    rows = page.locator("#verify-checks li.check")
    assert rows.count() == len(server["checks"]) > 0, (rows.count(), len(server["checks"]))
    statuses = [rows.nth(i).get_attribute("data-status") for i in range(rows.count())]
    assert statuses == [c["status"] for c in server["checks"]], statuses
    assert "fail" not in statuses
    ids = [rows.nth(i).get_attribute("data-check") for i in range(rows.count())]
    assert ids == [c["id"] for c in server["checks"]]
    witness = page.locator("#verify-witness").inner_text()
    if ledger == "embedded":
        assert SINGLE_OPERATOR[lang] in witness, witness
    else:
        assert SINGLE_OPERATOR[lang] not in witness, witness
        assert server["witness"] in witness
    command = page.locator("#verify-offline pre").inner_text()
    assert command.startswith("citydir-verify ") and f"--trust {genesis}" in command, command
    assert page.locator("#verify-genesis").inner_text() == genesis


def _assert_provenance(page: Any, ledger: str, entity: dict[str, Any], endorser: str) -> None:
    """The last write's block, validation code and endorsers, as the API gives them."""
    meta = entity["ledger"]
    prov = page.locator(f'.ledger-meta .provenance[data-tx="{meta["tx_id"]}"]')
    prov.wait_for()
    assert prov.locator(".prov-block").inner_text().strip() == str(meta["block"])
    assert (
        prov.locator(".prov-validation [data-validation]").get_attribute("data-validation")
        == meta["validation_code"]
    )
    endorsers = prov.locator(".prov-endorsers")
    if ledger == "embedded":
        assert meta["endorsers"] == []
        assert endorsers.locator(".endorsers-none").count() == 1, endorsers.inner_text()
        assert "embedded" in endorsers.inner_text() or "嵌入式" in endorsers.inner_text()
    else:
        shown = [e.strip() for e in endorsers.locator(".endorser").all_inner_texts()]
        assert shown == meta["endorsers"] and endorser in shown, (shown, meta["endorsers"])


def test_verify_on_a_catalog_page_shows_the_verdict_and_its_witness(
    browser: Any, directory: Any, artifacts: Path
) -> None:
    base, tokens, shot = site(directory, artifacts)
    ledger = directory.ledger
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    catalog = _entity(Rest(base, civil).ok("GET", f"/catalogs/{data['id']}"))
    genesis = _genesis(base, civil)
    status, headers, bundle = _raw(base, civil, f"/catalogs/{data['id']}/evidence")
    assert status == 200 and headers.get("Content-Type", "").startswith("application/zip"), (status, headers)
    server_name = re.search(r'filename="?([^";]+)', headers.get("Content-Disposition", ""))
    assert server_name, headers
    server = _report(_post_verify(base, civil, bundle))
    assert server["verdict"] == "VALID", server

    context, page, watcher = open_page(browser, "en", 1366)
    try:
        sign_in(page, base, civil)
        close_toasts(page)
        go(page, base, f"/catalogs/{data['id']}")
        _assert_provenance(page, ledger, catalog, "HealthMSP")

        # Download: the server's zip, under the server's file name.
        with page.expect_download() as download:
            page.click("#evidence-download")
        assert download.value.suggested_filename == server_name.group(1)
        saved = Path(download.value.path()).read_bytes()
        assert saved[:2] == b"PK" and zipfile.ZipFile(io.BytesIO(saved)).namelist()
        page.wait_for_selector("#evidence-saved")

        # Verify: the verdict first, then one row per check, the witness, the offline command.
        _verify_on_page(page)
        _assert_valid_report(page, ledger, "en", genesis, server)
        assert server_name.group(1) in page.locator("#verify-offline pre").inner_text()
        shot(page, "41-evidence-verify")

        set_lang(page, "zh")
        go(page, base, f"/catalogs/{data['id']}")
        _verify_on_page(page)
        _assert_valid_report(page, ledger, "zh", genesis, server)
        shot(page, "41-evidence-verify-zh")

        # A bundle with one byte changed: INVALID, and the page names the first failing check.
        page.route(
            re.compile(rf".*/api/v1/catalogs/{re.escape(data['id'])}/evidence$"),
            lambda route: route.fulfill(
                status=200,
                headers={"Content-Disposition": f'attachment; filename="{server_name.group(1)}"'},
                content_type="application/zip",
                body=_tampered(bundle),
            ),
        )
        set_lang(page, "en")
        go(page, base, f"/catalogs/{data['id']}")
        result = _verify_on_page(page)
        assert result.get_attribute("data-verdict") == "INVALID", result.inner_text()
        assert "INVALID" in page.locator("#verify-verdict").inner_text()
        failed = page.locator('#verify-checks li.check[data-status="fail"]')
        assert failed.count() >= 1
        assert page.locator("#verify-failure").is_visible()
        first = failed.first.locator(".check-name").inner_text()
        assert first in page.locator("#verify-failure").inner_text()
        shot(page, "41-evidence-verify-tampered")
        page.unroute(re.compile(rf".*/api/v1/catalogs/{re.escape(data['id'])}/evidence$"))

        # A phone: the verdict and its checks fit without sideways scrolling.
        page.set_viewport_size({"width": 390, "height": 844})
        go(page, base, f"/catalogs/{data['id']}")
        _verify_on_page(page)
        _assert_valid_report(page, ledger, "en", genesis, server)
        _assert_fits(page, 390)
        shot(page, "41-evidence-verify-390")
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def _post_verify(base: str, token: str, bundle: bytes) -> Any:
    status, _, body = _raw(base, token, "/evidence/verify", bundle, "application/zip")
    assert status == 200, (status, body[:500])
    return json.loads(body)


def test_grant_usage_and_transaction_pages_verify_their_evidence(
    browser: Any, directory: Any, artifacts: Path
) -> None:
    base, tokens, shot = site(directory, artifacts)
    ledger = directory.ledger
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    request = file_request(base, civil, data["id"], [data["item"]])
    grant = approve_via_rest(base, tokens, request["id"])
    usage = _entity(
        Rest(base, civil).ok(
            "POST",
            "/usage",
            {
                "grant_id": grant["id"],
                "department_id": "civil-affairs",
                "items": [data["item"]],
                "purpose_ref": "case-2026-0412",
                "record_count": 7,
            },
        )
    )
    usage = usage.get("usage", usage)
    genesis = _genesis(base, civil)
    grant = _entity(Rest(base, civil).ok("GET", f"/grants/{grant['id']}"))
    usage = _entity(Rest(base, civil).ok("GET", f"/usage/{usage['id']}"))

    context, page, watcher = open_page(browser, "en", 1366)
    try:
        sign_in(page, base, civil)
        close_toasts(page)
        pages = (
            ("grant", f"/grants/{grant['id']}", f"/grants/{grant['id']}/evidence", grant, "HealthMSP"),
            ("usage", f"/usage/{usage['id']}", f"/usage/{usage['id']}/evidence", usage, "CivilAffairsMSP"),
        )
        for name, route, bundle_path, entity, endorser in pages:
            status, _, bundle = _raw(base, civil, bundle_path)
            assert status == 200, (bundle_path, status, bundle[:300])
            server = _report(_post_verify(base, civil, bundle))
            assert server["verdict"] == "VALID", server
            go(page, base, route)
            _assert_provenance(page, ledger, entity, endorser)
            _verify_on_page(page)
            _assert_valid_report(page, ledger, "en", genesis, server)
            shot(page, f"41-evidence-{name}")

        # The usage list links each record to its page.
        go(page, base, "/access/usage")
        page.locator(f'tr[data-usage="{usage["id"]}"] a[href="#/usage/{usage["id"]}"]').wait_for()

        # A transaction's page: its creator and endorsers, and its own bundle.
        tx_id = usage["ledger"]["tx_id"]
        go(page, base, f"/tx/{tx_id}")
        page.wait_for_selector("#tx-state")
        assert page.locator("#tx-creator").inner_text() == "CivilAffairsMSP"
        assert page.locator("#tx-block").inner_text().strip() == str(usage["ledger"]["block"])
        if ledger == "embedded":
            assert page.locator("#tx-endorsers .endorsers-none").count() == 1
        page.wait_for_selector("#evidence")
        status, _, bundle = _raw(base, civil, f"/transactions/{tx_id}/evidence")
        assert status == 200
        server = _report(_post_verify(base, civil, bundle))
        _verify_on_page(page)
        _assert_valid_report(page, ledger, "en", genesis, server)
        shot(page, "41-evidence-transaction")
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def _search(page: Any, query: str) -> None:
    page.fill("#ledger-q", query)
    page.click("#ledger-find")
    wait_js(
        page,
        "document.querySelector('#found-block, #ledger-not-found, #ledger-found .alert')"
        " || !document.querySelector('#ledger-q-err').hidden",
    )


def _assert_found(page: Any, block: dict[str, Any], how: str) -> None:
    found = page.locator("#found-block")
    assert found.count() == 1, page.locator("#ledger-found").inner_text()
    assert found.get_attribute("data-block") == str(block["number"])
    assert found.get_attribute("data-found-by") == how
    assert found.locator(".block-hash").inner_text() == block["hash"]
    if block.get("previous_hash"):
        assert found.locator(".block-previous-hash").inner_text() == block["previous_hash"]
    txs = found.locator("li.tx")
    assert txs.count() == len(block["transactions"])
    for i, tx in enumerate(block["transactions"]):
        row = txs.nth(i)
        assert row.get_attribute("data-tx") == tx["tx_id"]
        if tx.get("creator_msp_id"):
            assert tx["creator_msp_id"] in row.locator(".tx-creator").inner_text()
        if tx["type"] == "ENDORSER_TRANSACTION":
            shown = [e.strip() for e in row.locator(".tx-endorsers .endorser").all_inner_texts()]
            assert shown == tx["endorsers"], (shown, tx)
            assert row.locator(f'[data-validation="{tx["validation_code"]}"]').count() == 1
    assert not page.locator("#ledger-q-err").is_visible()


def test_ledger_search_finds_blocks_and_refuses_bad_queries(
    browser: Any, directory: Any, artifacts: Path
) -> None:
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    rest = Rest(base, civil)
    catalog = _entity(rest.ok("GET", f"/catalogs/{data['id']}"))
    number, tx_id = catalog["ledger"]["block"], catalog["ledger"]["tx_id"]
    block = _entity(rest.ok("GET", f"/ledger/blocks/{number}"))
    assert TX_ID.match(tx_id) and any(tx["tx_id"] == tx_id for tx in block["transactions"])
    genesis = _genesis(base, civil)

    for lang in ("en", "zh"):
        context, page, watcher = open_page(browser, lang, 1366)
        try:
            sign_in(page, base, civil)
            close_toasts(page)
            go(page, base, "/ledger")
            page.wait_for_selector("#genesis-hash")
            assert page.locator("#genesis-hash").inner_text() == genesis
            # Recent blocks: each transaction names its creator and its endorsers.
            page.wait_for_selector("#block-list")
            endorser_txs = page.locator("#block-list li.tx .tx-endorsers")
            assert endorser_txs.count() >= 1
            assert page.locator("#block-list li.tx .tx-creator").count() >= endorser_txs.count()

            _search(page, str(number))
            _assert_found(page, block, "number")
            if lang == "en":
                shot(page, "42-ledger-search")

            _search(page, tx_id)
            _assert_found(page, block, "tx")
            match = page.locator(f'#found-block li.tx.tx-match[data-tx="{tx_id}"]')
            assert match.count() == 1
            assert "HealthMSP" in match.locator(".tx-creator").inner_text()
            shot(page, f"42-ledger-search-tx-{lang}")

            _search(page, block["hash"].upper())
            _assert_found(page, block, "hash")

            # Malformed: a clear message under the field, nothing found shown.
            _search(page, "block twelve")
            err = page.locator("#ledger-q-err")
            assert err.is_visible()
            assert page.locator("#ledger-q").get_attribute("aria-invalid") == "true"
            assert ("64" in err.inner_text()) and page.locator("#found-block").count() == 0
            shot(page, f"42-ledger-search-malformed-{lang}")

            # Well-formed but absent: the page says nothing matches (the API's 404).
            for absent in ("9" * 9, "f" * 64):
                _search(page, absent)
                missing = page.locator("#ledger-not-found")
                assert missing.is_visible(), page.locator("#ledger-found").inner_text()
                assert absent in missing.inner_text()
                assert not page.locator("#ledger-q-err").is_visible()
            if lang == "en":
                shot(page, "42-ledger-search-not-found")

            # A transaction's page links to its block, which opens found.
            go(page, base, f"/tx/{tx_id}")
            page.locator("#tx-block a").click()
            page.wait_for_selector("#found-block")
            assert page.locator("#found-block").get_attribute("data-block") == str(number)
            assert not watcher.errors, watcher.errors
        finally:
            context.close()


def _point_count(title: str) -> int:
    """A per-minute dot's transactions: "22:47: 3", or, grouped, "22:40: 0.6/min (3 in 5 min)"."""
    match = re.search(r"\((\d+) in \d+ min\)$", title) or re.search(r": (\d+)$", title)
    assert match, title
    return int(match.group(1))


def _chart_rows(page: Any, host: str) -> dict[str, str]:
    titles = page.locator(f"{host} svg .chart-row title").all_text_contents()
    return dict(t.rsplit(": ", 1) for t in titles)


def test_activity_charts_draw_per_minute_and_per_org(browser: Any, directory: Any, artifacts: Path) -> None:
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    file_request(base, civil, data["id"], [])
    rest = Rest(base, civil)

    for width in (1366, 390):
        context, page, watcher = open_page(browser, "en", width, mobile=width < 500)
        try:
            sign_in(page, base, civil)
            close_toasts(page)
            go(page, base, "/ledger")
            page.wait_for_selector("#chart-per-minute svg")
            page.wait_for_selector("#chart-per-org svg")
            activity = _entity(rest.ok("GET", "/ledger/activity?blocks=200"))
            assert activity["transactions"] > 0 and activity["per_org"], activity
            # Per org: one bar per organisation, with the API's count.
            orgs = len(activity["per_org"])
            wait_js(page, f"document.querySelectorAll('#chart-per-org .chart-row').length === {orgs}")
            bars = _chart_rows(page, "#chart-per-org")
            assert bars == {r["msp_id"]: str(r["count"]) for r in activity["per_org"]}, bars
            assert {"HealthMSP", "CivilAffairsMSP"} <= set(bars)
            # Per minute: a line whose points add up to the transactions counted.
            line = page.locator("#chart-per-minute svg path.chart-line")
            assert line.count() == 1 and line.get_attribute("d").startswith("M")
            points = page.locator("#chart-per-minute svg .chart-dot title").all_text_contents()
            assert points, "no points on the per-minute line"
            total = sum(_point_count(p) for p in points)
            per_minute = sum(r["count"] for r in activity["per_minute"])
            assert total == per_minute == activity["transactions"], (total, per_minute, activity)
            note = page.locator("#chart-per-minute .chart-note").inner_text()
            assert str(activity["transactions"]) in note
            # Both charts fit their cards, and the page its viewport.
            for host in ("#chart-per-minute", "#chart-per-org"):
                fits = page.evaluate(
                    f"""(() => {{ const h = document.querySelector('{host}');
                      const s = h.querySelector('svg').getBoundingClientRect();
                      return s.width <= h.getBoundingClientRect().width + 1 && s.width > 200; }})()"""
                )
                assert fits, f"{host} does not fit its card at {width} px"
            _assert_fits(page, width)
            page.locator("#ledger-activity").scroll_into_view_if_needed()
            shot(page, "43-ledger-activity" if width > 500 else "43-ledger-activity-390")
            assert not watcher.errors, watcher.errors
        finally:
            context.close()
