"""The DCAT export's unit tests: the API's fake ledger (``tests.unit.api.conftest``), loaded with a
small directory of departments and catalogs that every ledger identity answers alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from gateway.api.ledger import ChaincodeError
from tests.unit.api.conftest import ADMIN_TOKEN, TRANSPORT_TOKEN, Env, FakeLedger, env

__all__ = ["ADMIN_TOKEN", "TRANSPORT_TOKEN", "Directory", "directory", "env"]

BASE = "http://localhost"


def stamp(day: int) -> str:
    return f"2026-03-{day:02d}T08:00:00.000000Z"


def department(dept_id: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": dept_id,
        "name": {"zh": zh, "en": en},
        "parent_id": None,
        "level": "municipal",
        "msp_id": "HealthMSP",
        "contact": {"name": "张伟", "email": f"{dept_id}@city.example", "phone": "+86 10 6519 0003"},
        "status": "active",
        "created_at": stamp(1),
        "updated_at": stamp(1),
        "version": 1,
        "ledger": {"tx_id": "t", "timestamp": stamp(1)},
        **extra,
    }


def catalog(
    cat_id: str, day: int, *, open_type: str = "open", status: str = "published", **extra: Any
) -> dict[str, Any]:
    return {
        "id": cat_id,
        "department_id": "health",
        "responsibility_ids": ["r1"],
        "title": {"zh": "医疗机构名录", "en": "Directory of hospitals"},
        "description": "医疗机构名录。Directory of hospitals.",
        "items": [
            {"name": "org_name", "title": "机构名称", "type": "string", "sensitivity": "public"},
            {"name": "licence_no", "title": "许可证号", "type": "string", "sensitivity": "internal"},
            {"name": "beds", "title": "床位数", "type": "integer", "sensitivity": "confidential"},
        ],
        "share_type": "conditional",
        "share_conditions": "仅限履行法定职责 / Only for statutory duties",
        "open_type": open_type,
        "update_frequency": "monthly",
        "format": "CSV",
        "source_system": "health system",
        "endpoint": f"https://dataex.city.example/api/v1/health/{cat_id}",
        "schema_hash": "ab" * 32,
        "tags": ["医疗", "health"],
        "status": status,
        "deprecation": None,
        "created_at": stamp(1),
        "updated_at": stamp(day),
        "version": 2,
        "ledger": {"tx_id": f"tx-{cat_id}", "timestamp": stamp(day)},
        **extra,
    }


DEPARTMENTS = [
    department(
        "data-bureau", "市大数据管理局", "Municipal Big Data Bureau", provider_code="11110000MB0000001X"
    ),
    department("health", "市卫生健康委员会", "Municipal Health Commission"),
]

CATALOGS = [
    # Open, with every national-guideline field.
    catalog(
        "hospitals",
        10,
        resource_code="101001/000001",
        classification={"kind": "basic", "path": "101/001"},
        share_method="file_download",
        related_codes=["101001/000002"],
        released_at="2026-02-01",
    ),
    catalog("clinics", 12, format="API", update_frequency="realtime"),
    catalog("pharmacies", 14, share_type="unconditional", format="GTFS", endpoint=None),
    catalog("beds", 16, open_type="conditional", update_frequency="irregular", description=""),
    # Not for anonymous callers: not opened.
    catalog("patients", 18, open_type="none", share_type="none", description="Patient register"),
    # Never exported: not published.
    catalog("draft-one", 20, status="draft"),
    catalog("old-one", 5, status="deprecated"),
]
OPEN_IDS = {"hospitals", "clinics", "pharmacies", "beds"}
PUBLISHED_IDS = OPEN_IDS | {"patients"}


def _paged(items: list[dict[str, Any]], arg: Mapping[str, Any], size: int = 3) -> dict[str, Any]:
    """The chaincode's paging, small pages so the export has to follow bookmarks."""
    start = int(arg.get("bookmark") or 0)
    page = items[start : start + size]
    nxt = start + size
    return {"items": page, "bookmark": str(nxt) if nxt < len(items) else "", "count": len(page)}


def load(ledger: FakeLedger, catalogs: list[dict[str, Any]]) -> None:
    def list_catalogs(arg: Mapping[str, Any]) -> dict[str, Any]:
        wanted = [c for c in catalogs if "status" not in arg or c["status"] == arg["status"]]
        return _paged(wanted, arg)

    def get(items: list[dict[str, Any]]) -> Any:
        def answer(arg: Mapping[str, Any]) -> dict[str, Any]:
            for item in items:
                if item["id"] == arg["id"]:
                    return item
            raise ChaincodeError("NOT_FOUND", f"{arg['id']} not found", {})

        return answer

    ledger.answers.update(
        {
            "ListCatalogs": list_catalogs,
            "ListDepartments": lambda arg: _paged(DEPARTMENTS, arg),
            "GetCatalog": get(catalogs),
            "GetDepartment": get(DEPARTMENTS),
        }
    )


class Directory:
    """The app with every identity's fake ledger holding ``catalogs`` (editable per test)."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.catalogs = [dict(c) for c in CATALOGS]

    def ledger(self, msp_id: str) -> FakeLedger:
        ledger = self.env.ledgers.setdefault(msp_id, FakeLedger(msp_id=msp_id))
        load(ledger, self.catalogs)
        return ledger

    def get(self, path: str, token: str | None = None, **headers: str) -> Any:
        for msp in ("HealthMSP", "TransportMSP"):
            self.ledger(msp)
        return self.env.client(token).get(path, headers=headers)


@pytest.fixture
def directory(env: Env) -> Iterator[Directory]:
    yield Directory(env)
