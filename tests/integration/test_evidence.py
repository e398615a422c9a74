"""Evidence bundles from a running directory, checked by the offline verifier.

On both ledgers: every read carries its provenance; a catalog's and a usage record's bundles
verify, anchored to the genesis hash the gateway publishes; altered bytes fail. On Fabric
also: the bundle's block is byte for byte what ``peer channel fetch`` writes, and
``configtxlator`` decodes it to the same transaction.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from citydir_verify import verify_bundle

from tests.integration.localnet import LocalNetwork
from tests.integration.rest import (
    BUREAU,
    CIVIL,
    HEALTH,
    MSPS,
    Api,
    catalog,
    department,
    ok,
    responsibility,
    unique,
)

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Chain:
    catalog: str
    request: str
    grant: str
    usage: str
    genesis: str


@pytest.fixture(scope="module")
def chain(api: Api) -> Chain:
    """A Health catalog (created, published, updated), a CivilAffairs request for it, Health's
    approval (the grant) and one recorded use."""
    civil, health, resp, cat = unique("civil"), unique("health"), unique("resp"), unique("cat")
    ok(api.post("/departments", department(civil, CIVIL)), 201)
    ok(api.post("/departments", department(health, HEALTH)), 201)
    ok(
        api.post(
            f"/departments/{health}/responsibilities", responsibility(resp, health), as_=(HEALTH, "admin")
        ),
        201,
    )
    ok(api.post("/catalogs", catalog(cat, health, resp), as_=(HEALTH, "admin")), 201)
    ok(api.post(f"/catalogs/{cat}/publish", as_=(HEALTH, "admin")))
    ok(api.patch(f"/catalogs/{cat}", {"description": "第二版 second version"}, as_=(HEALTH, "admin")))
    req = unique("req")
    body = {
        "id": req,
        "requester_id": civil,
        "catalog_id": cat,
        "items": ["person_id"],
        "purpose": "最低生活保障资格复核",
        "legal_basis": "《社会救助暂行办法》第十一条",
        "requested_until": "2028-12-31",
    }
    ok(api.post("/access-requests", body, as_=(CIVIL, "client")), 201)
    approved = ok(api.post(f"/access-requests/{req}/approve", {"reason": "依法履职"}, as_=(HEALTH, "admin")))
    grant = approved["data"]["grant"]["id"]
    use = {
        "grant_id": grant,
        "department_id": civil,
        "items": ["person_id"],
        "purpose_ref": "case-1",
        "record_count": 3,
    }
    usage = ok(api.post("/usage", use, as_=(CIVIL, "client")), 201)["data"]["id"]
    genesis = ok(api.get("/ledger", query={"blocks": 0}))["data"]["genesis_hash"]
    assert isinstance(genesis, str) and len(genesis) == 64
    return Chain(cat, req, grant, usage, genesis)


def bundle(api: Api, path: str, as_: tuple[str, str] | None = None) -> bytes:
    reply = api.get(path, as_=as_)
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "application/zip"
    assert "attachment" in reply.headers["Content-Disposition"]
    return reply.body


def manifest(data: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        found: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return found


def failed(report: Any) -> list[str]:
    return [c.id for c in report.checks if c.status == "fail"]


# --- provenance in every read --------------------------------------------------------------------


def test_every_read_carries_block_validation_code_and_endorsers(api: Api, chain: Chain) -> None:
    item = ok(api.get(f"/catalogs/{chain.catalog}"))["data"]
    meta = item["ledger"]
    assert isinstance(meta["block"], int) and meta["validation_code"] == "VALID"
    if api.ledger == "embedded":
        assert meta["endorsers"] == []  # one node simulates and commits: nobody endorses
    else:
        # The owner's peer must have endorsed an update of its catalog (key-level policy).
        assert HEALTH in meta["endorsers"] and set(meta["endorsers"]) <= set(MSPS)
    page = ok(api.get("/catalogs", query={"department": item["department_id"]}))["data"]
    assert [c["ledger"] for c in page if c["id"] == chain.catalog] == [meta]
    status = ok(api.get(f"/transactions/{meta['tx_id']}"))["data"]
    assert (status["status"], status["block"], status["endorsers"]) == (
        "VALID",
        meta["block"],
        meta["endorsers"],
    )


# --- bundles that verify -------------------------------------------------------------------------


def test_a_catalog_bundle_verifies_anchored_to_the_published_genesis_hash(api: Api, chain: Chain) -> None:
    data = bundle(api, f"/catalogs/{chain.catalog}/evidence")
    report = verify_bundle(data, chain.genesis)
    assert (report.verdict, report.anchored, failed(report)) == ("VALID", True, [])
    if api.ledger == "embedded":
        assert "single operator" in report.witness
    found = manifest(data)
    subject = found["claims"][0]
    assert (subject["role"], subject["id"]) == ("subject", chain.catalog)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        value = json.loads(archive.read(subject["value_file"]))
    history = ok(api.get(f"/catalogs/{chain.catalog}/history"))["data"]
    current = history[0]["value"]
    # As stored: the chaincode writes ledger {tx_id, timestamp}; reads add the block's facts.
    current["ledger"] = {k: current["ledger"][k] for k in ("tx_id", "timestamp")}
    assert value == current and subject["tx_id"] == history[0]["tx_id"]
    assert verify_bundle(data, "00" * 32).verdict == "INVALID"  # another city's genesis


def test_a_usage_bundle_carries_the_grant_request_approval_and_catalog_version(
    api: Api, chain: Chain
) -> None:
    data = bundle(api, f"/usage/{chain.usage}/evidence")
    report = verify_bundle(data, chain.genesis)
    assert (report.verdict, failed(report)) == ("VALID", [])
    claims = manifest(data)["claims"]
    roles = {c["role"]: c["id"] for c in claims}
    assert roles["subject"] == chain.usage and roles["grant"] == chain.grant
    assert roles["approval"] == roles["request"] == chain.request
    assert roles["catalog"] == chain.catalog
    links = manifest(data)["links"]
    assert {"from": 0, "field": "grant_id", "to": 1} in links


def test_the_gateway_verifies_with_the_verifiers_code(api: Api, chain: Chain) -> None:
    data = bundle(api, f"/grants/{chain.grant}/evidence")
    reply = api.request("POST", "/evidence/verify", raw=data, headers={"Content-Type": "application/zip"})
    assert ok(reply)["data"]["verdict"] == "VALID"
    broken = bytearray(data)
    broken[len(broken) // 2] ^= 0x01
    reply = api.request(
        "POST", "/evidence/verify", raw=bytes(broken), headers={"Content-Type": "application/zip"}
    )
    assert reply.status in (200, 400) and (reply.status == 400 or reply.json["data"]["verdict"] == "INVALID")


def test_altered_bytes_anywhere_in_a_real_bundle_fail(api: Api, chain: Chain) -> None:
    data = bundle(api, f"/catalogs/{chain.catalog}/evidence")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    rng = random.Random(12)
    tried = 0
    for name, content in members.items():
        for position in rng.sample(range(len(content)), min(8, len(content))):
            altered = bytearray(content)
            altered[position] ^= 1 << rng.randrange(8)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                for other, body in members.items():
                    archive.writestr(other, bytes(altered) if other == name else body)
            try:
                report = verify_bundle(out.getvalue(), chain.genesis)
            except ValueError:
                continue  # no longer readable at all: the CLI says so (exit 2)
            assert report.verdict == "INVALID", (name, position)
            assert failed(report), (name, position)
            tried += 1
    assert tried >= 20


def test_the_cli_verifies_offline_without_citydir(api: Api, chain: Chain, tmp_path: Path) -> None:
    """The verifier alone: isolated interpreter, no repository on the path, sockets refused."""
    path = tmp_path / "catalog.zip"
    path.write_bytes(bundle(api, f"/catalogs/{chain.catalog}/evidence"))
    script = (
        "import socket, sys, runpy\n"
        "def refuse(*a, **k): raise OSError('network disabled')\n"
        "socket.socket = refuse; socket.create_connection = refuse\n"
        f"sys.argv = ['citydir-verify', {str(path)!r}, '--trust', {chain.genesis!r}, '--json']\n"
        "try:\n    runpy.run_module('citydir_verify', run_name='__main__')\n"
        "finally:\n"
        "    ours = ('gateway', 'chaincode', 'flask', 'grpc')\n"
        "    leaked = [m for m in sys.modules if m.split('.')[0] in ours]\n"
        "    print('LEAKED', leaked, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "VALID"
    assert "LEAKED []" in done.stderr


def test_bad_evidence_requests_are_clear(api: Api, chain: Chain) -> None:
    assert api.get("/catalogs/no-such-catalog/evidence").status == 404
    assert ok(api.get("/transactions/not-hex/evidence"), 400)["error"]["code"] == "INVALID_ARGUMENT"
    assert api.get(f"/transactions/{'ab' * 32}/evidence").status == 404
    empty = api.request("POST", "/evidence/verify", raw=b"", headers={"Content-Type": "application/zip"})
    assert empty.status == 400
    junk = api.request(
        "POST", "/evidence/verify", raw=b"not a zip", headers={"Content-Type": "application/zip"}
    )
    assert junk.status == 400 and junk.json["error"]["code"] == "INVALID_ARGUMENT"


def test_a_transaction_bundle_claims_what_it_wrote(api: Api, chain: Chain) -> None:
    meta = ok(api.get(f"/grants/{chain.grant}"))["data"]["ledger"]
    data = bundle(api, f"/transactions/{meta['tx_id']}/evidence")
    report = verify_bundle(data, chain.genesis)
    assert (report.verdict, failed(report)) == ("VALID", [])
    written = {(c["collection"], c["id"]) for c in manifest(data)["claims"] if c["role"] == "written"}
    assert ("grant", chain.grant) in written and ("request", chain.request) in written


# --- Fabric's own tools --------------------------------------------------------------------------


HEALTH_ORG = (2, "health", HEALTH)  # (index, label, MSP) in the test network's layout


def peer(net: LocalNetwork, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["peer", *args], env=net.peer_cli_env(*HEALTH_ORG), capture_output=True, text=True, timeout=120
    )


def test_the_bundles_block_is_what_peer_channel_fetch_writes(
    api: Api, chain: Chain, directory: LocalNetwork, tmp_path: Path
) -> None:
    if api.ledger != "fabric":
        pytest.skip("Fabric's tools read Fabric blocks; the embedded ledger's are its own")
    # Each Raft orderer signs its own copy of a block, so peers fed by different orderers hold
    # different signature metadata: the bundle is byte for byte the block of the peer that
    # served it, the caller's own org's peer (Health's, asked as Health).
    data = bundle(api, f"/catalogs/{chain.catalog}/evidence", as_=(HEALTH, "admin"))
    subject = manifest(data)["claims"][0]
    number = subject["block"]
    fetched = tmp_path / "fetched.block"
    done = peer(
        directory, "channel", "fetch", str(number), str(fetched), "-c", "citydir"
    )  # the peer's deliver
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        carried = archive.read(f"blocks/{number}.block")
    assert carried == fetched.read_bytes()
    decoded = subprocess.run(
        ["configtxlator", "proto_decode", "--type", "common.Block", "--input", str(fetched)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": directory.peer_cli_env(*HEALTH_ORG)["PATH"]},
    )
    assert decoded.returncode == 0, decoded.stderr
    block = json.loads(decoded.stdout)
    tx_ids = [env["payload"]["header"]["channel_header"]["tx_id"] for env in block["data"]["data"]]
    assert subject["tx_id"] in tx_ids
    assert int(block["header"]["number"]) == number


def test_organisations_are_the_ones_the_config_names(api: Api, chain: Chain) -> None:
    if api.ledger != "fabric":
        pytest.skip("the embedded ledger has no channel configuration")
    report = verify_bundle(bundle(api, f"/grants/{chain.grant}/evidence"), chain.genesis)
    assert report.verdict == "VALID"
    assert {c.id for c in report.checks if c.status == "pass"} >= {
        "chain",
        "tx-valid",
        "creator",
        "endorsements",
    }
    assert BUREAU in MSPS  # (the three orgs of the test network)
