"""Builders and a small driver over the in-memory ledger for the contract's tests."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chaincode.shim.api import Response
from tests.unit.memstub import Event, MemoryLedger, MemoryStub, identity

BUREAU = "DataBureauMSP"
CIVIL = "CivilAffairsMSP"
HEALTH = "HealthMSP"

BUREAU_ADMIN = identity(BUREAU, "admin", "alice")
BUREAU_CLIENT = identity(BUREAU, "client", "bob")
CIVIL_ADMIN = identity(CIVIL, "admin", "carol")
CIVIL_CLIENT = identity(CIVIL, "client", "dave")
HEALTH_ADMIN = identity(HEALTH, "admin", "erin")
HEALTH_CLIENT = identity(HEALTH, "client", "frank")
HEALTH_PEER = identity(HEALTH, "peer", "peer0.health")
HEALTH_NO_ROLE = identity(HEALTH, None, "guest")
READER = HEALTH_PEER  # peers may read everything


class Directory:
    """Drives the contract through the memory ledger, asserting what every call must satisfy."""

    def __init__(self) -> None:
        self.ledger = MemoryLedger()
        self.event: Event | None = None

    @property
    def last(self) -> MemoryStub:
        assert self.ledger.last is not None
        return self.ledger.last

    @property
    def now(self) -> datetime:
        return self.ledger.clock

    def call(
        self, who: bytes, function: str, arg: Any = None, **kwargs: Any
    ) -> tuple[Response, Event | None]:
        return self.ledger.invoke(who, function, arg, **kwargs)

    def ok(self, who: bytes, function: str, arg: Any = None, **kwargs: Any) -> Any:
        response, event = self.call(who, function, arg, **kwargs)
        assert response.status == 200, f"{function} failed: {response.message}"
        assert len(self.last.events) <= 1, "at most one event per transaction"
        assert self.last.stale_reads == [], "read a key after writing it in the same transaction"
        self.event = event
        return json.loads(response.payload)

    def fail(self, who: bytes, function: str, arg: Any, code: str, **kwargs: Any) -> dict[str, Any]:
        response, _ = self.call(who, function, arg, **kwargs)
        assert response.status == 500, f"{function} unexpectedly succeeded: {response.payload!r}"
        error: dict[str, Any] = json.loads(response.message)
        assert set(error) == {"code", "message", "details"}
        assert error["code"] == code, error
        # The contract wrote nothing, even before the runtime would discard the write set.
        assert self.last.writes == {} and self.last.validation_writes == {} and self.last.events == []
        return error

    def read(self, function: str, arg: Any = None, **kwargs: Any) -> Any:
        return self.ok(READER, function, arg, **kwargs)

    def state(self, kind: str, entity_id: str) -> dict[str, Any]:
        raw = self.ledger.state[key(kind, entity_id)]
        value: dict[str, Any] = json.loads(raw)
        return value


def key(kind: str, *attrs: str) -> str:
    from chaincode.shim.api import create_composite_key

    return create_composite_key(kind, list(attrs))


def department(
    dept_id: str, msp: str, level: str = "municipal", parent: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": dept_id,
        "name": {"zh": f"{dept_id}部门", "en": f"Department {dept_id}"},
        "parent_id": parent,
        "level": level,
        "msp_id": msp,
        "contact": {"name": "Contact", "email": f"{dept_id}@city.example", "phone": "+86 10 1234 5678"},
        **extra,
    }


def responsibility(resp_id: str, dept_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": resp_id,
        "department_id": dept_id,
        "code": resp_id.upper(),
        "title": {"zh": "职责", "en": f"Duty {resp_id}"},
        "legal_basis": "《社会救助暂行办法》",
        **extra,
    }


# What a catalog that is not shared rests on (required with share_type none).
NO_SHARE_BASIS = "《社会救助暂行办法》第五十九条：对知悉的公民个人信息依法保密"


def item(name: str, kind: str = "string", sensitivity: str = "internal") -> dict[str, Any]:
    return {"name": name, "title": name.replace("_", " "), "type": kind, "sensitivity": sensitivity}


def catalog(
    catalog_id: str,
    dept_id: str,
    resp_ids: list[str],
    share: str = "conditional",
    items: tuple[str, ...] = ("person_name", "id_card_no", "amount"),
    **extra: Any,
) -> dict[str, Any]:
    document = {
        "id": catalog_id,
        "department_id": dept_id,
        "responsibility_ids": resp_ids,
        "title": {"zh": "目录", "en": f"Catalog {catalog_id}"},
        "items": [item(name) for name in items],
        "share_type": share,
        "open_type": "none",
        "update_frequency": "monthly",
        **extra,
    }
    if share == "conditional" and "share_conditions" not in extra:
        document["share_conditions"] = "for statutory duties only"
    if share == "none" and "no_share_basis" not in extra:
        document["no_share_basis"] = NO_SHARE_BASIS
    return document


def access(requester: str, catalog_id: str, items: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "requester_id": requester,
        "catalog_id": catalog_id,
        "items": items or [],
        "purpose": "eligibility checks",
        "legal_basis": "《社会救助暂行办法》第十一条",
        "requested_until": "2027-12-31",
        **extra,
    }


def build_city() -> Directory:
    """A small city: three MSPs, a hosted department, a district; four catalogs in different states.

    * dibao   (civil-affairs, conditional, published)
    * beds    (health, unconditional, published)
    * review-log (civil-affairs, not shared, published)
    * plans   (civil-affairs, conditional, draft)
    """
    city = Directory()
    for dept in (
        department("data-bureau", BUREAU),
        department("civil-affairs", CIVIL),
        department("health", HEALTH),
        department("transport", BUREAU),
        department("haidian", CIVIL, "district", "civil-affairs"),
    ):
        city.ok(BUREAU_ADMIN, "RegisterDepartment", dept)
    city.ok(CIVIL_ADMIN, "CreateResponsibility", responsibility("ca-assist", "civil-affairs"))
    city.ok(HEALTH_ADMIN, "CreateResponsibility", responsibility("hw-care", "health"))
    city.ok(BUREAU_ADMIN, "CreateResponsibility", responsibility("tr-transit", "transport"))
    city.ok(
        CIVIL_ADMIN,
        "CreateCatalogs",
        {
            "catalogs": [
                catalog(
                    "dibao",
                    "civil-affairs",
                    ["ca-assist"],
                    items=("person_name", "id_card_no", "amount", "district"),
                ),
                catalog("review-log", "civil-affairs", ["ca-assist"], share="none"),
                catalog("plans", "civil-affairs", ["ca-assist"]),
            ]
        },
    )
    city.ok(
        HEALTH_ADMIN,
        "CreateCatalog",
        catalog(
            "beds",
            "health",
            ["hw-care"],
            share="unconditional",
            items=("hospital", "total_beds", "free_beds"),
        ),
    )
    for catalog_id, admin in (("dibao", CIVIL_ADMIN), ("review-log", CIVIL_ADMIN), ("beds", HEALTH_ADMIN)):
        city.ok(admin, "PublishCatalog", {"id": catalog_id})
    return city
