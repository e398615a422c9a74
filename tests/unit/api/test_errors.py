"""Errors: chaincode codes, MVCC retries, endorsement and availability failures, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.api.ledger import (
    ChaincodeError,
    CommitUnknown,
    EndorsementFailed,
    PeersUnavailable,
    TransactionInvalid,
)
from gateway.config import Limits
from tests.unit.api.conftest import Env, tx


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("INVALID_ARGUMENT", 400),
        ("FORBIDDEN", 403),
        ("NOT_FOUND", 404),
        ("CONFLICT", 409),
        ("FAILED_PRECONDITION", 409),
        ("INTERNAL", 500),
    ],
)
def test_chaincode_codes(env: Env, code: str, status: int) -> None:
    env.health.answers["GetCatalog"] = ChaincodeError(code, "said the chaincode", {"field": "id"})
    response = env.client().get("/api/v1/catalogs/health-beds")
    assert response.status_code == status
    assert response.get_json() == {
        "error": {"code": code, "message": "said the chaincode", "details": {"field": "id"}}
    }


def test_chaincode_refusal_of_a_submit(env: Env) -> None:
    env.health.submit_errors.append(ChaincodeError("FORBIDDEN", "only admins of HealthMSP"))
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "FORBIDDEN"
    assert len(env.health.submits) == 1  # a refusal is final: no retry


def _mvcc() -> TransactionInvalid:
    return TransactionInvalid(tx(9), "MVCC_READ_CONFLICT", 8)


def test_mvcc_conflict_is_retried_with_a_fresh_proposal(env: Env) -> None:
    env.health.submit_errors += [_mvcc(), _mvcc()]
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 200
    assert [s[0] for s in env.health.submits] == ["PublishCatalog"] * 3
    assert (
        'citydir_mvcc_retries_total{function="PublishCatalog"} 2'
        in env.client(None).get("/api/v1/metrics").text
    )


def test_mvcc_conflict_after_retries_is_409_retryable(env: Env) -> None:
    retries = Limits().mvcc_retries
    env.health.submit_errors += [_mvcc() for _ in range(retries + 5)]
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["retryable"] is True and error["code"] == "CONFLICT"
    assert error["details"]["validation_code"] == "MVCC_READ_CONFLICT"
    assert len(env.health.submits) == 1 + retries  # the first try and every retry


def test_a_policy_failure_is_re_endorsed_once_then_answered(env: Env) -> None:
    # Fabric's answer when another transaction of the block created the same new key.
    env.health.submit_errors += [TransactionInvalid(tx(9), "ENDORSEMENT_POLICY_FAILURE", 8)] * 2
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 502
    assert response.get_json()["error"]["details"]["validation_code"] == "ENDORSEMENT_POLICY_FAILURE"
    assert len(env.health.submits) == 2  # once more, not again and again


def test_a_policy_failure_that_was_a_race_succeeds_on_its_retry(env: Env) -> None:
    env.health.submit_errors.append(TransactionInvalid(tx(9), "ENDORSEMENT_POLICY_FAILURE", 8))
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 200, response.get_json()
    assert len(env.health.submits) == 2


def test_other_invalid_commit_is_not_retried(env: Env) -> None:
    env.health.submit_errors.append(TransactionInvalid(tx(9), "INVALID_WRITESET", 8))
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 502
    assert response.get_json()["error"]["details"]["validation_code"] == "INVALID_WRITESET"
    assert len(env.health.submits) == 1


def test_endorsements_that_differed_between_peers_are_endorsed_again(env: Env) -> None:
    # One peer had committed a block the other had not yet: their simulations disagreed.
    peers = [
        {
            "address": "peer0.health:7051",
            "msp_id": "HealthMSP",
            "message": "ProposalResponsePayloads do not match",
        }
    ]
    env.health.submit_errors.append(EndorsementFailed("failed to collect enough endorsements", peers, tx(3)))
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 200, response.get_json()
    assert len(env.health.submits) == 2


def test_endorsement_failure_is_502_with_peer_details(env: Env) -> None:
    peers = [{"address": "peer0.transport:9051", "msp_id": "TransportMSP", "message": "policy not satisfied"}]
    env.health.submit_errors.append(EndorsementFailed("endorsement failed", peers, tx(3)))
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 502
    assert response.get_json()["error"] == {
        "code": "ENDORSEMENT_FAILED",
        "message": "endorsement failed",
        "details": {"peers": peers, "tx_id": tx(3)},
    }
    assert len(env.health.submits) == 1  # not retried: nothing says another try would differ


def test_unavailable_is_503(env: Env) -> None:
    env.health.answers["GetDepartment"] = PeersUnavailable("no peer answered", [])
    response = env.client().get("/api/v1/departments/health")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "UNAVAILABLE"
    assert response.headers["Retry-After"]


def test_commit_status_unknown_is_504_with_tx_id(env: Env) -> None:
    env.health.submit_errors.append(CommitUnknown("deadline exceeded", tx(4)))
    response = env.client().post("/api/v1/catalogs/health-beds/publish")
    assert response.status_code == 504 and response.get_json()["error"]["details"]["tx_id"] == tx(4)


def test_body_over_limit_is_413_json(env: Env) -> None:
    body = b'{"description": "' + b"x" * (128 * 1024) + b'"}'
    response = env.client().patch("/api/v1/catalogs/health-beds", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert env.health.submits == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "malformed JSON"),
        (b'{"a": 1, "a": 2}', "duplicate key"),
        (b'{"record_count": NaN}', "malformed JSON"),
        (b'{"purpose_ref": "\\ud800"}', "not valid Unicode"),
        (b'{"purpose_ref": "\xff"}', "malformed JSON"),
        (b"[1, 2]", "JSON object"),
        (b"", "body is required"),
    ],
)
def test_bad_json_is_400(env: Env, body: bytes, message: str) -> None:
    response = env.client().post("/api/v1/usage", data=body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]
    assert env.health.submits == []


def test_unknown_query_parameter_is_400(env: Env) -> None:
    response = env.client().get("/api/v1/catalogs?departmnt=health")
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["unknown"] == ["departmnt"]
    assert env.health.queries == []


@pytest.mark.parametrize("size", ["0", "201", "ten"])
def test_page_size_bounds(env: Env, size: str) -> None:
    assert env.client().get(f"/api/v1/catalogs?page_size={size}").status_code == 400


def test_repeated_query_parameter_is_400(env: Env) -> None:
    assert env.client().get("/api/v1/catalogs?tag=a&tag=b").status_code == 400


def test_not_found_and_method_not_allowed_are_json(env: Env) -> None:
    client = env.client()
    missing = client.get("/api/v1/nowhere")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "NOT_FOUND"
    wrong = client.delete("/api/v1/catalogs/health-beds")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "PATCH" in wrong.headers["Allow"]


def test_unexpected_exception_is_500_json(env: Env) -> None:
    env.health.answers["GetDepartment"] = RuntimeError("boom")
    response = env.client().get("/api/v1/departments/health")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "INTERNAL", "message": "internal error", "details": {}}}


@pytest.fixture
def argument_schemas() -> Any:
    # Only these tests depend on the chaincode's schemas; without them the edge does not validate.
    module = pytest.importorskip(
        "chaincode.interface",
        reason="chaincode.interface absent: no edge schema validation to test",
    )
    return module.ARGUMENT_SCHEMAS


def test_unknown_field_is_400_before_any_fabric_call(env: Env, argument_schemas: Any) -> None:
    assert "UpdateDepartment" in argument_schemas
    response = env.client().patch("/api/v1/departments/health", json={"colour": "red"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "INVALID_ARGUMENT" and "colour" in error["message"]
    assert env.health.submits == []


def test_schema_checks_query_arguments_too(env: Env, argument_schemas: Any) -> None:
    response = env.client().get("/api/v1/catalogs?share_type=sometimes")
    assert response.status_code == 400 and env.health.queries == []


def test_without_schemas_the_chaincode_decides(env: Env) -> None:
    env.app.extensions["citydir"].schemas = None
    assert env.client().patch("/api/v1/departments/health", json={"colour": "red"}).status_code == 200
    assert env.health.submits[-1][1] == {"id": "health", "colour": "red"}
