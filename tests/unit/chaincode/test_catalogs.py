"""Catalogs: ownership, validation, the draft → published → deprecated lifecycle, batches."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chaincode.interface import MAX_ARGUMENT_BYTES

from .helpers import (
    BUREAU_ADMIN,
    CIVIL_ADMIN,
    CIVIL_CLIENT,
    HEALTH_ADMIN,
    Directory,
    catalog,
    item,
    key,
    responsibility,
)

HASH = "ab" * 32


def test_create_makes_a_version_1_draft(city: Directory) -> None:
    created = city.ok(
        CIVIL_ADMIN,
        "CreateCatalog",
        catalog(
            "marriages",
            "civil-affairs",
            ["ca-assist"],
            tags=["婚姻", "civil"],
            schema_hash=HASH,
            endpoint="https://dataex.city.example/api/marriages",
        ),
    )
    assert created["status"] == "draft" and created["version"] == 1
    assert created["created_at"] == created["updated_at"] == created["ledger"]["timestamp"]
    assert created["items"][0] == {**item("person_name"), "description": ""}
    assert created["format"] == "" and created["deprecation"] is None
    assert city.event is not None
    assert (city.event.name, city.event.payload) == (
        "CatalogCreated",
        {"entity": "catalog", "id": "marriages", "version": 1},
    )
    for index_key in (
        key("catalog~dept", "civil-affairs", "draft", "marriages"),
        key("catalog~share", "conditional", "draft", "marriages"),
        key("catalog~status", "draft", "marriages"),
        key("catalog~tag", "婚姻", "draft", "marriages"),
        key("catalog~tag", "civil", "draft", "marriages"),
    ):
        assert city.last.writes[index_key] == b"\x00"


def test_only_admins_of_the_owner_msp_create(city: Directory) -> None:
    city.fail(HEALTH_ADMIN, "CreateCatalog", catalog("x-cat", "civil-affairs", ["ca-assist"]), "FORBIDDEN")
    city.fail(CIVIL_CLIENT, "CreateCatalog", catalog("x-cat", "civil-affairs", ["ca-assist"]), "FORBIDDEN")
    city.fail(CIVIL_ADMIN, "CreateCatalog", catalog("dibao", "civil-affairs", ["ca-assist"]), "CONFLICT")
    city.ok(
        BUREAU_ADMIN, "CreateCatalog", catalog("buses", "transport", ["tr-transit"], share="unconditional")
    )


def test_responsibilities_must_be_the_departments_own_and_active(city: Directory) -> None:
    error = city.fail(
        CIVIL_ADMIN, "CreateCatalog", catalog("x-cat", "civil-affairs", ["hw-care"]), "INVALID_ARGUMENT"
    )
    assert error["details"] == {"field": "catalog.responsibility_ids[0]"}
    error = city.fail(
        CIVIL_ADMIN, "CreateCatalog", catalog("x-cat", "civil-affairs", ["ca-assist", "nope"]), "NOT_FOUND"
    )
    assert error["details"]["field"] == "catalog.responsibility_ids[1]"
    city.ok(CIVIL_ADMIN, "UpdateResponsibility", {"id": "ca-assist", "status": "retired"})
    city.fail(
        CIVIL_ADMIN, "CreateCatalog", catalog("x-cat", "civil-affairs", ["ca-assist"]), "FAILED_PRECONDITION"
    )
    # Already linked retired responsibilities do not block edits of existing catalogs.
    city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "description": "still fine"})


def test_item_names_are_unique(city: Directory) -> None:
    error = city.fail(
        CIVIL_ADMIN,
        "CreateCatalog",
        catalog("x-cat", "civil-affairs", ["ca-assist"], items=("a", "b", "a")),
        "INVALID_ARGUMENT",
    )
    assert error["details"] == {"field": "catalog.items[2].name"}


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (
            {"items": [item("a"), item("b"), item("c"), {**item("d"), "type": "text"}]},
            "catalog.items[3].type",
            "'text' is not one of ['string', 'integer'",
        ),
        ({"items": [{**item("a"), "sensitivity": "top"}]}, "catalog.items[0].sensitivity", "is not one of"),
        ({"items": [{**item("a"), "unit": "kg"}]}, "catalog.items[0].unit", "unknown field"),
        ({"items": []}, "catalog.items", "a catalog must describe at least one data item"),
        ({"items": [item(f"f{i}") for i in range(501)]}, "catalog.items", "too long"),
        ({"share_conditions": None}, "catalog.share_conditions", "not of type 'string'"),
        ({"share_type": "sometimes"}, "catalog.share_type", "is not one of"),
        ({"update_frequency": "hourly"}, "catalog.update_frequency", "is not one of"),
        ({"schema_hash": "ABC"}, "catalog.schema_hash", "does not match"),
        ({"schema_hash": "g" * 64}, "catalog.schema_hash", "does not match"),
        ({"tags": [f"t{i}" for i in range(33)]}, "catalog.tags", "too long"),
        ({"tags": ["x" * 65]}, "catalog.tags[0]", "too long"),
        ({"tags": ["a", "a"]}, "catalog.tags", "non-unique"),
        ({"endpoint": "x" * 2049}, "catalog.endpoint", ""),
        ({"description": "x" * 4001}, "catalog.description", "too long"),
        ({"title": {"zh": "x" * 257, "en": "t"}}, "catalog.title.zh", "too long"),
        ({"id": "9lives"}, "catalog.id", "does not match"),
        ({"status": "published"}, "catalog.status", "unknown field"),
        ({"version": 7}, "catalog.version", "unknown field"),
    ],
)
def test_schema_violations_name_the_field(
    city: Directory, change: dict[str, Any], field: str, fragment: str
) -> None:
    document = {**catalog("x-cat", "civil-affairs", ["ca-assist"]), **change}
    raw = json.dumps(document).encode()
    if len(raw) > MAX_ARGUMENT_BYTES:  # keep the 501-item case about the item limit
        document["items"] = [
            {"name": f"f{i}", "title": "t", "type": "string", "sensitivity": "public"} for i in range(501)
        ]
    error = city.fail(CIVIL_ADMIN, "CreateCatalog", document, "INVALID_ARGUMENT")
    assert error["details"]["field"] == field == error["details"]["errors"][0]["path"]
    assert error["message"].startswith(field + ": ") and fragment in error["message"]


def test_conditional_sharing_needs_conditions(city: Directory) -> None:
    document = catalog("x-cat", "civil-affairs", ["ca-assist"])
    del document["share_conditions"]
    error = city.fail(CIVIL_ADMIN, "CreateCatalog", document, "INVALID_ARGUMENT")
    assert error["details"]["field"] == "catalog.share_conditions"
    city.fail(CIVIL_ADMIN, "CreateCatalog", {**document, "share_conditions": "   "}, "INVALID_ARGUMENT")


def test_500_items_fit(city: Directory) -> None:
    items = [{"name": f"f{i}", "title": "t", "type": "string", "sensitivity": "public"} for i in range(500)]
    created = city.ok(
        CIVIL_ADMIN, "CreateCatalog", {**catalog("wide", "civil-affairs", ["ca-assist"]), "items": items}
    )
    assert len(created["items"]) == 500


def test_lifecycle_only_moves_forward(city: Directory) -> None:
    city.fail(CIVIL_ADMIN, "DeprecateCatalog", {"id": "plans"}, "FAILED_PRECONDITION")
    published = city.ok(CIVIL_ADMIN, "PublishCatalog", {"id": "plans"})
    assert published["status"] == "published" and published["version"] == 2
    assert city.event is not None and city.event.name == "CatalogPublished"
    assert city.last.writes[key("catalog~status", "draft", "plans")] is None
    assert city.last.writes[key("catalog~status", "published", "plans")] == b"\x00"
    assert city.last.writes[key("catalog~dept", "civil-affairs", "draft", "plans")] is None
    error = city.fail(CIVIL_ADMIN, "PublishCatalog", {"id": "plans"}, "FAILED_PRECONDITION")
    assert "only draft catalogs can become published" in error["message"]
    deprecated = city.ok(CIVIL_ADMIN, "DeprecateCatalog", {"id": "plans", "reason": "superseded"})
    assert deprecated["status"] == "deprecated" and deprecated["deprecation"]["reason"] == "superseded"
    assert city.event is not None and city.event.name == "CatalogDeprecated"
    city.fail(CIVIL_ADMIN, "PublishCatalog", {"id": "plans"}, "FAILED_PRECONDITION")
    city.fail(CIVIL_ADMIN, "DeprecateCatalog", {"id": "plans"}, "FAILED_PRECONDITION")
    error = city.fail(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "plans", "description": "x"}, "FAILED_PRECONDITION"
    )
    assert "deprecated" in error["message"]
    city.fail(CIVIL_ADMIN, "PublishCatalog", {"id": "ghost"}, "NOT_FOUND")


def test_update_merges_bumps_version_and_rechecks(city: Directory) -> None:
    before = city.read("GetCatalog", {"id": "dibao"})
    updated = city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "tags": ["低保"], "format": "CSV"})
    assert updated["version"] == before["version"] + 1 and updated["status"] == "published"
    assert updated["tags"] == ["低保"] and updated["format"] == "CSV" and updated["items"] == before["items"]
    assert updated["created_at"] == before["created_at"] and updated["updated_at"] > before["updated_at"]
    assert city.event is not None and city.event.payload == {
        "entity": "catalog",
        "id": "dibao",
        "version": updated["version"],
    }
    assert city.last.writes[key("catalog~tag", "低保", "published", "dibao")] == b"\x00"
    error = city.fail(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "share_conditions": None}, "INVALID_ARGUMENT"
    )
    assert error["details"]["field"] == "catalog.share_conditions"
    city.fail(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "items": [item("a"), item("a")]}, "INVALID_ARGUMENT"
    )
    city.fail(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "department_id": "health"}, "INVALID_ARGUMENT")
    city.fail(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao"}, "INVALID_ARGUMENT")
    city.fail(HEALTH_ADMIN, "UpdateCatalog", {"id": "dibao", "format": "XML"}, "FORBIDDEN")
    city.fail(CIVIL_CLIENT, "UpdateCatalog", {"id": "dibao", "format": "XML"}, "FORBIDDEN")
    shared = city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "share_type": "unconditional"})
    assert city.last.writes[key("catalog~share", "conditional", "published", "dibao")] is None
    assert shared["share_type"] == "unconditional"


def test_suspended_department_is_frozen_but_readable(city: Directory) -> None:
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "civil-affairs", "reason": "review"})
    for function, argument in (
        ("CreateCatalog", catalog("x-cat", "civil-affairs", ["ca-assist"])),
        ("UpdateCatalog", {"id": "dibao", "format": "CSV"}),
        ("PublishCatalog", {"id": "plans"}),
        ("DeprecateCatalog", {"id": "dibao"}),
    ):
        city.fail(CIVIL_ADMIN, function, argument, "FAILED_PRECONDITION")
    assert city.read("GetCatalog", {"id": "dibao"})["status"] == "published"
    listed = city.read("ListCatalogs", {"department_id": "civil-affairs", "status": "published"})
    assert [c["id"] for c in listed["items"]] == ["dibao", "review-log"]


def test_batch_creates_all_with_one_event(city: Directory) -> None:
    city.ok(CIVIL_ADMIN, "CreateResponsibility", responsibility("hd-assist", "haidian"))
    result = city.ok(
        CIVIL_ADMIN,
        "CreateCatalogs",
        {
            "catalogs": [
                catalog("c-one", "civil-affairs", ["ca-assist"]),
                catalog("c-two", "haidian", ["hd-assist"]),
            ]
        },
    )
    assert result == {"created": ["c-one", "c-two"]}
    assert city.last.events and len(city.last.events) == 1 and city.event is not None
    assert (city.event.name, city.event.payload) == (
        "CatalogsCreated",
        {"entity": "catalog", "ids": ["c-one", "c-two"], "version": 1},
    )
    assert city.read("GetCatalog", {"id": "c-two"})["department_id"] == "haidian"


def test_batch_is_all_or_nothing(city: Directory) -> None:
    good = catalog("c-one", "civil-affairs", ["ca-assist"])
    bad = {**catalog("c-two", "civil-affairs", ["ca-assist"]), "items": [{**item("a"), "type": "text"}]}
    error = city.fail(CIVIL_ADMIN, "CreateCatalogs", {"catalogs": [good, bad]}, "INVALID_ARGUMENT")
    assert error["details"]["field"] == "catalogs[1].items[0].type"
    error = city.fail(CIVIL_ADMIN, "CreateCatalogs", {"catalogs": [good, good]}, "CONFLICT")
    assert error["details"] == {"field": "catalogs[1].id"}
    city.fail(
        CIVIL_ADMIN,
        "CreateCatalogs",
        {"catalogs": [good, catalog("dibao", "civil-affairs", ["ca-assist"])]},
        "CONFLICT",
    )
    city.fail(
        CIVIL_ADMIN,
        "CreateCatalogs",
        {"catalogs": [good, catalog("c-3", "health", ["hw-care"])]},
        "FORBIDDEN",
    )
    error = city.fail(
        CIVIL_ADMIN,
        "CreateCatalogs",
        {"catalogs": [good, catalog("c-3", "civil-affairs", ["ca-assist", "ca-assist"])]},
        "INVALID_ARGUMENT",
    )
    assert error["details"]["field"] == "catalogs[1].responsibility_ids"
    city.fail(CIVIL_ADMIN, "CreateCatalogs", {"catalogs": []}, "INVALID_ARGUMENT")
    small = {"id": "c", "department_id": "civil-affairs"}
    error = city.fail(CIVIL_ADMIN, "CreateCatalogs", {"catalogs": [small] * 101}, "INVALID_ARGUMENT")
    assert error["details"]["field"] == "catalogs" and "too long" in error["message"]
    assert city.ledger.state.get(key("catalog", "c-one")) is None


def test_list_catalogs_by_each_filter(city: Directory) -> None:
    city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "tags": ["social"]})
    city.ok(HEALTH_ADMIN, "UpdateCatalog", {"id": "beds", "tags": ["social", "hospital"]})

    def ids(query: dict[str, Any]) -> list[str]:
        return [c["id"] for c in city.read("ListCatalogs", query)["items"]]

    assert ids({}) == ["beds", "dibao", "plans", "review-log"]
    # Filtered lists run in index order: status first, then id.
    assert ids({"department_id": "civil-affairs"}) == ["plans", "dibao", "review-log"]
    assert ids({"department_id": "civil-affairs", "status": "draft"}) == ["plans"]
    assert ids({"department_id": "civil-affairs", "share_type": "none"}) == ["review-log"]
    assert ids({"tag": "social"}) == ["beds", "dibao"]
    assert ids({"tag": "social", "share_type": "unconditional"}) == ["beds"]
    assert ids({"share_type": "conditional"}) == ["plans", "dibao"]
    assert ids({"share_type": "conditional", "status": "published"}) == ["dibao"]
    assert ids({"status": "published"}) == ["beds", "dibao", "review-log"]
    city.fail(CIVIL_ADMIN, "ListCatalogs", {"owner": "civil-affairs"}, "INVALID_ARGUMENT")
