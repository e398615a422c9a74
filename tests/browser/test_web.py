"""The admin web page end to end, against a real network: a CivilAffairs client finds a Health
catalog, asks for it from the page, a Health admin approves in the inbox, and the client sees the
grant and an access check that says "allowed"; the catalog's history shows its transactions.

The test's own data is created first through the REST API (urllib only). Screenshots of every
step land in tests/artifacts/ (git-ignored), three of them at 390 px wide, each named with its
ledger (``web-02-dashboard-zh-embedded.png``) so the two ledgers' runs keep both sets. On the
embedded ledger every page carries a banner saying it has none of Fabric's guarantees; on Fabric
there is none.

``run_scenario`` takes only a base URL and the tokens (the ledger it asks the gateway), so it can
also be pointed at any running gateway by hand.
"""

from __future__ import annotations

import json
import random
import re
import string
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from network.lib.demo import uscc

TX_ID = re.compile(r"^[0-9a-f]{64}$")
HASH = TX_ID  # block hashes (both ledgers): SHA-256 hex as well
TIMEOUT_MS = 30_000
# A phrase of the embedded-ledger banner in each language (the page's i18n holds the whole text).
BANNER = {"en": "none of Fabric's multi-organisation guarantees", "zh": "没有 Fabric 的多组织保证"}


# --- REST set-up (urllib, no third-party client) -------------------------------------------------


class Rest:
    def __init__(self, base_url: str, token: str) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw)
            except ValueError:
                return exc.code, raw.decode("utf-8", "replace")

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(method, path, body)
        assert 200 <= status < 300, f"{method} {path} -> {status}: {answer}"
        return answer


def _entity(answer: Any) -> Any:
    return answer.get("data", answer) if isinstance(answer, dict) else answer


def ensure_department(bureau: Rest, dept_id: str, msp_id: str, zh: str, en: str) -> None:
    status, answer = bureau.call("GET", f"/departments/{dept_id}")
    if status == 200:
        return
    assert status == 404, f"GET /departments/{dept_id} -> {status}: {answer}"
    bureau.ok(
        "POST",
        "/departments",
        {
            "id": dept_id,
            "name": {"zh": zh, "en": en},
            "parent_id": None,
            "level": "municipal",
            "msp_id": msp_id,
            "contact": {"name": "Web Test", "email": f"{dept_id}@example.gov", "phone": "010-0000"},
        },
    )


def _item(name: str, title: str, type_: str, sensitivity: str) -> dict[str, str]:
    return {"name": name, "title": title, "type": type_, "description": "", "sensitivity": sensitivity}


def create_catalog(
    base_url: str, admin_token: str, dept_id: str, prefix: str, title: tuple[str, str]
) -> dict[str, Any]:
    """A published, conditional catalog of ``dept_id`` (its admin's token), with one responsibility."""
    admin = Rest(base_url, admin_token)
    # A distinctive all-letter word, so full-text search finds exactly this catalog.
    word = "zq" + "".join(random.choices(string.ascii_lowercase, k=6))
    resp_id = f"{dept_id}-web-{word}"
    admin.ok(
        "POST",
        f"/departments/{dept_id}/responsibilities",
        {
            "id": resp_id,
            "code": f"HW-{word[-4:].upper()}",
            "title": {"zh": "医疗资源调度", "en": "Allocation of medical resources"},
            "description": "created by the browser test",
            "legal_basis": "基本医疗卫生与健康促进法",
        },
    )
    catalog_id = f"{prefix}-{word}"
    catalog = {
        "id": catalog_id,
        "department_id": dept_id,
        "responsibility_ids": [resp_id],
        "title": {"zh": f"{title[0]} {word}", "en": f"{title[1]} {word}"},
        "description": "Free beds per hospital, updated daily.",
        "items": [
            _item("hospital_id", "医院编号", "string", "public"),
            _item("beds_free", "空余床位", "integer", "internal"),
            _item("patient_count", "在院人数", "integer", "confidential"),
        ],
        "share_type": "conditional",
        "share_conditions": "For social-assistance case work only",
        "open_type": "conditional",
        "update_frequency": "daily",
        "format": "JSON",
        "source_system": "HIS",
        "endpoint": "https://data.example.gov/health/beds",
        "schema_hash": "0" * 64,
        "tags": ["health", "beds", word],
    }
    admin.ok("POST", "/catalogs", catalog)
    admin.ok("POST", f"/catalogs/{catalog_id}/publish", {})
    published = _entity(admin.ok("GET", f"/catalogs/{catalog_id}"))
    assert published["status"] == "published", published
    return {"id": catalog_id, "word": word, "item": "beds_free", "title": catalog["title"]}


def create_health_catalog(base_url: str, tokens: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Departments health + civil-affairs (if absent), then a published, conditional Health catalog."""
    bureau = Rest(base_url, tokens["DataBureauMSP"]["admin"])
    ensure_department(bureau, "health", "HealthMSP", "市卫生健康委员会", "Health Commission")
    ensure_department(bureau, "civil-affairs", "CivilAffairsMSP", "市民政局", "Civil Affairs Bureau")
    return create_catalog(
        base_url, tokens["HealthMSP"]["admin"], "health", "health-beds", ("医院空余床位", "Hospital beds")
    )


def file_request(
    base_url: str, token: str, catalog_id: str, items: list[str], until: str | None = None
) -> dict[str, Any]:
    """Civil Affairs asks for ``items`` of a catalog (``[]``: the whole catalog) through the REST API."""
    until = until or (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%dT23:59:59Z")
    answer = Rest(base_url, token).ok(
        "POST",
        "/access-requests",
        {
            "requester_id": "civil-affairs",
            "catalog_id": catalog_id,
            "items": items,
            "purpose": "Checking hospital capacity for social-assistance cases",
            "legal_basis": "社会救助暂行办法 第三十条",
            "requested_until": until,
        },
    )
    request: dict[str, Any] = _entity(answer)["request"]
    return request


# --- the browser side ------------------------------------------------------------------------------


class Watcher:
    """Collects page errors and console errors: the page must not throw while it works."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._console)

    def _console(self, msg: Any) -> None:
        # A 404 for an optional route (e.g. /whoami) is logged by Chromium itself; not the page's fault.
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            self.errors.append(f"console: {msg.text}")


class Shots:
    """Screenshots named ``web-<step>-<ledger>.png``: one set per ledger, none overwriting another."""

    def __init__(self, artifacts: Path, ledger: str) -> None:
        self.artifacts, self.ledger = artifacts, ledger

    def __call__(self, page: Any, name: str) -> None:
        page.wait_for_timeout(300)  # let charts and toasts settle
        page.screenshot(path=str(self.artifacts / f"web-{name}-{self.ledger}.png"), full_page=True)


def wait_js(page: Any, expression: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Until ``expression`` is truthy in the page. Polled from here with page.evaluate: Playwright's
    wait_for_function re-evaluates a string predicate with eval(), which the page's CSP (script-src
    'self') refuses whenever the first try is not already true."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def gateway_ledger(base_url: str) -> str:
    """The ledger the gateway says it runs on (``/readyz`` needs no token)."""
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + "/api/v1/readyz", timeout=30) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:  # not ready (503) still names the ledger
        body = json.loads(exc.read())
    ledger: str = body["ledger"]
    return ledger


