"""Rule 9: every key written carries a key-level policy naming its owner's peers."""

from __future__ import annotations

import pytest

from chaincode.directory.policy import peer_of, required_peers
from tests._protos import msp_principal_pb2, policies_pb2

from .helpers import BUREAU_ADMIN, CIVIL_ADMIN, CIVIL_CLIENT, HEALTH_CLIENT, Directory, access, key


def test_peer_of_one_msp_decodes_to_a_signed_by_peer_rule() -> None:
    envelope = policies_pb2.SignaturePolicyEnvelope()
    envelope.ParseFromString(peer_of("HealthMSP"))
    assert envelope.version == 0
    assert envelope.rule.n_out_of.n == 1
    assert [rule.signed_by for rule in envelope.rule.n_out_of.rules] == [0]
    assert len(envelope.identities) == 1
    principal = envelope.identities[0]
    assert principal.principal_classification == msp_principal_pb2.MSPPrincipal.ROLE
    role = msp_principal_pb2.MSPRole()
    role.ParseFromString(principal.principal)
    assert (role.msp_identifier, role.role) == ("HealthMSP", msp_principal_pb2.MSPRole.PEER)


def test_peer_of_several_msps_is_an_and_in_fixed_order() -> None:
    policy = peer_of("HealthMSP", "CivilAffairsMSP", "HealthMSP")
    assert required_peers(policy) == (2, ["CivilAffairsMSP", "HealthMSP"])
    assert policy == peer_of("CivilAffairsMSP", "HealthMSP")
    with pytest.raises(ValueError):
        peer_of()


def _policies(city: Directory) -> dict[str, tuple[int, list[str]]]:
    """The policy in force on every key the last transaction wrote, after it committed.

    A policy is set only where it is new or changed: setting an unchanged one would make Fabric
    fail every later transaction of the block that touches the key (issue: concurrent writes).
    """
    stub = city.last
    written = {k for k, v in stub.writes.items() if v is not None}
    assert set(stub.validation_writes) <= written, "a policy set on a key not written"
    in_force = {k: city.ledger.validation.get(k) for k in written}
    assert all(in_force.values()), "every key written carries a policy"
    return {k: required_peers(v) for k, v in in_force.items() if v is not None}


def test_an_update_sets_no_policy_on_keys_that_already_carry_it(city: Directory) -> None:
    city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "tags": ["a"]})
    stub = city.last
    assert key("catalog", "dibao") in stub.writes
    assert key("catalog", "dibao") not in stub.validation_writes  # unchanged: left in force
    assert stub.validation_writes[key("catalog~tag", "a", "published", "dibao")]  # a new key: set
    city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "description": "again"})
    assert city.last.validation_writes == {}


def test_each_entity_and_its_indexes_carry_the_owners_policy(city: Directory) -> None:
    city.ok(
        BUREAU_ADMIN,
        "RegisterDepartment",
        {
            "id": "chaoyang",
            "name": {"zh": "朝阳", "en": "Chaoyang"},
            "parent_id": "civil-affairs",
            "level": "district",
            "msp_id": "CivilAffairsMSP",
            "contact": {"name": "n", "email": "c@city.example", "phone": "123456"},
        },
    )
    policies = _policies(city)
    assert len(policies) == 4 and set(map(str, policies.values())) == {str((1, ["DataBureauMSP"]))}

    city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "tags": ["a"]})
    policies = _policies(city)
    assert policies[key("catalog", "dibao")] == (1, ["CivilAffairsMSP"])
    assert policies[key("catalog~tag", "a", "published", "dibao")] == (1, ["CivilAffairsMSP"])

    city.ok(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", id="req-beds"))
    policies = _policies(city)
    # Request and grant speak for the catalog owner (HealthMSP), not the requester.
    assert policies[key("request", "req-beds")] == (1, ["HealthMSP"])
    assert policies[key("grant", "grant-req-beds")] == (1, ["HealthMSP"])
    assert policies[key("grant~pair", "civil-affairs", "beds", "grant-req-beds")] == (1, ["HealthMSP"])
    # The catalog's grant register, too: it already exists, so only Health's peer can change it.
    assert policies[key("grantreg", "beds")] == (1, ["HealthMSP"])
    assert len(policies) == 8

    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-dibao"))
    assert _policies(city)[key("request", "req-dibao")] == (1, ["CivilAffairsMSP"])


def test_msp_move_re_sets_only_the_department_record(city: Directory) -> None:
    city.ok(BUREAU_ADMIN, "UpdateDepartment", {"id": "health", "msp_id": "HealthCommissionMSP"})
    policies = _policies(city)
    assert policies[key("department", "health")] == (1, ["DataBureauMSP"])
    assert key("catalog", "beds") not in policies
    # Owned keys keep the old MSP's policy until next written (documented limitation).
    assert required_peers(city.ledger.validation[key("catalog", "beds")]) == (1, ["HealthMSP"])
