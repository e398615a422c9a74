"""Input that is no bundle at all: exit status 2 and a message saying what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from citydir_verify import BundleError, verify_bundle

from .helpers import DATA, cli, fixture, members, rezip, run_cli

CATALOG = DATA / "fabric-catalog.zip"


def _manifest_with(**changes: object) -> bytes:
    files = members(fixture("fabric-catalog.zip"))
    manifest = json.loads(files["manifest.json"])
    manifest.update(changes)
    return rezip({**files, "manifest.json": json.dumps(manifest).encode()})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "not a zip file"),
        (b"", "not a zip file"),
        (rezip({"blocks/1.block": b"x"}), "no manifest.json"),
        (rezip({"manifest.json": b"{not json"}), "is not JSON"),
        (rezip({"manifest.json": b"\xff\xfe"}), "is not JSON"),
        (rezip({"manifest.json": b"[1, 2]"}), "not a JSON object"),
        (_manifest_with(format="citydir-evidence/2"), "unknown bundle format"),
        (_manifest_with(ledger="besu"), "unknown ledger"),
    ],
)
def test_unusable_bundles_exit_2_with_a_message(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        verify_bundle(data)
    path = tmp_path / "input.zip"
    path.write_bytes(data)
    code, out, err = cli(str(path))
    assert code == 2 and message in err and out == ""


def test_the_installed_entry_point_exits_2_on_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.zip"
    path.write_bytes(b"junk")
    done = run_cli(str(path))
    assert done.returncode == 2 and "unusable input: not a zip file" in done.stderr


@pytest.mark.parametrize("trust", ["not-a-hash", "abc", "zz" * 32])
def test_an_unusable_trust_anchor_exits_2(trust: str) -> None:
    code, _, err = cli(str(CATALOG), "--trust", trust)
    assert code == 2 and "unusable input" in err
    with pytest.raises(BundleError):
        verify_bundle(fixture("fabric-catalog.zip"), trust)


def test_an_unreadable_trust_file_exits_2(tmp_path: Path) -> None:
    garbage = tmp_path / "root.pem"
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    code, _, err = cli(str(CATALOG), "--trust", str(garbage))
    assert code == 2 and "neither a genesis hash" in err


def test_a_missing_bundle_file_exits_2(tmp_path: Path) -> None:
    code, _, err = cli(str(tmp_path / "absent.zip"))
    assert code == 2 and "absent.zip" in err


def test_a_structurally_broken_manifest_is_invalid_not_a_crash() -> None:
    report = verify_bundle(_manifest_with(claims=[{"role": 1}], links="none", genesis_hash="XYZ"))
    assert report.verdict == "INVALID"
    assert {c.id for c in report.checks if c.status == "fail"} >= {"manifest", "manifest-signature"}