def assert_ledger_banner(page: Any, ledger: str, lang: str = "en") -> None:
    """Embedded: the banner shows, in the page's language, between header and content (covering
    nothing). Fabric: no banner. Waits until the page has learnt its ledger."""
    wait_js(page, "document.body.dataset.ledger")
    assert page.evaluate("document.body.dataset.ledger") == ledger
    banner = page.locator("#ledger-banner")
    if ledger != "embedded":
        assert not banner.is_visible(), "a banner on the Fabric ledger"
        return
    assert banner.is_visible(), "no embedded-ledger banner"
    assert BANNER[lang] in banner.inner_text(), banner.inner_text()
    box = banner.bounding_box()
    header = page.locator("#site-header").bounding_box()
    main = page.locator("#main").bounding_box()
    assert box["y"] >= header["y"] + header["height"] - 1, "the banner overlaps the header"
    assert main["y"] >= box["y"] + box["height"] - 1, "the banner overlaps the page's content"
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, "the banner is wider than the page"
    assert page.evaluate("getComputedStyle(document.querySelector('#ledger-banner')).position") == "static"


def go(page: Any, base: str, route: str) -> None:
    page.goto(f"{base}/#{route}")
    page.wait_for_selector("main h1", timeout=TIMEOUT_MS)
    wait_js(page, "!document.querySelector('main > .loading')")


def sign_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/#/")
    if page.locator("#signout").is_visible():
        page.click("#signout")
    page.wait_for_selector("#signin-token", timeout=TIMEOUT_MS)
    page.fill("#signin-token", token)
    page.click("#signin-submit")
    page.wait_for_selector("#signout:visible", timeout=TIMEOUT_MS)
    page.wait_for_selector("#main-nav a", state="attached", timeout=TIMEOUT_MS)


