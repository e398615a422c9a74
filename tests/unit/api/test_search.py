from __future__ import annotations

import time
from typing import Any

from gateway.api.ledger import ChaincodeEvent
from gateway.api.search import CatalogIndex, tokenize
from tests.unit.api.conftest import Env, FakeLedger, entity, not_found, tx


def _catalog(catalog_id: str, zh: str, en: str, **fields: Any) -> dict[str, Any]:
    return entity(
        catalog_id, tx(1), **{"title": {"zh": zh, "en": en}, "department_id": "civil", "tags": [], **fields}
    )


CATALOGS = [
    _catalog("min-living", "最低生活保障对象名单", "Minimum living allowance recipients", tags=["welfare"]),
    _catalog("hospital-beds", "医院床位", "Hospital beds", description="每日更新的床位信息"),
    _catalog("bus-routes", "公交线路", "Bus routes"),
]


def _index(ledger: FakeLedger | None = None) -> CatalogIndex:
    index = CatalogIndex(lambda: ledger)
    for catalog in CATALOGS:
        index.upsert(catalog)
    return index


def test_tokenize_cjk_by_characters_and_bigrams() -> None:
    terms = tokenize("最低生活保障 Hospital-beds")
    assert {"最", "低", "保", "障"} <= terms.chars
    assert {"最低", "保障"} <= terms.bigrams
    assert terms.words == {"hospital", "beds"}


def test_chinese_abbreviation_matches() -> None:
    index = _index()
    assert index.search("低保") == ["min-living"]  # 低保: characters of 最低生活保障
    assert index.search("床位") == ["hospital-beds"]
    assert index.search("生活保障") == ["min-living"]
    assert index.search("地铁") == []


def test_english_words_and_prefixes() -> None:
    index = _index()
    assert index.search("hosp") == ["hospital-beds"]
    assert index.search("BUS routes") == ["bus-routes"]
    assert index.search("bus beds") == []  # every word must match
    assert index.search("welfare") == ["min-living"]  # tags are indexed
    assert index.search("   ") == []


def test_ranking_prefers_title_phrase() -> None:
    index = _index()
    index.upsert(_catalog("bed-stats", "统计", "Statistics", description="hospital beds per district"))
    assert index.search("hospital beds") == ["hospital-beds", "bed-stats"]


def test_ledger_metadata_is_not_indexed() -> None:
    index = _index()
    assert index.search(tx(1)[:10]) == []


def test_route_reads_every_hit_from_the_ledger(env: Env) -> None:
    by_id = {c["id"]: c for c in CATALOGS}
    env.health.answers["ListCatalogs"] = {"items": CATALOGS, "bookmark": "", "count": 3}
    env.health.answers["GetCatalog"] = lambda arg: by_id[arg["id"]]
    env.health.blocks[tx(1)] = 2
    response = env.client().get("/api/v1/catalogs?q=低保")
    assert response.status_code == 200
    out = response.get_json()
    assert [c["id"] for c in out["data"]] == ["min-living"]
    assert out["data"][0]["ledger"]["block"] == 2
    assert ("GetCatalog", {"id": "min-living"}) in env.health.queries
    assert out["bookmark"] == ""


def test_route_pages_filters_and_skips_vanished(env: Env) -> None:
    many = [
        _catalog(f"beds-{i}", "床位", f"Beds {i}", share_type="conditional" if i % 2 else "none")
        for i in range(5)
    ]
    env.health.answers["ListCatalogs"] = {"items": many, "bookmark": "", "count": 5}

    def get(arg: dict[str, Any]) -> dict[str, Any]:
        if arg["id"] == "beds-1":
            raise not_found("catalog")
        return next(c for c in many if c["id"] == arg["id"])

    env.health.answers["GetCatalog"] = get
    client = env.client()
    first = client.get("/api/v1/catalogs?q=beds&page_size=2").get_json()
    assert [c["id"] for c in first["data"]] == ["beds-0", "beds-2"]
    second = client.get(f"/api/v1/catalogs?q=beds&page_size=2&bookmark={first['bookmark']}").get_json()
    assert [c["id"] for c in second["data"]] == ["beds-3", "beds-4"] and second["bookmark"] == ""
    filtered = client.get("/api/v1/catalogs?q=beds&share_type=conditional").get_json()
    assert [c["id"] for c in filtered["data"]] == ["beds-3"]
    assert client.get("/api/v1/catalogs?q=beds&bookmark=opaque-ledger-bookmark").status_code == 400


