"""Access requests, the grants that answer them, and the access check (rules 5-7).

Request and grant keys are endorsed by a peer of the catalog owner's MSP: the owner
decides, and a grant speaks for the owner. (So a withdrawal, too, needs that peer.)

A grant is in force only while its id is in its catalog's grant register (register.py), which
every issue and revocation updates under the owner's key-level policy: a grant key that a
colluding majority wrote as a NEW key, past the owner, is therefore never honoured.

Time is the transaction's timestamp, which the client chooses (a peer accepts any within its
authentication time window). So nothing takes effect before it was issued: a decision cannot
precede its request, a grant is in force only from its ``valid_from`` (its issuing
transaction's time), and usage is recorded no earlier than its grant's last usage (usage.py).
Expiry is therefore exact only to within that window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chaincode.interface import Event

from . import register
from .authz import require_active, require_admin_of, require_member_of
from .catalog import item_names
from .context import Context
from .errors import conflict, failed_precondition, invalid_argument
from .ledger import JSON, IndexEntry, Ledger, add_years, derived_id, format_time, parse_time
from .policy import peer_of
from .schemas import is_entity

REQUEST = "request"
GRANT = "grant"
MAX_VALIDITY_YEARS = 3
# The "approver" of an unconditional share: the catalog's own sharing policy.
POLICY_ROLE = "policy"
POLICY_SUBJECT = "unconditional-share"
# What grant_state says of a grant at a moment: in force, or why not.
ACTIVE = "active"
REVOKED = "revoked"
VOID = "void"  # not in its catalog's grant register: never issued by the owner
EXPIRED = "expired"
NOT_YET_VALID = "not-yet-valid"  # the moment precedes valid_from


def request_indexes(request: JSON) -> set[IndexEntry]:
    status, request_id = request["status"], request["id"]
    return {
        ("request~requester", (request["requester_id"], status, request_id)),
        ("request~owner", (request["owner_id"], status, request_id)),
    }


def grant_indexes(grant: JSON) -> set[IndexEntry]:
    # Stored status only (active/revoked): expiry is a matter of time, not of writes.
    status, grant_id = grant["status"], grant["id"]
    return {
        ("grant~grantee", (grant["grantee_id"], status, grant_id)),
        ("grant~catalog", (grant["catalog_id"], status, grant_id)),
        ("grant~pair", (grant["grantee_id"], grant["catalog_id"], grant_id)),
    }


# -- requests -------------------------------------------------------------------------


def request_access(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    requester = ledger.require("department", args["requester_id"])
    require_member_of(ctx.caller, requester, "request access")
    require_active(requester, "request access")
    catalog = ledger.require("catalog", args["catalog_id"])
    _check_requestable(catalog, requester)
    _check_items(catalog, args["items"], "request.items")
    until = _future_time(ledger, args["requested_until"], "request.requested_until")
    request_id = args.get("id") or derived_id("req", ledger.tx_id)
    if ledger.exists(REQUEST, request_id):
        raise conflict(f"access request {request_id} already exists", id=request_id)
    owner = ledger.require("department", catalog["department_id"])
    request = {
        "id": request_id,
        "requester_id": requester["id"],
        "owner_id": owner["id"],
        "catalog_id": catalog["id"],
        "items": args["items"],
        "purpose": args["purpose"],
        "legal_basis": args["legal_basis"],
        "requested_until": format_time(until),
        "status": "pending",
        "decision": None,
        "grant_id": None,
        "requested_by": ctx.caller.actor(),
        "created_at": ledger.now_text,
    }
    if catalog["share_type"] == "unconditional":
        # Rule 5: the catalog's policy approves at once, fully recorded like a person's decision.
        require_active(owner, "share data")
        by = {"msp_id": owner["msp_id"], "role": POLICY_ROLE, "subject": POLICY_SUBJECT}
        decision = {"by": by, "at": ledger.now_text, "reason": "the catalog is shared unconditionally"}
        return _approve(ledger, request, None, owner, decision, None, Event.ACCESS_APPROVED)
    stored = _save_request(ledger, request, None, owner)
    ledger.announce(Event.ACCESS_REQUESTED, REQUEST, stored)
    return {"request": stored, "grant": None}


def approve(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    current, owner = _pending_for_owner(ctx, args["id"], "approve access requests")
    requester = ledger.require("department", current["requester_id"])
    require_active(requester, "receive grants")
    catalog = ledger.require("catalog", current["catalog_id"])
    if catalog["status"] != "published" or catalog["share_type"] == "none":
        raise failed_precondition(
            f"catalog {catalog['id']} is {catalog['status']} with share type {catalog['share_type']}; "
            "only published, shared catalogs can be granted",
            id=catalog["id"],
        )
    approver_until = None
    if "valid_until" in args:
        approver_until = _future_time(ledger, args["valid_until"], "decision.valid_until")
    decision = {"by": ctx.caller.actor(), "at": ledger.now_text, "reason": args["reason"]}
    return _approve(ledger, current, current, owner, decision, approver_until, Event.ACCESS_APPROVED)


def reject(ctx: Context, args: JSON) -> JSON:
    current, owner = _pending_for_owner(ctx, args["id"], "reject access requests")
    return _close(ctx, current, owner, "rejected", args["reason"], Event.ACCESS_REJECTED)


def withdraw(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    current = ledger.require(REQUEST, args["id"])
    requester = ledger.require("department", current["requester_id"])
    require_member_of(ctx.caller, requester, "withdraw access requests")
    require_active(requester, "withdraw access requests")
    _require_pending(current)
    _require_not_before(ledger, current)
    owner = ledger.require("department", current["owner_id"])
    return _close(ctx, current, owner, "withdrawn", "withdrawn by the requester", Event.ACCESS_WITHDRAWN)


def get_request(ctx: Context, args: JSON) -> JSON:
    return ctx.ledger.require(REQUEST, args["id"])


def list_requests(ctx: Context, args: JSON) -> JSON:
    by_status: tuple[str, ...] = (args["status"],) if "status" in args else ()
    if "requester_id" in args:
        index, attrs = "request~requester", (args["requester_id"], *by_status)
    else:
        index, attrs = "request~owner", (args["owner_id"], *by_status)
    return ctx.ledger.list_page(REQUEST, index, attrs, args)


def _check_requestable(catalog: JSON, requester: JSON) -> None:
    if catalog["department_id"] == requester["id"]:
        raise invalid_argument(
            f"request.requester_id: {requester['id']} owns catalog {catalog['id']} and needs no grant for it",
            "request.requester_id",
        )
    if catalog["status"] != "published":
        deprecated = catalog["status"] == "deprecated"
        why = "is deprecated and takes no new requests" if deprecated else "is not published"
        status = catalog["status"]
        raise failed_precondition(f"catalog {catalog['id']} {why}", id=catalog["id"], status=status)
    if catalog["share_type"] == "none":
        raise failed_precondition(
            f"catalog {catalog['id']} is not shared with other departments (share type none)",
            id=catalog["id"],
        )


def _check_items(catalog: JSON, items: list[str], root: str) -> None:
    known = set(item_names(catalog))
    for index, item in enumerate(items):
        if item not in known:
            field = f"{root}[{index}]"
            raise invalid_argument(f"{field}: catalog {catalog['id']} has no item {item!r}", field)


def _future_time(ledger: Ledger, text: str, field: str) -> datetime:
    """A caller's end date: after this transaction and at most three years ahead."""
    try:
        moment = parse_time(text)
    except ValueError as exc:
        raise invalid_argument(f"{field}: {text!r} is not a valid date", field) from exc
    if moment <= ledger.now:
        raise invalid_argument(f"{field}: {text} is not in the future", field)
    limit = add_years(ledger.now, MAX_VALIDITY_YEARS)
    if moment > limit:
        raise invalid_argument(
            f"{field}: {text} is more than {MAX_VALIDITY_YEARS} years ahead (latest {format_time(limit)})",
            field,
        )
    return moment


