"""The dispatcher: one JSON object in, one JSON document or one error out.

The functions, their kinds and their argument schemas are the interface's function table
(``chaincode.interface.FUNCTIONS``); this module binds each to the action that runs it. Each
argument is validated by its schema; the action checks who may act (authz) and the rules beside
the state they guard, then writes. Writes reach the stub only after the action returned without
error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaincode.interface import FUNCTIONS, Kind, parse_argument
from chaincode.shim.api import ERROR, OK, ChaincodeStub, Response

from . import access, catalog, department, history, responsibility, usage
from .context import Context
from .errors import DirectoryError, internal, invalid_argument
from .ledger import JSON, canonical_json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Action:
    run: Callable[[Context, JSON], Any]
    submit: bool  # a submitted transaction that writes and emits one event; else a query


# What runs each function of the interface's table.
_RUNS: dict[str, Callable[[Context, JSON], Any]] = {
    "RegisterDepartment": department.register,
    "UpdateDepartment": department.update,
    "SuspendDepartment": department.suspend,
    "ReactivateDepartment": department.reactivate,
    "GetDepartment": department.get,
    "ListDepartments": department.list_departments,
    "CreateResponsibility": responsibility.create,
    "UpdateResponsibility": responsibility.update,
    "GetResponsibility": responsibility.get,
    "ListResponsibilities": responsibility.list_responsibilities,
    "CreateCatalog": catalog.create,
    "CreateCatalogs": catalog.create_many,
    "UpdateCatalog": catalog.update,
    "PublishCatalog": catalog.publish,
    "DeprecateCatalog": catalog.deprecate,
    "GetCatalog": catalog.get,
    "ListCatalogs": catalog.list_catalogs,
    "RequestAccess": access.request_access,
    "ApproveRequest": access.approve,
    "RejectRequest": access.reject,
    "WithdrawRequest": access.withdraw,
    "GetAccessRequest": access.get_request,
    "ListAccessRequests": access.list_requests,
    "GetGrant": access.get_grant,
    "ListGrants": access.list_grants,
    "RevokeGrant": access.revoke,
    "CheckAccess": access.check_access,
    "RecordUsage": usage.record,
    "GetUsage": usage.get,
    "ListUsage": usage.list_usage,
    "GetHistory": history.get_history,
    "Ping": history.ping,
    "GetMetadata": history.get_metadata,
}
assert set(_RUNS) == set(FUNCTIONS), "every function of the interface has exactly one action"

ACTIONS: dict[str, Action] = {
    name: Action(_RUNS[name], function.kind is Kind.SUBMIT) for name, function in FUNCTIONS.items()
}


class DirectoryContract:
    """What the chaincode runtime calls for every transaction."""

    def init(self, stub: ChaincodeStub) -> Response:
        return Response(OK)

    def invoke(self, stub: ChaincodeStub) -> Response:
        function = "?"
        try:
            function, raw = _read_call(stub)
            action = ACTIONS.get(function)
            if action is None:
                raise invalid_argument(f"unknown function {function!r}; known: {', '.join(sorted(ACTIONS))}")
            args = parse_argument(function, raw)
            ctx = Context(stub)
            result = action.run(ctx, args)
            _check_effects(ctx, action, function)
            ctx.ledger.commit()
            return Response(OK, payload=canonical_json(result))
        except DirectoryError as err:
            return Response(ERROR, message=err.to_json())
        except Exception as exc:
            # The peer log gets the traceback; the caller only a short, safe message.
            log.exception("%s failed unexpectedly in transaction %s", function, _tx_id(stub))
            message = f"internal error in {function} ({type(exc).__name__})"
            return Response(ERROR, message=internal(message).to_json())


def _read_call(stub: ChaincodeStub) -> tuple[str, bytes]:
    """The function name and the raw bytes of its one argument.

    Raw bytes (get_args) rather than decoded strings, so the size limit counts bytes and
    invalid UTF-8 is refused rather than silently replaced.
    """
    args = stub.get_args()
    if not args:
        raise invalid_argument("no function given")
    try:
        function = args[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_argument("the function name is not valid UTF-8") from exc
    if len(args) != 2:
        raise invalid_argument(
            f"{function} takes exactly one argument, a JSON object string; it was given {len(args) - 1}"
        )
    return function, args[1]


def _check_effects(ctx: Context, action: Action, function: str) -> None:
    """Queries write nothing; every successful submit writes and emits exactly one event."""
    if action.submit != ctx.ledger.wrote or action.submit != ctx.ledger.emitted:
        raise internal(f"{function} did not produce the expected writes and event")


def _tx_id(stub: ChaincodeStub) -> str:
    try:
        return stub.tx_id
    except Exception:
        return "?"
