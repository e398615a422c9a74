from __future__ import annotations

import pytest
from werkzeug.test import TestResponse

from gateway.config import ConfigError, parse_config
from tests.unit.api.conftest import ADMIN_TOKEN, EXPIRED_TOKEN, TRANSPORT_TOKEN, Env, gateway_config


def _assert_401(response: TestResponse, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["error"]["code"] == "UNAUTHENTICATED"
    assert message in body["error"]["message"]


def test_missing_token_is_401(env: Env) -> None:
    _assert_401(env.client(None).get("/api/v1/departments"), "bearer token is required")


def test_other_scheme_is_401(env: Env) -> None:
    client = env.client(None)
    _assert_401(
        client.get("/api/v1/departments", headers={"Authorization": f"Basic {ADMIN_TOKEN}"}), "required"
    )


def test_unknown_token_is_401(env: Env) -> None:
    _assert_401(env.client("not-a-token").get("/api/v1/departments"), "unknown token")


def test_expired_token_is_401(env: Env) -> None:
    _assert_401(env.client(EXPIRED_TOKEN).get("/api/v1/departments"), "expired")


def test_no_ledger_call_when_unauthenticated(env: Env) -> None:
    env.client(None).post("/api/v1/departments", json={"id": "x"})
    assert env.health.submits == [] and env.health.queries == []


def test_token_maps_to_its_own_identity(env: Env) -> None:
    env.health.answers["ListDepartments"] = {"items": [], "bookmark": "", "count": 0}
    assert env.client(ADMIN_TOKEN).get("/api/v1/departments").status_code == 200
    env.client(TRANSPORT_TOKEN).get("/api/v1/departments/d1")
    # Each caller's calls go through a ledger connected as that caller, never a shared one.
    assert [q[0] for q in env.health.queries] == ["ListDepartments"]
    assert [q[0] for q in env.ledgers["TransportMSP"].queries] == ["GetDepartment"]


@pytest.mark.parametrize("path", ["/api/v1/healthz", "/api/v1/metrics", "/api/v1/openapi.json"])
def test_open_routes_need_no_token(env: Env, path: str) -> None:
    assert env.client(None).get(path).status_code == 200


def test_config_stores_only_hashes() -> None:
    raw = gateway_config()
    assert all(len(i["token_sha256"]) == 64 for i in raw["identities"])
    assert ADMIN_TOKEN not in str(raw)
    raw["identities"][0]["token_sha256"] = ADMIN_TOKEN  # a plain token where a hash belongs
    with pytest.raises(ConfigError, match="hash"):
        parse_config(raw)


def test_identity_repr_hides_the_hash() -> None:
    identity = parse_config(gateway_config()).identities[0]
    assert identity.token_sha256 not in repr(identity)


def test_peers_of_own_org_come_first() -> None:
    raw = gateway_config()
    raw["peers"].insert(0, {**raw["peers"][0], "name": "peer0.transport", "msp_id": "TransportMSP"})
    config = parse_config(raw)
    assert [p.name for p in config.peers_for("HealthMSP")] == ["peer0.health", "peer0.transport"]
    assert [p.name for p in config.peers_for("TransportMSP")] == ["peer0.transport", "peer0.health"]
