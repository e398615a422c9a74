"""Embedded-ledger bundles: one node's hash chain and signatures, and nothing more."""

from __future__ import annotations

from pathlib import Path

from citydir_verify import INVALID, VALID, Claim, Report, verify_bundle, write_bundle

from .embedded_chain import CATALOG_KEY, CATALOG_V1, CHANNEL, catalog_bundle, catalog_chain, genesis_of
from .helpers import members, new_node_key, rezip, run_cli


def failed(report: Report) -> list[str]:
    return [c.id for c in report.checks if c.status == "fail"]


def test_embedded_bundle_is_valid_and_says_it_has_one_witness() -> None:
    node = new_node_key()
    report = verify_bundle(catalog_bundle(node), genesis_of(catalog_chain(node)))
    assert (report.verdict, report.anchored, failed(report)) == (VALID, True, [])
    assert report.witness.startswith("single operator: the embedded node is the only witness")
    statuses = {(c.id, c.claim): c.status for c in report.checks}
    for check_id in ("creator", "endorsements", "chaincode-policy", "owner-policy"):
        assert statuses[(check_id, 0)] == "n/a", check_id
    owner = next(c for c in report.checks if c.id == "owner-policy" and c.claim == 0)
    assert "1 of (HealthMSP peer)" in owner.detail and "not enforced" in owner.detail
    assert statuses[("write-set", 0)] == statuses[("links", None)] == "pass"


def test_the_node_certificate_anchors_and_another_nodes_does_not() -> None:
    node = new_node_key()
    data = catalog_bundle(node)
    assert verify_bundle(data, node.certificate).anchored
    other = verify_bundle(data, new_node_key("another node").certificate)
    assert other.verdict == INVALID and failed(other) == ["trust"]
    assert (verify_bundle(data).verdict, verify_bundle(data).anchored) == (VALID, False)


def test_a_wrong_owner_is_invalid() -> None:
    report = verify_bundle(catalog_bundle(new_node_key(), owner_msp="CivilAffairsMSP"))
    assert failed(report) == ["owner-policy"]


def test_a_manifest_signed_by_another_key_is_invalid() -> None:
    report = verify_bundle(catalog_bundle(new_node_key(), signer=new_node_key("impostor")))
    assert failed(report) == ["manifest-signature"]


def test_a_block_signed_by_another_node_is_invalid() -> None:
    node, impostor = new_node_key(), new_node_key("impostor")
    files = members(catalog_bundle(node))
    forged = catalog_chain(impostor)  # same blocks, signed by another key
    report = verify_bundle(rezip({**files, "blocks/3.json": forged.files[3]}))
    assert report.first_failure is not None and report.first_failure.id == "chain"
    assert "node signature" in report.first_failure.name


def test_a_transaction_the_node_marked_invalid_is_invalid() -> None:
    node = new_node_key()
    chain = catalog_chain(node)
    claim = Claim(role="subject", tx_id="cc" * 32, block=3, statement="a conflicting transaction")
    data = write_bundle(
        ledger="embedded",
        channel=CHANNEL,
        chaincode="citydir",
        subject={"tx_id": "cc" * 32},
        statement="tx",
        claims=[claim],
        links=[],
        blocks={3: chain.files[3]},
        config_blocks={},
        data_hashes=chain.data_hashes,
        gateway_height=4,
        signer=node,
        node_certificate=node.certificate,
        endorsement_policy=None,
    )
    report = verify_bundle(data)
    assert failed(report) == ["tx-valid"] and "MVCC_READ_CONFLICT" in (
        report.first_failure.detail if report.first_failure else ""
    )


def test_a_value_the_transaction_did_not_write_is_invalid() -> None:
    node = new_node_key()
    chain = catalog_chain(node)
    claim = Claim(
        role="subject",
        tx_id="dd" * 32,
        block=3,
        statement="claims the old value",
        key=CATALOG_KEY,
        value=CATALOG_V1,
    )
    data = write_bundle(
        ledger="embedded",
        channel=CHANNEL,
        chaincode="citydir",
        subject={"tx_id": "dd" * 32},
        statement="tx",
        claims=[claim],
        links=[],
        blocks={3: chain.files[3]},
        config_blocks={},
        data_hashes=chain.data_hashes,
        gateway_height=4,
        signer=node,
        node_certificate=node.certificate,
        endorsement_policy=None,
    )
    assert failed(verify_bundle(data)) == ["write-set"]


def test_cli_on_an_embedded_bundle(tmp_path: Path) -> None:
    node = new_node_key()
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(catalog_bundle(node))
    cert = tmp_path / "node.pem"
    cert.write_bytes(node.certificate)
    assert run_cli(str(bundle)).returncode == 3
    done = run_cli(str(bundle), "--trust", str(cert))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "single operator" in done.stdout
