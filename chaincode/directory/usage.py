"""Usage records: an append-only log of what a grantee did with the data (rule 8)."""

from __future__ import annotations

from datetime import datetime

from . import register
from .access import GRANT, grant_covers, present_grant
from .authz import require_active, require_member_of
from .catalog import item_names
from .context import Context
from .errors import conflict, failed_precondition, forbidden, invalid_argument
from .ledger import JSON, IndexEntry, derived_id
from .policy import peer_of

KIND = "usage"


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
    status = present_grant(grant, ledger.now, in_force)["status"]
    if status != "active":
        why = f" (not in catalog {grant['catalog_id']}'s grant register)" if status == "void" else ""
        raise failed_precondition(
            f"grant {grant['id']} is {status}{why}; usage is recorded only under an active grant",
            id=grant["id"],
            status=status,
        )
    catalog = ledger.require("catalog", grant["catalog_id"])
    _check_items(grant, catalog, args["items"], ledger.now, in_force)
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
    # The grantee's log: its own peers endorse it.
    stored = ledger.save(KIND, usage, previous=None, policy=peer_of(grantee["msp_id"]), indexes=indexes)
    ledger.announce("UsageRecorded", KIND, stored)
    return stored


def get(ctx: Context, args: JSON) -> JSON:
    return ctx.ledger.require(KIND, args["id"])


def list_usage(ctx: Context, args: JSON) -> JSON:
    if "grant_id" in args:
        return ctx.ledger.list_page(KIND, "usage~grant", (args["grant_id"],), args)
    return ctx.ledger.list_page(KIND, "usage~dept", (args["department_id"],), args)


def _check_items(
    grant: JSON, catalog: JSON, items: list[str], now: datetime, in_force: frozenset[str] | None
) -> None:
    known = set(item_names(catalog))
    for index, item in enumerate(items):
        field = f"usage.items[{index}]"
        if item not in known:
            raise invalid_argument(f"{field}: catalog {catalog['id']} has no item {item!r}", field)
    for item in items:
        if not grant_covers(grant, catalog, [item], now, in_force):
            raise forbidden(
                f"grant {grant['id']} does not cover item {item!r} of catalog {catalog['id']}", item=item
            )
