"""A fake directory behind every fake ledger of the unit app (``tests.unit.api.conftest``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from tests.unit.api.conftest import Env, FakeLedger, env, not_found

__all__ = ["Directory", "env"]


def department(dept_id: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": dept_id,
        "name": {"zh": f"{dept_id}部门", "en": f"Department {dept_id}"},
        "parent_id": parent,
        "level": "municipal" if parent is None else "district",
        "msp_id": "HealthMSP",
        "status": "active",
        "contact": {"name": "联系人", "email": f"{dept_id}@example.gov.cn", "phone": "+86 10 0"},
        "created_at": "2026-01-01T00:00:00.000000Z",
        "version": 1,
        "ledger": {"tx_id": "a" * 64, "timestamp": "2026-01-01T00:00:00.000000Z"},
        **extra,
    }


def catalog(cat_id: str, dept: str, n: int = 0, **extra: Any) -> dict[str, Any]:
    stamp = f"2026-02-{1 + n % 28:02d}T00:00:{n % 60:02d}.000000Z"
    return {
        "id": cat_id,
        "department_id": dept,
        "responsibility_ids": ["resp-a"],
        "title": {"zh": f"目录{cat_id}", "en": f"Catalog {cat_id}"},
        "description": f"description of {cat_id}",
        "items": [{"name": "district", "title": "所属区", "type": "string", "sensitivity": "public"}],
        "share_type": "unconditional",
        "share_conditions": None,
        "open_type": "open",
        "update_frequency": "monthly",
        "format": "json",
        "source_system": "test",
        "endpoint": None,
        "schema_hash": None,
        "tags": ["test"],
        "status": "published",
        "created_at": stamp,
        "updated_at": stamp,
        "version": 2,
        "ledger": {"tx_id": "b" * 64, "timestamp": stamp},
        **extra,
    }


@dataclass
class Directory:
    env: Env
    departments: dict[str, dict[str, Any]]
    catalogs: dict[str, dict[str, Any]]

    def add(self, item: dict[str, Any]) -> None:
        self.catalogs[item["id"]] = item

    def install(self, ledger: FakeLedger) -> None:
        def page(items: list[dict[str, Any]], arg: Mapping[str, Any]) -> dict[str, Any]:
            start = int(arg.get("bookmark") or 0)
            size = int(arg.get("page_size") or 50)
            chunk = items[start : start + size]
            more = start + size < len(items)
            return {"items": chunk, "bookmark": str(start + size) if more else "", "count": len(chunk)}

        def list_catalogs(arg: Mapping[str, Any]) -> dict[str, Any]:
            items = [
                c
                for _, c in sorted(self.catalogs.items())
                if all(c.get(k) == arg[k] for k in ("status", "department_id") if k in arg)
            ]
            return page(items, arg)

        def get(store: dict[str, dict[str, Any]]) -> Any:
            def answer(arg: Mapping[str, Any]) -> dict[str, Any]:
                if arg["id"] not in store:
                    raise not_found()
                return store[arg["id"]]

            return answer

        ledger.answers.update(
            {
                "ListCatalogs": list_catalogs,
                "GetCatalog": get(self.catalogs),
                "ListDepartments": lambda arg: page([d for _, d in sorted(self.departments.items())], arg),
                "GetDepartment": get(self.departments),
            }
        )


@pytest.fixture
def directory(env: Env) -> Iterator[Directory]:
    departments = {
        "bureau": department("bureau"),
        "health": department("health", "bureau", provider_code="11110000000000000X"),
    }
    catalogs = {
        "hospitals": catalog(
            "hospitals",
            "health",
            1,
            title={"zh": "医疗机构名录", "en": "Directory of hospitals"},
            tags=["health", "hospital"],
            endpoint="https://data.example.gov.cn/api/hospitals",
            resource_code="101/000001",
            classification={"kind": "theme", "path": ["卫生健康", "医疗机构"]},
            share_method="interface",
            related_codes=["101/000002", "101/000003"],
            released_at="2026-01-15",
        ),
        "allowance": catalog("allowance", "health", 2, open_type="conditional", share_type="conditional"),
        "internal": catalog("internal", "bureau", 3, open_type="none", tags=["internal"]),
        "draft-one": catalog("draft-one", "bureau", 4, status="draft"),
        "old-one": catalog("old-one", "bureau", 5, status="deprecated"),
    }
    found = Directory(env, departments, catalogs)
    for msp in ("HealthMSP", "TransportMSP"):
        found.install(env.ledgers.setdefault(msp, FakeLedger(msp_id=msp)))
    yield found
