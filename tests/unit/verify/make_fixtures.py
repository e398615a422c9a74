"""Build the committed Fabric fixture bundles from real blocks of a running citydir channel.

Run once, by hand, where a dump of the channel exists (see ``SAMPLE``)::

    .venv/bin/python -m tests.unit.verify.make_fixtures [SAMPLE_DIR]

``SAMPLE_DIR`` (default ``/tmp/evidence-sample``) holds ``blocks/<N>.block`` (every block of the
channel, raw bytes of qscc GetBlockByNumber), ``info.json`` ({"channel", "chaincode"}) and a
CivilAffairsMSP client certificate and key (``civil-client-cert.pem``, ``civil-client-key.pem``)
that sign the manifests, as the gateway's caller would. The key is read here and nowhere else:
it is never copied into the repository, and the tests need only the zips it signed.

The bundles, all of catalog ``hw-hospital-beds`` of the Health department (HealthMSP), created in
block 45 (key-level policy "a peer of HealthMSP" set there), published in 61, updated in 84 with
an endorsement by HealthMSP's peer alone (valid: the key-level policy, not the chaincode's
MAJORITY, governs a key that has one):

* ``fabric-catalog.zip``: the catalog as block 84 wrote it (owner policy from block 45) and the
  health department as block 7 wrote it, linked by ``department_id``. VALID.
* ``fabric-tx-only.zip``: the usage record transaction of block 101, without a value. VALID.
* ``fabric-wrong-owner.zip``: the catalog claim, stating CivilAffairsMSP as its owner. The policy
  names HealthMSP: INVALID (owner policy).
* ``fabric-no-owner-policy.zip``: the catalog claim with its owner policy left out, as a careless
  or dishonest gateway could: the chaincode policy (MAJORITY of 3 orgs) then governs the write,
  and one endorsing org does not satisfy it: INVALID (chaincode policy).

The data is real; only the choice of claims is ours. Nothing is forged (forged transactions come
from the integration tests, which own a network to forge against).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citydir_verify.bundle import Claim, Link, write_bundle
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ._protos import (
    common_pb2,
    identities_pb2,
    kv_rwset_pb2,
    proposal_pb2,
    proposal_response_pb2,
    rwset_pb2,
    transaction_pb2,
)

SAMPLE = Path("/tmp/evidence-sample")
DATA = Path(__file__).parent / "data"
CREATED = "2026-12-01T22:50:00.000Z"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

CATALOG_KEY = "\x00catalog\x00hw-hospital-beds\x00"
DEPARTMENT_KEY = "\x00department\x00health\x00"
CATALOG_UPDATE, CATALOG_CREATE, DEPARTMENT_CREATE, USAGE = 84, 45, 7, 101


@dataclass(frozen=True)
class FileSigner:
    """A Fabric client identity (SerializedIdentity) signing with its PEM key, low-S as Fabric wants."""

    msp_id: str
    certificate: bytes
    key: ec.EllipticCurvePrivateKey

    @property
    def identity(self) -> bytes:
        serialized = identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.certificate)
        data: bytes = serialized.SerializeToString()
        return data

    def sign(self, message: bytes) -> bytes:
        r, s = decode_dss_signature(self.key.sign(message, ec.ECDSA(hashes.SHA256())))
        return encode_dss_signature(r, min(s, P256_ORDER - s))


def load_signer(sample: Path) -> FileSigner:
    key = serialization.load_pem_private_key((sample / "civil-client-key.pem").read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return FileSigner("CivilAffairsMSP", (sample / "civil-client-cert.pem").read_bytes(), key)


class Sample:
    """The dumped channel: its blocks, read with the protobufs directly (not the verifier's code)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.info: dict[str, Any] = json.loads((root / "info.json").read_text())
        count = len(list((root / "blocks").glob("*.block")))
        self.raw = [(root / "blocks" / f"{n}.block").read_bytes() for n in range(count)]
        self.blocks = [self._parse(raw) for raw in self.raw]

    @staticmethod
    def _parse(raw: bytes) -> Any:
        block = common_pb2.Block()
        block.ParseFromString(raw)
        return block

    @property
    def data_hashes(self) -> list[bytes]:
        return [bytes(block.header.data_hash) for block in self.blocks]

    def tx_id(self, number: int) -> str:
        envelope = common_pb2.Envelope()
        envelope.ParseFromString(self.blocks[number].data.data[0])
        payload = common_pb2.Payload()
        payload.ParseFromString(envelope.payload)
        header = common_pb2.ChannelHeader()
        header.ParseFromString(payload.header.channel_header)
        return str(header.tx_id)

    def written(self, number: int, key: str) -> bytes:
        """The value block ``number``'s single transaction wrote to ``key`` (found byte-wise)."""
        envelope = common_pb2.Envelope()
        envelope.ParseFromString(self.blocks[number].data.data[0])
        payload = common_pb2.Payload()
        payload.ParseFromString(envelope.payload)
        tx = transaction_pb2.Transaction()
        tx.ParseFromString(payload.data)
        action = transaction_pb2.ChaincodeActionPayload()
        action.ParseFromString(tx.actions[0].payload)
        response = proposal_response_pb2.ProposalResponsePayload()
        response.ParseFromString(action.action.proposal_response_payload)
        chaincode_action = proposal_pb2.ChaincodeAction()
        chaincode_action.ParseFromString(response.extension)
        results = rwset_pb2.TxReadWriteSet()
        results.ParseFromString(chaincode_action.results)
        for ns in results.ns_rwset:
            if ns.namespace != self.info["chaincode"]:
                continue
            kv = kv_rwset_pb2.KVRWSet()
            kv.ParseFromString(ns.rwset)
            for write in kv.writes:
                if write.key == key and not write.is_delete:
                    return bytes(write.value)
        raise LookupError(f"block {number} does not write {key!r}")

    def bundle(
        self,
        signer: FileSigner,
        subject: dict[str, str],
        statement: str,
        claims: list[Claim],
        links: list[Link],
        numbers: set[int],
    ) -> bytes:
        return write_bundle(
            ledger="fabric",
            channel=self.info["channel"],
            chaincode=self.info["chaincode"],
            subject=subject,
            statement=statement,
            claims=claims,
            links=links,
            blocks={n: self.raw[n] for n in sorted(numbers)},
            config_blocks={0: self.raw[0]},
            data_hashes=self.data_hashes,
            gateway_height=len(self.raw),
            signer=signer,
            created=CREATED,
        )


def catalog_claim(sample: Sample, *, owner_msp: str | None, with_policy: bool) -> Claim:
    return Claim(
        role="subject",
        tx_id=sample.tx_id(CATALOG_UPDATE),
        block=CATALOG_UPDATE,
        statement="catalog hw-hospital-beds as the transaction of block 84 wrote it",
        collection="catalog",
        id="hw-hospital-beds",
        key=CATALOG_KEY,
        value=sample.written(CATALOG_UPDATE, CATALOG_KEY),
        owner_msp=owner_msp,
        owner_policy=(sample.tx_id(CATALOG_CREATE), CATALOG_CREATE) if with_policy else None,
    )


def department_claim(sample: Sample) -> Claim:
    return Claim(
        role="department",
        tx_id=sample.tx_id(DEPARTMENT_CREATE),
        block=DEPARTMENT_CREATE,
        statement="the health department as registered by the data bureau",
        collection="department",
        id="health",
        key=DEPARTMENT_KEY,
        value=sample.written(DEPARTMENT_CREATE, DEPARTMENT_KEY),
        owner_msp="DataBureauMSP",
        owner_policy=(sample.tx_id(DEPARTMENT_CREATE), DEPARTMENT_CREATE),
    )


def build(sample: Sample, signer: FileSigner) -> dict[str, bytes]:
    subject = {"collection": "catalog", "id": "hw-hospital-beds"}
    statement = (
        "Catalog hw-hospital-beds of the health department, as last written before this bundle "
        "was made; it does not show the catalog is unchanged after gateway_height."
    )
    good = catalog_claim(sample, owner_msp="HealthMSP", with_policy=True)
    usage_tx = sample.tx_id(USAGE)
    usage = Claim(
        role="subject",
        tx_id=usage_tx,
        block=USAGE,
        statement="the usage record transaction was committed VALID",
    )
    return {
        "fabric-catalog.zip": sample.bundle(
            signer,
            subject,
            statement,
            [good, department_claim(sample)],
            [Link(0, "department_id", 1)],
            {DEPARTMENT_CREATE, CATALOG_CREATE, CATALOG_UPDATE},
        ),
        "fabric-tx-only.zip": sample.bundle(
            signer,
            {"tx_id": usage_tx},
            "A transaction committed VALID; no value is claimed.",
            [usage],
            [],
            {USAGE},
        ),
        "fabric-wrong-owner.zip": sample.bundle(
            signer,
            subject,
            "Claims the wrong owner.",
            [catalog_claim(sample, owner_msp="CivilAffairsMSP", with_policy=True)],
            [],
            {CATALOG_CREATE, CATALOG_UPDATE},
        ),
        "fabric-no-owner-policy.zip": sample.bundle(
            signer,
            subject,
            "Leaves out the key's owner policy.",
            [catalog_claim(sample, owner_msp=None, with_policy=False)],
            [],
            {CATALOG_UPDATE},
        ),
    }


def main(argv: list[str]) -> int:
    sample_dir = Path(argv[0]) if argv else SAMPLE
    if not (sample_dir / "info.json").exists():
        print(f"no channel dump at {sample_dir}: nothing to do", file=sys.stderr)
        return 1
    sample = Sample(sample_dir)
    DATA.mkdir(exist_ok=True)
    for name, data in build(sample, load_signer(sample_dir)).items():
        (DATA / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
    print(f"genesis hash: {sample.blocks[1].header.previous_hash.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
