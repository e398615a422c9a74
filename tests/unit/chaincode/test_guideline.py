"""The national guideline's catalog metadata (政务信息资源目录编制指南（试行）, on GB/T 21063):
resource codes and their classification, share methods, related codes, release dates, the
basis of a catalog that is not shared, and a department's unified social credit code."""

from __future__ import annotations

from typing import Any

import pytest

from chaincode.directory.department import uscc_check_character
from network.lib.demo import uscc
from tests.unit.chaincode.helpers import (
    BUREAU_ADMIN,
    CIVIL_ADMIN,
    HEALTH_ADMIN,
    NO_SHARE_BASIS,
    Directory,
    catalog,
    department,
)

DEPT = {"kind": "department", "path": ["部门信息资源", "市卫生健康委员会"]}


def _new(catalog_id: str, **extra: Any) -> dict[str, Any]:
    return catalog(catalog_id, "health", ["hw-care"], **extra)


@pytest.mark.parametrize("code", ["1/000001", "201/000002", "301002/123456", "301002003/000001"])
def test_codes_of_every_depth_have_the_shape(city: Directory, code: str) -> None:
    depth = {1: 1, 3: 2, 6: 3, 9: 4}[len(code.split("/")[0])]
    kind = {"1": "base", "2": "theme", "3": "department"}[code[0]]
    classification = {"kind": kind, "path": ["类", "项", "目", "细目"][:depth]}
    stored = city.ok(
        HEALTH_ADMIN, "CreateCatalog", _new("coded", resource_code=code, classification=classification)
    )
    assert stored["resource_code"] == code and stored["classification"] == classification


@pytest.mark.parametrize(
    "code",
    ["4/000001", "0/000001", "12/000001", "3011/000001", "301/00001", "301/0000001", "301000001", "३/000001"],
)
def test_a_code_of_the_wrong_shape_is_refused(city: Directory, code: str) -> None:
    error = city.fail(
        HEALTH_ADMIN,
        "CreateCatalog",
        _new("coded", resource_code=code, classification=DEPT),
        "INVALID_ARGUMENT",
    )
    assert error["details"]["field"] == "catalog.resource_code"
    assert "1, 3, 6 or 9 digits" in error["message"]


def test_the_code_agrees_with_the_classification(city: Directory) -> None:
    wrong_kind = _new("coded", resource_code="101/000001", classification=DEPT)
    error = city.fail(HEALTH_ADMIN, "CreateCatalog", wrong_kind, "INVALID_ARGUMENT")
    assert "类 1" in error["message"] and "department is 类 3" in error["message"]
    too_deep = _new("coded", resource_code="301002/000001", classification=DEPT)
    error = city.fail(HEALTH_ADMIN, "CreateCatalog", too_deep, "INVALID_ARGUMENT")
    assert "3-level code" in error["message"] and "2 level(s)" in error["message"]
    error = city.fail(
        HEALTH_ADMIN, "CreateCatalog", _new("coded", resource_code="301/000001"), "INVALID_ARGUMENT"
    )
    assert error["details"]["field"] == "catalog.classification"
    bad_path = _new("coded", classification={"kind": "theme", "path": []})
    city.fail(HEALTH_ADMIN, "CreateCatalog", bad_path, "INVALID_ARGUMENT")
    five = _new("coded", classification={"kind": "theme", "path": ["a", "b", "c", "d", "e"]})
    city.fail(HEALTH_ADMIN, "CreateCatalog", five, "INVALID_ARGUMENT")
    # A classification alone is fine, and an update is checked on the merged catalog.
    city.ok(HEALTH_ADMIN, "CreateCatalog", _new("coded", classification=DEPT))
    city.fail(HEALTH_ADMIN, "UpdateCatalog", {"id": "coded", "resource_code": "3/000001"}, "INVALID_ARGUMENT")
    assert (
        city.ok(HEALTH_ADMIN, "UpdateCatalog", {"id": "coded", "resource_code": "301/000001"})["version"] == 2
    )


def test_a_resource_code_is_one_catalogs(city: Directory) -> None:
    city.ok(HEALTH_ADMIN, "CreateCatalog", _new("first", resource_code="301/000001", classification=DEPT))
    error = city.fail(
        HEALTH_ADMIN,
        "CreateCatalog",
        _new("second", resource_code="301/000001", classification=DEPT),
        "CONFLICT",
    )
    assert error["details"] == {
        "field": "catalog.resource_code",
        "id": "first",
        "resource_code": "301/000001",
    }
    city.ok(HEALTH_ADMIN, "CreateCatalog", _new("second", resource_code="301/000002", classification=DEPT))
    city.fail(HEALTH_ADMIN, "UpdateCatalog", {"id": "second", "resource_code": "301/000001"}, "CONFLICT")
    # Its own code again is no conflict; a freed code may be claimed.
    city.ok(HEALTH_ADMIN, "UpdateCatalog", {"id": "first", "resource_code": "301/000001", "format": "CSV"})
    city.ok(HEALTH_ADMIN, "UpdateCatalog", {"id": "first", "resource_code": "301/000003"})
    city.ok(HEALTH_ADMIN, "UpdateCatalog", {"id": "second", "resource_code": "301/000001"})
    batch = [_new(f"b{n}", resource_code="301/000009", classification=DEPT) for n in (1, 2)]
    error = city.fail(HEALTH_ADMIN, "CreateCatalogs", {"catalogs": batch}, "CONFLICT")
    assert error["details"]["field"] == "catalogs[1].resource_code"
    # Looked up by code: ListCatalogs' resource_code filter.
    found = city.read("ListCatalogs", {"resource_code": "301/000001"})
    assert [c["id"] for c in found["items"]] == ["second"]
    assert city.read("ListCatalogs", {"resource_code": "301/000001", "status": "published"})["items"] == []
    assert city.read("ListCatalogs", {"resource_code": "301/000404"})["items"] == []


