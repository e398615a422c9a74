"""What every route does with the ledger: read the body, check it against the chaincode's own
schema, call the chaincode as the caller, add each entity's block, and shape the answer.

Edge validation uses the contract's published interface (``chaincode.interface``), so a bad
request is refused before any Fabric call, with the very error the chaincode would answer.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from chaincode.interface import load_strict_json
from gateway.api.errors import CHAINCODE_STATUS, ApiError, bad_request
from gateway.api.ledger import EndorsementFailed, Ledger, Submitted, TransactionInvalid
from gateway.api.provenance import add_provenance, ledger_fields
from gateway.api.readcache import Fill
from gateway.api.routes import query_args
from gateway.api.services import services

log = logging.getLogger(__name__)


def validate_argument(function: str, arg: Mapping[str, Any]) -> None:
    """Refuse a bad argument before any Fabric call, with the chaincode's own error for it."""
    error = services().argument_error(function, arg)
    if error is not None:
        raise ApiError(CHAINCODE_STATUS[error.code.value], error.code.value, error.message, error.details)


def json_body(required: bool = True) -> dict[str, Any]:
    """The request's JSON object; an empty body is ``{}`` when the route needs nothing more."""
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH this raises 413
    if not raw.strip():
        if required:
            raise bad_request("a JSON object body is required")
        return {}
    try:
        # The chaincode's own parser: the edge is exactly as strict as the chaincode.
        body = load_strict_json(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise bad_request(f"malformed JSON: {exc}") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def with_path(body: dict[str, Any], **path: str) -> dict[str, Any]:
    """The argument = body + path fields; a body that names another id is refused, not overridden."""
    for name, value in path.items():
        if name in body and body[name] != value:
            raise bad_request(
                f"{name} in the body ({body[name]!r}) differs from the path ({value!r})", field=name
            )
    return {**body, **path}


# A transaction id, as Fabric's clients compute it (SHA-256, hex); a block hash has this shape too.
TX_ID = re.compile(r"^[0-9a-f]{64}$")


def require_tx_id(tx_id: str) -> str:
    if not TX_ID.match(tx_id):
        raise bad_request("tx_id must be 64 lower-case hex characters", tx_id=tx_id)
    return tx_id


def ledger() -> Ledger:
    found: Ledger = g.ledger
    return found


def add_blocks(value: Any) -> Any:
    """Complete every entity's ``ledger`` in an answer with its block, validation code and
    endorsers (``gateway.api.provenance``)."""
    return add_provenance(ledger(), services().provenance, value)


def query(function: str, arg: Mapping[str, Any]) -> Any:
    validate_argument(function, arg)
    return ledger().query(function, arg)


# Headers of every read: the height (number of blocks) the answer reflects at least, and where
# it came from (``gateway.api.readcache``).
HEIGHT_HEADER, SOURCE_HEADER = "X-Ledger-Height", "X-Citydir-Read"


def serve_read(
    function: str, arg: Mapping[str, Any], shape: Callable[[Any, Ledger], Any]
) -> ResponseReturnValue:
    """Answer a read: from the read cache when it holds it, else from the peer; ``shape`` turns
    the chaincode's answer into the response body (adding provenance as ``ledger``)."""
    validate_argument(function, arg)
    svc = services()
    bypass = "no-cache" in request.headers.get("Cache-Control", "").lower()
    ticket = None if bypass else svc.reads.lookup(g.identity.key_id, function, arg)
    if isinstance(ticket, tuple):
        body, height = ticket
        return _json_response(body, height, "cache")
    service = svc.service_ledger() if isinstance(ticket, Fill) else None
    followed = svc.reads.height()  # before the read, which goes to the event stream's own peer
    if isinstance(ticket, Fill) and service is not None and followed is not None:
        shaped = shape(service.query(function, arg), service)
        body = _json(shaped)
        # Only answers whose every entity's provenance was found are kept.
        if all(m.get("block") is not None for m in ledger_fields(shaped)):
            svc.reads.keep(ticket, body)
        return _json_response(body, followed, "peer")
    caller = ledger()
    height = caller.block_height()  # before the read: a lower bound of what it reflects
    return _json_response(_json(shape(caller.query(function, arg), caller)), height, "peer")


def _json(value: Any) -> bytes:
    return current_app.json.dumps(value, separators=(",", ":")).encode("utf-8")


def _json_response(body: bytes, height: int | None, source: str) -> Response:
    headers = {SOURCE_HEADER: source}
    if height is not None:
        headers[HEIGHT_HEADER] = str(height)
    return Response(body, mimetype="application/json", headers=headers)


def read(function: str, arg: Mapping[str, Any]) -> ResponseReturnValue:
    return serve_read(
        function, arg, lambda answer, by: {"data": add_provenance(by, services().provenance, answer)}
    )


def page_arg(**filters: Any) -> dict[str, Any]:
    """The chaincode's list argument: filters given plus page_size/bookmark from the query."""
    args = query_args()
    arg = {k: v for k, v in filters.items() if v is not None}
    for name in ("page_size", "bookmark"):
        if args.get(name):
            arg[name] = args[name]
    return arg


def read_page(function: str, arg: Mapping[str, Any]) -> ResponseReturnValue:
    def shape(answer: Any, by: Ledger) -> dict[str, Any]:
        page = answer or {}
        items = add_provenance(by, services().provenance, list(page.get("items", [])))
        return {"data": items, "bookmark": page.get("bookmark", ""), "count": page.get("count", len(items))}

    return serve_read(function, arg, shape)


def read_history(function: str, arg: Mapping[str, Any]) -> ResponseReturnValue:
    """Every committed version of an entity, newest first (``GetHistory``):
    ``{"data": [{tx_id, timestamp, value, is_delete, block}]}``, ``value.ledger.block`` added too."""
    entries = query(function, arg) or []
    add_blocks(entries)  # the versions' values, then the versions themselves
    records = services().provenance.resolve(
        ledger(), (e["tx_id"] for e in entries if isinstance(e.get("tx_id"), str))
    )
    for entry in entries:
        record = records.get(entry.get("tx_id", ""))
        entry["block"] = record.block if record else None
    return jsonify({"data": entries})


def submit(function: str, arg: Mapping[str, Any], status: int = 201) -> ResponseReturnValue:
    """Submit as the caller; wait for the commit unless ``?wait=false``.

    A catalog's write answer feeds the search index (``CatalogIndex.begin_write``): its event
    then costs no read of the catalog.
    """
    validate_argument(function, arg)
    wait = query_args().get("wait", True)
    svc = services()
    catalog_id = arg.get("id") if "Catalog" in function and isinstance(arg.get("id"), str) else None
    if catalog_id is None:
        result = _submit_retrying(function, arg, wait)
    else:
        svc.index.begin_write(catalog_id)
        answer: Mapping[str, Any] | None = None
        try:
            result = _submit_retrying(function, arg, wait)
            if result.block is not None and isinstance(result.data, Mapping):
                answer = result.data  # committed: search finds it now
        finally:
            svc.index.end_write(catalog_id, answer)
    if not wait:
        return jsonify({"tx_id": result.tx_id}), 202, {"Location": f"/api/v1/transactions/{result.tx_id}"}
    if result.block is not None:
        svc.provenance.hint(result.tx_id, result.block)
        svc.reads.wrote(g.identity.key_id, result.block)
    return jsonify({"data": add_blocks(result.data), "tx_id": result.tx_id, "block": result.block}), status


def _submit_retrying(function: str, arg: Mapping[str, Any], wait: bool) -> Submitted:
    """On an MVCC conflict the whole endorse→submit is re-run (a fresh proposal, so a fresh tx id);
    the chaincode refuses a duplicate create itself, so a retry cannot write twice. Retries wait
    a random time up to a doubling bound: writers that conflicted in one block then spread over
    the next ones instead of conflicting again together (one key, e.g. a catalog's grant
    register, takes one write per block)."""
    svc = services()
    limits = svc.config.limits
    retries = limits.mvcc_retries
    attempt, race_retried = 0, False
    while True:
        try:
            return ledger().submit(function, arg, wait=wait)
        except (TransactionInvalid, EndorsementFailed) as exc:
            # Retried like a conflict: an MVCC conflict, and peers whose endorsements differed
            # because one was a block ahead. A policy failure of our own, honestly endorsed
            # transaction is what Fabric reports when an earlier transaction of the block
            # created the same new key (two approvals of one request both create its grant):
            # re-endorse once, and the chaincode says what happened. A real policy failure
            # fails again and is answered as such.
            race = exc.may_be_race and not race_retried
            if not (race or (exc.retryable and attempt < retries)):
                raise
            race_retried = race_retried or race
            attempt += 1
            svc.metrics.count_retry(function)
            time.sleep(random.uniform(0, min(limits.mvcc_backoff_cap, limits.mvcc_backoff_base * 2**attempt)))