def run_scenario(
    browser: Any, base: str, tokens: dict[str, dict[str, str]], artifacts: Path, ledger: str | None = None
) -> None:
    base = base.rstrip("/")
    ledger = ledger or gateway_ledger(base)
    assert gateway_ledger(base) == ledger
    shot = Shots(artifacts, ledger)
    with urllib.request.urlopen(base + "/", timeout=30) as resp:
        index = resp.read().decode()
    assert "/static/app.js" in index, "GET / is not the web page: is web_bp registered in the app factory?"

    data = create_health_catalog(base, tokens)
    catalog_id, word, item = data["id"], data["word"], data["item"]
    civil_client = tokens["CivilAffairsMSP"]["client"]
    health_admin = tokens["HealthMSP"]["admin"]

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script("localStorage.setItem('citydir.lang', 'en')")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    watcher = Watcher(page)

    # 1. CivilAffairs client signs in; the dashboard draws its charts.
    sign_in(page, base, civil_client)
    page.wait_for_selector("#chart-per-dept svg, #chart-per-dept .empty")
    assert_ledger_banner(page, ledger)
    shot(page, "01-dashboard-civil-client")

    # The language toggle relabels the page; back to English for the rest.
    page.click("#lang-toggle")
    wait_js(page, "document.querySelector('#main-nav').textContent.includes('数据目录')")
    assert_ledger_banner(page, ledger, "zh")
    shot(page, "02-dashboard-zh")
    page.click("#lang-toggle")
    wait_js(page, "document.querySelector('#main-nav').textContent.includes('Catalogs')")

    # 2. Full-text search finds the new catalog (the search index follows the ledger's events: retry).
    go(page, base, "/catalogs")
    row = page.locator(f'#catalog-table tr[data-catalog="{catalog_id}"]')
    deadline = time.monotonic() + 30
    while True:
        page.fill("#f-q", word)
        page.click("#cat-search")
        page.wait_for_selector("#catalog-table, #cat-results .empty, #cat-results .alert")
        if row.count() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(1500)
    assert row.count() == 1, f"searching {word!r} did not find {catalog_id}"
    assert "Conditional" in row.inner_text()
    shot(page, "03-catalog-search")

    # 3. The catalog page: items, share type, history.
    row.locator("a").first.click()
    page.wait_for_selector("#catalog-title")
    page.wait_for_selector("#history-timeline")
    assert page.locator(".badges .badge-share.badge-conditional").count() == 1
    assert page.locator("#items-table tbody tr").count() == 3
    shot(page, "04-catalog-detail")

    # 4. File a conditional request from the page; the form refuses to send without items.
    page.click("#request-access")
    page.wait_for_selector("#request-form")
    page.select_option("#rq-requester", "civil-affairs")
    page.fill("#rq-purpose", "Checking hospital capacity for social-assistance cases")
    page.fill("#rq-legal", "社会救助暂行办法 第三十条")
    page.click("#rq-submit")
    page.wait_for_selector("#rq-items-err:not([hidden])")
    shot(page, "05-request-form-validation")
    page.check(f'#request-form input[name="items"][value="{item}"]')
    page.check('#request-form input[name="items"][value="hospital_id"]')
    page.click("#rq-submit")
    mine = page.locator('article.request-card[data-status="pending"]', has_text=catalog_id)
    mine.first.wait_for()
    request_id = mine.first.get_attribute("data-request")
    assert request_id
    shot(page, "06-outbox-pending")

    # 5. Health admin approves it in the inbox.
    sign_in(page, base, health_admin)
    go(page, base, "/access/inbox")
    card = page.locator(f'article.request-card[data-request="{request_id}"]')
    card.wait_for()
    assert card.get_attribute("data-status") == "pending"
    shot(page, "07-inbox-health-admin")
    card.locator("[data-approve]").click()
    page.wait_for_selector("dialog[open] textarea[name=reason]")
    page.fill("dialog[open] textarea[name=reason]", "Legal basis checked; the purpose meets the conditions")
    shot(page, "08-approve-dialog")
    page.click("dialog[open] button[type=submit]")
    page.wait_for_selector(f'article.request-card[data-request="{request_id}"][data-status="approved"]')
    shot(page, "09-inbox-approved")

    # 6. Back as CivilAffairs: the grant is held, and the access check says allowed.
    sign_in(page, base, civil_client)
    go(page, base, "/access/grants")
    grant_row = page.locator('#held-grants tr[data-status="active"]', has_text=catalog_id)
    grant_row.first.wait_for()
    shot(page, "10-grants-held")
    go(page, base, "/access/check")
    page.select_option("#k-dept", "civil-affairs")
    page.select_option("#k-catalog", catalog_id)
    page.select_option("#k-item", item)
    page.click("#check-submit")
    verdict = page.locator("#check-verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-allowed") == "true", verdict.inner_text()
    shot(page, "11-access-check-allowed")

    # 7. The catalog's history timeline names each transaction; the grant is listed on the catalog.
    go(page, base, f"/catalogs/{catalog_id}")
    page.wait_for_selector("#history-timeline")
    entries = page.locator("#history-timeline li.timeline-item")
    assert entries.count() >= 2, "history should hold the creation and the publication"
    tx_ids = [entries.nth(i).get_attribute("data-tx") for i in range(entries.count())]
    assert all(tx and TX_ID.match(tx) for tx in tx_ids), tx_ids
    links = page.locator("#history-timeline a.tx-link")
    assert links.count() == entries.count()
    assert links.first.get_attribute("href") == f"#/tx/{tx_ids[0]}"
    page.wait_for_selector("#grant-table")
    assert (
        "civil-affairs" in page.locator("#grant-table").inner_text()
        or page.locator('#grant-table a[href="#/departments/civil-affairs"]').count()
    )
    shot(page, "12-catalog-history-and-grant")

    # 8. A history tx id opens the transaction view, which the ledger confirms.
    links.first.click()
    page.wait_for_selector("#tx-state")
    assert "Valid" in page.locator("#tx-state").inner_text()
    assert page.locator("#tx-block").inner_text().strip().isdigit()
    shot(page, "13-transaction")

    # 9. The ledger panel: heights per peer and recent blocks.
    # On both ledgers each block shows its hash and its predecessor's, which is the next one listed.
    go(page, base, "/ledger")
    page.wait_for_selector("#peer-table, #ledger-peers .alert")
    assert page.locator("#ledger-kind").get_attribute("data-ledger") == ledger
    hashes = page.locator("#block-list .block-hash")
    previous = page.locator("#block-list .block-previous-hash")
    assert hashes.count() >= 2 and hashes.count() == page.locator("#block-list li.block").count()
    assert all(HASH.match(h) for h in hashes.all_inner_texts() + previous.all_inner_texts())
    assert previous.first.inner_text() == hashes.nth(1).inner_text()
    assert_ledger_banner(page, ledger)
    shot(page, "14-ledger")

    assert not watcher.errors, watcher.errors
    context.close()

    # 10. Phone width (390 px): no sideways scrolling; the menu folds behind a button.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    phone.add_init_script("localStorage.setItem('citydir.lang', 'en')")
    mobile = phone.new_page()
    mobile.set_default_timeout(TIMEOUT_MS)
    mobile_watcher = Watcher(mobile)
    sign_in(mobile, base, civil_client)
    assert mobile.locator("#nav-toggle").is_visible()
    assert not mobile.locator("#main-nav").is_visible()
    mobile.wait_for_selector("#chart-per-dept svg, #chart-per-dept .empty")
    assert_ledger_banner(mobile, ledger)
    _assert_fits(mobile, 390)
    shot(mobile, "15-mobile-dashboard")
    go(mobile, base, f"/catalogs/{catalog_id}")
    mobile.wait_for_selector("#history-timeline")
    assert_ledger_banner(mobile, ledger)
    _assert_fits(mobile, 390)
    shot(mobile, "16-mobile-catalog-detail")
    mobile.click("#nav-toggle")
    assert mobile.locator("#main-nav").is_visible()
    shot(mobile, "17-mobile-menu")
    assert not mobile_watcher.errors, mobile_watcher.errors
    phone.close()


def _assert_fits(page: Any, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"the page is {scroll_width}px wide at a {width}px viewport"


def test_request_approve_and_check_from_the_page(browser: Any, directory: Any, artifacts: Path) -> None:
    tokens = json.loads((directory.home / "gateway" / "tokens.json").read_text())
    run_scenario(browser, directory.gateway_url(), tokens, artifacts, directory.ledger)


def test_errors_are_readable_not_blank(browser: Any, directory: Any, artifacts: Path) -> None:
    base = directory.gateway_url().rstrip("/")
    tokens = json.loads((directory.home / "gateway" / "tokens.json").read_text())
    shot = Shots(artifacts, directory.ledger)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.add_init_script("localStorage.setItem('citydir.lang', 'en')")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        # A wrong token: the sign-in form says so, and nothing is stored.
        page.goto(f"{base}/#/")
        assert_ledger_banner(page, directory.ledger)  # before anyone signs in, too
        page.fill("#signin-token", "not-a-real-token")
        page.click("#signin-submit")
        page.wait_for_selector("#signin-error .alert-error")
        assert page.evaluate("sessionStorage.getItem('citydir.token')") is None
        assert "citydir.token" not in page.url and "not-a-real-token" not in page.url
        shot(page, "20-signin-rejected")

        # A catalog that does not exist: a page saying what was not found, with a way back.
        sign_in(page, base, tokens["CivilAffairsMSP"]["client"])
        page.goto(f"{base}/#/catalogs/no-such-catalog-anywhere")
        page.wait_for_selector("#not-found")
        assert "no-such-catalog-anywhere" in page.locator("#not-found h1").inner_text()
        assert page.locator('#not-found a[href="#/catalogs"]').count() == 1
        shot(page, "21-not-found")

        # Client-side validation: a bad id slug is refused before anything is sent.
        sign_in(page, base, tokens["DataBureauMSP"]["admin"])
        page.goto(f"{base}/#/admin/new")
        page.wait_for_selector("#dept-form")
        page.fill("#d-id", "Bad Id!")
        page.click("#dept-form button[type=submit]")
        page.wait_for_selector("#d-id-err:not([hidden])")
        assert page.locator("#d-id").get_attribute("aria-invalid") == "true"
        shot(page, "22-validation")
    finally:
        context.close()


# --- the defects, one test each ----------------------------------------------------------
#
# Each opens its own browser context on data it creates through the REST API; where a server
# answer cannot be provoked on demand (a Fabric validation failure, a retryable MVCC conflict, the
# chaincode's future CheckAccess reasons, Fabric's peers) the test answers that one call itself
# (Playwright's page.route), exactly as the gateway would.

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
# Two or more English words in a row: what a zh page's own sentence must not contain.
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}[ ,.:;]+[A-Za-z]{3,}")
LABEL = {
    "items": {"en": "Data items", "zh": "数据项"},
    "until": {"en": "Needed until", "zh": "使用截止日期"},
    "created": {"en": "Created", "zh": "创建时间"},
}


