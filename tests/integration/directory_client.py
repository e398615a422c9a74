"""The directory chaincode as the integration tests reach it: our Gateway client, per identity.

One TLS gRPC channel per org (to the org's first peer) and one Gateway per cryptogen identity
(``Admin@`` = admin role, ``User1@`` = client role), as real applications would connect.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import grpc

from gateway.config import hash_token
from gateway.fabric import (
    ChaincodeEvent,
    Commit,
    Contract,
    GatewayError,
    Network,
    Status,
    chaincode_message,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)
from tests.integration.localnet import LocalNetwork

# The unit tests' entity builders, re-exported: both suites build the same documents.
from tests.unit.chaincode.helpers import access as access
from tests.unit.chaincode.helpers import catalog as catalog
from tests.unit.chaincode.helpers import department as department
from tests.unit.chaincode.helpers import item as item
from tests.unit.chaincode.helpers import responsibility as responsibility

CHANNEL = "citydir"
CHAINCODE = "citydir"
DOMAIN = "citydir.local"
# (label, MSP id) by org index, as network/lib/common.sh numbers them.
ORGS = [("databureau", "DataBureauMSP"), ("civilaffairs", "CivilAffairsMSP"), ("health", "HealthMSP")]
BUREAU, CIVIL, HEALTH = 0, 1, 2
USERS = {"admin": "Admin", "client": "User1"}


@dataclass(frozen=True)
class Who:
    org: int
    role: str = "admin"  # admin | client

    @property
    def msp_id(self) -> str:
        return ORGS[self.org][1]


BUREAU_ADMIN = Who(BUREAU)
CIVIL_ADMIN = Who(CIVIL)
CIVIL_CLIENT = Who(CIVIL, "client")
HEALTH_ADMIN = Who(HEALTH)
HEALTH_CLIENT = Who(HEALTH, "client")


@dataclass(frozen=True)
class Submitted:
    """A committed transaction: the chaincode's result and the peer's commit status."""

    result: Any
    status: Status

    @property
    def tx_id(self) -> str:
        return self.status.tx_id


class ChaincodeFailure(AssertionError):
    """A call expected to succeed failed; carries the chaincode's error JSON when there is one."""


