"""write_bundle: the gateway's side of the format, and the inputs it refuses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest
from citydir_verify import (
    FORMAT,
    Claim,
    Link,
    fabric_block_data_hash,
    fabric_block_header_hash,
    verify_bundle,
    write_bundle,
)
from citydir_verify.bundle import BundleSigner

from ._protos import common_pb2
from .helpers import GENESIS, NodeKey, fixture, members, new_node_key

CATALOG = "fabric-catalog.zip"


def _inputs() -> dict[str, Any]:
    """write_bundle's arguments, recovered from the committed catalog bundle."""
    files = members(fixture(CATALOG))
    manifest = json.loads(files["manifest.json"])
    hashes = files["chain/data-hashes.bin"]
    claims = [
        Claim(
            role=c["role"],
            tx_id=c["tx_id"],
            block=c["block"],
            statement=c["statement"],
            collection=c["collection"],
            id=c["id"],
            key=c["key"],
            value=files[c["value_file"]],
            owner_msp=c["owner_msp"],
            owner_policy=(c["owner_policy"]["tx_id"], c["owner_policy"]["block"])
            if c["owner_policy"]
            else None,
        )
        for c in manifest["claims"]
    ]
    return {
        "ledger": "fabric",
        "channel": manifest["channel"],
        "chaincode": manifest["chaincode"],
        "subject": manifest["subject"],
        "statement": manifest["statement"],
        "claims": claims,
        "links": [Link(link["from"], link["field"], link["to"]) for link in manifest["links"]],
        "blocks": {
            int(n.split("/")[1].split(".")[0]): b for n, b in files.items() if n.startswith("blocks/")
        },
        "config_blocks": {0: files["config/0.block"]},
        "data_hashes": [hashes[i : i + 32] for i in range(0, len(hashes), 32)],
        "gateway_height": manifest["gateway_height"],
        "created": manifest["created"],
    }


def test_the_writer_reproduces_the_committed_manifest_byte_for_byte() -> None:
    signer = new_node_key("a stranger")  # not of the channel: only the manifest signature fails
    data = write_bundle(**_inputs(), signer=signer)
    assert members(data)["manifest.json"] == members(fixture(CATALOG))["manifest.json"]
    report = verify_bundle(data, GENESIS)
    assert [c.id for c in report.checks if c.status == "fail"] == ["manifest-signature"]


def test_the_manifest_holds_what_the_format_says() -> None:
    manifest = json.loads(members(fixture(CATALOG))["manifest.json"])
    assert manifest["format"] == FORMAT and manifest["genesis_hash"] == GENESIS
    assert set(manifest["files"]) == set(members(fixture(CATALOG))) - {"manifest.json", "manifest.sig"}
    claim = manifest["claims"][0]
    assert claim["key"] == "\x00catalog\x00hw-hospital-beds\x00" and claim["value_file"] == "values/0.bin"
    assert (
        claim["owner_policy"]["block"] == 45
        and manifest["endorsement_policy"] == "/Channel/Application/Endorsement"
    )


def test_output_is_deterministic_apart_from_the_signature() -> None:
    node = new_node_key()
    first, second = (members(write_bundle(**_inputs(), signer=node)) for _ in range(2))
    assert list(first) == list(second)
    assert {n: b for n, b in first.items() if n != "manifest.sig"} == {
        n: b for n, b in second.items() if n != "manifest.sig"
    }


def test_hash_helpers_agree_with_real_blocks() -> None:
    files = members(fixture(CATALOG))
    genesis = common_pb2.Block()
    genesis.ParseFromString(files["config/0.block"])
    assert fabric_block_header_hash(0, b"", bytes(genesis.header.data_hash)).hex() == GENESIS
    for name in ("blocks/7.block", "blocks/45.block", "blocks/84.block"):
        block = common_pb2.Block()
        block.ParseFromString(files[name])
        assert fabric_block_data_hash(files[name]) == bytes(block.header.data_hash)
        assert fabric_block_data_hash(files[name]) == hashlib.sha256(b"".join(block.data.data)).digest()


def _claim0(inputs: dict[str, Any], **changes: Any) -> list[Claim]:
    claims: list[Claim] = list(inputs["claims"])
    claims[0] = replace(claims[0], **changes)
    return claims


def _refused(signer: BundleSigner, match: str, **changes: Any) -> None:
    with pytest.raises(ValueError, match=match):
        write_bundle(**{**_inputs(), **changes}, signer=signer)


def test_inconsistent_input_is_refused() -> None:
    signer: NodeKey = new_node_key()
    inputs = _inputs()
    _refused(signer, "block 99 is not among the blocks", claims=_claim0(inputs, block=99))
    _refused(signer, "data_hashes covers blocks 0..9", data_hashes=inputs["data_hashes"][:10])
    _refused(signer, "every data hash must be 32 bytes", data_hashes=[b"x" * 31] * 85)
    _refused(signer, "data hash disagrees", data_hashes=[b"\x00" * 32] * 85)
    _refused(signer, "must include block 0", config_blocks={})
    _refused(signer, "owner_msp needs owner_policy", claims=_claim0(inputs, owner_policy=None))
    _refused(signer, "key and value go together", claims=_claim0(inputs, value=None))
    _refused(signer, "is not in block 84", claims=_claim0(inputs, tx_id="ab" * 32))
    _refused(signer, "owner_policy block 50", claims=_claim0(inputs, owner_policy=("ab" * 32, 50)))
    _refused(signer, "claim 5 does not exist", links=[Link(0, "department_id", 5)])
    _refused(signer, "gateway_height 80", gateway_height=80)
    _refused(signer, "at least one claim", claims=[])
    _refused(signer, "needs the node certificate", ledger="embedded", config_blocks={})
