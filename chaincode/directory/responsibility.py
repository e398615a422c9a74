"""Responsibilities: what a department is charged with by law, and on what basis."""

from __future__ import annotations

from chaincode.interface import Event

from .authz import require_active, require_admin_of
from .context import Context
from .errors import conflict
from .ledger import JSON, IndexEntry
from .policy import peer_of

KIND = "responsibility"
EDITABLE = ("code", "title", "description", "legal_basis", "status")


def indexes(responsibility: JSON) -> set[IndexEntry]:
    return {("resp~dept", (responsibility["department_id"], responsibility["id"]))}


def create(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    department = ledger.require("department", args["department_id"])
    require_admin_of(ctx.caller, department, "create responsibilities")
    require_active(department, "change its responsibilities")
    if ledger.exists(KIND, args["id"]):
        raise conflict(f"responsibility {args['id']} already exists", id=args["id"])
    now = ledger.now_text
    responsibility = {
        "id": args["id"],
        "department_id": department["id"],
        "code": args["code"],
        "title": args["title"],
        "description": args.get("description", ""),
        "legal_basis": args["legal_basis"],
        "status": "active",
        "created_at": now,
        "updated_at": now,
    }
    policy = peer_of(department["msp_id"])
    stored = ledger.save(KIND, responsibility, previous=None, policy=policy, indexes=indexes)
    ledger.announce(Event.RESPONSIBILITY_CREATED, KIND, stored)
    return stored


def update(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    current = ledger.require(KIND, args["id"])
    department = ledger.require("department", current["department_id"])
    require_admin_of(ctx.caller, department, "change responsibilities")
    require_active(department, "change its responsibilities")
    changed = {**current, **{field: args[field] for field in EDITABLE if field in args}}
    changed["updated_at"] = ledger.now_text
    policy = peer_of(department["msp_id"])
    stored = ledger.save(KIND, changed, previous=current, policy=policy, indexes=indexes)
    ledger.announce(Event.RESPONSIBILITY_UPDATED, KIND, stored)
    return stored


def get(ctx: Context, args: JSON) -> JSON:
    return ctx.ledger.require(KIND, args["id"])


def list_responsibilities(ctx: Context, args: JSON) -> JSON:
    ctx.ledger.require("department", args["department_id"])
    return ctx.ledger.list_page(KIND, "resp~dept", (args["department_id"],), args)
