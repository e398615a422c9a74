"""The dispatcher: one JSON object in, one JSON document or one error out.

Each function is an action validated by its schema (schemas.ARGUMENT_SCHEMAS); the
action checks who may act (authz) and the rules beside the state they guard, then
writes. Writes reach the stub only after the action returned without error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaincode.shim.api import ERROR, OK, ChaincodeStub, Response

from . import access, catalog, department, history, responsibility, usage
from .context import Context
from .errors import DirectoryError, internal, invalid_argument
from .ledger import JSON, canonical_json
from .schemas import ARGUMENT_SCHEMAS, parse_argument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Action:
    run: Callable[[Context, JSON], Any]
    submit: bool  # a submitted transaction that writes and emits one event; else a query


ACTIONS: dict[str, Action] = {
    "RegisterDepartment": Action(department.register, True),
    "UpdateDepartment": Action(department.update, True),
    "SuspendDepartment": Action(department.suspend, True),
    "ReactivateDepartment": Action(department.reactivate, True),
    "GetDepartment": Action(department.get, False),
    "ListDepartments": Action(department.list_departments, False),
    "CreateResponsibility": Action(responsibility.create, True),
    "UpdateResponsibility": Action(responsibility.update, True),
    "GetResponsibility": Action(responsibility.get, False),
    "ListResponsibilities": Action(responsibility.list_responsibilities, False),
    "CreateCatalog": Action(catalog.create, True),
    "CreateCatalogs": Action(catalog.create_many, True),
    "UpdateCatalog": Action(catalog.update, True),
    "PublishCatalog": Action(catalog.publish, True),
    "DeprecateCatalog": Action(catalog.deprecate, True),
    "GetCatalog": Action(catalog.get, False),
    "ListCatalogs": Action(catalog.list_catalogs, False),
    "RequestAccess": Action(access.request_access, True),
    "ApproveRequest": Action(access.approve, True),
    "RejectRequest": Action(access.reject, True),
    "WithdrawRequest": Action(access.withdraw, True),
    "GetAccessRequest": Action(access.get_request, False),
    "ListAccessRequests": Action(access.list_requests, False),
    "GetGrant": Action(access.get_grant, False),
    "ListGrants": Action(access.list_grants, False),
    "RevokeGrant": Action(access.revoke, True),
    "CheckAccess": Action(access.check_access, False),
    "RecordUsage": Action(usage.record, True),
    "GetUsage": Action(usage.get, False),
    "ListUsage": Action(usage.list_usage, False),
    "GetHistory": Action(history.get_history, False),
    "Ping": Action(history.ping, False),
}
assert set(ACTIONS) == set(ARGUMENT_SCHEMAS), "every function has exactly one argument schema"


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
