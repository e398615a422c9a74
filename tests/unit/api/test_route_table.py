"""Routes that make one chaincode call are table entries served by the generic views; only
views with logic of their own are written by hand. And the deployed interface on /readyz."""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint

from chaincode.interface import VERSION
from gateway.api import ROUTES
from gateway.api.evidence import COLLECTIONS
from gateway.api.generic import VIEWS
from gateway.api.interface import InterfaceCheck
from gateway.api.ledger import ChaincodeError
from gateway.api.routes import PAGE, Page, Param, Read, Submit, serve
from gateway.app import warm_up
from tests.unit.api.conftest import Env, tx

API = Path(__file__).resolve().parents[3] / "gateway" / "api"

# Each has logic beyond one chaincode call.
HAND_WRITTEN = {
    "catalogs.list_catalogs",  # full-text search when q is given
    "access.list_access_requests",  # the acting department; incoming or outgoing
    "access.list_grants",  # the acting department, or a catalog
    "access.list_usage",  # the acting department, or a grant
    "ops.events",  # Server-Sent Events
    "ops.ledger_state",
    "ops.transaction_status",
    "ops.whoami",
    "ops.healthz",
    "ops.readyz",
    "ops.metrics",
    "ops.openapi",
    "imports.start_import",  # a multipart upload, run as a background job
    "imports.import_status",  # the job's progress, for its owner only
    "ops.get_block",  # the block's record from the provenance index
    "ops.find_block",  # by number, tx id or block hash
    "ops.activity",  # counts over the latest blocks
    "evidence.transaction_evidence",  # bundles: many reads, one zip
    "evidence.verify",  # the offline verifier's checks, in the gateway
}
# One view per entity collection, made in a loop (evidence._register_entity_routes).
EVIDENCE = {f"evidence.{kind}_evidence" for kind in COLLECTIONS.values()}


def test_only_views_with_logic_are_hand_written(env: Env) -> None:
    hand = {r.endpoint for r in ROUTES if r.call is None}
    assert hand == HAND_WRITTEN | EVIDENCE
    generic = [(r, r.call) for r in ROUTES if r.call is not None]
    assert len(generic) == len(ROUTES) - len(HAND_WRITTEN | EVIDENCE) == 32
    for spec, call in generic:
        view = env.app.view_functions[spec.endpoint]
        # ``generic`` is the attribute generic.view_for sets on the function it makes.
        assert vars(view)["generic"] is VIEWS[type(call)], spec.endpoint
        assert spec.chaincode == (call.function,)


def test_no_module_defines_a_view_that_restates_its_route() -> None:
    """The area modules define functions only for the hand-written views (and their helpers)."""
    endpoints = {r.endpoint.split(".", 1)[1] for r in ROUTES}
    defined = {
        node.name
        for path in API.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
    }
    assert defined & endpoints == {e.split(".", 1)[1] for e in HAND_WRITTEN}


def test_a_route_that_does_not_fit_the_interface_fails_at_import() -> None:
    bp = Blueprint("scratch", __name__)
    before = len(ROUTES)
    cases = [
        ("/x/<id>", "GET", Read("NoSuchFunction"), (), "not a function"),
        ("/x/<id>", "POST", Read("UpdateCatalog"), (), "is a submit"),
        ("/x/<id>", "GET", Submit("UpdateCatalog"), (), "cannot be GET"),
        ("/x/<id>", "GET", Read("GetCatalog", path={"catalog": "id"}), (), "does not have"),
        (
            "/x",
            "GET",
            Page("ListCatalogs", query={"dept": "department"}),
            (Param("dept"), *PAGE),
            "no argument",
        ),
    ]
    for rule, method, call, query, message in cases:
        with pytest.raises(ValueError, match=message):
            serve(bp, rule, method, "scratch", call, summary="x", query=query)
    assert len(ROUTES) == before


def test_optional_bodies_follow_the_schema() -> None:
    optional = {r.endpoint for r in ROUTES if r.body is not None and r.body.optional}
    assert optional == {
        "departments.reactivate_department",
        "catalogs.publish_catalog",
        "catalogs.deprecate_catalog",
        "access.withdraw_request",
    }


# --- the deployed chaincode's interface -----------------------------------------------------


def _ready(env: Env) -> dict[str, Any]:
    env.health.answers["Ping"] = {"ok": True, "channel": "citydir", "tx_id": tx(1)}
    response = env.client(None).get("/api/v1/readyz")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    assert body["ready"] is True
    return body


def test_readyz_says_the_interfaces_match(env: Env) -> None:
    env.health.answers["GetMetadata"] = {"version": VERSION, "functions": []}
    assert _ready(env)["interface"] == {"gateway": VERSION, "chaincode": VERSION, "match": True}


def test_readyz_reports_a_mismatch_without_failing(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    env.health.answers["GetMetadata"] = {"version": "0" * 64, "functions": []}
    assert _ready(env)["interface"] == {"gateway": VERSION, "chaincode": "0" * 64, "match": False}
    assert "speaks interface " + "0" * 64 in caplog.text


def test_readyz_reports_a_chaincode_without_get_metadata(env: Env) -> None:
    env.health.answers["GetMetadata"] = ChaincodeError("INVALID_ARGUMENT", "unknown function 'GetMetadata'")
    interface = _ready(env)["interface"]
    assert (interface["chaincode"], interface["match"]) == (None, False)
    assert "unknown function" in interface["error"]


def test_the_chaincode_interface_is_read_again_after_a_short_time(env: Env) -> None:
    clock = [100.0]
    check = env.app.extensions["citydir"].interface = InterfaceCheck(ttl=10, clock=lambda: clock[0])
    env.health.answers["GetMetadata"] = {"version": "0" * 64}
    assert _ready(env)["interface"]["match"] is False
    env.health.answers["GetMetadata"] = {"version": VERSION}  # deployed meanwhile
    assert _ready(env)["interface"]["match"] is False  # cached
    clock[0] += 10
    assert _ready(env)["interface"]["match"] is True
    assert [q for q, _ in env.health.queries].count("GetMetadata") == 2
    assert check.ttl == 10


def test_warm_up_reads_the_interface_in_the_background(env: Env) -> None:
    answered = threading.Event()

    def metadata(arg: object) -> dict[str, Any]:
        answered.set()
        return {"version": VERSION}

    env.health.answers["GetMetadata"] = metadata
    env.health.answers["ListCatalogs"] = {"items": [], "bookmark": ""}
    warm_up(env.app).join(timeout=10)
    assert answered.is_set()
    assert env.app.extensions["citydir"].interface.report(None)["match"] is True  # the reading is kept
