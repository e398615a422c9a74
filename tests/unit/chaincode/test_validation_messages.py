"""Schema violations: each names its field, all are listed (up to 20), none echoes a huge value."""

from __future__ import annotations

import json
from typing import Any

from .helpers import BUREAU_ADMIN, CIVIL_ADMIN, HEALTH_CLIENT, Directory, catalog, department, item

MAX_ECHO = 200  # characters of a value a message may repeat
MAX_VIOLATIONS = 20  # listed in details.errors


def invalid(city: Directory, who: bytes, function: str, arg: Any) -> dict[str, Any]:
    return city.fail(who, function, arg, "INVALID_ARGUMENT")


def test_a_catalog_must_serve_a_responsibility(city: Directory) -> None:
    error = invalid(city, CIVIL_ADMIN, "CreateCatalog", catalog("x-cat", "civil-affairs", []))
    path = "catalog.responsibility_ids"
    rule = "a catalog must serve at least one statutory responsibility; give its id"
    assert error["message"] == f"{path}: {rule}"
    assert error["details"] == {"field": path, "errors": [{"path": path, "message": rule}]}
    # The same rule, in the same words, wherever a catalog is checked.
    error = invalid(city, CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "responsibility_ids": []})
    assert error["message"] == f"{path}: {rule}"
    batch = {"catalogs": [catalog("x-cat", "civil-affairs", [])]}
    error = invalid(city, CIVIL_ADMIN, "CreateCatalogs", batch)
    assert error["message"] == f"catalogs[0].responsibility_ids: {rule}"


def test_every_violation_is_listed_with_its_path(city: Directory) -> None:
    document = {
        **catalog("x-cat", "civil-affairs", ["ca-assist"]),
        "title": 5,
        "items": [item("a"), item("b"), item("c"), {**item("d"), "type": "text"}],
        "colour": "red",
        "shape": "round",
    }
    error = invalid(city, CIVIL_ADMIN, "CreateCatalog", document)
    assert error["details"]["errors"] == [
        {"path": "catalog.colour", "message": "unknown field (not allowed here)"},
        {"path": "catalog.shape", "message": "unknown field (not allowed here)"},
        {"path": "catalog.title", "message": "5 is not of type 'object'"},
        {
            "path": "catalog.items[3].type",
            "message": "'text' is not one of ['string', 'integer', 'number', 'boolean', 'date', "
            "'datetime', 'binary', 'geometry']",
        },
    ]
    assert error["details"]["field"] == "catalog.colour"
    assert error["message"] == "catalog.colour: unknown field (not allowed here) (and 3 more)"


def test_indexes_sort_as_numbers(city: Directory) -> None:
    items = [item(f"f{i}") for i in range(12)]
    for i in (2, 10):
        items[i] = {**items[i], "sensitivity": "top"}
    error = invalid(
        city,
        CIVIL_ADMIN,
        "CreateCatalog",
        {**catalog("x-cat", "civil-affairs", ["ca-assist"]), "items": items},
    )
    assert [e["path"] for e in error["details"]["errors"]] == [
        "catalog.items[2].sensitivity",
        "catalog.items[10].sensitivity",
    ]


def test_at_most_twenty_are_listed_and_all_are_counted(city: Directory) -> None:
    items = [{**item(f"f{i}"), "type": "text"} for i in range(30)]
    document = {**catalog("x-cat", "civil-affairs", ["ca-assist"]), "items": items}
    error = invalid(city, CIVIL_ADMIN, "CreateCatalog", document)
    assert len(error["details"]["errors"]) == MAX_VIOLATIONS == 20
    assert error["details"]["errors"][19]["path"] == "catalog.items[19].type"
    assert error["message"].startswith("catalog.items[0].type: 'text' is not one of")
    assert error["message"].endswith(" (and 29 more)")


def test_no_message_echoes_more_than_about_200_characters(city: Directory) -> None:
    huge = "x" * 50_000
    for function, arg in (
        ("CreateCatalog", {**catalog("x-cat", "civil-affairs", ["ca-assist"]), "schema_hash": huge}),
        ("CreateCatalog", {**catalog("x-cat", "civil-affairs", ["ca-assist"]), "description": huge}),
        ("CreateCatalog", {**catalog("x-cat", "civil-affairs", ["ca-assist"]), huge: 1}),
        (
            "CreateCatalog",
            {**catalog("x-cat", "civil-affairs", ["ca-assist"]), "tags": [huge[:60], huge[:60]]},
        ),
        ("GetHistory", {"entity": "grant", "id": huge}),
        ("CheckAccess", {"department_id": "health", "catalog_id": "dibao", "item": [huge]}),
    ):
        error = invalid(city, HEALTH_CLIENT if function != "CreateCatalog" else CIVIL_ADMIN, function, arg)
        texts = [error["message"], *(e["path"] + e["message"] for e in error["details"]["errors"])]
        assert all(len(text) < MAX_ECHO + 150 for text in texts), (function, [len(t) for t in texts])
        assert len(json.dumps(error)) < 1500  # the value may appear in field, path and message
    error = invalid(
        city,
        CIVIL_ADMIN,
        "CreateCatalog",
        {**catalog("x-cat", "civil-affairs", ["ca-assist"]), "schema_hash": huge},
    )
    assert "x" * (MAX_ECHO - 10) + "…" in error["message"]


def test_duplicate_keys_are_named_briefly(city: Directory) -> None:
    name = "k" * 5000
    raw = json.dumps({name: 1}).replace("}", f', "{name}": 2}}').encode()
    error = invalid(city, BUREAU_ADMIN, "GetDepartment", raw)
    assert "duplicate key" in error["message"] and len(error["message"]) < MAX_ECHO + 100


def test_the_same_document_reports_the_same_error(city: Directory) -> None:
    document = {**department("Bad", "HealthMSP"), "level": "galactic", "extra": 1, "contact": {}}
    first = invalid(city, BUREAU_ADMIN, "RegisterDepartment", document)
    reordered = dict(reversed(list(document.items())))
    assert invalid(city, BUREAU_ADMIN, "RegisterDepartment", reordered) == first
    assert [e["path"] for e in first["details"]["errors"]] == [
        "department.extra",
        "department.id",
        "department.level",
        "department.contact.email",
        "department.contact.name",
        "department.contact.phone",
    ]
