"""A malicious org's chaincode server: it writes whatever it is told, without any check.

Run as ``python -m tests.integration.forgery`` with CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS and
FORGERY_MSP (the attacker's MSP) set, in place of that org's real chaincode server. Only the
attacker's own peers dial it; the point of the tests is that what those peers endorse cannot
commit as valid without the peers the directory's policies name.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from chaincode.directory import DirectoryContract
from chaincode.directory.ledger import INDEX_VALUE, canonical_json
from chaincode.directory.policy import peer_of
from chaincode.shim.api import OK, ChaincodeStub, Response, create_composite_key
from chaincode.shim.server import serve
from tests.integration.localnet import REPO, LocalNetwork, port_free

# The functions it forges, and the kind of entity whose key each one overwrites.
FORGED = {"UpdateCatalog": "catalog", "RegisterDepartment": "department"}
FORGED_RESULT = b'{"forged":true}'


class ForgingContract:
    """Forged writes for FORGED functions; every other function behaves honestly (reads, Ping)."""

    def __init__(self, attacker_msp: str) -> None:
        self._attacker_msp = attacker_msp
        self._honest = DirectoryContract()

    def init(self, stub: ChaincodeStub) -> Response:
        return Response(OK)

    def invoke(self, stub: ChaincodeStub) -> Response:
        function, params = stub.get_function_and_parameters()
        if function == "Forge":  # {"writes": [{"key": [object type, attributes...], "value": any}]}
            writes = [(w["key"], w["value"]) for w in json.loads(params[0])["writes"]]
        elif function in FORGED:
            document = json.loads(params[0])
            writes = [([FORGED[function], document["id"]], document)]
        else:
            return self._honest.invoke(stub)
        for (object_type, *attributes), value in writes:
            key = create_composite_key(object_type, attributes)
            stub.put_state(key, canonical_json(value) if value is not None else INDEX_VALUE)
            # And claim the key for the attacker: the committed policy decides, so this does not help.
            stub.set_state_validation_parameter(key, peer_of(self._attacker_msp))
        stub.set_event("Forged", canonical_json({"writes": len(writes)}))
        return Response(OK, payload=FORGED_RESULT)


def replace_chaincode_server(net: LocalNetwork, org_label: str, attacker_msp: str) -> subprocess.Popen[bytes]:
    """Stop ``org_label``'s real chaincode server and start the forging one on its address."""
    pid_file = net.home / "pids" / f"ccaas-{org_label}.pid"
    org = ["databureau", "civilaffairs", "health"].index(org_label)
    port = net.base_port + 200 + org
    _stop_group(int(pid_file.read_text()))
    _wait(lambda: port_free(port), f"port {port} to be released by the real chaincode server")
    env = {
        **net.env,
        "CHAINCODE_ID": (net.home / "artifacts" / "cc" / f"{org_label}.package-id").read_text().strip(),
        "CHAINCODE_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "FORGERY_MSP": attacker_msp,
        "PYTHONPATH": str(REPO),
    }
    log = (net.home / "logs" / f"forgery-{org_label}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.forgery"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    # network.sh down stops what the pid file names: the forger, should a test leave it running.
    pid_file.write_text(f"{process.pid}\n")
    _wait(lambda: not port_free(port) or process.poll() is not None, f"the forging server on port {port}")
    if process.poll() is not None:
        raise AssertionError(f"the forging server exited with {process.returncode}; see {log.name}")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stop_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)  # ccaas.sh runs in its own session (setsid)
    except ProcessLookupError:
        return
    _wait(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), f"chaincode server {pid} to stop")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True


def _wait(done: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


if __name__ == "__main__":
    serve(
        ForgingContract(os.environ["FORGERY_MSP"]),
        os.environ["CHAINCODE_SERVER_ADDRESS"],
        os.environ["CHAINCODE_ID"],
    )
