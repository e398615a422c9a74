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
from pathlib import Path
from typing import Any

TX_ID = re.compile(r"^[0-9a-f]{64}$")
HASH = TX_ID  # the embedded ledger's block hashes: SHA-256 hex as well
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


def create_health_catalog(base_url: str, tokens: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Departments health + civil-affairs (if absent), then a published, conditional Health catalog."""
    bureau = Rest(base_url, tokens["DataBureauMSP"]["admin"])
    ensure_department(bureau, "health", "HealthMSP", "市卫生健康委员会", "Health Commission")
    ensure_department(bureau, "civil-affairs", "CivilAffairsMSP", "市民政局", "Civil Affairs Bureau")

    health = Rest(base_url, tokens["HealthMSP"]["admin"])
    # A distinctive all-letter word, so full-text search finds exactly this catalog.
    word = "zq" + "".join(random.choices(string.ascii_lowercase, k=6))
    resp_id = f"health-web-{word}"
    health.ok(
        "POST",
        "/departments/health/responsibilities",
        {
            "id": resp_id,
            "code": f"HW-{word[-4:].upper()}",
            "title": {"zh": "医疗资源调度", "en": "Allocation of medical resources"},
            "description": "created by the browser test",
            "legal_basis": "基本医疗卫生与健康促进法",
        },
    )
    catalog_id = f"health-beds-{word}"
    catalog = {
        "id": catalog_id,
        "department_id": "health",
        "responsibility_ids": [resp_id],
        "title": {"zh": f"医院空余床位 {word}", "en": f"Hospital beds {word}"},
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
    health.ok("POST", "/catalogs", catalog)
    health.ok("POST", f"/catalogs/{catalog_id}/publish", {})
    published = _entity(health.ok("GET", f"/catalogs/{catalog_id}"))
    assert published["status"] == "published", published
    return {"id": catalog_id, "word": word, "item": "beds_free"}


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
    page.wait_for_function("document.body.dataset.ledger")
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
    page.wait_for_function("!document.querySelector('main > .loading')", timeout=TIMEOUT_MS)


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
    page.wait_for_function("document.querySelector('#main-nav').textContent.includes('数据目录')")
    assert_ledger_banner(page, ledger, "zh")
    shot(page, "02-dashboard-zh")
    page.click("#lang-toggle")
    page.wait_for_function("document.querySelector('#main-nav').textContent.includes('Catalogs')")

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
    # On embedded, each block shows its hash and its predecessor's, which is the next one listed.
    go(page, base, "/ledger")
    page.wait_for_selector("#peer-table, #ledger-peers .alert")
    assert page.locator("#ledger-kind").get_attribute("data-ledger") == ledger
    hashes = page.locator("#block-list .block-hash")
    previous = page.locator("#block-list .block-previous-hash")
    if ledger == "embedded":
        assert hashes.count() >= 2 and hashes.count() == page.locator("#block-list li.block").count()
        assert all(HASH.match(h) for h in hashes.all_inner_texts() + previous.all_inner_texts())
        assert previous.first.inner_text() == hashes.nth(1).inner_text()
    else:
        assert hashes.count() == 0 and previous.count() == 0
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

        # A catalog that does not exist: a readable NOT_FOUND message, not an empty page.
        sign_in(page, base, tokens["CivilAffairsMSP"]["client"])
        page.goto(f"{base}/#/catalogs/no-such-catalog-anywhere")
        page.wait_for_selector("main .alert-error")
        assert "Not found" in page.locator("main .alert-error").inner_text()
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