def test_index_builds_by_paging_and_follows_events() -> None:
    pages = {
        "": {"items": CATALOGS[:2], "bookmark": "p2", "count": 2},
        "p2": {"items": CATALOGS[2:], "bookmark": "", "count": 1},
    }
    ledger = FakeLedger()
    ledger.answers["ListCatalogs"] = lambda arg: pages[arg.get("bookmark", "")]
    renamed = _catalog("bus-routes", "地铁线路", "Metro lines")
    ledger.answers["GetCatalog"] = lambda arg: renamed
    ledger.events = [ChaincodeEvent(8, tx(2), "CatalogUpdated", {"entity": "catalog", "id": "bus-routes"})]
    index = CatalogIndex(lambda: ledger)
    try:
        index.ensure_ready()
        assert len(index) == 3
        deadline = time.monotonic() + 2
        while index.search("地铁") != ["bus-routes"] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert index.search("地铁") == ["bus-routes"] and index.search("公交") == []
        # Events are followed from the height seen before the build: nothing falls in between.
        assert ledger.event_requests[0] == (ledger.height, None)
    finally:
        index.close()


def test_deleted_catalog_leaves_the_index() -> None:
    ledger = FakeLedger()
    ledger.answers["GetCatalog"] = not_found("catalog")
    index = _index(ledger)
    index.apply(
        ledger, ChaincodeEvent(9, tx(3), "CatalogDeprecated", {"entity": "catalog", "id": "bus-routes"})
    )
    assert ledger.queries == []  # stale: read by the next search, not per event
    assert index.search("bus") == []
    assert ledger.queries == [("GetCatalog", {"id": "bus-routes"})]
    index.apply(ledger, ChaincodeEvent(9, tx(3), "AccessRequested", {"entity": "request", "id": "req-1"}))
    assert len(index) == 2


def test_every_followed_event_reaches_the_listeners() -> None:
    # The app feeds its block cache this way, so reads need no qscc lookup for recent writes.
    ledger = FakeLedger()
    ledger.answers["ListCatalogs"] = {"items": [], "bookmark": "", "count": 0}
    ledger.answers["GetCatalog"] = lambda arg: _catalog(arg["id"], "床位", "Beds")
    ledger.events = [
        ChaincodeEvent(8, tx(2), "DepartmentUpdated", {"entity": "department", "id": "health"}),
        ChaincodeEvent(9, tx(3), "CatalogCreated", {"entity": "catalog", "id": "beds"}),
    ]
    seen: list[tuple[int, str]] = []
    index = CatalogIndex(lambda: ledger, on_event=lambda e: seen.append((e.block, e.tx_id)))
    try:
        index.ensure_ready()
        deadline = time.monotonic() + 2
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert seen == [(8, tx(2)), (9, tx(3))]
    finally:
        index.close()