def _tokens(directory: Any) -> dict[str, dict[str, str]]:
    tokens: dict[str, dict[str, str]] = json.loads((directory.home / "gateway" / "tokens.json").read_text())
    return tokens


def site(directory: Any, artifacts: Path) -> tuple[str, dict[str, dict[str, str]], Shots]:
    """What a page test starts from: the gateway's URL, the org tokens, and its screenshots."""
    return directory.gateway_url().rstrip("/"), _tokens(directory), Shots(artifacts, directory.ledger)


def open_page(
    browser: Any,
    lang: str = "en",
    width: int = 1280,
    height: int = 900,
    *,
    mobile: bool = False,
    timezone: str | None = None,
) -> tuple[Any, Any, Watcher]:
    options: dict[str, Any] = {"viewport": {"width": width, "height": height}, "locale": "en-GB"}
    if mobile:
        options.update(is_mobile=True, has_touch=True)
    if timezone:
        options["timezone_id"] = timezone
    context = browser.new_context(**options)
    context.add_init_script(f"localStorage.setItem('citydir.lang', '{lang}')")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page, Watcher(page)


def set_lang(page: Any, lang: str) -> None:
    """Switches the page's language with its own button (a no-op when it is already ``lang``)."""
    want = "zh-CN" if lang == "zh" else "en"
    if page.evaluate("document.documentElement.lang") != want:
        page.click("#lang-toggle")
        wait_js(page, f"document.documentElement.lang === {want!r}")


