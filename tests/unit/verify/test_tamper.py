"""Any change to any byte of a bundle makes it INVALID (or unreadable), and names a check.

Single bytes are flipped at seeded random positions of every member, the zip rebuilt around the
altered member (so the zip itself stays readable and only the content is wrong).
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from citydir_verify import INVALID, BundleError, verify_bundle

from .embedded_chain import catalog_bundle
from .helpers import GENESIS, fixture, flipped, members, new_node_key, replaced, rezip

CATALOG = "fabric-catalog.zip"
SEED = 20261201
PER_FILE = 24
EXTRA_SIGNED_FILES = 16  # more positions in manifest.json and manifest.sig, which nothing else covers


def _variants(files: dict[str, bytes], rng: random.Random) -> list[tuple[str, int, int]]:
    chosen = []
    for name, body in sorted(files.items()):
        count = PER_FILE + (EXTRA_SIGNED_FILES if name.startswith("manifest") else 0)
        positions = rng.sample(range(len(body)), min(count, len(body)))
        chosen += [(name, position, rng.randrange(1, 256)) for position in positions]
    return chosen


def _outcome(data: bytes, trust: str | None) -> str:
    """The id of the first failing check, "unreadable" (exit 2), or "VALID" (a test failure)."""
    try:
        report = verify_bundle(data, trust)
    except BundleError:
        return "unreadable"
    if report.verdict != INVALID or report.first_failure is None:
        return "VALID"
    return report.first_failure.id


def test_flipping_any_byte_of_any_fabric_file_is_detected() -> None:
    files = members(fixture(CATALOG))
    variants = _variants(files, random.Random(SEED))
    assert len(variants) >= 200 and {name for name, _, _ in variants} == set(files)
    outcomes: dict[str, Counter[str]] = {name: Counter() for name in files}
    for name, position, mask in variants:
        altered = rezip({**files, name: flipped(files[name], position, mask)})
        outcome = _outcome(altered, GENESIS)
        assert outcome != "VALID", (name, position, mask)
        outcomes[name][outcome] += 1
    # Only the manifest, which is JSON, may stop parsing; everything else is a failed check.
    assert all(outcomes[name]["unreadable"] == 0 for name in files if name != "manifest.json")
    # A flipped byte in a block or in the chain file shows as a chain failure (data hash, header
    # link, signature), rarely only as a digest mismatch: the meaningful check comes first.
    for name in files:
        if name.startswith(("blocks/", "config/", "chain/")):
            assert outcomes[name]["chain"] >= 0.9 * sum(outcomes[name].values()), (name, outcomes[name])
        if name.startswith("values/"):
            assert set(outcomes[name]) == {"write-set"}, (name, outcomes[name])
    assert set(outcomes["manifest.sig"]) == {"manifest-signature"}


def test_flipping_bytes_of_an_embedded_bundle_is_detected() -> None:
    node = new_node_key()
    data = catalog_bundle(node)
    files = members(data)
    rng = random.Random(SEED + 1)
    for name, body in sorted(files.items()):
        for position in rng.sample(range(len(body)), min(8, len(body))):
            outcome = _outcome(rezip({**files, name: flipped(body, position, rng.randrange(1, 256))}), None)
            assert outcome != "VALID", (name, position)


def test_swapping_value_files_fails_both_write_sets() -> None:
    files = members(fixture(CATALOG))
    swapped = {**files, "values/0.bin": files["values/1.bin"], "values/1.bin": files["values/0.bin"]}
    report = verify_bundle(rezip(swapped), GENESIS)
    failing = {(c.id, c.claim) for c in report.checks if c.status == "fail"}
    assert {("write-set", 0), ("write-set", 1), ("digests", None)} <= failing
    assert report.first_failure is not None and report.first_failure.id == "write-set"


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("blocks/84.block", "chain"),
        ("blocks/45.block", "owner-policy"),  # the block of the tx that set the key's policy
        ("config/0.block", "chain"),
        ("chain/data-hashes.bin", "chain"),
        ("values/0.bin", "write-set"),
        ("manifest.sig", "manifest-signature"),
    ],
)
def test_removing_a_file_is_invalid(name: str, first: str) -> None:
    report = verify_bundle(replaced(fixture(CATALOG), name, None), GENESIS)
    assert report.verdict == INVALID
    assert report.first_failure is not None and report.first_failure.id == first


def test_adding_a_file_is_invalid() -> None:
    files = members(fixture(CATALOG))
    report = verify_bundle(rezip({**files, "values/9.bin": b"{}"}), GENESIS)
    assert [c.id for c in report.checks if c.status == "fail"] == ["unlisted-files"]


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_second_member_of_the_same_name_is_invalid() -> None:
    files = members(fixture(CATALOG))
    doubled = rezip(files, extra=[("values/0.bin", b'{"id":"forged"}')])
    report = verify_bundle(doubled, GENESIS)
    assert report.verdict == INVALID
    assert "unlisted-files" in {c.id for c in report.checks if c.status == "fail"}


def test_a_block_from_elsewhere_in_the_chain_is_invalid() -> None:
    files = members(fixture(CATALOG))
    report = verify_bundle(rezip({**files, "blocks/84.block": files["blocks/45.block"]}), GENESIS)
    assert report.first_failure is not None and report.first_failure.id == "chain"


def test_a_re_signed_manifest_by_a_stranger_is_invalid() -> None:
    """Someone edits the manifest and signs it with their own key: the signer is nobody of the channel."""
    from citydir_verify.encoding import signature_file

    files = members(fixture(CATALOG))
    stranger = new_node_key("forger")
    manifest = files["manifest.json"].replace(
        b"as the transaction of block 84 wrote it", b"as approved by all"
    )
    forged = {
        **files,
        "manifest.json": manifest,
        "manifest.sig": signature_file(stranger.certificate, stranger.sign(manifest)),
    }
    report = verify_bundle(rezip(forged), GENESIS)
    assert [c.id for c in report.checks if c.status == "fail"] == ["manifest-signature"]
    assert json.loads(manifest)["claims"][0]["statement"] == "catalog hw-hospital-beds as approved by all"


def test_a_stated_value_digest_that_is_not_the_value_file_is_a_write_set_failure() -> None:
    files = members(fixture(CATALOG))
    manifest = json.loads(files["manifest.json"])
    manifest["claims"][0]["value_sha256"] = "00" * 32
    report = verify_bundle(rezip({**files, "manifest.json": json.dumps(manifest).encode()}), GENESIS)
    assert {(c.id, c.claim) for c in report.checks if c.status == "fail"} == {
        ("write-set", 0),
        ("links", None),  # the link reads claim 0's value too
        ("manifest-signature", None),
    }
