"""Usage records: an append-only log of what a grantee did with the data (rule 8).

A record's ``at`` is its transaction's timestamp, which the grantee's client chooses within the
peers' authentication time window. So a record is refused unless it is at or after its grant's
``valid_from`` and at or after the last usage recorded under that grant: a grantee cannot
backdate usage into a time the grant did not cover, nor before what it already logged.

The last usage of each grant is kept on its *usage mark* (key ``usagemark`` [grant id], value
``{"grant_id", "usage_id", "at"}``), which every record reads and rewrites: one key, whatever
the history, under the grantee's policy like the records themselves (the grant key is the
owner's and stays untouched). Two records under one grant in one block therefore conflict
(MVCC); the gateway retries.
"""

from __future__ import annotations

from chaincode.interface import Event, is_valid
from chaincode.shim.api import create_composite_key

from . import register
from .access import ACTIVE, GRANT, NOT_YET_VALID, VOID, covers_items, grant_state
from .authz import require_active, require_member_of
from .catalog import item_names
from .context import Context
from .errors import conflict, failed_precondition, forbidden, invalid_argument
from .ledger import JSON, IndexEntry, Ledger, derived_id, parse_time
from .policy import peer_of
from .schemas import USAGE_MARK_VALIDATOR

KIND = "usage"
MARK = "usagemark"


def indexes(record: JSON) -> set[IndexEntry]:
    return {
        ("usage~grant", (record["grant_id"], record["id"])),
        ("usage~dept", (record["department_id"], record["id"])),
    }


def record(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    grant = ledger.require(GRANT, args["grant_id"])
    if args["department_id"] != grant["grantee_id"]:
        raise invalid_argument(
            f"usage.department_id: grant {grant['id']} was given to {grant['grantee_id']}, "
            f"not to {args['department_id']}",
            "usage.department_id",
        )
    grantee = ledger.require("department", grant["grantee_id"])
    require_member_of(ctx.caller, grantee, "record usage")
    require_active(grantee, "use shared data")
    # Only a grant in its catalog's register is in force (see register.py); others read as void.
    in_force = register.read(ledger, grant["catalog_id"])
    state = grant_state(grant, ledger.now, in_force)
    if state != ACTIVE:
        raise failed_precondition(
            f"grant {grant['id']} is {_why(grant, state, ledger.now_text)}; "
            "usage is recorded only under an active grant",
            id=grant["id"],
            status=state,
        )
    catalog = ledger.require("catalog", grant["catalog_id"])
    _check_items(grant, catalog, args["items"])
    last = last_usage(ledger, grant["id"])
    if last is not None and ledger.now < parse_time(last["at"]):
        raise failed_precondition(
            f"this transaction is timestamped {ledger.now_text}, before the last usage recorded under "
            f"grant {grant['id']} ({last['usage_id']} at {last['at']}); usage cannot be backdated "
            "(check the client's clock)",
            id=grant["id"],
            last_usage_at=last["at"],
        )
    usage_id = args.get("id") or derived_id("use", ledger.tx_id)
    if ledger.exists(KIND, usage_id):
        raise conflict(f"usage record {usage_id} already exists", id=usage_id)
    usage = {
        "id": usage_id,
        "grant_id": grant["id"],
        "department_id": grantee["id"],
        "catalog_id": catalog["id"],
        "items": args["items"],
        "purpose_ref": args["purpose_ref"],
        "record_count": int(args["record_count"]),
        "at": ledger.now_text,
        "recorded_by": ctx.caller.actor(),
    }
    # The grantee's log: its own peers endorse it, and its grant's usage mark.
    policy = peer_of(grantee["msp_id"])
    stored = ledger.save(KIND, usage, previous=None, policy=policy, indexes=indexes)
    mark = {"grant_id": grant["id"], "usage_id": usage_id, "at": usage["at"]}
    ledger.put_json(mark_key(grant["id"]), mark, policy)
    ledger.announce(Event.USAGE_RECORDED, KIND, stored)
    return stored


def get(ctx: Context, args: JSON) -> JSON:
    return ctx.ledger.require(KIND, args["id"])


def list_usage(ctx: Context, args: JSON) -> JSON:
    if "grant_id" in args:
        return ctx.ledger.list_page(KIND, "usage~grant", (args["grant_id"],), args)
    return ctx.ledger.list_page(KIND, "usage~dept", (args["department_id"],), args)


def mark_key(grant_id: str) -> str:
    return create_composite_key(MARK, [grant_id])


def last_usage(ledger: Ledger, grant_id: str) -> JSON | None:
    """The grant's usage mark; None before its first record (or when the mark is malformed)."""
    return ledger.get_well_formed(
        mark_key(grant_id), lambda v: is_valid(USAGE_MARK_VALIDATOR, v) and v["grant_id"] == grant_id
    )


def _why(grant: JSON, state: str, now: str) -> str:
    if state == VOID:
        return f"void (not in catalog {grant['catalog_id']}'s grant register)"
    if state == NOT_YET_VALID:
        return f"not yet valid (valid from {grant['valid_from']}; this transaction is timestamped {now})"
    return state


def _check_items(grant: JSON, catalog: JSON, items: list[str]) -> None:
    known = set(item_names(catalog))
    for index, item in enumerate(items):
        field = f"usage.items[{index}]"
        if item not in known:
            raise invalid_argument(f"{field}: catalog {catalog['id']} has no item {item!r}", field)
    for item in items:
        if not covers_items(grant, catalog, [item]):
            raise forbidden(
                f"grant {grant['id']} does not cover item {item!r} of catalog {catalog['id']}", item=item
            )