def prop(scope: Any, label: str) -> Any:
    """The <dd> after the <dt> that reads ``label`` in a property list."""
    return scope.locator("dt", has_text=re.compile(f"^{re.escape(label)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 1
        and min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 1
    )


def assert_covers_nothing(page: Any, toast: Any) -> None:
    """The toast overlaps neither the header, nor the banner, nor the page's content."""
    box = toast.bounding_box()
    assert box, "the toast is not shown"
    for selector in ("#site-header", "#ledger-banner", "#main"):
        other = page.locator(selector)
        if other.is_visible():
            assert not _overlap(box, other.bounding_box()), f"the toast covers {selector}"
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, "the toast is wider than the page"


def approve_via_rest(base: str, tokens: dict[str, dict[str, str]], request_id: str) -> dict[str, Any]:
    answer = Rest(base, tokens["HealthMSP"]["admin"]).ok(
        "POST", f"/access-requests/{request_id}/approve", {"reason": "approved elsewhere, at the same time"}
    )
    grant: dict[str, Any] = _entity(answer)["grant"]
    return grant


def test_request_cards_are_headed_by_the_catalog_title(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 1: a card names its catalog by title (in the page's language), and a request for the
    whole catalog (items: []) says so instead of showing an empty items row."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    some = file_request(base, civil, data["id"], ["beds_free"])
    whole = file_request(base, civil, data["id"], [])
    whole_words = {"en": "whole catalog", "zh": "整个目录"}
    context, page, watcher = open_page(browser)
    try:
        sign_in(page, base, civil)
        for lang in ("en", "zh"):
            set_lang(page, lang)
            go(page, base, "/access/outbox")
            for request in (some, whole):
                card = page.locator(f'article.request-card[data-request="{request["id"]}"]')
                card.wait_for()
                assert data["title"][lang] in card.locator("h3").inner_text(), card.locator("h3").inner_text()
            items = prop(
                page.locator(f'article.request-card[data-request="{whole["id"]}"]'), LABEL["items"][lang]
            )
            assert whole_words[lang] in items.inner_text(), items.inner_text()
            listed = prop(
                page.locator(f'article.request-card[data-request="{some["id"]}"]'), LABEL["items"][lang]
            )
            assert "beds_free" in listed.inner_text()
            shot(page, f"30-request-cards-{lang}")
        # The owner's inbox, too.
        sign_in(page, base, tokens["HealthMSP"]["admin"])
        go(page, base, "/access/inbox")
        card = page.locator(f'article.request-card[data-request="{whole["id"]}"]')
        card.wait_for()
        assert data["title"]["zh"] in card.locator("h3").inner_text()
        shot(page, "30-request-cards-inbox-zh")
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def test_a_missing_catalog_says_what_is_missing_and_offers_a_way_back(
    browser: Any, directory: Any, artifacts: Path
) -> None:
    """Defect 2: not a generic "Something went wrong", but what was not found and a link back."""
    base, tokens, shot = site(directory, artifacts)
    phrase = {"en": "No catalog", "zh": "没有目录"}
    context, page, watcher = open_page(browser)
    try:
        sign_in(page, base, tokens["CivilAffairsMSP"]["client"])
        for lang in ("en", "zh"):
            set_lang(page, lang)
            go(page, base, "/catalogs/does-not-exist")
            heading = page.locator("main h1").inner_text()
            assert "does-not-exist" in heading and phrase[lang] in heading, heading
            assert page.locator("main .alert-error").count() == 0
            shot(page, f"31-not-found-{lang}")
            page.locator('main a[href="#/catalogs"]').click()
            page.wait_for_selector("#cat-filters")
        # A page that does not exist at all says so too, with a way home.
        go(page, base, "/no/such/page")
        assert page.locator('main a[href="#/"]').count() >= 1
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def test_dates_read_the_same_in_both_languages(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 3: ISO dates (2027-03-01) and date-times (2027-03-01 14:05) in both languages; a date
    picked as a day stays that day for a reader east of UTC (Beijing: the UTC day's end is next morning)."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    day = (datetime.now(UTC) + timedelta(days=100)).strftime("%Y-%m-%d")
    request = file_request(base, civil, data["id"], ["beds_free"], until=f"{day}T23:59:59Z")
    grant = approve_via_rest(base, tokens, request["id"])
    context, page, watcher = open_page(browser, timezone="Asia/Shanghai")
    try:
        sign_in(page, base, civil)
        for lang in ("en", "zh"):
            set_lang(page, lang)
            go(page, base, "/access/outbox")
            card = page.locator(f'article.request-card[data-request="{request["id"]}"]')
            card.wait_for()
            assert prop(card, LABEL["until"][lang]).inner_text().strip() == day
            created = prop(card, LABEL["created"][lang]).inner_text().strip()
            assert ISO_MINUTE.match(created), created
            go(page, base, "/access/grants")
            row = page.locator(f'#held-grants tr[data-grant="{grant["id"]}"]')
            row.wait_for()
            assert day in row.inner_text(), row.inner_text()
            assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}/\d{1,2}/\d{1,2}", row.inner_text())
            shot(page, f"32-dates-{lang}")
        go(page, base, f"/catalogs/{data['id']}")
        page.wait_for_selector("#history-timeline")
        stamps = page.locator("#history-timeline .timeline-head .muted").all_inner_texts()
        assert stamps and all(ISO_MINUTE.match(s.strip()) for s in stamps), stamps
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def test_a_multi_department_msp_gets_its_dashboard(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 4: DataBureauMSP hosts several departments; its dashboard's requests and grants must
    not answer 400 (the API will not pick one of several), and count every department's."""
    base, tokens, shot = site(directory, artifacts)
    bureau_token = tokens["DataBureauMSP"]["admin"]
    bureau = Rest(base, bureau_token)
    ensure_department(bureau, "data-bureau", "DataBureauMSP", "市大数据局", "Big Data Bureau")
    ensure_department(bureau, "web-hosted", "DataBureauMSP", "市测试托管中心", "Hosted Test Centre")
    ensure_department(bureau, "civil-affairs", "CivilAffairsMSP", "市民政局", "Civil Affairs Bureau")
    data = create_catalog(base, bureau_token, "web-hosted", "hosted-beds", ("托管床位", "Hosted beds"))
    request = file_request(base, tokens["CivilAffairsMSP"]["client"], data["id"], [])
    context, page, watcher = open_page(browser)
    answers: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda r: (
            answers.append((r.status, r.url))
            if re.search(r"/api/v1/(access-requests|grants)\b", r.url)
            else None
        ),
    )
    try:
        sign_in(page, base, bureau_token)
        go(page, base, "/")
        wait_js(
            page,
            "['stat-pending', 'stat-grants']"
            ".every((id) => (document.getElementById(id)?.textContent ?? '…') !== '…')",
        )
        refused = [a for a in answers if a[0] >= 400]
        assert not refused, refused
        pending = page.locator("#stat-pending").inner_text()
        assert pending.isdigit() and int(pending) >= 1, pending
        assert page.locator("#stat-grants").inner_text().isdigit()
        shot(page, "33-dashboard-multi-department")
        go(page, base, "/access/inbox")
        page.locator(f'article.request-card[data-request="{request["id"]}"]').wait_for()
        refused = [a for a in answers if a[0] >= 400]
        assert not refused, refused
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def test_toasts_leave_the_content_alone_on_a_phone(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 5: at 390 px a toast (success or error) covers nothing, and goes away by itself."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    request = file_request(base, civil, data["id"], ["beds_free"])
    for lang, welcome in (("en", "Signed in."), ("zh", "登录成功。")):
        context, page, watcher = open_page(browser, lang, 390, 844, mobile=True)
        try:
            sign_in(page, base, civil)
            toast = page.locator("#toasts .toast", has_text=welcome)
            toast.wait_for()
            assert_covers_nothing(page, toast)
            shot(page, f"34-mobile-toast-{lang}")
            toast.wait_for(state="detached", timeout=9_000)
            if lang == "zh":
                continue
            # An error toast (a withdrawal someone already made): in the flow too, and closable.
            go(page, base, "/access/outbox")
            card = page.locator(
                f'article.request-card[data-request="{request["id"]}"][data-status="pending"]'
            )
            card.wait_for()
            Rest(base, civil).ok("POST", f"/access-requests/{request['id']}/withdraw", {})
            card.locator("[data-withdraw]").click()
            page.click("dialog[open] button[type=submit]")
            error = page.locator("#toasts .toast-error")
            error.wait_for()
            assert_covers_nothing(page, error)
            assert error.locator("button.toast-close").is_visible()
            shot(page, "34-mobile-toast-error-en")
            error.wait_for(state="detached", timeout=15_000)
            _assert_fits(page, 390)
            assert not watcher.errors, watcher.errors
        finally:
            context.close()


def _fabric_ledger() -> dict[str, Any]:
    """A /ledger answer as network.sh's two-peers-per-organisation Fabric network gives it (peer names
    as in network/lib/layout.py): one peer behind, one unreachable (with the gRPC error it reports)."""
    peers: list[dict[str, Any]] = []
    port = 14551
    for org, msp in (
        ("databureau", "DataBureauMSP"),
        ("civilaffairs", "CivilAffairsMSP"),
        ("health", "HealthMSP"),
    ):
        for n in (0, 1):
            peers.append(
                {
                    "peer": f"peer{n}.{org}.citydir.local",
                    "msp_id": msp,
                    "address": f"127.0.0.1:{port}",
                    "height": 1207,
                }
            )
            port += 10
    peers[3]["height"] = 1199
    peers[5].update(
        height=None,
        error="query_block: <_InactiveRpcError of RPC that terminated with: status = StatusCode.UNAVAILABLE "
        'details = "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:14601: '
        'Failed to connect to remote host: Connection refused">',
    )
    return {
        "data": {
            "ledger": "fabric",
            "channel": "citydir",
            "chaincode": "directory",
            "height": 1207,
            "peers": peers,
            "blocks": [],
        }
    }


def test_the_peer_table_fits_its_card(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 6: no column of the peers table (the height last) is cut off at 1366, 1280 or 390 px."""
    base, tokens, shot = site(directory, artifacts)
    body = json.dumps(_fabric_ledger())
    measure = """() => {
      const table = document.querySelector('#peer-table');
      const wrap = table.closest('.table-wrap');
      const last = table.querySelector('thead th:last-child').getBoundingClientRect();
      const cells = [...table.querySelectorAll('td:last-child')].map((c) => c.getBoundingClientRect().right);
      return {scroll: wrap.scrollWidth, client: wrap.clientWidth, right: wrap.getBoundingClientRect().right,
              last: Math.max(last.right, ...cells)};
    }"""
    for lang in ("en", "zh"):
        context, page, watcher = open_page(browser, lang, 1366)
        try:
            sign_in(page, base, tokens["HealthMSP"]["admin"])
            for fake in (False, True):
                if fake:
                    page.route(
                        re.compile(r".*/api/v1/ledger(\?.*)?$"),
                        lambda route: route.fulfill(status=200, content_type="application/json", body=body),
                    )
                for width in (1366, 1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    go(page, base, "/")  # away and back: the ledger page is read afresh
                    go(page, base, "/ledger")
                    page.wait_for_selector("#peer-table")
                    m = page.evaluate(measure)
                    where = f"{lang}, {width} px, {'Fabric' if fake else directory.ledger} peers"
                    assert m["scroll"] <= m["client"] + 1, f"the peers table scrolls sideways ({where}): {m}"
                    assert m["last"] <= m["right"] + 1, f"the height column is cut off ({where}): {m}"
                    _assert_fits(page, width)
                    if fake and width != 1280:
                        shot(page, f"35-ledger-peers-{width}-{lang}")
            assert not watcher.errors, watcher.errors
        finally:
            context.close()


def test_a_failed_write_rereads_the_page(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 7: someone else approves first; our approval is refused (409) and the page then shows
    the request as it is now (approved), not the stale "pending"."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    request = file_request(base, tokens["CivilAffairsMSP"]["client"], data["id"], ["beds_free"])
    context, page, watcher = open_page(browser)
    try:
        sign_in(page, base, tokens["HealthMSP"]["admin"])
        go(page, base, "/access/inbox")
        selector = f'article.request-card[data-request="{request["id"]}"]'
        page.locator(f'{selector}[data-status="pending"]').wait_for()
        approve_via_rest(base, tokens, request["id"])  # the other administrator, a moment earlier
        page.locator(f"{selector} [data-approve]").click()
        page.fill("dialog[open] textarea[name=reason]", "Legal basis checked")
        with page.expect_response(re.compile(r"/approve(\?|$)")) as answer:
            page.click("dialog[open] button[type=submit]")
        assert answer.value.status == 409, answer.value.status
        page.locator(f'{selector}[data-status="approved"]').wait_for(timeout=10_000)
        error = page.locator("#toasts .toast-error")
        assert "Approved" in error.inner_text(), error.inner_text()
        shot(page, "36-failed-write-reread")
        # Errors, too, go away by themselves (a little later than other toasts).
        error.wait_for(state="detached", timeout=15_000)

        # A form: the catalog's editor. Someone else changes the description while we retitle it;
        # our save is refused (a retryable 409). The form is read again — the new description
        # shows — and keeps our title, so saving again sends only our change.
        go(page, base, f"/catalogs/{data['id']}/edit")
        page.wait_for_selector("#catalog-form")
        retitled = f"Hospital beds, retitled {data['word']}"
        page.fill("#c-title-en", retitled)
        Rest(base, tokens["HealthMSP"]["admin"]).ok(
            "PATCH", f"/catalogs/{data['id']}", {"description": "Changed elsewhere, meanwhile."}
        )
        conflict = _api_error(
            409, "CONFLICT", "the transaction conflicted with a concurrent one; retry",
            {"validation_code": "MVCC_READ_CONFLICT"}, retryable=True,
        )  # fmt: skip
        patch = re.compile(rf".*/api/v1/catalogs/{re.escape(data['id'])}(\?.*)?$")
        page.route(
            patch,
            lambda route: route.fulfill(**conflict) if route.request.method == "PATCH" else route.continue_(),
        )
        page.click("#catalog-form button[type=submit]")
        page.locator("#toasts .toast-error").wait_for()
        wait_for_value(page, "#c-desc", "Changed elsewhere, meanwhile.")
        assert page.input_value("#c-title-en") == retitled
        shot(page, "36-failed-save-reread-form")
        page.unroute(patch)
        with page.expect_request(lambda r: r.method == "PATCH") as sent:
            page.click("#catalog-form button[type=submit]")
        assert set(sent.value.post_data_json) == {"title"}, sent.value.post_data_json
        page.wait_for_selector("#catalog-title")
        saved = _entity(Rest(base, tokens["HealthMSP"]["admin"]).ok("GET", f"/catalogs/{data['id']}"))
        assert saved["title"]["en"] == retitled and saved["description"] == "Changed elsewhere, meanwhile."
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def _api_error(status: int, code: str, message: str, details: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "status": status,
        "content_type": "application/json",
        "body": json.dumps({"error": {"code": code, "message": message, "details": details, **extra}}),
    }


def wait_for_value(page: Any, selector: str, value: str, timeout_s: float = 15) -> None:
    """Until the control's value is ``value`` (polled from here: the page's CSP forbids eval)."""
    deadline = time.monotonic() + timeout_s
    while page.locator(selector).input_value() != value:
        assert time.monotonic() < deadline, f"{selector} is {page.locator(selector).input_value()!r}"
        page.wait_for_timeout(100)


def close_toasts(page: Any) -> None:
    """Dismisses every toast with its close button, so the next one is the only one."""
    page.locator("#toasts .toast-close").evaluate_all("(buttons) => buttons.forEach((b) => b.click())")
    page.wait_for_selector("#toasts .toast", state="detached")


def _fulfil(answer: dict[str, Any]) -> Any:
    """A page.route handler answering ``answer`` (status, content_type, body)."""
    return lambda route: route.fulfill(**answer)


def test_error_texts_follow_the_page_language(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defects 8 and 11: the sign-in toast and every error read in the page's language (the
    server's English only as a secondary detail); a retryable 409 says someone else changed it."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    request = file_request(base, tokens["CivilAffairsMSP"]["client"], data["id"], ["beds_free"])
    context, page, watcher = open_page(browser, "en")
    try:
        sign_in(page, base, tokens["HealthMSP"]["admin"])
        welcome = page.locator("#toasts .toast").first
        assert "Signed in." in welcome.inner_text()
        set_lang(page, "zh")
        assert welcome.inner_text().startswith("登录成功。"), welcome.inner_text()
        shot(page, "37-signed-in-toast-zh")

        go(page, base, "/access/inbox")
        card = page.locator(f'article.request-card[data-request="{request["id"]}"][data-status="pending"]')
        card.wait_for()
        answers = {
            "invalid": _api_error(
                502,
                "TRANSACTION_INVALID",
                "the transaction was committed as ENDORSEMENT_POLICY_FAILURE",
                {"tx_id": "ab" * 32, "validation_code": "ENDORSEMENT_POLICY_FAILURE", "block": 12},
            ),
            "conflict": _api_error(
                409,
                "CONFLICT",
                "the transaction conflicted with a concurrent one; retry",
                {"tx_id": "cd" * 32, "validation_code": "MVCC_READ_CONFLICT", "block": 13},
                retryable=True,
            ),
        }
        expected = {
            "invalid": {"zh": "背书策略"},
            "conflict": {"zh": "其他人同时修改", "en": "Someone else changed this at the same time"},
        }
        for name, answer in answers.items():
            page.route(re.compile(r"/approve(\?|$)"), _fulfil(answer))
            close_toasts(page)
            card.locator("[data-approve]").click()
            page.fill("dialog[open] textarea[name=reason]", "Legal basis checked")
            page.click("dialog[open] button[type=submit]")
            error = page.locator("#toasts .toast-error").last
            error.wait_for()
            text = error.inner_text()
            sentence = error.locator(".err-message").inner_text()
            assert expected[name]["zh"] in sentence, text
            assert "the transaction" not in text and "conflicted with" not in text, text
            assert not ENGLISH_RUN.search(sentence), sentence
            shot(page, f"37-error-{name}-zh")
            page.unroute(re.compile(r"/approve(\?|$)"))
            card.wait_for()  # the page re-read the inbox after the failure
        # The toast follows a language switch too.
        set_lang(page, "en")
        assert expected["conflict"]["en"] in page.locator("#toasts .toast-error").last.inner_text()
        # A real refusal from the chaincode, on the zh page: a request that is no longer pending.
        set_lang(page, "zh")
        close_toasts(page)
        approve_via_rest(base, tokens, request["id"])
        card.locator("[data-approve]").click()
        page.fill("dialog[open] textarea[name=reason]", "再次审批")
        page.click("dialog[open] button[type=submit]")
        error = page.locator("#toasts .toast-error").last
        error.wait_for()
        sentence = error.locator(".err-message").inner_text()
        assert "已批准" in sentence and not ENGLISH_RUN.search(sentence), sentence
        shot(page, "37-error-precondition-zh")
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


# The chaincode's CheckAccess reasons: today's, and the four it is being changed to tell apart.
CHECK_REASONS = {
    "owner": {"en": "owns the catalog", "zh": "所有方"},
    "grant": {"en": "an active grant covers", "zh": "有效授权"},
    "no-grant": {"en": "no active grant", "zh": "没有"},
    "unknown-item": {"en": "no such item", "zh": "没有此数据项"},
    "department-suspended": {"en": "suspended", "zh": "暂停"},
    "no-grant-register": {"en": "no grant register", "zh": "授权登记"},
    "expired": {"en": "expired", "zh": "过期"},
    "revoked": {"en": "revoked", "zh": "撤销"},
    "not-yet-valid": {"en": "not valid yet", "zh": "尚未生效"},
}


def test_access_check_reasons_are_labelled(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 9: each CheckAccess reason reads as words in both languages, never as its code."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    check = f"/access/check?department=civil-affairs&catalog={data['id']}&item=beds_free"
    verdict: dict[str, Any] = {}

    def reason_text(lang: str) -> str:
        """The verdict's "Reason: …" line (not the grant id under it)."""
        page.wait_for_selector("#check-verdict")
        line = page.locator("#check-verdict p", has_text={"en": "Reason", "zh": "理由"}[lang]).first
        text: str = line.inner_text()
        return text

    context, page, watcher = open_page(browser)
    try:
        sign_in(page, base, civil)
        # The real check first: no grant yet, then a grant revoked on the ledger.
        go(page, base, check)
        assert page.locator("#check-verdict").get_attribute("data-allowed") == "false"
        assert CHECK_REASONS["no-grant"]["en"] in reason_text("en")
        request = file_request(base, civil, data["id"], ["beds_free"])
        grant = approve_via_rest(base, tokens, request["id"])
        Rest(base, tokens["HealthMSP"]["admin"]).ok(
            "POST", f"/grants/{grant['id']}/revoke", {"reason": "no longer needed"}
        )
        said = _entity(Rest(base, civil).ok("GET", f"/access-check?{check.split('?')[1]}"))
        for lang in ("en", "zh"):
            set_lang(page, lang)
            go(page, base, "/")
            go(page, base, check)
            text = reason_text(lang)
            # The chaincode says "revoked" (before its change: "no-grant"); either reads as words.
            assert CHECK_REASONS[said["reason"]][lang] in text, (said, text)
        shot(page, "38-access-check-revoked-zh")

        # Then each reason as the chaincode answers it, the future ones included.
        page.route(
            re.compile(r".*/api/v1/access-check\?.*"),
            lambda route: route.fulfill(
                status=200, content_type="application/json", body=json.dumps({"data": verdict})
            ),
        )
        for lang in ("en", "zh"):
            set_lang(page, lang)
            for n, (reason, words) in enumerate(CHECK_REASONS.items()):
                verdict.clear()
                verdict.update(
                    allowed=reason in ("owner", "grant"),
                    reason=reason,
                    grant_id=None if reason in ("owner", "no-grant") else "grant-req-x",
                )
                go(page, base, f"{check}&n={n}{lang}")
                text = reason_text(lang)
                assert words[lang] in text, (reason, lang, text)
                if lang == "zh":
                    assert reason not in text and not ENGLISH_RUN.search(text), (reason, text)
                if reason == "not-yet-valid":
                    shot(page, f"38-access-check-reason-{lang}")
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def _expect_history(page: Any, route_status: int) -> None:
    """A timeline when the server has the entity's /history route, else the short note; no error."""
    host = page.locator("#entity-history")
    page.wait_for_selector("#entity-history #history-timeline, #entity-history #history-unavailable")
    assert host.locator(".alert-error").count() == 0, host.inner_text()
    if route_status == 200:
        entries = host.locator("li.timeline-item")
        assert entries.count() >= 1
        tx_ids = [entries.nth(i).get_attribute("data-tx") for i in range(entries.count())]
        assert all(tx and TX_ID.match(tx) for tx in tx_ids), tx_ids
    else:
        assert route_status == 404, route_status
        assert host.locator("#history-unavailable").is_visible()


def test_request_and_grant_pages_show_their_history(browser: Any, directory: Any, artifacts: Path) -> None:
    """Defect 10: a request's and a grant's page each show a history timeline from
    /access-requests/{id}/history and /grants/{id}/history, or a short note while those answer 404."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    civil = tokens["CivilAffairsMSP"]["client"]
    request = file_request(base, civil, data["id"], [])
    grant = approve_via_rest(base, tokens, request["id"])
    rest = Rest(base, civil)
    request_history, _ = rest.call("GET", f"/access-requests/{request['id']}/history")
    grant_history, _ = rest.call("GET", f"/grants/{grant['id']}/history")
    context, page, watcher = open_page(browser)
    try:
        sign_in(page, base, civil)
        for lang in ("en", "zh"):
            set_lang(page, lang)
            go(page, base, "/access/outbox")
            card = page.locator(f'article.request-card[data-request="{request["id"]}"]')
            card.wait_for()
            card.locator(f'a[href="#/requests/{request["id"]}"]').first.click()
            page.wait_for_selector("#request-title")
            assert data["title"][lang] in page.locator("#request-title").inner_text()
            _expect_history(page, request_history)
            shot(page, f"39-request-page-{lang}")
            page.locator(f'main a[href="#/grants/{grant["id"]}"]').first.click()
            page.wait_for_selector("#grant-title")
            _expect_history(page, grant_history)
            shot(page, f"39-grant-page-{lang}")

        # With the server's history (as the route will answer): the timeline, one entry per version.
        revoked = {
            **grant,
            "status": "revoked",
            "version": 2,
            "revoked": {
                "by": {"msp_id": "HealthMSP", "role": "admin", "subject": "Admin"},
                "at": grant["valid_from"],
                "reason": "test",
            },
        }
        entries = [
            {
                "tx_id": "ef" * 32,
                "timestamp": grant["valid_from"],
                "is_delete": False,
                "value": revoked,
                "block": 99,
            },
            {
                "tx_id": grant["ledger"]["tx_id"],
                "timestamp": grant["valid_from"],
                "is_delete": False,
                "value": grant,
                "block": grant["ledger"].get("block"),
            },
        ]
        page.route(
            re.compile(rf".*/api/v1/grants/{re.escape(grant['id'])}/history$"),
            lambda route: route.fulfill(
                status=200, content_type="application/json", body=json.dumps({"data": entries})
            ),
        )
        go(page, base, "/")  # away and back: the grant page is read afresh
        go(page, base, f"/grants/{grant['id']}")
        _expect_history(page, 200)
        items = page.locator("#entity-history li.timeline-item")
        assert items.count() == 2
        assert items.first.locator("a.tx-link").get_attribute("href") == f"#/tx/{'ef' * 32}"
        shot(page, "39-grant-history-timeline-zh")
        page.unroute(re.compile(rf".*/api/v1/grants/{re.escape(grant['id'])}/history$"))
        # And while the route answers 404: a note, the rest of the page as it was.
        page.route(
            re.compile(rf".*/api/v1/grants/{re.escape(grant['id'])}/history$"),
            lambda route: route.fulfill(
                **_api_error(404, "NOT_FOUND", "The requested URL was not found", {})
            ),
        )
        go(page, base, "/")
        go(page, base, f"/grants/{grant['id']}")
        _expect_history(page, 404)
        assert page.locator("#grant-title").is_visible()
        assert not watcher.errors, watcher.errors
    finally:
        context.close()


def test_the_guideline_metadata_shows_and_edits(browser: Any, directory: Any, artifacts: Path) -> None:
    """The catalog editor takes the guideline's metadata (resource code, classification, share
    method, release date) and refuses share_type none without its basis; the detail view and the
    department view show what is stored."""
    base, tokens, shot = site(directory, artifacts)
    data = create_health_catalog(base, tokens)
    admin = tokens["HealthMSP"]["admin"]
    code = f"2{int(time.time() * 1000) % 100:02d}/{int(time.time() * 1000) % 1_000_000:06d}"
    context, page, watcher = open_page(browser)
    try:
        sign_in(page, base, admin)
        go(page, base, f"/catalogs/{data['id']}/edit")
        page.wait_for_selector("#catalog-form")
        page.select_option("#c-share", "none")
        page.click("#catalog-form button[type=submit]")
        page.locator("#c-basis-err:not([hidden])").wait_for()
        page.select_option("#c-share", data.get("share_type", "conditional"))
        page.fill("#c-code", code)
        page.select_option("#c-class-kind", "theme")
        page.fill("#c-class-path", "主题信息资源 / 医疗卫生")
        page.select_option("#c-method", "online_query")
        page.fill("#c-released", "2026-06-30")
        with page.expect_request(lambda r: r.method == "PATCH") as sent:
            page.click("#catalog-form button[type=submit]")
        assert set(sent.value.post_data_json) == {
            "resource_code",
            "classification",
            "share_method",
            "released_at",
        }
        page.wait_for_selector("#catalog-title")
        page.locator("#cat-resource-code").wait_for()
        assert page.locator("#cat-resource-code").inner_text() == code
        saved = _entity(Rest(base, admin).ok("GET", f"/catalogs/{data['id']}"))
        assert saved["classification"] == {"kind": "theme", "path": ["主题信息资源", "医疗卫生"]}
        assert (saved["share_method"], saved["released_at"]) == ("online_query", "2026-06-30")
        shot(page, "40-guideline-metadata")
        provider = uscc("11110000000000003")
        Rest(base, tokens["DataBureauMSP"]["admin"]).ok(
            "PATCH", "/departments/health", {"provider_code": provider}
        )
        go(page, base, "/departments/health")
        page.locator("#dept-provider-code").wait_for()
        assert page.locator("#dept-provider-code").inner_text().strip() == provider
        assert not watcher.errors, watcher.errors
    finally:
        context.close()
