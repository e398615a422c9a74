"""The bench counts chaincode executions from the servers' logs (bench/cpu.py): one line per
transaction, as the real server writes it, must count once under its function's name."""

from __future__ import annotations

import logging
from pathlib import Path

from bench.cpu import executions_since
from chaincode.shim.api import OK, ChaincodeStub, Response
from tests.unit.shim.conftest import ScriptedContract
from tests.unit.shim.fake_peer import FakePeer


def test_every_transaction_the_server_runs_is_one_counted_execution(
    contract: ScriptedContract, peer: FakePeer, tmp_path: Path
) -> None:
    def ok(stub: ChaincodeStub) -> Response:
        return Response(status=OK, payload=b"{}")

    contract.functions["UpdateCatalog"] = contract.functions["GetCatalog"] = ok
    log_file = tmp_path / "ccaas-health.log"
    log_file.write_text("an earlier line: [abcd1234] TRANSACTION GetCatalog on citydir -> 200 in 1.0 ms\n")
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    shim_log = logging.getLogger("chaincode.shim")
    shim_log.addHandler(handler)
    previous = shim_log.level
    shim_log.setLevel(logging.INFO)
    try:
        start = {log_file: log_file.stat().st_size}
        for function in ("UpdateCatalog", "UpdateCatalog", "GetCatalog"):
            peer.invoke(function)
        peer.invoke("anything", init=True)
    finally:
        shim_log.removeHandler(handler)
        shim_log.setLevel(previous)
        handler.close()
    counted = executions_since(start)
    assert counted == {"total": 4, "by_function": {"GetCatalog": 1, "UpdateCatalog": 2, "anything": 1}}