class Directory:
    """Gateways for every org's admin and client; close() releases them."""

    def __init__(self, net: LocalNetwork) -> None:
        self.net = net
        self._stack = ExitStack()
        self._channels: dict[int, grpc.Channel] = {}
        self._networks: dict[Who, Network] = {}

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connections ------------------------------------------------------------------------
    def channel(self, org: int) -> grpc.Channel:
        if org not in self._channels:
            label = ORGS[org][0]
            tls = self.net.org_dir(label) / "peers" / f"peer0.{label}.{DOMAIN}" / "tls" / "ca.crt"
            channel = new_grpc_channel(f"127.0.0.1:{self.net.peer_port(org)}", tls_root_cert=tls.read_bytes())
            self._stack.callback(channel.close)
            self._channels[org] = channel
        return self._channels[org]

    def network(self, who: Who) -> Network:
        if who not in self._networks:
            label, msp_id = ORGS[who.org]
            user = f"{USERS[who.role]}@{label}.{DOMAIN}"
            msp = self.net.org_dir(label) / "users" / user / "msp"
            gateway = connect(
                self.channel(who.org),
                load_identity(msp_id, msp / "signcerts" / f"{user}-cert.pem"),
                new_private_key_signer(load_private_key(msp / "keystore" / "priv_sk")),
                chaincode_events_timeout=60,
            )
            self._stack.callback(gateway.close)
            self._networks[who] = gateway.get_network(CHANNEL)
        return self._networks[who]

    def contract(self, who: Who) -> Contract:
        return self.network(who).get_contract(CHAINCODE)

    # -- calls ----------------------------------------------------------------------------
    def submit_async(
        self, who: Who, function: str, arg: Any, endorsing_organizations: Sequence[str] | None = None
    ) -> tuple[bytes, Commit]:
        return self.contract(who).submit_async(function, [encode(arg)], None, endorsing_organizations)

    def submit(self, who: Who, function: str, arg: Any) -> Submitted:
        """Endorse, order and wait: the transaction must commit VALID."""
        try:
            result, commit = self.submit_async(who, function, arg)
        except GatewayError as err:
            raise ChaincodeFailure(f"{function} failed to endorse: {err}") from err
        status = commit.status()
        if not status.successful:
            raise ChaincodeFailure(f"{function} committed {status.code_name}")
        # Commit status speaks for the Gateway's own peer only; the next proposal may go to
        # another org's peer, which must have committed this block too or it reads stale state.
        self.wait_height(status.block_number + 1)
        return Submitted(json.loads(result), status)

    def evaluate(self, who: Who, function: str, arg: Any, target_org: int | None = None) -> Any:
        return json.loads(self.evaluate_raw(who, function, arg, target_org))

    def evaluate_raw(self, who: Who, function: str, arg: Any, target_org: int | None = None) -> bytes:
        targets = None if target_org is None else [ORGS[target_org][1]]
        try:
            return self.contract(who).evaluate(function, [encode(arg)], None, targets)
        except GatewayError as err:
            raise ChaincodeFailure(f"{function} failed: {err}") from err

    def read(self, function: str, arg: Any, target_org: int = BUREAU) -> Any:
        """A query as any member (the data bureau's client), run on ``target_org``'s peer."""
        return self.evaluate(Who(BUREAU, "client"), function, arg, target_org)

    def submit_error(self, who: Who, function: str, arg: Any) -> dict[str, Any]:
        """The chaincode's error JSON for a submit that must fail at endorsement."""
        try:
            self.submit_async(who, function, arg)
        except GatewayError as err:
            return error_json(err)
        raise AssertionError(f"{function} was endorsed and submitted, but should have failed")

    def evaluate_error(
        self, who: Who, function: str, arg: Any, target_org: int | None = None
    ) -> dict[str, Any]:
        targets = None if target_org is None else [ORGS[target_org][1]]
        try:
            self.contract(who).evaluate(function, [encode(arg)], None, targets)
        except GatewayError as err:
            return error_json(err)
        raise AssertionError(f"{function} answered, but should have failed")

    # -- ledger -----------------------------------------------------------------------------
    def height(self, org: int) -> int:
        """Block height of ``org``'s peer (qscc, evaluated on that peer only)."""
        contract = self.network(Who(org, "client")).get_contract("qscc")
        from gateway.fabric._protos import ledger_pb2

        info = ledger_pb2.BlockchainInfo.FromString(
            contract.evaluate("GetChainInfo", [CHANNEL], None, [ORGS[org][1]])
        )
        return int(info.height)

    def heights(self) -> list[int]:
        return [self.height(org) for org in range(len(ORGS))]

    def wait_height(self, height: int, timeout: float = 30) -> None:
        """Until every org's peer has committed ``height`` blocks."""
        deadline = time.monotonic() + timeout
        for org in range(len(ORGS)):
            while self.height(org) < height:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{ORGS[org][1]}'s peer did not reach height {height}")
                time.sleep(0.05)

    def wait_same_height(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while True:
            heights = self.heights()
            if len(set(heights)) == 1:
                return heights[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"peers did not reach the same height: {heights}")
            time.sleep(0.2)

    def event_of(self, submitted: Submitted) -> ChaincodeEvent:
        """The chaincode event the committed transaction emitted, read from its block."""
        with self.network(Who(BUREAU, "client")).chaincode_events(
            CHAINCODE, start_block=submitted.status.block_number
        ) as events:
            for event in events:
                if event.tx_id == submitted.tx_id:
                    return event
                if event.block_number > submitted.status.block_number:
                    break
        raise AssertionError(f"no chaincode event for transaction {submitted.tx_id}")


def encode(arg: Any) -> str | bytes:
    """Arguments are JSON text; str/bytes are sent as they are (for malformed input)."""
    return arg if isinstance(arg, str | bytes) else json.dumps(arg, ensure_ascii=False)


def error_json(err: GatewayError) -> dict[str, Any]:
    message = chaincode_message(err)
    assert message is not None, f"not a chaincode error response: {err}"
    document: dict[str, Any] = json.loads(message)
    assert set(document) == {"code", "message", "details"}, document
    return document


# -- the peer CLI -----------------------------------------------------------------------------


def peer_cli(net: LocalNetwork, who: Who, *args: str) -> subprocess.CompletedProcess[str]:
    label, msp_id = ORGS[who.org]
    env = net.peer_cli_env(who.org, label, msp_id, USERS[who.role])
    return subprocess.run(["peer", *args], env=env, capture_output=True, text=True, timeout=120)


def gateway_config(net: LocalNetwork, token: str, who: Who) -> dict[str, Any]:
    """A REST gateway configuration for this network acting as ``who`` (by ``token``), to run the
    gateway in-process where the network was started without one."""
    label, msp_id = ORGS[who.org]
    user = f"{USERS[who.role]}@{label}.{DOMAIN}"
    msp = net.org_dir(label) / "users" / user / "msp"
    return {
        "channel": CHANNEL,
        "chaincode": CHAINCODE,
        "listen": "127.0.0.1:0",
        "peers": [
            {
                "name": f"peer0.{org_label}.{DOMAIN}",
                "org": org_label,
                "msp_id": org_msp,
                "address": f"127.0.0.1:{net.peer_port(org)}",
                "tls_root_cert": peer_tls_root(net, org),
                "server_name": f"peer0.{org_label}.{DOMAIN}",
            }
            for org, (org_label, org_msp) in enumerate(ORGS)
        ],
        "identities": [
            {
                "token_sha256": hash_token(token),
                "msp_id": msp_id,
                "role": who.role,
                "cert": str(msp / "signcerts" / f"{user}-cert.pem"),
                "key": str(msp / "keystore" / "priv_sk"),
            }
        ],
        "ledger": {"kind": "fabric"},
    }


def peer_tls_root(net: LocalNetwork, org: int) -> str:
    label = ORGS[org][0]
    return str(net.org_dir(label) / "peers" / f"peer0.{label}.{DOMAIN}" / "tls" / "ca.crt")


def cli_invoke(
    net: LocalNetwork, who: Who, endorsers: Sequence[int], function: str, arg: Any
) -> subprocess.CompletedProcess[str]:
    """``peer chaincode invoke`` over TLS, endorsed by the first peers of ``endorsers``."""
    targets: list[str] = []
    for org in endorsers:
        targets += [
            "--peerAddresses",
            f"127.0.0.1:{net.peer_port(org)}",
            "--tlsRootCertFiles",
            peer_tls_root(net, org),
        ]
    return peer_cli(
        net,
        who,
        "chaincode",
        "invoke",
        "-o",
        f"127.0.0.1:{net.orderer_port(0)}",
        "--tls",
        "--cafile",
        str(net.orderer_ca()),
        "-C",
        CHANNEL,
        "-n",
        CHAINCODE,
        "--waitForEvent",
        *targets,
        "-c",
        json.dumps({"Args": [function, encode(arg)]}),
    )
