"""Our Python Fabric Gateway client and Fabric's official Node client on the same real network.

What one submits, the other reads back; the same evaluate answers the same bytes through both;
the chaincode's error reaches both alike. The Node side is ``tests/interop/official-client.mjs``
(``@hyperledger/fabric-gateway``), run once per call.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway import fabric
from tests.integration.localnet import REPO, LocalNetwork
from tests.integration.rest import BUREAU, CIVIL, HEALTH, Api, department, unique

INTEROP = REPO / "tests" / "interop"
DRIVER = INTEROP / "official-client.mjs"
CHANNEL = CHAINCODE = "citydir"
ORG_INDEX = {BUREAU: (0, "databureau"), CIVIL: (1, "civilaffairs"), HEALTH: (2, "health")}


@pytest.fixture(scope="session")
def official_client() -> Path:
    """The official Node client installed (``npm ci``) once, if it is not there yet."""
    if shutil.which("node") is None:
        pytest.fail("node is required for the interop tests (Node 20)")
    if not (INTEROP / "node_modules" / "@hyperledger" / "fabric-gateway").is_dir():
        proc = subprocess.run(
            ["npm", "ci", "--prefix", str(INTEROP), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return DRIVER


@dataclass(frozen=True)
class Member:
    """One cryptogen identity of an org and the org's first peer."""

    msp_id: str
    cert: Path
    key: Path
    peer_address: str
    peer_tls_ca: Path
    peer_name: str


def member(net: LocalNetwork, msp_id: str, role: str) -> Member:
    index, label = ORG_INDEX[msp_id]
    domain = f"{label}.citydir.local"
    user = "Admin" if role == "admin" else "User1"
    msp = net.org_dir(label) / "users" / f"{user}@{domain}" / "msp"
    return Member(
        msp_id=msp_id,
        cert=msp / "signcerts" / f"{user}@{domain}-cert.pem",
        key=msp / "keystore" / "priv_sk",
        peer_address=f"127.0.0.1:{net.peer_port(index)}",
        peer_tls_ca=net.org_dir(label) / "peers" / f"peer0.{domain}" / "tls" / "ca.crt",
        peer_name=f"peer0.{domain}",
    )


