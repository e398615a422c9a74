"""HTTP edges: credentials in the query string, the Content-Type of writes, and entity history."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gateway.api.routes import ROUTES
from tests.unit.api.conftest import ADMIN_TOKEN, CLIENT_TOKEN, Env, entity, tx

# --- a token in the query string --------------------------------------------------------------


def _assert_token_in_query(response: Any, *secrets: str) -> None:
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "TOKEN_IN_QUERY"
    assert "Authorization" in error["message"]
    for secret in secrets:  # the answer never repeats the credential
        assert secret not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        f"access_token={ADMIN_TOKEN}",
        f"token={ADMIN_TOKEN}",
        "Access-Token=whatever",  # names compare case- and separator-insensitively
        "api_key=whatever",
        "page_size=10&id_token=whatever",
        f"tag={CLIENT_TOKEN}",  # one of this gateway's tokens, whatever the parameter is called
        "q=Bearer%20abc.def",  # a bearer credential by its look
        ADMIN_TOKEN,  # a bare token as a parameter name
    ],
)
def test_a_credential_in_the_query_is_400_before_anything_else(env: Env, query: str) -> None:
    for client in (env.client(), env.client(None)):  # with or without a valid Authorization header
        response = client.get(f"/api/v1/catalogs?{query}")
        _assert_token_in_query(response, ADMIN_TOKEN, CLIENT_TOKEN)
    assert env.health.queries == [] and env.health.submits == []


def test_a_credential_in_the_query_is_refused_on_open_routes_and_writes(env: Env) -> None:
    _assert_token_in_query(env.client(None).get(f"/api/v1/healthz?token={ADMIN_TOKEN}"), ADMIN_TOKEN)
    response = env.client().post(f"/api/v1/catalogs/health-beds/publish?access_token={ADMIN_TOKEN}")
    _assert_token_in_query(response, ADMIN_TOKEN)
    assert env.health.submits == []


def test_a_credential_in_the_query_is_refused_outside_the_api_too(env: Env) -> None:
    # The web page and unknown paths are logged like any other URL.
    for path in ("/", "/static/app.js", "/no/such/path"):
        _assert_token_in_query(env.client(None).get(f"{path}?access_token={ADMIN_TOKEN}"), ADMIN_TOKEN)


def test_the_refusal_names_the_parameter_but_never_a_token(env: Env) -> None:
    error = env.client().get(f"/api/v1/catalogs?access_token=x&tag={ADMIN_TOKEN}").get_json()["error"]
    assert error["details"] == {"parameters": ["access_token", "tag"]}
    error = env.client().get(f"/api/v1/catalogs?{ADMIN_TOKEN}").get_json()["error"]
    assert error["details"] == {"parameters": []}  # the name is the token: not repeated


def test_no_declared_query_parameter_looks_like_a_credential() -> None:
    from gateway.api.auth import looks_like_credential_name

    declared = {p.name for r in ROUTES for p in r.query}
    assert declared and not [name for name in declared if looks_like_credential_name(name)]


def test_ordinary_queries_are_not_mistaken_for_tokens(env: Env) -> None:
    env.health.answers["ListCatalogs"] = {"items": [], "bookmark": "", "count": 0}
    assert env.client().get("/api/v1/catalogs?tag=token-bucket&status=published").status_code == 200


# --- Content-Type of writes -------------------------------------------------------------------

# Every route that takes a body, with its path parameters filled in.
BODY_ROUTES = sorted(
    {(r.method, re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x-1", r.path)) for r in ROUTES if r.body is not None}
)
BODY = json.dumps({"reason": "because"}).encode()


def _assert_415(env: Env, response: Any, content_type: str | None) -> None:
    assert response.status_code == 415, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "UNSUPPORTED_MEDIA_TYPE" and "application/json" in error["message"]
    assert error["details"]["content_type"] == content_type
    assert env.health.submits == [] and env.health.queries == []


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=[f"{m} {p}" for m, p in BODY_ROUTES])
@pytest.mark.parametrize("content_type", [None, "text/plain"])
def test_every_route_with_a_body_refuses_one_not_declared_json(
    env: Env, method: str, path: str, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    _assert_415(env, env.client().open(path, method=method, data=BODY, headers=headers), content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/json",
        "application/merge-patch+json",
    ],
)
def test_other_media_types_are_415(env: Env, content_type: str) -> None:
    response = env.client().post("/api/v1/catalogs", data=BODY, headers={"Content-Type": content_type})
    _assert_415(env, response, content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        'application/json; charset="utf-8"',
    ],
)
def test_json_with_or_without_a_utf8_charset_is_accepted(env: Env, content_type: str) -> None:
    response = env.client().post(
        "/api/v1/catalogs/health-beds/deprecate", data=BODY, headers={"Content-Type": content_type}
    )
    assert response.status_code == 200, response.get_json()
    assert env.health.submits[-1][:2] == ("DeprecateCatalog", {"id": "health-beds", "reason": "because"})


def test_json_in_another_charset_is_415(env: Env) -> None:
    response = env.client().post(
        "/api/v1/catalogs/health-beds/deprecate",
        data=BODY,
        headers={"Content-Type": "application/json; charset=iso-8859-1"},
    )
    assert response.status_code == 415 and env.health.submits == []
    assert "UTF-8" in response.get_json()["error"]["message"]


def test_an_empty_body_needs_no_content_type(env: Env) -> None:
    # Routes whose body is optional take "no body at all" as {}, as curl -X POST sends it.
    assert env.client().post("/api/v1/catalogs/health-beds/publish").status_code == 200
    # A route that needs a body still says so (400), not 415.
    response = env.client().post("/api/v1/catalogs")
    assert response.status_code == 400 and "body is required" in response.get_json()["error"]["message"]


def test_a_declared_non_json_type_is_415_even_without_a_body(env: Env) -> None:
    response = env.client().post(
        "/api/v1/catalogs/health-beds/publish", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415 and env.health.submits == []


def test_authentication_comes_before_the_media_type(env: Env) -> None:
    response = env.client(None).post("/api/v1/catalogs", data=BODY, headers={"Content-Type": "text/plain"})
    assert response.status_code == 401


def test_openapi_documents_415_on_routes_with_a_body_only(env: Env) -> None:
    doc = env.client(None).get("/api/v1/openapi.json").get_json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            has_body = "requestBody" in operation
            assert ("415" in operation["responses"]) == has_body, (method, path)


def test_every_gateway_error_code_is_in_the_status_table() -> None:
    import gateway.api.errors as errors

    table = errors.__doc__ or ""
    for status, code in errors._HTTP_CODES.items():
        assert re.search(rf"^{code}\s+{status}\b", table, re.MULTILINE), code
    assert re.search(r"^TOKEN_IN_QUERY\s+400\b", table, re.MULTILINE)


# --- history of every entity kind ----------------------------------------------------------------

# (path, GetHistory's entity argument, id)
HISTORIES = [
    ("/departments/health/history", "department", "health"),
    ("/responsibilities/health-r1/history", "responsibility", "health-r1"),
    ("/catalogs/health-beds/history", "catalog", "health-beds"),
    ("/access-requests/req-1/history", "request", "req-1"),
    ("/grants/grant-req-1/history", "grant", "grant-req-1"),
    ("/usage/use-1/history", "usage", "use-1"),
]


@pytest.mark.parametrize(("path", "kind", "entity_id"), HISTORIES, ids=[h[1] for h in HISTORIES])
def test_history_of_every_entity_kind(env: Env, path: str, kind: str, entity_id: str) -> None:
    env.health.answers["GetHistory"] = [
        {"tx_id": tx(3), "timestamp": "t3", "value": None, "is_delete": True},
        {"tx_id": tx(2), "timestamp": "t2", "value": entity(entity_id, tx(2)), "is_delete": False},
        {"tx_id": tx(1), "timestamp": "t1", "value": entity(entity_id, tx(1)), "is_delete": False},
    ]
    env.health.blocks.update({tx(1): 4, tx(2): 9, tx(3): 11})
    response = env.client().get("/api/v1" + path)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"data"}  # the catalog history's shape
    assert env.health.queries[-1] == ("GetHistory", {"entity": kind, "id": entity_id})
    assert [e["block"] for e in body["data"]] == [11, 9, 4]
    assert [e["value"]["ledger"]["block"] for e in body["data"][1:]] == [9, 4]
    assert body["data"][0] == {
        "tx_id": tx(3),
        "timestamp": "t3",
        "value": None,
        "is_delete": True,
        "block": 11,
    }


@pytest.mark.parametrize(("path", "kind", "entity_id"), HISTORIES, ids=[h[1] for h in HISTORIES])
def test_history_of_an_unknown_entity_is_404(env: Env, path: str, kind: str, entity_id: str) -> None:
    from gateway.api.ledger import ChaincodeError

    env.health.answers["GetHistory"] = ChaincodeError("NOT_FOUND", f"{kind} {entity_id} not found", {})
    response = env.client().get("/api/v1" + path)
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == f"{kind} {entity_id} not found"  # the chaincode's
    assert env.health.queries == [("GetHistory", {"entity": kind, "id": entity_id})]


def test_openapi_lists_every_history_route(env: Env) -> None:
    doc = env.client(None).get("/api/v1/openapi.json").get_json()
    for path, _, _ in HISTORIES:
        templated = "/api/v1" + re.sub(r"^/([a-z-]+)/[^/]+/history$", r"/\1/{id}/history", path)
        operation = doc["paths"][templated]["get"]
        assert operation["x-chaincode-functions"] == ["GetHistory"], templated
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Read"
        }
