"""A small embedded-ledger chain, built the way the gateway's embedded store records blocks.

The embedded ledger has no dump to replay (each install makes its own node key), so the tests
build one here: canonical-JSON block data, hash-linked headers, and a node signature over each
block hash, from a key made for the test run.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from citydir_verify import (
    Claim,
    Link,
    embedded_block_file,
    embedded_block_hash,
    embedded_data_hash,
    write_bundle,
)

from ._protos import msp_principal_pb2, policies_pb2
from .helpers import NodeKey

CHANNEL = "citydir"
CATALOG_KEY = "\x00catalog\x00cat-1\x00"
DEPARTMENT_KEY = "\x00department\x00health\x00"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def peer_of(msp: str) -> bytes:
    principal = msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
        principal=msp_principal_pb2.MSPRole(
            msp_identifier=msp, role=msp_principal_pb2.MSPRole.PEER
        ).SerializeToString(),
    )
    rule = policies_pb2.SignaturePolicy(
        n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=1, rules=[policies_pb2.SignaturePolicy(signed_by=0)])
    )
    data: bytes = policies_pb2.SignaturePolicyEnvelope(
        version=0, rule=rule, identities=[principal]
    ).SerializeToString()
    return data


def tx(
    tx_id: str, writes: dict[str, bytes | None], policies: dict[str, bytes] | None = None, code: str = "VALID"
) -> dict[str, Any]:
    return {
        "tx_id": tx_id,
        "timestamp": "2026-12-01T22:00:00.000000Z",
        "creator": {"msp_id": "HealthMSP", "subject": "CN=Admin@health"},
        "function": "CatalogCreate",
        "validation_code": code,
        "writes": [{"key": k, "value": None if v is None else b64(v)} for k, v in sorted(writes.items())],
        "validation_parameters": [{"key": k, "policy": b64(v)} for k, v in sorted((policies or {}).items())],
        "event": None,
    }


@dataclass
class EmbeddedChain:
    node: NodeKey
    files: dict[int, bytes] = field(default_factory=dict)
    data_hashes: list[bytes] = field(default_factory=list)
    previous: str = "0" * 64

    def append(self, body: dict[str, Any]) -> int:
        number = len(self.data_hashes)
        data = canonical(body)
        data_hash = embedded_data_hash(data)
        block_hash = embedded_block_hash(number, self.previous, data_hash)
        signature = self.node.sign(block_hash.encode("ascii"))
        self.files[number] = embedded_block_file(
            number=number, previous_hash=self.previous, data=data, signature=signature
        )
        self.data_hashes.append(bytes.fromhex(data_hash))
        self.previous = block_hash
        return number


CATALOG_V1 = canonical({"id": "cat-1", "department_id": "health", "version": 1})
CATALOG_V2 = canonical({"id": "cat-1", "department_id": "health", "version": 2})
DEPARTMENT = canonical({"id": "health", "msp_id": "HealthMSP"})


def catalog_chain(node: NodeKey) -> EmbeddedChain:
    """Genesis; the health department; catalog cat-1 created (policy: a HealthMSP peer); updated."""
    chain = EmbeddedChain(node)
    chain.append({"genesis": {"channel": CHANNEL, "format": "citydir-embedded-ledger/1"}, "transactions": []})
    chain.append(
        {
            "transactions": [
                tx("aa" * 32, {DEPARTMENT_KEY: DEPARTMENT}, {DEPARTMENT_KEY: peer_of("DataBureauMSP")})
            ]
        }
    )
    chain.append(
        {"transactions": [tx("bb" * 32, {CATALOG_KEY: CATALOG_V1}, {CATALOG_KEY: peer_of("HealthMSP")})]}
    )
    chain.append(
        {
            "transactions": [
                tx("cc" * 32, {"\x00other\x00": b"x"}, code="MVCC_READ_CONFLICT"),
                tx("dd" * 32, {CATALOG_KEY: CATALOG_V2}),
            ]
        }
    )
    return chain


def catalog_bundle(node: NodeKey, *, owner_msp: str = "HealthMSP", signer: NodeKey | None = None) -> bytes:
    chain = catalog_chain(node)
    claims = [
        Claim(
            role="subject",
            tx_id="dd" * 32,
            block=3,
            statement="catalog cat-1 as updated",
            collection="catalog",
            id="cat-1",
            key=CATALOG_KEY,
            value=CATALOG_V2,
            owner_msp=owner_msp,
            owner_policy=("bb" * 32, 2),
        ),
        Claim(
            role="department",
            tx_id="aa" * 32,
            block=1,
            statement="the health department",
            collection="department",
            id="health",
            key=DEPARTMENT_KEY,
            value=DEPARTMENT,
        ),
    ]
    return write_bundle(
        ledger="embedded",
        channel=CHANNEL,
        chaincode="citydir",
        subject={"collection": "catalog", "id": "cat-1"},
        statement="catalog cat-1",
        claims=claims,
        links=[Link(0, "department_id", 1)],
        blocks={n: chain.files[n] for n in (1, 2, 3)},
        config_blocks={},
        data_hashes=chain.data_hashes,
        gateway_height=4,
        signer=signer or node,
        node_certificate=node.certificate,
        endorsement_policy=None,
        created="2026-12-01T22:10:00.000Z",
    )


def genesis_of(chain: EmbeddedChain) -> str:
    return embedded_block_hash(0, "0" * 64, chain.data_hashes[0].hex())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
