"""A tiny contract to smoke-test the deploy path: ``ping``, ``put {key,value}``, ``get {key}``.

Like the directory contract, each function takes one JSON object argument and answers JSON;
failures are status 500 with ``{"code": ..., "message": ...}``.
"""

from __future__ import annotations

import json
from typing import Any

from chaincode.shim.api import ERROR, OK, ChaincodeStub, Response

_KEY_PREFIX = "ping~"  # keeps smoke-test keys apart from anything else in the namespace


class PingContract:
    def init(self, stub: ChaincodeStub) -> Response:
        return _ok({"ok": True})

    def invoke(self, stub: ChaincodeStub) -> Response:
        function, params = stub.get_function_and_parameters()
        try:
            argument = json.loads(params[0]) if params else {}
        except json.JSONDecodeError:
            return _error("INVALID_ARGUMENT", "the argument must be a JSON object")
        if not isinstance(argument, dict):
            return _error("INVALID_ARGUMENT", "the argument must be a JSON object")
        if function == "ping":
            return _ok({"ok": True, "channel": stub.channel_id, "tx_id": stub.tx_id})
        if function == "put":
            return self._put(stub, argument)
        if function == "get":
            return self._get(stub, argument)
        return _error("INVALID_ARGUMENT", f"unknown function {function!r}")

    def _put(self, stub: ChaincodeStub, argument: dict[str, Any]) -> Response:
        key, value = argument.get("key"), argument.get("value")
        if not isinstance(key, str) or not key or not isinstance(value, str) or not value:
            return _error("INVALID_ARGUMENT", "put needs non-empty string fields key and value")
        stub.put_state(_KEY_PREFIX + key, value.encode("utf-8"))
        stub.set_event("PingPut", json.dumps({"key": key}).encode("utf-8"))
        return _ok({"key": key, "value": value, "tx_id": stub.tx_id})

    def _get(self, stub: ChaincodeStub, argument: dict[str, Any]) -> Response:
        key = argument.get("key")
        if not isinstance(key, str) or not key:
            return _error("INVALID_ARGUMENT", "get needs a non-empty string field key")
        value = stub.get_state(_KEY_PREFIX + key)
        if value is None:
            return _error("NOT_FOUND", f"no value for key {key!r}")
        return _ok({"key": key, "value": value.decode("utf-8")})


def _ok(body: dict[str, Any]) -> Response:
    return Response(status=OK, payload=json.dumps(body).encode("utf-8"))


def _error(code: str, message: str) -> Response:
    return Response(status=ERROR, message=json.dumps({"code": code, "message": message}))
