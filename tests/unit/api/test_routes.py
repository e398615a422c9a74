"""Every route's happy path: status, envelope, tx_id/block on writes, ledger.block on reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from gateway.config import IdentityConfig
from tests.unit.api.conftest import Env, FakeLedger, entity, gateway_config, tx

NAME = {"zh": "卫生健康委员会", "en": "Health Commission"}
CONTACT = {"name": "Li Wei", "email": "li.wei@health.gov.example", "phone": "+86 10 1234 5678"}
CATALOG = {
    "id": "health-beds",
    "department_id": "health",
    "responsibility_ids": ["health-r1"],
    "title": {"zh": "医疗床位", "en": "Hospital beds"},
    "items": [{"name": "beds", "title": "床位数", "type": "integer", "sensitivity": "public"}],
    "share_type": "unconditional",
    "open_type": "open",
    "update_frequency": "daily",
}
REQUEST = {
    "requester_id": "transport",
    "catalog_id": "health-beds",
    "items": ["beds"],
    "purpose": "ambulance routing",
    "legal_basis": "city regulation 12",
    "requested_until": "2027-01-01",
}

# (method, path, body, chaincode function, expected chaincode argument, status)
WRITES: list[tuple[str, str, dict[str, Any] | None, str, dict[str, Any], int]] = [
    (
        "POST",
        "/departments",
        {
            "id": "health",
            "name": NAME,
            "parent_id": None,
            "level": "municipal",
            "msp_id": "HealthMSP",
            "contact": CONTACT,
        },
        "RegisterDepartment",
        {"id": "health"},
        201,
    ),
    (
        "PATCH",
        "/departments/health",
        {"contact": CONTACT},
        "UpdateDepartment",
        {"id": "health", "contact": CONTACT},
        200,
    ),
    (
        "POST",
        "/departments/health/suspend",
        {"reason": "merged"},
        "SuspendDepartment",
        {"id": "health", "reason": "merged"},
        200,
    ),
    ("POST", "/departments/health/reactivate", None, "ReactivateDepartment", {"id": "health"}, 200),
    (
        "POST",
        "/departments/health/responsibilities",
        {"id": "health-r1", "code": "R-1", "title": NAME, "legal_basis": "law"},
        "CreateResponsibility",
        {"id": "health-r1", "department_id": "health"},
        201,
    ),
    (
        "PATCH",
        "/responsibilities/health-r1",
        {"status": "retired"},
        "UpdateResponsibility",
        {"id": "health-r1", "status": "retired"},
        200,
    ),
    ("POST", "/catalogs", CATALOG, "CreateCatalog", {"id": "health-beds"}, 201),
    ("POST", "/catalogs/batch", {"catalogs": [CATALOG]}, "CreateCatalogs", {"catalogs": [CATALOG]}, 201),
    (
        "PATCH",
        "/catalogs/health-beds",
        {"description": "beds"},
        "UpdateCatalog",
        {"id": "health-beds", "description": "beds"},
        200,
    ),
    ("POST", "/catalogs/health-beds/publish", None, "PublishCatalog", {"id": "health-beds"}, 200),
    (
        "POST",
        "/catalogs/health-beds/deprecate",
        {"reason": "old"},
        "DeprecateCatalog",
        {"id": "health-beds", "reason": "old"},
        200,
    ),
    ("POST", "/access-requests", REQUEST, "RequestAccess", REQUEST, 201),
    (
        "POST",
        "/access-requests/req-1/approve",
        {"reason": "ok", "valid_until": "2027-01-01"},
        "ApproveRequest",
        {"id": "req-1", "reason": "ok", "valid_until": "2027-01-01"},
        200,
    ),
    (
        "POST",
        "/access-requests/req-1/reject",
        {"reason": "no"},
        "RejectRequest",
        {"id": "req-1", "reason": "no"},
        200,
    ),
    ("POST", "/access-requests/req-1/withdraw", None, "WithdrawRequest", {"id": "req-1"}, 200),
    (
        "POST",
        "/grants/grant-req-1/revoke",
        {"reason": "ended"},
        "RevokeGrant",
        {"id": "grant-req-1", "reason": "ended"},
        200,
    ),
    (
        "POST",
        "/usage",
        {
            "grant_id": "grant-req-1",
            "department_id": "transport",
            "items": ["beds"],
            "purpose_ref": "T-1",
            "record_count": 3,
        },
        "RecordUsage",
        {"grant_id": "grant-req-1", "record_count": 3},
        201,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "fn", "arg", "status"), WRITES, ids=[w[3] for w in WRITES]
)
def test_write_waits_for_commit(
    env: Env, method: str, path: str, body: dict[str, Any] | None, fn: str, arg: dict[str, Any], status: int
) -> None:
    response = env.client().open("/api/v1" + path, method=method, json=body)
    assert response.status_code == status, response.get_json()
    out = response.get_json()
    assert set(out) == {"data", "tx_id", "block"}
    assert len(out["tx_id"]) == 64 and out["block"] == env.health.height
    called_fn, called_arg, wait = env.health.submits[-1]
    assert (called_fn, wait) == (fn, True)
    assert arg.items() <= called_arg.items()
    # The entity written by this very transaction carries its block without another lookup.
    assert out["data"]["ledger"] == {
        "tx_id": out["tx_id"],
        "timestamp": "2026-01-02T03:04:05Z",
        "block": 7,
        "validation_code": "VALID",
        "endorsers": ["HealthMSP"],
    }
    assert env.health.block_lookups == []  # the commit named the block: read by number


def test_body_id_must_match_path(env: Env) -> None:
    response = env.client().patch("/api/v1/departments/health", json={"id": "other"})
    assert response.status_code == 400 and response.get_json()["error"]["details"]["field"] == "id"
    assert env.health.submits == []


def test_wait_false_is_202_then_transaction_status(env: Env) -> None:
    client = env.client()
    response = client.post("/api/v1/catalogs/health-beds/publish?wait=false")
    assert response.status_code == 202
    tx_id = response.get_json()["tx_id"]
    assert response.get_json() == {"tx_id": tx_id}
    assert response.headers["Location"] == f"/api/v1/transactions/{tx_id}"
    assert env.health.submits[-1][2] is False

    status = client.get(f"/api/v1/transactions/{tx_id}").get_json()["data"]
    assert status == {"tx_id": tx_id, "status": "pending", "block": None}
    env.health.statuses[tx_id] = ("VALID", 12)
    status = client.get(f"/api/v1/transactions/{tx_id}").get_json()["data"]
    assert status == {"tx_id": tx_id, "status": "VALID", "block": 12}
    env.health.statuses[tx(5)] = ("MVCC_READ_CONFLICT", 13)
    assert client.get(f"/api/v1/transactions/{tx(5)}").get_json()["data"]["status"] == "MVCC_READ_CONFLICT"


def test_transaction_id_is_checked(env: Env) -> None:
    assert env.client().get("/api/v1/transactions/nothex").status_code == 400


# (path, chaincode function, expected chaincode argument)
READS = [
    ("/departments/health", "GetDepartment", {"id": "health"}),
    ("/responsibilities/health-r1", "GetResponsibility", {"id": "health-r1"}),
    ("/catalogs/health-beds", "GetCatalog", {"id": "health-beds"}),
    ("/access-requests/req-1", "GetAccessRequest", {"id": "req-1"}),
    ("/grants/grant-req-1", "GetGrant", {"id": "grant-req-1"}),
    ("/usage/use-1", "GetUsage", {"id": "use-1"}),
]


@pytest.mark.parametrize(("path", "fn", "arg"), READS, ids=[r[1] for r in READS])
def test_read_adds_block_of_last_write(env: Env, path: str, fn: str, arg: dict[str, Any]) -> None:
    env.health.blocks[tx(1)] = 3
    response = env.client().get("/api/v1" + path)
    assert response.status_code == 200
    assert response.get_json()["data"]["ledger"] == {
        "tx_id": tx(1),
        "timestamp": "2026-01-02T03:04:05Z",
        "block": 3,
        "validation_code": "VALID",
        "endorsers": ["HealthMSP"],
    }
    assert env.health.queries[-1] == (fn, arg)


def test_block_lookups_are_cached(env: Env) -> None:
    env.health.blocks[tx(1)] = 3
    client = env.client()
    client.get("/api/v1/departments/health")
    client.get("/api/v1/catalogs/health-beds")
    assert env.health.block_lookups == [tx(1)]


def _page(*items: dict[str, Any], bookmark: str = "") -> dict[str, Any]:
    return {"items": list(items), "bookmark": bookmark, "count": len(items)}


# (path with query, chaincode function, expected argument)
LISTS = [
    (
        "/departments?parent=city&status=active&page_size=10",
        "ListDepartments",
        {"parent_id": "city", "status": "active", "page_size": 10},
    ),
    (
        "/departments/health/responsibilities?bookmark=b1",
        "ListResponsibilities",
        {"department_id": "health", "bookmark": "b1"},
    ),
    (
        "/catalogs?department=health&share_type=conditional&tag=beds",
        "ListCatalogs",
        {"department_id": "health", "share_type": "conditional", "tag": "beds"},
    ),
    (
        "/access-requests?role=incoming&department=health&status=pending",
        "ListAccessRequests",
        {"owner_id": "health", "status": "pending"},
    ),
    ("/access-requests?department=transport", "ListAccessRequests", {"requester_id": "transport"}),
    (
        "/grants?catalog=health-beds&status=active",
        "ListGrants",
        {"catalog_id": "health-beds", "status": "active"},
    ),
    ("/grants?department=transport", "ListGrants", {"grantee_id": "transport"}),
    ("/usage?grant=grant-req-1", "ListUsage", {"grant_id": "grant-req-1"}),
    ("/usage?department=transport", "ListUsage", {"department_id": "transport"}),
]


@pytest.mark.parametrize(("path", "fn", "arg"), LISTS, ids=[p for p, _, _ in LISTS])
def test_lists(env: Env, path: str, fn: str, arg: dict[str, Any]) -> None:
    env.health.answers[fn] = _page(entity("a", tx(1)), entity("b", tx(2)), bookmark="next")
    env.health.blocks.update({tx(1): 1, tx(2): 2})
    out = env.client().get("/api/v1" + path).get_json()
    assert env.health.queries[-1] == (fn, arg)
    assert out["bookmark"] == "next" and out["count"] == 2
    assert [i["ledger"]["block"] for i in out["data"]] == [1, 2]


def test_lists_default_to_the_callers_only_department(env: Env) -> None:
    env.health.answers["ListDepartments"] = _page(entity("health", tx(1)))
    env.health.answers["ListAccessRequests"] = _page()
    assert env.client().get("/api/v1/access-requests?role=incoming").status_code == 200
    assert env.health.queries == [
        ("ListDepartments", {"msp_id": "HealthMSP", "page_size": 200}),
        ("ListAccessRequests", {"owner_id": "health"}),
    ]


def test_lists_refuse_to_guess_among_several_departments(env: Env) -> None:
    env.health.answers["ListDepartments"] = _page(entity("health", tx(1)), entity("health-cdc", tx(2)))
    response = env.client().get("/api/v1/grants")
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["departments"] == ["health", "health-cdc"]


def test_grants_take_one_filter(env: Env) -> None:
    assert env.client().get("/api/v1/grants?department=a&catalog=b").status_code == 400


def test_access_check(env: Env) -> None:
    env.health.answers["CheckAccess"] = {"allowed": True, "reason": "grant", "grant_id": "grant-req-1"}
    response = env.client().get("/api/v1/access-check?department=transport&catalog=health-beds&item=beds")
    assert response.get_json() == {"data": {"allowed": True, "reason": "grant", "grant_id": "grant-req-1"}}
    assert env.health.queries[-1] == (
        "CheckAccess",
        {"department_id": "transport", "catalog_id": "health-beds", "item": "beds"},
    )
    assert env.client().get("/api/v1/access-check?department=transport").status_code == 400


def test_access_request_result_has_blocks_for_request_and_grant(env: Env) -> None:
    env.health.answers["GetAccessRequest"] = {
        "request": entity("req-1", tx(1)),
        "grant": entity("grant-req-1", tx(2)),
    }
    env.health.blocks.update({tx(1): 4, tx(2): 5})
    data = env.client().get("/api/v1/access-requests/req-1").get_json()["data"]
    assert (data["request"]["ledger"]["block"], data["grant"]["ledger"]["block"]) == (4, 5)


def test_catalog_history(env: Env) -> None:
    env.health.answers["GetHistory"] = [
        {"tx_id": tx(2), "timestamp": "t2", "value": entity("health-beds", tx(2)), "is_delete": False},
        {"tx_id": tx(1), "timestamp": "t1", "value": entity("health-beds", tx(1)), "is_delete": False},
    ]
    env.health.blocks.update({tx(1): 4, tx(2): 9})
    data = env.client().get("/api/v1/catalogs/health-beds/history").get_json()["data"]
    assert env.health.queries[-1] == ("GetHistory", {"entity": "catalog", "id": "health-beds"})
    assert [(e["block"], e["value"]["ledger"]["block"]) for e in data] == [(9, 9), (4, 4)]


def test_ledger_overview(env: Env) -> None:
    data = env.client().get("/api/v1/ledger?blocks=2").get_json()["data"]
    assert data["height"] == 7 and data["channel"] == "citydir"
    assert [p["height"] for p in data["peers"]] == [7, None]
    assert [b["number"] for b in data["blocks"]] == [6, 5]


def test_readyz(env: Env) -> None:
    env.health.answers["Ping"] = {"ok": True, "channel": "citydir", "tx_id": tx(1)}
    response = env.client(None).get("/api/v1/readyz")
    assert response.status_code == 200 and response.get_json()["ready"] is True
    from gateway.api.ledger import PeersUnavailable

    env.health.answers["Ping"] = PeersUnavailable("no peer")
    response = env.client(None).get("/api/v1/readyz")
    assert response.status_code == 503 and response.get_json()["ready"] is False


def test_healthz(env: Env) -> None:
    assert env.client(None).get("/api/v1/healthz").get_json() == {"status": "ok"}


def test_block_lookup_stops_at_the_entity(env: Env) -> None:
    # A catalog's items are not entities: only the catalog's own ledger entry is looked up.
    catalog = entity("beds", tx(1))
    catalog["items"] = [{"name": "n", "ledger": {"tx_id": tx(9), "timestamp": "x"}}]
    env.health.answers["GetCatalog"] = catalog
    env.health.blocks[tx(1)] = 3
    response = env.client().get("/api/v1/catalogs/beds")
    assert response.status_code == 200
    assert env.health.block_lookups == [tx(1)]
    assert "block" not in response.get_json()["data"]["items"][0]["ledger"]


# --- which ledger the gateway runs on: the page warns on the embedded one ---------------------------


@pytest.fixture(params=["fabric", "embedded"])
def kind_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Env]]:
    """An app like ``env``'s, its configuration naming each ledger kind in turn (ledgers still fake)."""
    kind: str = request.param
    config = gateway_config()
    config["ledger"] = {"kind": kind, "path": str(tmp_path / "ledger.sqlite")} if kind == "embedded" else {}
    ledgers: dict[str, FakeLedger] = {}

    def factory(identity: IdentityConfig) -> FakeLedger:
        return ledgers.setdefault(identity.msp_id, FakeLedger(msp_id=identity.msp_id))

    app = create_app(config, ledger_factory=factory)
    app.config["TESTING"] = True
    factory(app.extensions["citydir"].config.identities[0])
    yield kind, Env(app, ledgers)
    app.extensions["citydir"].index.close()


