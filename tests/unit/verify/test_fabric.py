"""The committed Fabric bundles (real blocks of a citydir channel) through the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from citydir_verify import VALID, Report, verify_bundle
from cryptography.hazmat.primitives.serialization import Encoding

from .helpers import DATA, GENESIS, cli, config_root_certificates, fixture, new_node_key, run_cli

CATALOG = "fabric-catalog.zip"


def failed(report: Report) -> list[str]:
    return [check.id for check in report.checks if check.status == "fail"]


def test_catalog_bundle_is_valid_and_anchored_to_the_published_genesis_hash() -> None:
    report = verify_bundle(fixture(CATALOG), GENESIS)
    assert (report.verdict, report.anchored, failed(report)) == (VALID, True, [])
    assert report.first_failure is None
    assert (
        report.witness.startswith("fabric: 3 org(s) endorsed")
        and "orderer-signed (OrdererMSP)" in report.witness
    )
    passed = {check.id for check in report.checks if check.status == "pass"}
    assert passed >= {
        "chain",
        "trust",
        "tx-valid",
        "creator",
        "endorsements",
        "owner-policy",
        "write-set",
        "links",
        "manifest-signature",
        "digests",
        "unlisted-files",
    }


def test_every_check_of_the_brief_reports_per_claim() -> None:
    report = verify_bundle(fixture(CATALOG), GENESIS)
    for check_id in ("tx-valid", "creator", "endorsements", "owner-policy", "chaincode-policy", "write-set"):
        assert [c.claim for c in report.checks if c.id == check_id] == [0, 1], check_id
    by_claim = {(c.id, c.claim): c for c in report.checks}
    # Block 84's update was endorsed by HealthMSP alone: valid because the key's own policy governs.
    assert by_claim[("owner-policy", 0)].status == "pass"
    assert by_claim[("chaincode-policy", 0)].status == "n/a"
    assert "key-level policy governs" in by_claim[("chaincode-policy", 0)].detail
    # Block 7 created the department key: its new policy governs later writes, MAJORITY this one.
    assert by_claim[("chaincode-policy", 1)].status == "pass"


def test_without_trust_it_is_valid_but_not_anchored() -> None:
    report = verify_bundle(fixture(CATALOG))
    assert (report.verdict, report.anchored) == (VALID, False)
    trust = next(c for c in report.checks if c.id == "trust")
    assert trust.status == "n/a" and "genesis hash the bundle itself states" in trust.detail


def test_another_channels_genesis_hash_is_invalid() -> None:
    report = verify_bundle(fixture(CATALOG), "00" * 32)
    assert report.verdict == "INVALID" and failed(report) == ["trust"]
    assert report.first_failure is not None and report.first_failure.id == "trust"


def test_an_orderer_root_certificate_anchors_and_an_application_root_does_not() -> None:
    roots = config_root_certificates(fixture(CATALOG))
    by_orderer = verify_bundle(fixture(CATALOG), roots["OrdererMSP"])
    assert (by_orderer.verdict, by_orderer.anchored) == (VALID, True)
    by_org = verify_bundle(fixture(CATALOG), roots["CivilAffairsMSP"])
    assert (by_org.verdict, by_org.anchored) == (VALID, False)


def test_a_certificate_from_elsewhere_is_invalid() -> None:
    stranger = new_node_key("not of this channel").certificate
    report = verify_bundle(fixture(CATALOG), stranger)
    assert report.verdict == "INVALID" and failed(report) == ["trust"]


def test_transaction_only_bundle() -> None:
    report = verify_bundle(fixture("fabric-tx-only.zip"), GENESIS)
    assert (report.verdict, report.anchored, failed(report)) == (VALID, True, [])
    write = next(c for c in report.checks if c.id == "write-set")
    assert write.status == "n/a"
    assert next(c for c in report.checks if c.id == "chaincode-policy").status == "pass"


def test_stating_an_owner_the_key_policy_does_not_name_is_invalid() -> None:
    report = verify_bundle(fixture("fabric-wrong-owner.zip"), GENESIS)
    assert report.verdict == "INVALID" and failed(report) == ["owner-policy"]
    assert report.first_failure is not None and "CivilAffairsMSP" in report.first_failure.detail


def test_leaving_out_the_owner_policy_leaves_endorsers_short_of_the_chaincode_policy() -> None:
    report = verify_bundle(fixture("fabric-no-owner-policy.zip"), GENESIS)
    assert report.verdict == "INVALID" and failed(report) == ["chaincode-policy"]
    assert report.first_failure is not None and "MAJORITY" in report.first_failure.detail


def test_report_json_and_text() -> None:
    report = verify_bundle(fixture(CATALOG), GENESIS)
    data = json.loads(json.dumps(report.to_json()))
    assert (data["verdict"], data["anchored"], data["first_failure"]) == ("VALID", True, None)
    assert {"id", "name", "status", "detail", "claim"} == set(data["checks"][0])
    assert data["manifest"]["subject"] == {"collection": "catalog", "id": "hw-hospital-beds"}
    text = report.render()
    assert len(text.splitlines()) == len(report.checks) + 3 and text.splitlines()[-1].startswith(
        "VALID (anchored)"
    )


@pytest.mark.parametrize(
    ("name", "trust", "code"),
    [
        (CATALOG, GENESIS, 0),
        (CATALOG, None, 3),
        (CATALOG, "ab" * 32, 1),
        ("fabric-tx-only.zip", GENESIS, 0),
        ("fabric-wrong-owner.zip", GENESIS, 1),
    ],
)
def test_cli_exit_codes(name: str, trust: str | None, code: int) -> None:
    status, out, err = cli(str(DATA / name), *(["--trust", trust] if trust else []))
    assert status == code, out + err
    assert out.strip().splitlines()[-1].startswith(("VALID", "INVALID"))


@pytest.mark.parametrize(("trust", "code"), [(GENESIS, 0), (None, 3), ("ab" * 32, 1)])
def test_python_m_citydir_verify_exit_codes(trust: str | None, code: int) -> None:
    done = run_cli(str(DATA / CATALOG), *(["--trust", trust] if trust else []))
    assert done.returncode == code, done.stdout + done.stderr


def test_cli_json_and_a_trust_certificate_file(tmp_path: Path) -> None:
    orderer_root = tmp_path / "orderer-ca.pem"
    orderer_root.write_bytes(config_root_certificates(fixture(CATALOG))["OrdererMSP"])
    done = run_cli(str(DATA / CATALOG), "--trust", str(orderer_root), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "VALID"


def test_der_trust_certificate_works_like_pem() -> None:
    from cryptography import x509

    pem = config_root_certificates(fixture(CATALOG))["OrdererMSP"]
    der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    assert verify_bundle(fixture(CATALOG), der).anchored