def _pending_for_owner(ctx: Context, request_id: str, action: str) -> tuple[JSON, JSON]:
    current = ctx.ledger.require(REQUEST, request_id)
    owner = ctx.ledger.require("department", current["owner_id"])
    require_admin_of(ctx.caller, owner, action)
    require_active(owner, action)
    _require_pending(current)
    _require_not_before(ctx.ledger, current)
    return current, owner


def _require_pending(request: JSON) -> None:
    if request["status"] != "pending":
        raise failed_precondition(
            f"access request {request['id']} is {request['status']}; only pending requests can change",
            id=request["id"],
            status=request["status"],
        )


def _require_not_before(ledger: Ledger, request: JSON) -> None:
    """A decision cannot precede its request, so no grant takes effect before it was asked for.

    The transaction's timestamp is the client's; one earlier than the request's creation is a
    wrong clock or a backdating, and is refused rather than recorded.
    """
    if ledger.now < parse_time(request["created_at"]):
        raise failed_precondition(
            f"this transaction is timestamped {ledger.now_text}, before access request {request['id']} "
            f"was filed ({request['created_at']}); a decision cannot precede its request "
            "(check the client's clock)",
            id=request["id"],
            created_at=request["created_at"],
        )


def _approve(
    ledger: Ledger,
    request: JSON,
    previous: JSON | None,
    owner: JSON,
    decision: JSON,
    approver_until: datetime | None,
    event: str,
) -> JSON:
    catalog_id = request["catalog_id"]
    in_force = register.read(ledger, catalog_id)
    if in_force is None:
        raise failed_precondition(
            f"catalog {catalog_id} has no grant register (it predates registers); "
            "no grant can be issued on it",
            id=catalog_id,
        )
    grant = _new_grant(ledger, request, approver_until)
    approved = {**request, "status": "approved", "decision": decision, "grant_id": grant["id"]}
    stored_request = _save_request(ledger, approved, previous, owner)
    stored_grant = _save_grant(ledger, grant, None, owner)
    register.add(ledger, catalog_id, in_force, grant["id"], peer_of(owner["msp_id"]))
    ledger.announce(event, REQUEST, stored_request)
    return {
        "request": stored_request,
        "grant": present_grant(stored_grant, ledger.now, in_force | {grant["id"]}),
    }


