"""A bad body gets the same error at the edge as from the chaincode: one renderer, both sides."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.chaincode.helpers import HEALTH_ADMIN, access, catalog, item
from tests.unit.memstub import MemoryLedger

from .conftest import Env

GOOD = catalog("x-cat", "health", ["hw-care"])
USAGE = {
    "grant_id": "grant-req-g",
    "department_id": "health",
    "items": ["hospital"],
    "purpose_ref": "p",
    "record_count": 1,
}

# (method, url, body, the chaincode function and argument the route would submit)
CASES: list[tuple[str, str, Any, str, dict[str, Any]]] = [
    ("POST", "/catalogs", {**GOOD, "responsibility_ids": []}, "CreateCatalog", {}),
    (
        "POST",
        "/catalogs",
        {
            **GOOD,
            "title": 5,
            "items": [item("a"), item("b"), item("c"), {**item("d"), "type": "text"}],
            "colour": "red",
        },
        "CreateCatalog",
        {},
    ),
    ("POST", "/catalogs", {**GOOD, "description": "d" * 5000, "k" * 3000: 1}, "CreateCatalog", {}),
    (
        "POST",
        "/catalogs",
        {**GOOD, "items": [{**item(f"f{i}"), "type": "text"} for i in range(30)]},
        "CreateCatalog",
        {},
    ),
    ("POST", "/catalogs/batch", {"catalogs": [{"id": "c"}] * 3}, "CreateCatalogs", {}),
    (
        "PATCH",
        "/catalogs/dibao",
        {"share_type": "conditional", "share_conditions": "  ", "tags": ["a", "a"]},
        "UpdateCatalog",
        {"id": "dibao"},
    ),
    ("PATCH", "/catalogs/dibao", {}, "UpdateCatalog", {"id": "dibao"}),
    (
        "POST",
        "/access-requests",
        access("health", "beds", ["a", "a"], requested_until="next year", purpose=" "),
        "RequestAccess",
        {},
    ),
    ("POST", "/usage", {**USAGE, "items": [], "record_count": -1}, "RecordUsage", {}),
    ("POST", "/departments/health/suspend", {"reason": "   "}, "SuspendDepartment", {"id": "health"}),
    # The guideline fields: a resource code of the wrong shape, a bad related code, a missing basis.
    ("POST", "/catalogs", {**GOOD, "resource_code": "12/000001"}, "CreateCatalog", {}),
    ("POST", "/catalogs", {**GOOD, "related_codes": ["301/1", "301/1"]}, "CreateCatalog", {}),
    ("POST", "/catalogs", {**GOOD, "share_type": "none"}, "CreateCatalog", {}),
    ("PATCH", "/catalogs/dibao", {"resource_code": "4/000001"}, "UpdateCatalog", {"id": "dibao"}),
]


def chaincode_error(function: str, arg: dict[str, Any]) -> dict[str, Any]:
    response, _ = MemoryLedger().invoke(HEALTH_ADMIN, function, arg)
    assert response.status == 500
    error: dict[str, Any] = json.loads(response.message)
    return error


@pytest.mark.parametrize(("method", "url", "body", "function", "path"), CASES)
def test_the_edge_answers_what_the_chaincode_would(
    env: Env, method: str, url: str, body: Any, function: str, path: dict[str, Any]
) -> None:
    response = env.client().open(f"/api/v1{url}", method=method, json=body)
    assert response.status_code == 400
    at_edge = response.get_json()["error"]
    assert at_edge == chaincode_error(function, {**body, **path})
    assert at_edge["code"] == "INVALID_ARGUMENT" and at_edge["details"]["errors"]
    assert env.health.submits == []


def test_query_arguments_too(env: Env) -> None:
    response = env.client().get("/api/v1/catalogs?share_type=sometimes&status=lost")
    assert response.status_code == 400
    at_edge = response.get_json()["error"]
    assert at_edge == chaincode_error("ListCatalogs", {"share_type": "sometimes", "status": "lost"})
    assert [e["path"] for e in at_edge["details"]["errors"]] == ["query.share_type", "query.status"]
    assert env.health.queries == []


def test_a_huge_value_is_not_echoed(env: Env) -> None:
    """A 70 KB description: over the chaincode's 64 KiB, so only the edge sees it as a schema error."""
    response = env.client().post("/api/v1/catalogs", json={**GOOD, "description": "d" * 70_000})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"] == "catalog.description: too long: 70000 characters, at most 4000 allowed"
    assert error["details"] == {
        "field": "catalog.description",
        "errors": [{"path": "catalog.description", "message": error["message"].split(": ", 1)[1]}],
    }


def test_the_field_and_rule_of_an_empty_responsibility_list(env: Env) -> None:
    response = env.client().post("/api/v1/catalogs", json={**GOOD, "responsibility_ids": []})
    assert response.get_json()["error"]["message"] == (
        "catalog.responsibility_ids: a catalog must serve at least one statutory responsibility; give its id"
    )


def test_the_rule_of_a_bad_resource_code(env: Env) -> None:
    response = env.client().post("/api/v1/catalogs", json={**GOOD, "resource_code": "12/000001"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error == chaincode_error("CreateCatalog", {**GOOD, "resource_code": "12/000001"})
    assert error["details"]["field"] == "catalog.resource_code"
    assert "1, 3, 6 or 9 digits" in error["message"]