def node(driver: Path, who: Member, mode: str, function: str, arg: dict[str, Any]) -> dict[str, Any]:
    request = {
        "address": who.peer_address,
        "tlsRootCert": str(who.peer_tls_ca),
        "mspId": who.msp_id,
        "cert": str(who.cert),
        "key": str(who.key),
        "channel": CHANNEL,
        "chaincode": CHAINCODE,
        "mode": mode,
        "function": function,
        "args": [json.dumps(arg, ensure_ascii=False, separators=(",", ":"))],
    }
    proc = subprocess.run(
        ["node", str(driver)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=INTEROP,
    )
    assert proc.stdout.strip(), f"no answer from the official client: {proc.stderr[-3000:]}"
    answer: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return answer


@dataclass
class PyClient:
    gateway: fabric.Gateway
    channel: grpc.Channel
    network: fabric.Network
    contract: fabric.Contract


@pytest.fixture(scope="module")
def python_client(directory_network: LocalNetwork) -> Iterator[Any]:
    opened: list[PyClient] = []

    def connect(msp_id: str, role: str) -> PyClient:
        who = member(directory_network, msp_id, role)
        channel = fabric.new_grpc_channel(
            who.peer_address, tls_root_cert=who.peer_tls_ca.read_bytes(), server_name_override=who.peer_name
        )
        gateway = fabric.connect(
            channel,
            fabric.load_identity(msp_id, who.cert),
            fabric.new_private_key_signer(fabric.load_private_key(who.key)),
        )
        network = gateway.get_network(CHANNEL)
        client = PyClient(gateway, channel, network, network.get_contract(CHAINCODE))
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.gateway.close()
        client.channel.close()


def arg_text(arg: dict[str, Any]) -> str:
    return json.dumps(arg, ensure_ascii=False, separators=(",", ":"))


def test_submitted_by_our_client_is_read_by_the_official_one(
    directory_network: LocalNetwork, official_client: Path, python_client: Any
) -> None:
    ours = python_client(BUREAU, "admin")
    dept = department(unique("py"), HEALTH, zh="由Python客户端登记")
    result, commit = ours.contract.submit_async("RegisterDepartment", args=[arg_text(dept)])
    status = commit.status()
    assert status.successful and status.code_name == "VALID"
    submitted = json.loads(result)
    assert submitted["ledger"]["tx_id"] == commit.tx_id == status.tx_id

    # Another org's client, through another org's peer, with the official client.
    theirs = node(
        official_client,
        member(directory_network, HEALTH, "client"),
        "evaluate",
        "GetDepartment",
        {"id": dept["id"]},
    )
    assert "error" not in theirs, theirs
    read = json.loads(theirs["result"])
    assert read == submitted
    assert read["name"]["zh"] == "由Python客户端登记" and read["version"] == 1

    # The official client's submit on top of ours sees our write (version 2 follows version 1).
    update = node(
        official_client,
        member(directory_network, BUREAU, "admin"),
        "submit",
        "UpdateDepartment",
        {"id": dept["id"], "level": "district"},
    )
    assert update.get("successful") is True, update
    assert json.loads(update["result"])["version"] == 2


def test_submitted_by_the_official_client_is_read_by_ours(
    directory_network: LocalNetwork, official_client: Path, python_client: Any
) -> None:
    dept = department(unique("node"), CIVIL, zh="由官方客户端登记")
    answer = node(
        official_client, member(directory_network, BUREAU, "admin"), "submit", "RegisterDepartment", dept
    )
    assert "error" not in answer, answer
    assert answer["successful"] is True and answer["code"] == 0  # TxValidationCode.VALID
    tx_id, block = answer["txId"], answer["block"]
    submitted = json.loads(answer["result"])
    assert submitted["ledger"]["tx_id"] == tx_id

    ours = python_client(CIVIL, "client")  # another org's member, through its own peer
    read = json.loads(ours.contract.evaluate("GetDepartment", args=[arg_text({"id": dept["id"]})]))
    assert read == submitted and read["name"]["zh"] == "由官方客户端登记"
    # Our client's view of the official client's transaction: commit status and qscc agree.
    status = ours.network.get_commit_status(tx_id)
    assert status.successful and status.block_number == block
    assert ours.network.get_transaction_validation(tx_id) == ("VALID", block)
    # And the REST gateway (our client again, as the caller) reports the same.
    api = Api.for_network(directory_network)
    reply = api.get(f"/transactions/{tx_id}", as_=(HEALTH, "client"))
    assert reply.status == 200, reply
    assert (reply.data["tx_id"], reply.data["status"], reply.data["block"]) == (tx_id, "VALID", block), reply
    dept_reply = api.get(f"/departments/{dept['id']}")
    assert dept_reply.data["ledger"]["block"] == block


@pytest.mark.parametrize(
    ("msp_id", "role"),
    [(BUREAU, "admin"), (CIVIL, "client"), (HEALTH, "admin")],
    ids=["bureau", "civil", "health"],
)
def test_the_same_evaluate_answers_the_same_bytes(
    directory_network: LocalNetwork, official_client: Path, python_client: Any, msp_id: str, role: str
) -> None:
    ours = python_client(msp_id, role)
    dept = department(unique("bytes"), HEALTH, zh="字节比较")
    python_client(BUREAU, "admin").contract.submit("RegisterDepartment", args=[arg_text(dept)])
    queries: list[tuple[str, dict[str, Any]]] = [
        ("GetDepartment", {"id": dept["id"]}),
        ("ListDepartments", {"msp_id": HEALTH, "page_size": 200}),
        ("ListDepartments", {"page_size": 3}),
        ("GetHistory", {"entity": "department", "id": dept["id"]}),
    ]
    who = member(directory_network, msp_id, role)
    for function, arg in queries:
        mine = ours.contract.evaluate(function, args=[arg_text(arg)])
        theirs = node(official_client, who, "evaluate", function, arg)
        assert "error" not in theirs, (function, theirs)
        assert theirs["result"].encode("utf-8") == mine, function


def test_a_chaincode_error_reaches_both_clients_alike(
    directory_network: LocalNetwork, official_client: Path, python_client: Any
) -> None:
    missing = {"id": unique("absent")}
    with pytest.raises(fabric.GatewayError) as caught:
        python_client(CIVIL, "client").contract.evaluate("GetDepartment", args=[arg_text(missing)])
    ours = fabric.chaincode_message(caught.value)
    assert ours is not None and json.loads(ours)["code"] == "NOT_FOUND"

    theirs = node(
        official_client, member(directory_network, CIVIL, "client"), "evaluate", "GetDepartment", missing
    )
    assert "error" in theirs, theirs
    texts = [theirs["error"]["message"], *(d["message"] for d in theirs["error"]["details"])]
    assert any(ours in text for text in texts), (ours, texts)

    # A refused submit: nothing is ordered by either client.
    api = Api.for_network(directory_network)
    dept = department(unique("refused"), HEALTH)

    def python_submit() -> Any:
        with pytest.raises(fabric.GatewayError) as refused:
            python_client(HEALTH, "admin").contract.submit("RegisterDepartment", args=[arg_text(dept)])
        return refused.value

    before = api.settled_height()
    refused = python_submit()
    assert json.loads(fabric.chaincode_message(refused) or "{}")["code"] == "FORBIDDEN"
    official = node(
        official_client, member(directory_network, HEALTH, "admin"), "submit", "RegisterDepartment", dept
    )
    assert "error" in official and official["error"]["name"] == "EndorseError", official
    assert (
        any("FORBIDDEN" in d["message"] for d in official["error"]["details"])
        or "FORBIDDEN" in official["error"]["message"]
    )
    api._sleep(1.2)
    assert api.settled_height() == before