def _close(ctx: Context, current: JSON, owner: JSON, status: str, reason: str, event: str) -> JSON:
    ledger = ctx.ledger
    decision = {"by": ctx.caller.actor(), "at": ledger.now_text, "reason": reason}
    stored = _save_request(ledger, {**current, "status": status, "decision": decision}, current, owner)
    ledger.announce(event, REQUEST, stored)
    return stored


def _save_request(ledger: Ledger, request: JSON, previous: JSON | None, owner: JSON) -> JSON:
    policy = peer_of(owner["msp_id"])
    return ledger.save(REQUEST, request, previous=previous, policy=policy, indexes=request_indexes)


# -- grants ---------------------------------------------------------------------------


def grant_state(grant: JSON, now: datetime, in_force: frozenset[str] | None) -> str:
    """Whether a grant is in force at ``now`` (ACTIVE), or why not.

    ``in_force`` is its catalog's register (None: the catalog has none). REVOKED is stored;
    VOID (not in the register), EXPIRED (past valid_until) and NOT_YET_VALID (before
    valid_from, i.e. a transaction timestamped before the grant's issue) are matters of the
    register and of time, never written.
    """
    if grant["status"] != ACTIVE:
        return str(grant["status"])
    if in_force is None or grant["id"] not in in_force:
        return VOID
    if now > parse_time(grant["valid_until"]):
        return EXPIRED
    if now < parse_time(grant["valid_from"]):
        return NOT_YET_VALID
    return ACTIVE


def present_grant(grant: JSON, now: datetime, in_force: frozenset[str] | None) -> JSON:
    """A grant as read (nothing is written): a stored-active grant reads as ``void`` or
    ``expired`` when grant_state says so. Read at a moment before its valid_from it reads as
    issued (``active``), though it is not in force then."""
    state = grant_state(grant, now, in_force)
    if state in (grant["status"], NOT_YET_VALID):
        return grant
    return {**grant, "status": state}


def registers(ledger: Ledger) -> Callable[[str], frozenset[str] | None]:
    """Catalog id -> its register's grant ids, each register read at most once."""
    cache: dict[str, frozenset[str] | None] = {}

    def lookup(catalog_id: str) -> frozenset[str] | None:
        if catalog_id not in cache:
            cache[catalog_id] = register.read(ledger, catalog_id)
        return cache[catalog_id]

    return lookup


