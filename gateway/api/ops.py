"""Operations: events (SSE), ledger state, transaction status, health, metrics, OpenAPI."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue

from gateway.api import sse
from gateway.api.actions import TX_ID, ledger, require_tx_id
from gateway.api.errors import bad_request, not_found
from gateway.api.ledger import LedgerError
from gateway.api.openapi import build_openapi
from gateway.api.provenance import block_json, tx_json
from gateway.api.routes import ROUTES, Param, query_args, route
from gateway.api.services import services

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


def _ledger_kind() -> str:
    """``fabric`` or ``embedded``: clients (the web page) must be able to say which guarantees hold."""
    return services().config.ledger.kind


@route(
    bp,
    "/events",
    "GET",
    summary="Chaincode events as Server-Sent Events (id = <block>:<tx_id>; resume with Last-Event-ID)",
    query=(
        Param("start_block", "integer", "replay from this block (ignored with Last-Event-ID)", minimum=0),
    ),
    produces="text/event-stream",
)
def events() -> ResponseReturnValue:
    start_block: int | None = query_args().get("start_block")
    after_tx: str | None = None
    last_id = request.headers.get("Last-Event-ID")
    if last_id:
        try:
            start_block, after_tx = sse.parse_last_event_id(last_id)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
    # Opened here, not in the generator, so a failure is an HTTP error rather than a broken stream.
    stream = ledger().chaincode_events(start_block, after_tx)
    limits = services().config.limits
    body = sse.stream_events(stream, limits.sse_heartbeat_seconds, limits.sse_max_seconds)
    return Response(
        stream_with_context(body),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@route(
    bp,
    "/ledger",
    "GET",
    summary="The ledger kind (fabric or embedded), channel height per peer and the latest blocks "
    "with their hashes and transactions, and the genesis block's hash",
    query=(Param("blocks", "integer", "how many recent blocks", minimum=0, maximum=50),),
)
def ledger_state() -> ResponseReturnValue:
    svc = services()
    count = query_args().get("blocks", svc.config.limits.recent_blocks)
    peers = ledger().peer_heights()
    heights = [p["height"] for p in peers if p.get("height") is not None]
    height = max(heights) if heights else ledger().block_height()
    return jsonify(
        {
            "data": {
                "ledger": _ledger_kind(),
                "channel": svc.config.channel,
                "chaincode": svc.config.chaincode,
                "height": height,
                "peers": peers,
                "genesis_hash": _genesis_hash(),
                "blocks": _recent_blocks(count, height),
            }
        }
    )


def _genesis_hash() -> str | None:
    """Block 0's hash: the trust anchor a city publishes, and evidence bundles chain to."""
    record = services().provenance.block(ledger(), 0)
    return record.hash if record else None


def _recent_blocks(count: int, height: int) -> list[dict[str, Any]]:
    top = height - 1
    found = (services().provenance.block(ledger(), n) for n in range(top, max(-1, top - count), -1))
    return [block_json(record) for record in found if record is not None]


@route(
    bp,
    "/ledger/blocks/<int:number>",
    "GET",
    summary="One block: its hashes, and each transaction's creator, endorsers and validation code",
)
def get_block(number: int) -> ResponseReturnValue:
    record = services().provenance.block(ledger(), number)
    if record is None:
        raise not_found(f"block {number} is not on the ledger (height {ledger().block_height()})")
    return jsonify({"data": block_json(record)})


@route(
    bp,
    "/ledger/find",
    "GET",
    summary="Find a block by its number, a transaction id in it, or its hash",
    query=(Param("q", "string", "block number, tx id or block hash", required=True),),
)
def find_block() -> ResponseReturnValue:
    text = str(query_args()["q"]).strip().lower()
    svc = services()
    number: int | None = None
    if text.isdigit():
        number = int(text)
    elif TX_ID.match(text):
        number = svc.provenance.number_of_hash(text)
        if number is None:
            tx = svc.provenance.resolve(ledger(), [text]).get(text)
            number = tx.block if tx else None
    else:
        raise bad_request("q must be a block number, or a 64-hex transaction id or block hash", q=text)
    record = svc.provenance.block(ledger(), number) if number is not None else None
    if record is None:
        raise not_found(f"no block or transaction {text} on the ledger")
    return jsonify({"data": block_json(record)})