def test_whoami_names_the_ledger(kind_env: tuple[str, Env]) -> None:
    kind, env = kind_env
    env.health.answers["ListDepartments"] = {"items": [{"id": "health"}], "bookmark": ""}
    data = env.client().get("/api/v1/whoami").get_json()["data"]
    assert data["ledger"] == kind
    assert (data["msp_id"], data["role"], data["departments"]) == ("HealthMSP", "admin", ["health"])


def test_ledger_overview_names_the_ledger(kind_env: tuple[str, Env]) -> None:
    kind, env = kind_env
    data = env.client().get("/api/v1/ledger?blocks=1").get_json()["data"]
    assert data["ledger"] == kind and data["height"] == 7


def test_ledger_overview_shows_each_blocks_hashes_and_genesis(env: Env) -> None:
    env.health.blocks.update({tx(1): 6, tx(2): 0})
    data = env.client().get("/api/v1/ledger?blocks=1").get_json()["data"]
    block = data["blocks"][0]
    assert (block["number"], block["hash"], block["previous_hash"]) == (6, f"{6:064x}", f"{5:064x}")
    assert block["transactions"][0]["endorsers"] == ["HealthMSP"]
    assert data["genesis_hash"] == f"{0:064x}"


def test_readyz_names_the_ledger_ready_or_not(kind_env: tuple[str, Env]) -> None:
    from gateway.api.ledger import PeersUnavailable

    kind, env = kind_env
    env.health.answers["Ping"] = {"ok": True, "channel": "citydir", "tx_id": tx(1)}
    ready = env.client(None).get("/api/v1/readyz")
    assert ready.status_code == 200 and ready.get_json()["ledger"] == kind
    env.health.answers["Ping"] = PeersUnavailable("no peer")
    unready = env.client(None).get("/api/v1/readyz")
    assert unready.status_code == 503 and unready.get_json()["ledger"] == kind