def revoke(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    current = ledger.require(GRANT, args["id"])
    owner = ledger.require("department", current["owner_id"])
    # No require_active: narrowing access must always be possible, so a suspended owner's
    # admins may still revoke (rule 3 keeps a suspended department from widening access).
    require_admin_of(ctx.caller, owner, "revoke grants")
    in_force = register.read(ledger, current["catalog_id"])
    status = present_grant(current, ledger.now, in_force)["status"]
    if status != ACTIVE or in_force is None:
        raise failed_precondition(
            f"grant {current['id']} is {status}; only active grants can be revoked",
            id=current["id"],
            status=status,
        )
    revoked = {"by": ctx.caller.actor(), "at": ledger.now_text, "reason": args["reason"]}
    stored = _save_grant(ledger, {**current, "status": REVOKED, "revoked": revoked}, current, owner)
    register.remove(ledger, current["catalog_id"], in_force, current["id"], peer_of(owner["msp_id"]))
    ledger.announce(Event.GRANT_REVOKED, GRANT, stored)
    return stored


def get_grant(ctx: Context, args: JSON) -> JSON:
    grant = ctx.ledger.require(GRANT, args["id"])
    return present_grant(grant, ctx.ledger.now, register.read(ctx.ledger, grant["catalog_id"]))


def list_grants(ctx: Context, args: JSON) -> JSON:
    wanted: str | None = args.get("status")
    # "expired" and "void" grants are stored as active: scan those, keep the ones that read so.
    stored_status: tuple[str, ...] = (
        ("active" if wanted in ("expired", "void") else wanted,) if wanted else ()
    )
    if "grantee_id" in args:
        index, attrs = "grant~grantee", (args["grantee_id"], *stored_status)
    else:
        index, attrs = "grant~catalog", (args["catalog_id"], *stored_status)
    now, lookup = ctx.ledger.now, registers(ctx.ledger)

    def present(grant: JSON) -> JSON:
        return present_grant(grant, now, lookup(grant["catalog_id"]))

    return ctx.ledger.list_page(
        GRANT,
        index,
        attrs,
        args,
        # An index entry is a hint only (a forged new one may point at another party's grant).
        keep=lambda grant: (
            all(grant[field] == args[field] for field in ("grantee_id", "catalog_id") if field in args)
            and (wanted is None or present(grant)["status"] == wanted)
        ),
        present=present,
    )


def covers_items(grant: JSON, catalog: JSON, items: list[str]) -> bool:
    """On this catalog, and every item both in the catalog as it is now and in the grant
    (whether the grant is in force is grant_state's question)."""
    if grant["catalog_id"] != catalog["id"]:
        return False
    current = set(item_names(catalog))
    granted = set(grant["items"]) if grant["items"] else current  # [] = the whole catalog
    return all(item in current and item in granted for item in items)


def check_access(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    department = ledger.require("department", args["department_id"])
    catalog = ledger.require("catalog", args["catalog_id"])
    item = args["item"]
    if item not in item_names(catalog):
        return _verdict(False, "unknown-item")
    if catalog["department_id"] == department["id"]:
        return _verdict(True, "owner")
    if department["status"] != "active":
        return _verdict(False, "department-suspended")
    in_force = register.read(ledger, catalog["id"])
    if in_force is None:
        return _verdict(False, "no-grant-register")
    # Only this pair's grants are read: the check costs O(grants of department and catalog).
    # An index entry is only a hint (a new key anyone's majority could write): the grant must
    # be this department's grant on this catalog, and only one in the register is in force.
    newest: tuple[str, str, str] | None = None  # (valid_from, id, state) of a covering grant not in force
    for grant_id in ledger.scan("grant~pair", (department["id"], catalog["id"])):
        grant = _stored_grant(ledger, grant_id)
        if (
            grant is None
            or grant["grantee_id"] != department["id"]
            or not covers_items(grant, catalog, [item])
        ):
            continue
        state = grant_state(grant, ledger.now, in_force)
        if state == ACTIVE:
            return _verdict(True, "grant", grant_id)
        if state != VOID:  # a void grant is no grant of the owner's at all
            newest = max(newest or ("", "", ""), (grant["valid_from"], grant_id, state))
    if newest is None:
        return _verdict(False, "no-grant")
    # Why the newest grant that would cover the item does not (expired, revoked, not-yet-valid).
    # It explains a denial; only a grant in the register ever allows.
    return _verdict(False, newest[2], newest[1])


def _stored_grant(ledger: Ledger, grant_id: str) -> JSON | None:
    """The grant under ``grant_id`` if it is a well-formed grant: an index entry may lead to a
    key a forger wrote, which may hold anything (that must not fail the check)."""
    return ledger.get_well_formed(Ledger.key(GRANT, grant_id), lambda v: is_entity(GRANT, v))


def _verdict(allowed: bool, reason: str, grant_id: str | None = None) -> JSON:
    return {"allowed": allowed, "reason": reason, "grant_id": grant_id}


def _new_grant(ledger: Ledger, request: JSON, approver_until: datetime | None) -> JSON:
    """Rule 6: valid from now (this issuing transaction; never before the request, see
    _require_not_before) until the earliest of the request's end, the approver's, and 3 years."""
    ends = [parse_time(request["requested_until"]), add_years(ledger.now, MAX_VALIDITY_YEARS)]
    if approver_until is not None:
        ends.append(approver_until)
    valid_until = min(ends)
    if valid_until <= ledger.now:
        raise failed_precondition(
            f"access request {request['id']} asked for access until {request['requested_until']}, "
            "which has passed",
            id=request["id"],
        )
    grant_id = f"grant-{request['id']}"
    if ledger.exists(GRANT, grant_id):
        raise conflict(f"grant {grant_id} already exists", id=grant_id)
    return {
        "id": grant_id,
        "request_id": request["id"],
        "grantee_id": request["requester_id"],
        "owner_id": request["owner_id"],
        "catalog_id": request["catalog_id"],
        "items": request["items"],
        "valid_from": ledger.now_text,
        "valid_until": format_time(valid_until),
        "status": "active",
        "revoked": None,
    }


def _save_grant(ledger: Ledger, grant: JSON, previous: JSON | None, owner: JSON) -> JSON:
    policy = peer_of(owner["msp_id"])
    return ledger.save(GRANT, grant, previous=previous, policy=policy, indexes=grant_indexes)