@route(
    bp,
    "/ledger/activity",
    "GET",
    summary="Transactions per minute and per creating org, over the latest blocks",
    query=(Param("blocks", "integer", "how many latest blocks (default 200)", minimum=1, maximum=2000),),
)
def activity() -> ResponseReturnValue:
    count = query_args().get("blocks", 200)
    height = ledger().block_height()
    svc = services()
    svc.provenance.index_range(ledger(), max(0, height - count), height)
    txs = [t for t in svc.provenance.recent(since_block=height - count) if t.type == "ENDORSER_TRANSACTION"]
    per_minute: dict[str, int] = {}
    per_org: dict[str, int] = {}
    for t in txs:
        if t.timestamp:
            minute = t.timestamp[:16] + "Z"
            per_minute[minute] = per_minute.get(minute, 0) + 1
        org = t.creator_msp_id or "unknown"
        per_org[org] = per_org.get(org, 0) + 1
    return jsonify(
        {
            "data": {
                "from_block": max(0, height - count),
                "height": height,
                "transactions": len(txs),
                "per_minute": [{"minute": m, "count": c} for m, c in sorted(per_minute.items())],
                "per_org": [{"msp_id": o, "count": c} for o, c in sorted(per_org.items())],
            }
        }
    )


@route(
    bp,
    "/transactions/<tx_id>",
    "GET",
    summary="A transaction's validation status: pending, VALID or its code",
)
def transaction_status(tx_id: str) -> ResponseReturnValue:
    require_tx_id(tx_id)
    # The block holding it says everything (one read, or none when indexed); a transaction in
    # no block the peer has is asked after by id: pending, or committed but not found by block.
    record = services().provenance.resolve(ledger(), [tx_id]).get(tx_id)
    if record is None:
        status, block = ledger().transaction_status(tx_id)
        return jsonify({"data": {"tx_id": tx_id, "status": status, "block": block}})
    return jsonify({"data": {**tx_json(record), "status": record.validation_code, "block": record.block}})


@route(
    bp,
    "/whoami",
    "GET",
    summary="The caller's identity, its MSP's departments and the ledger kind (fabric or embedded)",
)
def whoami() -> ResponseReturnValue:
    # Lets the web page show only what a role may use; the chaincode still decides every write.
    identity = g.identity
    page = g.ledger.query("ListDepartments", {"msp_id": identity.msp_id, "page_size": 200})
    departments = [d["id"] for d in page.get("items", [])]
    return jsonify(
        {
            "data": {
                "msp_id": identity.msp_id,
                "role": identity.role,
                "label": identity.label,
                "departments": departments,
                "ledger": _ledger_kind(),
            }
        }
    )


@route(bp, "/healthz", "GET", summary="The process is up", auth=False)
def healthz() -> ResponseReturnValue:
    return jsonify({"status": "ok"})


@route(
    bp,
    "/readyz",
    "GET",
    summary="A peer answers and the chaincode evaluates Ping; names the ledger kind, and whether the "
    "chaincode's interface (GetMetadata) is the gateway's",
    auth=False,
)
def readyz() -> ResponseReturnValue:
    svc = services()
    # Unauthenticated, so the web page can say which ledger it runs on before anyone signs in.
    base: dict[str, Any] = {"ledger": _ledger_kind()}
    probe = svc.service_ledger()
    if probe is None:
        return jsonify({"ready": False, "reason": "no identity configured", **base}), 503
    checks: dict[str, Any] = {}
    try:
        checks["peers"] = probe.peer_heights()
        answering = [p for p in checks["peers"] if p.get("height") is not None]
        if checks["peers"] and not answering:
            return jsonify({"ready": False, "reason": "no peer answers", **base, **checks}), 503
        checks["ping"] = probe.query("Ping", {})
    except Exception as exc:  # readiness reports any failure (bad key path included) instead of raising
        if not isinstance(exc, LedgerError):
            log.warning("readiness probe failed", exc_info=True)
        return jsonify({"ready": False, "reason": f"{type(exc).__name__}: {exc}", **base, **checks}), 503
    # Whether the chaincode deployed speaks this gateway's interface: reported, not a readiness
    # condition (the chaincode still decides every call).
    checks["interface"] = svc.interface.report(probe)
    return jsonify({"ready": True, **base, **checks})


@route(bp, "/metrics", "GET", summary="Prometheus metrics", auth=False, produces="text/plain; version=0.0.4")
def metrics() -> ResponseReturnValue:
    return Response(services().metrics.render(), content_type="text/plain; version=0.0.4")


@route(bp, "/openapi.json", "GET", summary="This document", auth=False)
def openapi() -> ResponseReturnValue:
    return jsonify(build_openapi(ROUTES, services().schemas))