def test_related_codes(city: Directory) -> None:
    related = ["101/000001", "2/000007"]
    stored = city.ok(HEALTH_ADMIN, "CreateCatalog", _new("rel", related_codes=related))
    assert stored["related_codes"] == related
    for bad in (["101/000001", "101/000001"], ["1234/000001"], [f"1/{n:06d}" for n in range(51)]):
        error = city.fail(HEALTH_ADMIN, "CreateCatalog", _new("rel2", related_codes=bad), "INVALID_ARGUMENT")
        assert error["details"]["field"].startswith("catalog.related_codes")
    own = _new("rel2", resource_code="301/000005", classification=DEPT, related_codes=["301/000005"])
    error = city.fail(HEALTH_ADMIN, "CreateCatalog", own, "INVALID_ARGUMENT")
    assert "own resource code" in error["message"]


def test_share_method_and_release_date(city: Directory) -> None:
    stored = city.ok(
        HEALTH_ADMIN, "CreateCatalog", _new("method", share_method="online_query", released_at="2026-06-30")
    )
    assert (stored["share_method"], stored["released_at"]) == ("online_query", "2026-06-30")
    city.fail(HEALTH_ADMIN, "CreateCatalog", _new("method-2", share_method="email"), "INVALID_ARGUMENT")
    for bad in ("2026-6-30", "30/06/2026", "2026-02-30"):
        error = city.fail(
            HEALTH_ADMIN, "CreateCatalog", _new("method-2", released_at=bad), "INVALID_ARGUMENT"
        )
        assert error["details"]["field"] == "catalog.released_at"


def test_not_shared_needs_its_basis(city: Directory) -> None:
    bare = {k: v for k, v in _new("secret", share="none").items() if k != "no_share_basis"}
    error = city.fail(HEALTH_ADMIN, "CreateCatalog", bare, "INVALID_ARGUMENT")
    assert error["message"].startswith(
        "catalog.no_share_basis: a catalog that is not shared (share_type none)"
    )
    for blank in (None, "", "   "):
        city.fail(HEALTH_ADMIN, "CreateCatalog", {**bare, "no_share_basis": blank}, "INVALID_ARGUMENT")
    stored = city.ok(HEALTH_ADMIN, "CreateCatalog", {**bare, "no_share_basis": NO_SHARE_BASIS})
    assert stored["no_share_basis"] == NO_SHARE_BASIS
    # Only a catalog that is not shared states a basis; moving away from none clears it.
    error = city.fail(HEALTH_ADMIN, "CreateCatalog", _new("shared", no_share_basis="x"), "INVALID_ARGUMENT")
    assert "only a catalog that is not shared" in error["message"]
    city.fail(
        HEALTH_ADMIN, "UpdateCatalog", {"id": "secret", "share_type": "unconditional"}, "INVALID_ARGUMENT"
    )
    changed = {"id": "secret", "share_type": "unconditional", "no_share_basis": None}
    assert city.ok(HEALTH_ADMIN, "UpdateCatalog", changed)["no_share_basis"] is None
    city.fail(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "share_type": "none"}, "INVALID_ARGUMENT")
    city.ok(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "share_type": "none", "no_share_basis": NO_SHARE_BASIS}
    )


def test_an_existing_catalog_without_the_fields_still_updates(city: Directory) -> None:
    """Catalogs stored before the fields existed lack their keys; an update fills the defaults."""
    stored = city.state("catalog", "beds")
    assert stored["resource_code"] is None and stored["related_codes"] == []
    updated = city.ok(HEALTH_ADMIN, "UpdateCatalog", {"id": "beds", "format": "CSV"})
    assert updated["classification"] is None and updated["share_method"] is None


VALID_USCC = ["91350100M000100Y43", "91110000600037341L", uscc("11110000000000001")]


@pytest.mark.parametrize("code", VALID_USCC)
def test_a_valid_provider_code(city: Directory, code: str) -> None:
    stored = city.ok(BUREAU_ADMIN, "RegisterDepartment", department("coded", "HealthMSP", provider_code=code))
    assert stored["provider_code"] == code
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("position", [0, 5, 12, 17])
def test_a_provider_code_one_character_off_is_refused(city: Directory, position: int) -> None:
    code = VALID_USCC[0]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    replacement = next(
        c for c in alphabet if c != code[position] and (position not in range(2, 8) or c.isdigit())
    )
    off = code[:position] + replacement + code[position + 1 :]
    error = city.fail(
        BUREAU_ADMIN,
        "RegisterDepartment",
        department("coded", "HealthMSP", provider_code=off),
        "INVALID_ARGUMENT",
    )
    assert error["details"]["field"] == "department.provider_code"
    assert "GB 32100" in error["message"]
    city.fail(BUREAU_ADMIN, "UpdateDepartment", {"id": "health", "provider_code": off}, "INVALID_ARGUMENT")
    city.ok(BUREAU_ADMIN, "UpdateDepartment", {"id": "health", "provider_code": code})


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y4",
        "91350100M000100Y43X",
        "9135010OM000100Y43",
        "91350A00M000100Y43",
        "91350100m000100y43",
    ],
)
def test_a_provider_code_of_the_wrong_shape_is_refused(city: Directory, code: str) -> None:
    error = city.fail(
        BUREAU_ADMIN,
        "RegisterDepartment",
        department("coded", "HealthMSP", provider_code=code),
        "INVALID_ARGUMENT",
    )
    assert error["details"]["field"] == "department.provider_code"
    assert "a unified social credit code is 18 characters" in error["message"]
