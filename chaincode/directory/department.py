"""Departments: the register of who is who, kept by the data bureau's admins (rule 1)."""

from __future__ import annotations

from typing import Any

from chaincode.interface import Event

from .authz import BUREAU_MSP, require_bureau_admin
from .context import Context
from .errors import conflict, failed_precondition, invalid_argument
from .ledger import JSON, IndexEntry, Ledger
from .policy import peer_of

KIND = "department"
LEVEL_RANK = {"municipal": 0, "district": 1, "subdistrict": 2}
# The register is the bureau's: its peers endorse every change to a department record,
# whichever MSP the department itself belongs to.
POLICY = peer_of(BUREAU_MSP)
MAX_DEPTH = 16

# GB 32100-2015 统一社会信用代码: 18 characters over this 31-character alphabet (no I, O, Z, S,
# V); the 18th is the check character, from the first 17 weighted by 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    """The check character of a unified social credit code's first 17 characters."""
    total = sum(
        USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_provider_code(code: str | None, field: str = "department.provider_code") -> None:
    """The schema checks the shape; this, the check character."""
    if code is None:
        return
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise invalid_argument(
            f"{field}: {code} fails the GB 32100 check: its check character is {code[17]}, "
            f"the first 17 characters give {expected}",
            field,
        )


def indexes(department: JSON) -> set[IndexEntry]:
    # Status is part of each key so "children of X that are active" stays one prefix scan.
    status, dept_id = department["status"], department["id"]
    return {
        ("dept~parent", (department["parent_id"] or "", status, dept_id)),  # "" = top level
        ("dept~msp", (department["msp_id"], status, dept_id)),
        ("dept~status", (status, dept_id)),
    }


def register(ctx: Context, args: JSON) -> JSON:
    require_bureau_admin(ctx.caller, "register departments")
    ledger = ctx.ledger
    if ledger.exists(KIND, args["id"]):
        raise conflict(f"department {args['id']} already exists", id=args["id"])
    parent_id = args.get("parent_id")
    check_provider_code(args.get("provider_code"))
    _check_place(ledger, args["id"], parent_id, args["level"])
    now = ledger.now_text
    department = {
        "id": args["id"],
        "name": args["name"],
        "parent_id": parent_id,
        "level": args["level"],
        "msp_id": args["msp_id"],
        "status": "active",
        "contact": args["contact"],
        "provider_code": args.get("provider_code"),
        "suspension": None,
        "created_at": now,
        "updated_at": now,
    }
    stored = _save(ledger, department, None)
    ledger.announce(Event.DEPARTMENT_REGISTERED, KIND, stored)
    return stored


def update(ctx: Context, args: JSON) -> JSON:
    """Change a department's details, place or MSP.

    Moving a department to another MSP re-sets the key-level policy of its record only;
    the keys it owns (responsibilities, catalogs, requests, grants) keep the old MSP's
    policy until they are next written. A full re-key is out of scope.
    """
    require_bureau_admin(ctx.caller, "change departments")
    ledger = ctx.ledger
    current = ledger.require(KIND, args["id"])
    check_provider_code(args.get("provider_code"))
    changed = {**current, **{field: value for field, value in args.items() if field != "id"}}
    if (changed["parent_id"], changed["level"]) != (current["parent_id"], current["level"]):
        _check_place(ledger, current["id"], changed["parent_id"], changed["level"])
    if changed["level"] != current["level"]:
        _check_children(ledger, current["id"], changed["level"])
    changed["updated_at"] = ledger.now_text
    stored = _save(ledger, changed, current)
    ledger.announce(Event.DEPARTMENT_UPDATED, KIND, stored)
    return stored


def suspend(ctx: Context, args: JSON) -> JSON:
    require_bureau_admin(ctx.caller, "suspend departments")
    ledger = ctx.ledger
    current = ledger.require(KIND, args["id"])
    if current["status"] != "active":
        raise failed_precondition(f"department {current['id']} is already suspended", id=current["id"])
    now = ledger.now_text
    suspension = {"by": ctx.caller.actor(), "at": now, "reason": args["reason"]}
    changed = {**current, "status": "suspended", "suspension": suspension, "updated_at": now}
    stored = _save(ledger, changed, current)
    ledger.announce(Event.DEPARTMENT_SUSPENDED, KIND, stored)
    return stored


def reactivate(ctx: Context, args: JSON) -> JSON:
    require_bureau_admin(ctx.caller, "reactivate departments")
    ledger = ctx.ledger
    current = ledger.require(KIND, args["id"])
    if current["status"] != "suspended":
        raise failed_precondition(f"department {current['id']} is not suspended", id=current["id"])
    changed = {**current, "status": "active", "suspension": None, "updated_at": ledger.now_text}
    stored = _save(ledger, changed, current)
    ledger.announce(Event.DEPARTMENT_REACTIVATED, KIND, stored)
    return stored


def get(ctx: Context, args: JSON) -> JSON:
    return ctx.ledger.require(KIND, args["id"])


def list_departments(ctx: Context, args: JSON) -> JSON:
    status = args.get("status")
    by_status: tuple[str, ...] = (status,) if status else ()
    if "parent_id" in args:
        index, attrs = "dept~parent", (args["parent_id"] or "", *by_status)
    elif "msp_id" in args:
        index, attrs = "dept~msp", (args["msp_id"], *by_status)
    elif status:
        index, attrs = "dept~status", by_status
    else:
        index, attrs = KIND, ()
    return ctx.ledger.list_page(KIND, index, attrs, args, keep=lambda dept: _matches(dept, args))


def _matches(department: JSON, args: JSON) -> bool:
    """Every filter, including those the chosen index already applied."""
    return (
        ("parent_id" not in args or department["parent_id"] == args["parent_id"])
        and ("msp_id" not in args or department["msp_id"] == args["msp_id"])
        and ("status" not in args or department["status"] == args["status"])
    )


def _save(ledger: Ledger, department: JSON, previous: JSON | None) -> JSON:
    return ledger.save(KIND, department, previous=previous, policy=POLICY, indexes=indexes)


def _check_place(ledger: Ledger, dept_id: str, parent_id: str | None, level: str) -> None:
    """The parent exists, sits at a higher level, and is not the department itself or below it."""
    if parent_id is None:
        return
    if parent_id == dept_id:
        field = "department.parent_id"
        raise invalid_argument(f"{field}: {dept_id} cannot be its own parent", field)
    parent = ledger.require(KIND, parent_id)
    if LEVEL_RANK[parent["level"]] >= LEVEL_RANK[level]:
        raise invalid_argument(
            f"department.parent_id: a {level} department cannot sit under {parent_id}, "
            f"which is {parent['level']}; a parent must be at a higher level",
            "department.parent_id",
        )
    _check_no_cycle(ledger, dept_id, parent)


def _check_no_cycle(ledger: Ledger, dept_id: str, parent: JSON) -> None:
    # Levels already forbid cycles; walking up keeps the rule explicit and cheap (≤ 3 levels).
    ancestor: JSON | None = parent
    for _ in range(MAX_DEPTH):
        if ancestor is None or ancestor["parent_id"] is None:
            return
        if ancestor["parent_id"] == dept_id:
            raise failed_precondition(
                f"moving {dept_id} under {parent['id']} would make it its own ancestor", id=dept_id
            )
        ancestor = ledger.get(KIND, ancestor["parent_id"])
    raise failed_precondition(f"the department tree above {parent['id']} is too deep", id=dept_id)


def _check_children(ledger: Ledger, dept_id: str, level: str) -> None:
    """A new level must stay above every child's level."""
    for child_id in ledger.scan("dept~parent", (dept_id,)):
        child: dict[str, Any] | None = ledger.get(KIND, child_id)
        if child is not None and LEVEL_RANK[child["level"]] <= LEVEL_RANK[level]:
            raise failed_precondition(
                f"department {dept_id} cannot become {level}: its child {child_id} is {child['level']}",
                id=dept_id,
                child_id=child_id,
            )
