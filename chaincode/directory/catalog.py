"""Data catalogs: what data a department holds, how it is shared, and where it lives off chain.

Lifecycle (rule 4): draft → published → deprecated, nothing else. Every write bumps the
catalog's version; deprecated catalogs are frozen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chaincode.interface import Event

from . import register
from .authz import require_active, require_admin_of
from .context import Context
from .errors import DirectoryError, ErrorCode, conflict, failed_precondition, invalid_argument
from .ledger import JSON, IndexEntry, Ledger
from .policy import peer_of
from .schemas import CATALOG_EDITABLE, check_catalog

KIND = "catalog"
# The guideline's catalog metadata (政务信息资源目录编制指南): optional, stored as null/[] when not given.
GUIDELINE_DEFAULTS: dict[str, Any] = {
    "resource_code": None,
    "classification": None,
    "share_method": None,
    "related_codes": [],
    "released_at": None,
    "no_share_basis": None,
}
# 信息资源代码: the 前段码's first digit is the 类 (kind); its length says how deep the code goes.
KIND_DIGIT = {"base": "1", "theme": "2", "department": "3"}
DEPTH_OF_LENGTH = {1: 1, 3: 2, 6: 3, 9: 4}  # 类, 类+项, 类+项+目, 类+项+目+细目


def indexes(catalog: JSON) -> set[IndexEntry]:
    # Status sits in every filter index so "published catalogs of X" is one prefix scan;
    # publishing or deprecating therefore moves the catalog's index entries.
    status, catalog_id = catalog["status"], catalog["id"]
    entries = {
        ("catalog~dept", (catalog["department_id"], status, catalog_id)),
        ("catalog~share", (catalog["share_type"], status, catalog_id)),
        ("catalog~status", (status, catalog_id)),
    }
    entries.update(("catalog~tag", (tag, status, catalog_id)) for tag in catalog["tags"])
    if catalog.get("resource_code"):
        # Not by status: a code stays claimed by its catalog, deprecated or not.
        entries.add(("catalog~code", (catalog["resource_code"], catalog_id)))
    return entries


def create(ctx: Context, args: JSON) -> JSON:
    catalog, department = _prepare_new(ctx, args, "catalog")
    stored = _save_new(ctx.ledger, catalog, department)
    ctx.ledger.announce(Event.CATALOG_CREATED, KIND, stored)
    return stored


def create_many(ctx: Context, args: JSON) -> JSON:
    """Bulk load, all or nothing: every catalog is checked before the first is written."""
    prepared: list[tuple[JSON, JSON]] = []
    ctx.ledger.prefetch(key for new in args["catalogs"] for key in _keys_of_new(new))
    seen: set[str] = set()
    codes: dict[str, str] = {}
    for index, new in enumerate(args["catalogs"]):
        root = f"catalogs[{index}]"
        if new["id"] in seen:
            raise conflict(f"{root}.id: catalog {new['id']} appears twice in the batch", field=f"{root}.id")
        seen.add(new["id"])
        code = new.get("resource_code")
        if code:
            if code in codes:
                field = f"{root}.resource_code"
                raise conflict(
                    f"{field}: resource code {code} is claimed by {codes[code]} too in the batch",
                    field=field,
                    resource_code=code,
                )
            codes[code] = new["id"]
        prepared.append(_prepare_new(ctx, new, root))
    ids = [_save_new(ctx.ledger, catalog, department)["id"] for catalog, department in prepared]
    ctx.ledger.emit(Event.CATALOGS_CREATED, {"entity": KIND, "ids": ids, "version": 1})
    return {"created": ids}


def update(ctx: Context, args: JSON) -> JSON:
    ledger = ctx.ledger
    current = ledger.require(KIND, args["id"])
    # What the checks below read, at once: the department and every linked responsibility.
    linked: list[str] = (
        args["responsibility_ids"] if "responsibility_ids" in args else current["responsibility_ids"]
    )
    ledger.prefetch(
        [
            Ledger.key("department", current["department_id"]),
            *(Ledger.key("responsibility", r) for r in linked),
        ]
    )
    department = _writable_department(ctx, current, "change catalogs")
    if current["status"] == "deprecated":
        raise failed_precondition(
            f"catalog {current['id']} is deprecated and can no longer change", id=current["id"]
        )
    # A catalog stored before the guideline fields existed gets their defaults.
    changed = {
        **GUIDELINE_DEFAULTS,
        **current,
        **{field: args[field] for field in CATALOG_EDITABLE if field in args},
    }
    changed["items"] = [_item(item) for item in changed["items"]]
    # The merged catalog must satisfy the same cross-field rules as a new one.
    check_catalog({field: changed[field] for field in ("id", "department_id", *CATALOG_EDITABLE)})
    _check_item_names(changed["items"], "catalog")
    _check_guideline(ledger, changed, "catalog")
    _check_responsibilities(
        ledger, department, changed["responsibility_ids"], current["responsibility_ids"], "catalog"
    )
    changed["updated_at"] = ledger.now_text
    stored = _save(ledger, changed, current, department)
    ledger.announce(Event.CATALOG_UPDATED, KIND, stored)
    return stored


def publish(ctx: Context, args: JSON) -> JSON:
    return _move(ctx, args["id"], "draft", "published", Event.CATALOG_PUBLISHED, None)


def deprecate(ctx: Context, args: JSON) -> JSON:
    return _move(ctx, args["id"], "published", "deprecated", Event.CATALOG_DEPRECATED, args.get("reason", ""))


def get(ctx: Context, args: JSON) -> JSON:
    return ctx.ledger.require(KIND, args["id"])


def list_catalogs(ctx: Context, args: JSON) -> JSON:
    """One index per query (the most selective given); the other filters apply to its page."""
    status = args.get("status")
    by_status: tuple[str, ...] = (status,) if status else ()
    if "department_id" in args:
        index, attrs = "catalog~dept", (args["department_id"], *by_status)
    elif "resource_code" in args:
        index, attrs = "catalog~code", (args["resource_code"],)
    elif "tag" in args:
        index, attrs = "catalog~tag", (args["tag"], *by_status)
    elif "share_type" in args:
        index, attrs = "catalog~share", (args["share_type"], *by_status)
    elif status:
        index, attrs = "catalog~status", by_status
    else:
        index, attrs = KIND, ()
    return ctx.ledger.list_page(KIND, index, attrs, args, keep=lambda catalog: _matches(catalog, args))


def item_names(catalog: JSON) -> list[str]:
    return [item["name"] for item in catalog["items"]]


def _matches(catalog: JSON, args: JSON) -> bool:
    return all(
        catalog.get(key) == args[key]
        for key in ("department_id", "share_type", "status", "resource_code")
        if key in args
    ) and ("tag" not in args or args["tag"] in catalog["tags"])


def _move(ctx: Context, catalog_id: str, source: str, target: str, event: str, reason: str | None) -> JSON:
    ledger = ctx.ledger
    current = ledger.require(KIND, catalog_id)
    department = _writable_department(ctx, current, f"make catalogs {target}")
    if current["status"] != source:
        raise failed_precondition(
            f"catalog {catalog_id} is {current['status']}; only {source} catalogs can become {target}",
            id=catalog_id,
            status=current["status"],
        )
    changed = {**current, "status": target, "updated_at": ledger.now_text}
    if reason is not None:
        changed["deprecation"] = {"by": ctx.caller.actor(), "at": ledger.now_text, "reason": reason}
    stored = _save(ledger, changed, current, department)
    ledger.announce(event, KIND, stored)
    return stored


def _prepare_new(ctx: Context, args: JSON, root: str) -> tuple[JSON, JSON]:
    """Every check for a new catalog, without writing anything."""
    ledger = ctx.ledger
    ledger.prefetch(_keys_of_new(args))
    department = ledger.require("department", args["department_id"])
    require_admin_of(ctx.caller, department, "create catalogs")
    require_active(department, "change its catalogs")
    if ledger.exists(KIND, args["id"]):
        raise conflict(f"{root}.id: catalog {args['id']} already exists", id=args["id"], field=f"{root}.id")
    register.require_absent(ledger, args["id"], root)
    items = [_item(item) for item in args["items"]]
    _check_item_names(items, root)
    _check_responsibilities(ledger, department, args["responsibility_ids"], [], root)
    now = ledger.now_text
    catalog = {
        "id": args["id"],
        "department_id": department["id"],
        "responsibility_ids": args["responsibility_ids"],
        "title": args["title"],
        "description": args.get("description", ""),
        "items": items,
        "share_type": args["share_type"],
        "share_conditions": args.get("share_conditions"),
        "open_type": args["open_type"],
        "update_frequency": args["update_frequency"],
        "format": args.get("format", ""),
        "source_system": args.get("source_system", ""),
        "endpoint": args.get("endpoint"),
        "schema_hash": args.get("schema_hash"),
        "tags": args.get("tags", []),
        **{field: args.get(field, default) for field, default in GUIDELINE_DEFAULTS.items()},
        "status": "draft",
        "deprecation": None,
        "created_at": now,
        "updated_at": now,
    }
    _check_guideline(ledger, catalog, root)
    return catalog, department


def _keys_of_new(args: JSON) -> list[str]:
    """The keys ``_prepare_new`` reads: department, catalog, grant register, responsibilities."""
    return [
        Ledger.key("department", args["department_id"]),
        Ledger.key(KIND, args["id"]),
        register.register_key(args["id"]),
        *(Ledger.key("responsibility", r) for r in args["responsibility_ids"]),
    ]


def _item(item: JSON) -> JSON:
    return {"description": "", **item}


def _writable_department(ctx: Context, catalog: JSON, action: str) -> JSON:
    department = ctx.ledger.require("department", catalog["department_id"])
    require_admin_of(ctx.caller, department, action)
    require_active(department, "change its catalogs")
    return department


def _check_item_names(items: list[JSON], root: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["name"] in seen:
            field = f"{root}.items[{index}].name"
            raise invalid_argument(f"{field}: item name {item['name']!r} is used twice in the catalog", field)
        seen.add(item["name"])


def _check_guideline(ledger: Ledger, catalog: JSON, root: str) -> None:
    """The guideline fields' rules the schema cannot state: the resource code agrees with the
    classification and no other catalog claims it; related codes name other resources; the
    release date is a real date."""
    code, classification = catalog.get("resource_code"), catalog.get("classification")
    if code:
        field = f"{root}.resource_code"
        if classification is None:
            raise invalid_argument(
                f"{field}: a resource code needs its classification (kind and path) to be checked against",
                f"{root}.classification",
            )
        front = code.split("/", 1)[0]
        kind, path = classification["kind"], classification["path"]
        if front[0] != KIND_DIGIT[kind]:
            raise invalid_argument(
                f"{field}: {code} starts with 类 {front[0]}, but the classification's kind {kind} "
                f"is 类 {KIND_DIGIT[kind]}",
                field,
            )
        depth = DEPTH_OF_LENGTH[len(front)]
        if depth != len(path):
            raise invalid_argument(
                f"{field}: {code} is a {depth}-level code ({len(front)} digits before the slash), "
                f"but the classification path has {len(path)} level(s)",
                field,
            )
        for other in ledger.scan("catalog~code", (code,)):
            if other != catalog["id"]:
                raise conflict(
                    f"{field}: resource code {code} is already catalog {other}'s",
                    field=field,
                    id=other,
                    resource_code=code,
                )
    if code and code in catalog.get("related_codes", []):
        field = f"{root}.related_codes"
        raise invalid_argument(f"{field}: {code} is the catalog's own resource code", field)
    released = catalog.get("released_at")
    if released:
        try:
            date.fromisoformat(released)
        except ValueError:
            field = f"{root}.released_at"
            raise invalid_argument(f"{field}: {released} is not a calendar date", field) from None


def _check_responsibilities(
    ledger: Ledger, department: JSON, ids: list[str], already_linked: list[str], root: str
) -> None:
    """Each linked responsibility exists, is the department's own, and is active when newly linked."""
    for index, responsibility_id in enumerate(ids):
        field = f"{root}.responsibility_ids[{index}]"
        responsibility: dict[str, Any] | None = ledger.get("responsibility", responsibility_id)
        if responsibility is None:
            raise DirectoryError(
                ErrorCode.NOT_FOUND,
                f"{field}: responsibility {responsibility_id} does not exist",
                {"entity": "responsibility", "id": responsibility_id, "field": field},
            )
        if responsibility["department_id"] != department["id"]:
            raise invalid_argument(
                f"{field}: responsibility {responsibility_id} belongs to {responsibility['department_id']}, "
                f"not to {department['id']}",
                field,
            )
        if responsibility["status"] != "active" and responsibility_id not in already_linked:
            raise failed_precondition(
                f"{field}: responsibility {responsibility_id} is retired and cannot be linked",
                id=responsibility_id,
            )


def _save_new(ledger: Ledger, catalog: JSON, department: JSON) -> JSON:
    """A new catalog and its empty grant register, both under the owner's key-level policy."""
    stored = _save(ledger, catalog, None, department)
    register.create(ledger, catalog["id"], peer_of(department["msp_id"]))
    return stored


def _save(ledger: Ledger, catalog: JSON, previous: JSON | None, department: JSON) -> JSON:
    policy = peer_of(department["msp_id"])
    return ledger.save(KIND, catalog, previous=previous, policy=policy, indexes=indexes)