def test_a_version_the_index_holds_is_not_read_again_and_never_goes_back() -> None:
    # A gateway's own committed write is indexed from its answer; its event then costs no read.
    ledger = FakeLedger()
    ledger.answers["GetCatalog"] = lambda arg: _catalog("bus-routes", "公交线路", "Bus routes", version=2)
    index = _index(ledger)
    index.offer(_catalog("bus-routes", "夜班公交", "Night buses", version=3))
    index.apply(
        ledger,
        ChaincodeEvent(9, tx(3), "CatalogUpdated", {"entity": "catalog", "id": "bus-routes", "version": 3}),
    )
    assert ledger.queries == [] and index.search("夜班") == ["bus-routes"]
    # An older version (a late answer, or a read that raced a later write) does not replace it.
    index.offer(_catalog("bus-routes", "公交线路", "Bus routes", version=2))
    assert index.search("夜班") == ["bus-routes"]
    # An event for a version the index does not hold yet is read from the ledger, once, by the
    # next search.
    index.apply(
        ledger,
        ChaincodeEvent(10, tx(4), "CatalogUpdated", {"entity": "catalog", "id": "bus-routes", "version": 4}),
    )
    assert ledger.queries == []
    assert index.search("夜班") == ["bus-routes"]  # the read answered version 2: older, not kept
    assert ledger.queries == [("GetCatalog", {"id": "bus-routes"})]
    index.search("夜班")
    assert len(ledger.queries) == 1


def test_a_committed_catalog_write_is_searchable_at_once(env: Env) -> None:
    # Indexed from the write's own answer, before (and without) its event being followed.
    old = {
        k: v for k, v in _catalog("bus-routes", "公交线路", "Bus routes", version=4).items() if k != "ledger"
    }
    new = {**old, "title": {"zh": "夜班公交", "en": "Night buses"}, "version": 5}
    current = {"bus-routes": old}
    env.health.answers["ListCatalogs"] = {"items": [old], "bookmark": "", "count": 1}
    env.health.answers["GetCatalog"] = lambda arg: current[arg["id"]]
    env.health.answers["UpdateCatalog"] = lambda arg: current.update({"bus-routes": new}) or new
    client = env.client()
    assert [c["id"] for c in client.get("/api/v1/catalogs?q=公交").get_json()["data"]] == ["bus-routes"]
    assert client.get("/api/v1/catalogs?q=夜班").get_json()["data"] == []
    assert client.patch("/api/v1/catalogs/bus-routes", json={"description": "x"}).status_code == 200
    found = client.get("/api/v1/catalogs?q=夜班").get_json()
    assert [c["id"] for c in found["data"]] == ["bus-routes"]


def test_an_event_during_this_gateways_write_waits_for_the_writes_answer() -> None:
    # The event of a write often arrives before the write's own answer: it is not read then.
    ledger = FakeLedger()
    newer = _catalog("bus-routes", "通宵公交", "All-night buses", version=7)
    ledger.answers["GetCatalog"] = lambda arg: newer
    index = CatalogIndex(lambda: ledger)
    for catalog in CATALOGS:
        index.upsert(catalog)

    def updated(version: int) -> ChaincodeEvent:
        payload = {"entity": "catalog", "id": "bus-routes", "version": version}
        return ChaincodeEvent(9, tx(version), "CatalogUpdated", payload)

    index.begin_write("bus-routes")
    index.apply(ledger, updated(6))
    assert ledger.queries == []  # deferred to the write's end
    index.end_write("bus-routes", _catalog("bus-routes", "夜班公交", "Night buses", version=6))
    assert ledger.queries == [] and index.search("夜班") == ["bus-routes"]
    # Another gateway's later write announced meanwhile: the answer is older, so it is read.
    index.begin_write("bus-routes")
    index.apply(ledger, updated(7))
    index.end_write("bus-routes", None)  # this write did not commit
    assert ledger.queries == []  # stale: the next search reads it
    assert index.search("通宵") == ["bus-routes"]
    assert ledger.queries == [("GetCatalog", {"id": "bus-routes"})]
    # With no write in flight, an event makes the catalog stale at once.
    ledger.answers["GetCatalog"] = lambda arg: _catalog("bus-routes", "公交线路", "Bus routes", version=8)
    index.apply(ledger, updated(8))
    assert len(ledger.queries) == 1 and index.search("公交线路") == ["bus-routes"]
    assert len(ledger.queries) == 2
