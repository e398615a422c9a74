"""The policy evaluator and MSP checks, against the real channel configuration of the fixtures."""

from __future__ import annotations

import pytest
from citydir_verify._protos import identities_pb2, parse
from citydir_verify.config import ChannelConfig, load_config
from citydir_verify.fabric_ledger import parse_block, parse_tx
from citydir_verify.msp import PEER, Identity, validate
from citydir_verify.policy import evaluate_path, parse_envelope, satisfies_envelope

from ._protos import policies_pb2
from .embedded_chain import peer_of
from .helpers import fixture, members

ENDORSEMENT = "/Channel/Application/Endorsement"


@pytest.fixture(scope="module")
def config() -> ChannelConfig:
    return load_config(parse_block(members(fixture("fabric-catalog.zip"))["config/0.block"])[1])


def _peer(msp: str, name: str = "peer0") -> Identity:
    return Identity(f"{msp}/{name}".encode(), msp, None, None, frozenset({0, PEER}), name)


def test_majority_of_three_orgs_needs_two(config: ChannelConfig) -> None:
    assert not evaluate_path(config, ENDORSEMENT, [_peer("HealthMSP")]).satisfied
    assert evaluate_path(config, ENDORSEMENT, [_peer("HealthMSP"), _peer("DataBureauMSP")]).satisfied
    assert not evaluate_path(config, ENDORSEMENT, [_peer("HealthMSP"), _peer("HealthMSP", "peer1")]).satisfied
    outcome = evaluate_path(config, ENDORSEMENT, [_peer("HealthMSP")])
    assert outcome.detail == "MAJORITY Endorsement of 3 orgs needs 2; satisfied by HealthMSP"


def test_a_client_or_an_invalid_identity_is_no_peer(config: ChannelConfig) -> None:
    client = Identity(b"c", "HealthMSP", None, None, frozenset({0, 2}), "client")
    broken = Identity(b"b", "HealthMSP", None, "revoked", frozenset(), "broken")
    policy = parse_envelope(peer_of("HealthMSP"))
    assert satisfies_envelope(policy, [_peer("HealthMSP")])
    assert not satisfies_envelope(policy, [client, broken, _peer("CivilAffairsMSP")])


def test_one_signer_fills_one_leaf_only() -> None:
    envelope = parse_envelope(peer_of("HealthMSP"))
    two = policies_pb2.SignaturePolicyEnvelope()
    two.CopyFrom(envelope)
    two.rule.n_out_of.n = 2
    two.rule.n_out_of.rules.add(signed_by=0)
    assert not satisfies_envelope(two, [_peer("HealthMSP"), _peer("HealthMSP")])  # the same identity twice
    assert satisfies_envelope(two, [_peer("HealthMSP"), _peer("HealthMSP", "peer1")])


def test_a_peer_claimed_under_another_msp_is_not_valid(config: ChannelConfig) -> None:
    block, _ = parse_block(members(fixture("fabric-catalog.zip"))["blocks/84.block"])
    endorser = parse_tx(block.envelopes[0], 0).endorsements[0][0]
    genuine = validate(endorser, config.application_msps)
    assert genuine.valid and PEER in genuine.roles and genuine.msp_id == "HealthMSP"
    serialized = parse(identities_pb2.SerializedIdentity, endorser)
    serialized.mspid = "CivilAffairsMSP"
    moved = validate(serialized.SerializeToString(), config.application_msps)
    assert not moved.valid and "not issued by a CA of CivilAffairsMSP" in str(moved.problem)
    assert not validate(b"\x0a\x03abc", config.application_msps).valid


def test_a_policy_setting_transaction_must_satisfy_the_chaincode_policy(config: ChannelConfig) -> None:
    """Else one org could have its own peer endorse "this key is mine" and flip the unsigned flag."""
    from citydir_verify.fabric_checks import FabricState, _owner_tx_endorsement

    files = members(fixture("fabric-catalog.zip"))
    state = FabricState(configs={0: config})
    for number in (45, 84):
        state.blocks[number] = parse_block(files[f"blocks/{number}.block"])[0]
    created = parse_tx(state.blocks[45].envelopes[0], 0)  # Health + DataBureau: 2 of 3
    updated = parse_tx(state.blocks[84].envelopes[0], 0)  # Health alone
    assert _owner_tx_endorsement(state, 45, created, ENDORSEMENT) is None
    assert "do not satisfy /Channel/Application/Endorsement" in str(
        _owner_tx_endorsement(state, 84, updated, ENDORSEMENT)
    )
