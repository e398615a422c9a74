"""Each signature and policy check catches a forgery on its own.

A forger who rewrites a transaction inside a block can re-hash the block and the chain file, but
cannot re-sign: the orderer's signature over the header breaks (a chain failure), and so does
the manifest signature. These tests do exactly that, then look past the chain failure to the
check that judges the forged part itself: creator, endorsement, validity flag, write set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from citydir_verify import Report, fabric_block_header_hash, verify_bundle

from ._protos import common_pb2, kv_rwset_pb2, proposal_pb2, proposal_response_pb2, rwset_pb2, transaction_pb2
from .helpers import GENESIS, fixture, members, rezip

CATALOG = "fabric-catalog.zip"
NUMBER = 84  # the block of claim 0, the catalog update


def failing(report: Report) -> set[tuple[str, int | None]]:
    return {(c.id, c.claim) for c in report.checks if c.status == "fail"}


def _rehashed(mutate: Callable[[Any], None], value: bytes | None = None) -> bytes:
    """The catalog bundle with block 84 mutated, then re-hashed everywhere a forger could."""
    files = members(fixture(CATALOG))
    block = common_pb2.Block()
    block.ParseFromString(files[f"blocks/{NUMBER}.block"])
    mutate(block)
    block.header.data_hash = hashlib.sha256(b"".join(block.data.data)).digest()
    files[f"blocks/{NUMBER}.block"] = block.SerializeToString()
    hashes = bytearray(files["chain/data-hashes.bin"])
    hashes[32 * NUMBER : 32 * NUMBER + 32] = block.header.data_hash
    files["chain/data-hashes.bin"] = bytes(hashes)
    if value is not None:
        files["values/0.bin"] = value
    manifest = json.loads(files["manifest.json"])
    manifest["claims"][0]["block_hash"] = fabric_block_header_hash(
        NUMBER, bytes(block.header.previous_hash), bytes(block.header.data_hash)
    ).hex()
    manifest["claims"][0]["value_sha256"] = hashlib.sha256(files["values/0.bin"]).hexdigest()
    manifest["files"] = {
        n: hashlib.sha256(b).hexdigest() for n, b in files.items() if not n.startswith("manifest")
    }
    files["manifest.json"] = json.dumps(manifest, sort_keys=True, indent=2).encode()
    return rezip(files)


def _envelope(block: Any) -> tuple[Any, Any]:
    envelope = common_pb2.Envelope()
    envelope.ParseFromString(block.data.data[0])
    payload = common_pb2.Payload()
    payload.ParseFromString(envelope.payload)
    return envelope, payload


def _store(block: Any, envelope: Any) -> None:
    block.data.data[0] = envelope.SerializeToString()


def test_a_forged_creator_signature_fails_the_creator_check() -> None:
    def mutate(block: Any) -> None:
        envelope, _ = _envelope(block)
        envelope.signature = envelope.signature[:-1] + bytes([envelope.signature[-1] ^ 1])
        _store(block, envelope)

    found = failing(verify_bundle(_rehashed(mutate), GENESIS))
    assert {("chain", None), ("creator", 0), ("manifest-signature", None)} <= found
    assert ("endorsements", 0) not in found


def _with_action(block: Any, change: Callable[[Any], None]) -> None:
    envelope, payload = _envelope(block)
    tx = transaction_pb2.Transaction()
    tx.ParseFromString(payload.data)
    action = transaction_pb2.ChaincodeActionPayload()
    action.ParseFromString(tx.actions[0].payload)
    change(action)
    tx.actions[0].payload = action.SerializeToString()
    payload.data = tx.SerializeToString()
    envelope.payload = payload.SerializeToString()
    _store(block, envelope)


def test_a_forged_endorsement_fails_the_endorsement_check() -> None:
    def mutate(block: Any) -> None:
        def change(action: Any) -> None:
            signature = action.action.endorsements[0].signature
            action.action.endorsements[0].signature = signature[:-1] + bytes([signature[-1] ^ 1])

        _with_action(block, change)

    found = failing(verify_bundle(_rehashed(mutate), GENESIS))
    assert {("chain", None), ("endorsements", 0)} <= found


def test_a_rewritten_value_breaks_the_endorsements_it_claims() -> None:
    """The forger changes the written value (and the value file): the endorsers never signed it."""
    forged_value = b'{"id":"hw-hospital-beds","department_id":"health","share_type":"unconditional"}'

    def mutate(block: Any) -> None:
        def change(action: Any) -> None:
            response = proposal_response_pb2.ProposalResponsePayload()
            response.ParseFromString(action.action.proposal_response_payload)
            chaincode_action = proposal_pb2.ChaincodeAction()
            chaincode_action.ParseFromString(response.extension)
            results = rwset_pb2.TxReadWriteSet()
            results.ParseFromString(chaincode_action.results)
            for ns in results.ns_rwset:
                kv = kv_rwset_pb2.KVRWSet()
                kv.ParseFromString(ns.rwset)
                for write in kv.writes:
                    if write.key == "\x00catalog\x00hw-hospital-beds\x00":
                        write.value = forged_value
                ns.rwset = kv.SerializeToString()
            chaincode_action.results = results.SerializeToString()
            response.extension = chaincode_action.SerializeToString()
            action.action.proposal_response_payload = response.SerializeToString()

        _with_action(block, change)

    report = verify_bundle(_rehashed(mutate, forged_value), GENESIS)
    found = failing(report)
    assert ("endorsements", 0) in found and ("write-set", 0) not in found  # the forged value is "written"...
    assert report.verdict == "INVALID"  # ...by nobody who endorsed it


def test_a_validation_flag_flipped_to_valid_or_invalid_is_caught() -> None:
    """TRANSACTIONS_FILTER is the committing peer's, outside the hash chain: only digests cover it."""
    files = members(fixture(CATALOG))
    block = common_pb2.Block()
    block.ParseFromString(files[f"blocks/{NUMBER}.block"])
    block.metadata.metadata[common_pb2.TRANSACTIONS_FILTER] = bytes([11])  # MVCC_READ_CONFLICT
    files[f"blocks/{NUMBER}.block"] = block.SerializeToString()
    found = failing(verify_bundle(rezip(files), GENESIS))
    assert found == {("tx-valid", 0), ("digests", None)}
