"""The client chooses a transaction's timestamp: how far it may lie, and what the contract refuses.

Expiry is judged by the transaction timestamp, which the submitting client sets. The peers
accept a proposal only within CITYDIR_AUTH_TIMEWINDOW (5 minutes on this network) of their own
clock; within it, the contract refuses a usage record dated before its grant took effect or
before the last usage recorded under that grant. On real peers only: the embedded ledger takes
the time from its own clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.fabric import (
    Contract,
    EndorseError,
    Gateway,
    Signer,
    chaincode_message,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)
from tests._protos import common_pb2, gateway_pb2, proposal_pb2
from tests.fault.netutil import peer_tls_ca, peers, user_files
from tests.integration.localnet import LocalNetwork
from tests.integration.rest import BUREAU, CIVIL, HEALTH, Api, catalog, department, responsibility, unique

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Use:
    civil: str
    grant_id: str


@dataclass(frozen=True)
class Grantee:
    gateway: Gateway
    contract: Contract
    signer: Signer


@pytest.fixture(scope="module")
def use(directory_network: LocalNetwork) -> Use:
    """A grant of Health's catalog to a CivilAffairs department, with one use already recorded."""
    api = Api.for_network(directory_network)
    civil, health, resp, cat = unique("t-civil"), unique("t-health"), unique("t-resp"), unique("t-cat")
    for dept_id, msp in ((civil, CIVIL), (health, HEALTH)):
        assert api.post("/departments", department(dept_id, msp), as_=(BUREAU, "admin")).status == 201
    created = api.post(
        f"/departments/{health}/responsibilities", responsibility(resp, health), as_=(HEALTH, "admin")
    )
    assert created.status == 201, created
    assert api.post("/catalogs", catalog(cat, health, resp), as_=(HEALTH, "admin")).status == 201
    assert api.post(f"/catalogs/{cat}/publish", as_=(HEALTH, "admin")).status == 200
    req_id = unique("t-req")
    body = {
        "id": req_id,
        "requester_id": civil,
        "catalog_id": cat,
        "items": ["person_id"],
        "purpose": "time test",
        "legal_basis": "test",
        "requested_until": "2028-12-31",
    }
    assert api.post("/access-requests", body, as_=(CIVIL, "client")).status == 201
    approved = api.post(f"/access-requests/{req_id}/approve", {"reason": "ok"}, as_=(HEALTH, "admin"))
    assert approved.status == 200, approved
    grant_id = approved.data["grant"]["id"]
    used = api.post("/usage", usage_arg(grant_id, civil), as_=(CIVIL, "client"))
    assert used.status == 201, used
    return Use(civil, grant_id)


@pytest.fixture(scope="module")
def grantee(directory_network: LocalNetwork) -> Iterator[Grantee]:
    """CivilAffairs' client, connected to its own peer, signing its own proposals."""
    peer = next(p for p in peers(directory_network) if p.msp_id == CIVIL)
    cert, key = user_files(directory_network, CIVIL, "client")
    channel = new_grpc_channel(
        f"127.0.0.1:{peer.port}",
        tls_root_cert=peer_tls_ca(directory_network, peer),
        server_name_override=peer.host,
    )
    signer = new_private_key_signer(load_private_key(key))
    gateway = connect(channel, load_identity(CIVIL, cert), signer)
    try:
        yield Grantee(gateway, gateway.get_network("citydir").get_contract("citydir"), signer)
    finally:
        gateway.close()
        channel.close()


def usage_arg(grant_id: str, department_id: str) -> dict[str, Any]:
    return {
        "grant_id": grant_id,
        "department_id": department_id,
        "items": ["person_id"],
        "purpose_ref": "case-1",
        "record_count": 1,
    }


def dated(grantee: Grantee, function: str, arg: dict[str, Any], moment: datetime) -> Any:
    """A proposal of ``function`` whose channel header says ``moment``, signed by the grantee,
    as a client that lies about the time would send it."""
    proposal = grantee.contract.new_proposal(function, args=[json.dumps(arg, ensure_ascii=False)])
    proposed = gateway_pb2.ProposedTransaction.FromString(proposal.bytes())
    inner = proposal_pb2.Proposal.FromString(proposed.proposal.proposal_bytes)
    header = common_pb2.Header.FromString(inner.header)
    channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
    channel_header.timestamp.FromDatetime(moment.astimezone(UTC).replace(tzinfo=None))
    header.channel_header = channel_header.SerializeToString()
    inner.header = header.SerializeToString()
    proposal_bytes = inner.SerializeToString()
    proposed.proposal.proposal_bytes = proposal_bytes
    proposed.proposal.signature = b""
    signature = grantee.signer(hashlib.sha256(proposal_bytes).digest())
    return grantee.gateway.new_signed_proposal(proposed.SerializeToString(), signature)


def endorse_error(grantee: Grantee, function: str, arg: dict[str, Any], moment: datetime) -> EndorseError:
    with pytest.raises(EndorseError) as caught:
        dated(grantee, function, arg, moment).endorse()
    return caught.value


def test_a_proposal_outside_the_time_window_is_refused_by_the_peer(use: Use, grantee: Grantee) -> None:
    for skew in (timedelta(minutes=-10), timedelta(minutes=10)):
        error = endorse_error(
            grantee, "RecordUsage", usage_arg(use.grant_id, use.civil), datetime.now(UTC) + skew
        )
        assert "incorrect timestamp" in str(error) and "timewindow 5m" in str(error), str(error)


def refused_by_contract(grantee: Grantee, use: Use, moment: datetime) -> dict[str, Any]:
    error = endorse_error(grantee, "RecordUsage", usage_arg(use.grant_id, use.civil), moment)
    answer: dict[str, Any] = json.loads(chaincode_message(error) or "{}")
    assert answer.get("code") == "FAILED_PRECONDITION", str(error)
    return answer


def accepted(grantee: Grantee, use: Use, moment: datetime) -> None:
    transaction = dated(grantee, "RecordUsage", usage_arg(use.grant_id, use.civil), moment).endorse()
    assert transaction.submit().status().successful


def test_a_use_dated_before_its_grant_took_effect_is_refused(use: Use, grantee: Grantee) -> None:
    # Three minutes back: within the peers' window, but before the grant was issued.
    refused_by_contract(grantee, use, datetime.now(UTC) - timedelta(minutes=3))


def test_uses_under_one_grant_are_dated_in_order(use: Use, grantee: Grantee) -> None:
    now = datetime.now(UTC)
    accepted(grantee, use, now + timedelta(minutes=3))  # a clock ahead, within the window
    # Now is after the grant took effect, but before the use just recorded.
    refused_by_contract(grantee, use, now + timedelta(seconds=10))
    accepted(grantee, use, now + timedelta(minutes=4))
