"""Security properties of a running citydir network.

The REST parts (authentication, authorization, secrets in logs) run on both ledgers (the
``directory`` fixture); the transport checks are about Fabric's own ports and run on Fabric only.

- Authentication: no, unknown or expired bearer token → 401 (and nothing is written).
- Authorization is the chaincode's: a department cannot write another department's entries and a
  client cannot approve a request; the 403 carries the chaincode's own message, identical to what
  the same identity gets from the chaincode without the REST gateway.
- Transport: the peer's and the orderer's gRPC ports refuse plaintext; osnadmin demands TLS and a
  client certificate.
- Secrets: no token, no private key and no "PRIVATE KEY" in any log (checked last, after the other
  tests produced traffic).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest

from gateway.api.ledger import ChaincodeError
from gateway.config import load_config
from gateway.fabric import (
    EndorseError,
    GatewayError,
    chaincode_message,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)
from gateway.ledgers.embedded import EmbeddedConnector
from tests.fault.netutil import (
    contract_of,
    grpc_ready,
    peer_network,
    peer_tls_ca,
    peers,
    rest,
    tokens,
    user_files,
    wait_port,
)
from tests.integration.localnet import REPO, LocalNetwork

pytestmark = pytest.mark.integration

CIVIL_DEPT = "sec-civil"
HEALTH_DEPT = "sec-health"
RESPONSIBILITY = "sec-civil-duty"
CATALOG = "sec-civil-catalog"
REQUEST = "sec-req-health"

# Tokens this module issues itself (for the expired-token gateway); the log check covers them too.
ISSUED_TOKENS: list[str] = []


def _dept(dept_id: str, msp_id: str) -> dict[str, Any]:
    return {
        "id": dept_id,
        "name": {"zh": "安全测试部门", "en": f"Security test {dept_id}"},
        "parent_id": None,
        "level": "municipal",
        "msp_id": msp_id,
        "contact": {"name": "Sec", "email": "sec@city.example", "phone": "+86 10 0000 0000"},
    }


CATALOG_BODY: dict[str, Any] = {
    "id": CATALOG,
    "department_id": CIVIL_DEPT,
    "responsibility_ids": [RESPONSIBILITY],
    "title": {"zh": "安全测试目录", "en": "Security test catalog"},
    "description": "original description",
    "items": [{"name": "value", "title": "值", "type": "integer", "sensitivity": "internal"}],
    "share_type": "conditional",
    "share_conditions": "for statutory duties only",
    "open_type": "none",
    "update_frequency": "daily",
}


@pytest.fixture(scope="module")
def net(directory: LocalNetwork) -> LocalNetwork:
    """The shared network, with two departments of different orgs and a conditional catalog."""
    url, tok = directory.gateway_url(), tokens(directory)
    bureau, civil = tok["DataBureauMSP"]["admin"], tok["CivilAffairsMSP"]["admin"]
    for dept_id, msp in ((CIVIL_DEPT, "CivilAffairsMSP"), (HEALTH_DEPT, "HealthMSP")):
        reply = rest(url, "POST", "/api/v1/departments", bureau, _dept(dept_id, msp))
        assert reply.status == 201, reply.body
    responsibility = {
        "id": RESPONSIBILITY,
        "code": "SEC-01",
        "title": {"zh": "安全测试职责", "en": "Security test duty"},
        "description": "security tests",
        "legal_basis": "test",
    }
    reply = rest(url, "POST", f"/api/v1/departments/{CIVIL_DEPT}/responsibilities", civil, responsibility)
    assert reply.status == 201, reply.body
    reply = rest(url, "POST", "/api/v1/catalogs", civil, CATALOG_BODY)
    assert reply.status == 201, reply.body
    reply = rest(url, "POST", f"/api/v1/catalogs/{CATALOG}/publish", civil, {})
    assert reply.status == 200, reply.body
    return directory


# --- authentication --------------------------------------------------------------------------------


def test_no_or_unknown_token_is_401_and_writes_nothing(net: LocalNetwork) -> None:
    url, tok = net.gateway_url(), tokens(net)
    valid = tok["HealthMSP"]["client"]
    attempts: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": f"Basic {valid}"},  # a valid token under the wrong scheme
        {"Authorization": "Bearer " + "A" * 43},
        {"Authorization": f"Bearer {valid}x"},  # one character off
        {"Authorization": f"Bearer {valid[:-1]}"},
    ]
    for headers in attempts:
        for method, path, body in (
            ("GET", "/api/v1/departments", None),
            ("POST", "/api/v1/departments", _dept("sec-unauth", "DataBureauMSP")),
        ):
            reply = rest(url, method, path, body=body, headers=headers)
            assert reply.status == 401, (headers, method, reply.body)
            assert reply.body["error"]["code"] == "UNAUTHENTICATED"
            assert reply.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert rest(url, "GET", "/api/v1/departments", valid).status == 200  # the control
    assert rest(url, "GET", "/api/v1/departments/sec-unauth", valid).status == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def expiry_gateway(
    net: LocalNetwork, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    """A second gateway process on a copy of the config holding one expired and one valid token.

    The running gateway reads its configuration once, at start, so a token issued into the live
    file would not be seen; ``python -m gateway.tokens issue --expires <past>`` writes the copy.
    Yields (url, expired token, valid token).
    """
    config = tmp_path_factory.mktemp("sec-gateway") / "gateway.json"
    config.write_text((net.home / "gateway" / "gateway.json").read_text())
    cert, key = user_files(net, "HealthMSP", "client")
    issued = []
    for expires in ("2020-01-01T00:00:00Z", "1d"):
        issue = subprocess.run(
            [sys.executable, "-m", "gateway.tokens", "issue", "--config", str(config), "--msp", "HealthMSP",
             "--role", "client", "--cert", str(cert), "--key", str(key), "--expires", expires,
             "--label", f"security test {expires}"],
            cwd=REPO, capture_output=True, text=True, check=True,
        )  # fmt: skip
        issued.append(issue.stdout.strip())
    ISSUED_TOKENS.extend(issued)
    listing = json.loads(config.read_text())["identities"]
    assert any(e.get("expires_at") == "2020-01-01T00:00:00Z" for e in listing)
    assert not any(t in config.read_text() for t in issued), "a token was stored in the clear"

    port = _free_port()
    # 0600 like every other log of the network (test_rest_edges checks them all).
    fd = os.open(net.home / "logs" / "gateway-security.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    log = os.fdopen(fd, "ab")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--blocking-threads", "4", "--no-ws", "--no-access-log",
         "gateway.wsgi:app"],
        cwd=REPO, env={**os.environ, "CITYDIR_GATEWAY_CONFIG": str(config)},
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_port(port, 60)
        yield f"http://127.0.0.1:{port}", issued[0], issued[1]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()


def test_an_expired_token_is_401(expiry_gateway: tuple[str, str, str]) -> None:
    url, expired, valid = expiry_gateway
    reply = rest(url, "GET", "/api/v1/departments", expired)
    assert reply.status == 401, reply.body
    assert reply.body["error"] == {"code": "UNAUTHENTICATED", "message": "token expired", "details": {}}
    write = rest(url, "POST", "/api/v1/departments", expired, _dept("sec-expired", "DataBureauMSP"))
    assert write.status == 401, write.body
    # The control: the same gateway, the same identity, a token that has not expired.
    assert rest(url, "GET", f"/api/v1/departments/{CIVIL_DEPT}", valid).status == 200


# --- authorization is the chaincode's --------------------------------------------------------------


def _direct_forbidden_message(
    net: LocalNetwork, msp_id: str, role: str, function: str, arg: dict[str, Any]
) -> Any:
    """What the chaincode itself answers this identity without the REST gateway: its error JSON.

    On Fabric: endorsed through a peer. On the embedded ledger: simulated on its file by the
    ledger adapter in this process (nothing is submitted).
    """
    if net.embedded:
        return _embedded_answer(net, msp_id, role, function, arg)
    peer = next(p for p in peers(net) if p.msp_id == msp_id)
    cert, key = user_files(net, msp_id, role)
    channel = new_grpc_channel(
        f"127.0.0.1:{peer.port}", tls_root_cert=peer_tls_ca(net, peer), server_name_override=peer.host
    )
    gateway = connect(channel, load_identity(msp_id, cert), new_private_key_signer(load_private_key(key)))
    try:
        contract = gateway.get_network("citydir").get_contract("citydir")
        with pytest.raises(EndorseError) as caught:
            contract.new_proposal(function, args=[json.dumps(arg, ensure_ascii=False)]).endorse()
    finally:
        gateway.close()
        channel.close()
    message = chaincode_message(caught.value)
    assert message, f"not a chaincode answer: {caught.value}"
    return json.loads(message)


def _embedded_answer(net: LocalNetwork, msp_id: str, role: str, function: str, arg: dict[str, Any]) -> Any:
    config = load_config(net.home / "gateway" / "gateway.json")
    identity = next(i for i in config.identities if (i.msp_id, i.role) == (msp_id, role))
    with pytest.raises(ChaincodeError) as caught:
        EmbeddedConnector(config)(identity).query(function, arg)
    return {"code": caught.value.code, "message": caught.value.message}


def _assert_chaincode_forbidden(
    net: LocalNetwork, reply: Any, msp_id: str, role: str, function: str, arg: dict[str, Any]
) -> None:
    assert reply.status == 403, reply.body
    error = reply.body["error"]
    assert error["code"] == "FORBIDDEN"
    direct = _direct_forbidden_message(net, msp_id, role, function, arg)
    assert direct["code"] == "FORBIDDEN"
    assert error["message"] == direct["message"], "the 403 is not the chaincode's answer"
    assert re.match(r"only (admins|admins or clients) of \w+MSP may ", error["message"]), error["message"]


def test_a_department_cannot_write_another_departments_entries(net: LocalNetwork) -> None:
    url, tok = net.gateway_url(), tokens(net)
    health, civil = tok["HealthMSP"]["admin"], tok["CivilAffairsMSP"]["admin"]
    before = rest(url, "GET", f"/api/v1/catalogs/{CATALOG}", civil)
    assert before.status == 200

    update = {"id": CATALOG, "description": "rewritten by another department"}
    reply = rest(url, "PATCH", f"/api/v1/catalogs/{CATALOG}", health, {"description": update["description"]})
    _assert_chaincode_forbidden(net, reply, "HealthMSP", "admin", "UpdateCatalog", update)
    assert "CivilAffairsMSP" in reply.body["error"]["message"]

    new_catalog = {**CATALOG_BODY, "id": "sec-foreign-catalog"}
    reply = rest(url, "POST", "/api/v1/catalogs", health, new_catalog)
    _assert_chaincode_forbidden(net, reply, "HealthMSP", "admin", "CreateCatalog", new_catalog)

    for path in ("deprecate", "publish"):
        reply = rest(url, "POST", f"/api/v1/catalogs/{CATALOG}/{path}", health, {})
        assert reply.status == 403, (path, reply.body)

    # Only the data bureau keeps the department register.
    suspend = {"id": CIVIL_DEPT, "reason": "hostile takeover"}
    reply = rest(
        url, "POST", f"/api/v1/departments/{CIVIL_DEPT}/suspend", civil, {"reason": suspend["reason"]}
    )
    _assert_chaincode_forbidden(net, reply, "CivilAffairsMSP", "admin", "SuspendDepartment", suspend)

    after = rest(url, "GET", f"/api/v1/catalogs/{CATALOG}", civil)
    assert after.body["data"] == before.body["data"], "a refused write changed the catalog"
    assert rest(url, "GET", "/api/v1/catalogs/sec-foreign-catalog", civil).status == 404


def test_a_client_token_cannot_approve_a_request(net: LocalNetwork) -> None:
    url, tok = net.gateway_url(), tokens(net)
    until = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
    request = {
        "id": REQUEST,
        "requester_id": HEALTH_DEPT,
        "catalog_id": CATALOG,
        "items": ["value"],
        "purpose": "security test",
        "legal_basis": "test",
        "requested_until": until,
    }
    filed = rest(url, "POST", "/api/v1/access-requests", tok["HealthMSP"]["client"], request)
    assert filed.status == 201, filed.body
    assert filed.body["data"]["request"]["status"] == "pending"

    approval = {"id": REQUEST, "reason": "looks fine"}
    for msp_id, role in (("CivilAffairsMSP", "client"), ("HealthMSP", "admin"), ("HealthMSP", "client")):
        reply = rest(
            url,
            "POST",
            f"/api/v1/access-requests/{REQUEST}/approve",
            tok[msp_id][role],
            {"reason": "looks fine"},
        )
        _assert_chaincode_forbidden(net, reply, msp_id, role, "ApproveRequest", approval)
    state = rest(url, "GET", f"/api/v1/access-requests/{REQUEST}", tok["HealthMSP"]["client"])
    assert state.body["data"]["status"] == "pending"

    # The control: the catalog owner's admin may approve it.
    approved = rest(
        url,
        "POST",
        f"/api/v1/access-requests/{REQUEST}/approve",
        tok["CivilAffairsMSP"]["admin"],
        {"reason": "ok"},
    )
    assert approved.status == 200, approved.body
    assert approved.body["data"]["request"]["status"] == "approved"


# --- transport: TLS everywhere ---------------------------------------------------------------------


def test_plaintext_grpc_to_the_peer_gateway_is_refused(directory_network: LocalNetwork) -> None:
    net = directory_network
    ref = peers(net)[0]
    cert, key = user_files(net, ref.msp_id, "client")
    identity, signer = load_identity(ref.msp_id, cert), new_private_key_signer(load_private_key(key))

    plain = new_grpc_channel(f"127.0.0.1:{ref.port}")  # no tls_root_cert: an insecure channel
    gateway = connect(plain, identity, signer, evaluate_timeout=10)
    try:
        assert not grpc_ready(plain, 5), "a plaintext HTTP/2 connection to the peer became READY"
        with pytest.raises(GatewayError) as caught:
            gateway.get_network("citydir").get_contract("citydir").evaluate("Ping", args=["{}"])
        assert caught.value.code == grpc.StatusCode.UNAVAILABLE, caught.value
    finally:
        gateway.close()
        plain.close()

    with peer_network(net, ref) as network:  # the control: TLS with the org's CA works
        assert json.loads(contract_of(network).evaluate("Ping", args=["{}"]))["ok"] is True


def _orderer_tls_dir(net: LocalNetwork) -> Path:
    return net.home / "crypto" / "ordererOrganizations" / "citydir.local"


def test_plaintext_grpc_to_the_orderer_is_refused(directory_network: LocalNetwork) -> None:
    net = directory_network
    target = f"127.0.0.1:{net.orderer_port(0)}"
    plain = grpc.insecure_channel(target)
    try:
        assert not grpc_ready(plain, 5), "a plaintext HTTP/2 connection to the orderer became READY"
        deliver = plain.stream_stream("/orderer.AtomicBroadcast/Deliver")
        with pytest.raises(grpc.RpcError) as caught:
            for _ in deliver(iter([b""]), timeout=5):
                pass
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value
    finally:
        plain.close()
    secure = grpc.secure_channel(
        target,
        grpc.ssl_channel_credentials(root_certificates=net.orderer_ca().read_bytes()),
        options=[("grpc.ssl_target_name_override", "orderer0.citydir.local")],
    )
    try:
        assert grpc_ready(secure, 10), "the TLS control channel to the orderer did not connect"
    finally:
        secure.close()


def test_osnadmin_requires_tls_and_a_client_certificate(directory_network: LocalNetwork) -> None:
    net = directory_network
    port = net.base_port + 20
    path = "/participation/v1/channels"

    # Plain HTTP: no channel list comes back (Go answers a TLS port's plaintext with a 400, or drops it).
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    except (urllib.error.URLError, ConnectionError, OSError) as err:
        status, body = 0, str(err).encode()
    assert status != 200 and b"citydir" not in body, (status, body[:200])

    ca = _orderer_tls_dir(net) / "tlsca" / "tlsca.citydir.local-cert.pem"
    admin_tls = _orderer_tls_dir(net) / "users" / "Admin@citydir.local" / "tls"

    def tls_get(context: ssl.SSLContext) -> tuple[int, bytes]:
        handler = urllib.request.HTTPSHandler(context=context)
        opener = urllib.request.build_opener(handler)
        with opener.open(f"https://127.0.0.1:{port}{path}", timeout=5) as response:
            result: tuple[int, bytes] = (response.status, response.read())
            return result

    # TLS without a client certificate: refused during or right after the handshake.
    no_cert = ssl.create_default_context(cafile=str(ca))
    no_cert.check_hostname = False
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError, OSError)):
        tls_get(no_cert)

    # A client certificate from another CA (a peer org's admin) is refused too.
    other = ssl.create_default_context(cafile=str(ca))
    other.check_hostname = False
    foreign = (
        net.home
        / "crypto"
        / "peerOrganizations"
        / "health.citydir.local"
        / "users"
        / "Admin@health.citydir.local"
        / "tls"
    )
    other.load_cert_chain(str(foreign / "client.crt"), str(foreign / "client.key"))
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError, OSError)):
        tls_get(other)

    # The control: the orderer org's admin client certificate lists the channel.
    good = ssl.create_default_context(cafile=str(ca))
    good.check_hostname = False
    good.load_cert_chain(str(admin_tls / "client.crt"), str(admin_tls / "client.key"))
    status, body = tls_get(good)
    assert status == 200 and b"citydir" in body, (status, body[:200])


# --- secrets in logs: keep this test last in the module --------------------------------------------


def _pem_body_lines(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines()]
    return [line for line in lines if line and not line.startswith("-----") and len(line) >= 16]


def test_zz_no_token_or_private_key_in_any_log(net: LocalNetwork) -> None:
    """Runs last (after the tests above made traffic, failures and a second gateway)."""
    time.sleep(1)  # let the processes flush their logs
    logs = sorted((net.home / "logs").glob("*.log"))
    assert logs, "no logs to check"
    texts = {log.name: log.read_text(errors="replace") for log in logs}
    secrets: dict[str, str] = {}
    for msp_id, roles in tokens(net).items():
        for role, token in roles.items():
            secrets[f"token {msp_id} {role}"] = token
    for n, token in enumerate(ISSUED_TOKENS):
        secrets[f"issued token {n}"] = token
    key_files = [
        p
        for pattern in ("*_sk", "priv_sk", "server.key", "client.key")
        for p in (net.home / "crypto").rglob(pattern)
    ]
    # Fabric: every node's and user's key; embedded: each org's admin and client key.
    assert len(key_files) >= (6 if net.embedded else 10), key_files
    for key_file in key_files:
        for n, line in enumerate(_pem_body_lines(key_file)):
            secrets[f"{key_file.relative_to(net.home)} line {n}"] = line
    leaks = [
        f"{name}: {what}"
        for name, text in texts.items()
        for what, secret in secrets.items()
        if secret in text
    ]
    leaks += [f"{name}: 'PRIVATE KEY'" for name, text in texts.items() if "PRIVATE KEY" in text]
    assert leaks == [], "secrets found in logs:\n" + "\n".join(leaks[:30])
    print(f"\nchecked {len(logs)} logs ({sum(map(len, texts.values()))} chars) for {len(secrets)} secrets")
