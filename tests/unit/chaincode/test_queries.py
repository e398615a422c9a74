"""Rule 14: paged lists cost a page, walk every entry once, and refuse foreign bookmarks; history."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from chaincode.shim.api import KeyModification

from .helpers import BUREAU_ADMIN, CIVIL, HEALTH, HEALTH_ADMIN, Directory, department, key


def _register_many(directory: Directory, count: int) -> list[str]:
    ids = [f"dept-{n:02d}" for n in range(count)]
    for n, dept_id in enumerate(ids):
        directory.ok(BUREAU_ADMIN, "RegisterDepartment", department(dept_id, CIVIL if n % 3 else HEALTH))
    return ids


def _walk(directory: Directory, query: dict[str, Any], page_size: int) -> list[str]:
    seen: list[str] = []
    bookmark = ""
    for _ in range(100):
        page = directory.read(
            "ListDepartments",
            {**query, "page_size": page_size, **({"bookmark": bookmark} if bookmark else {})},
        )
        assert page["count"] == len(page["items"]) <= page_size
        # The stub was asked for one page of one prefix: cost follows the page, not the directory.
        queries = directory.last.queries
        assert len(queries) == 1 and queries[0].page_size == page_size and queries[0].returned <= page_size
        assert len(directory.last.reads) <= page_size
        seen += [d["id"] for d in page["items"]]
        bookmark = page["bookmark"]
        if not bookmark:
            return seen
    raise AssertionError("pagination did not end")


def test_pages_walk_everything_once(directory: Directory) -> None:
    ids = _register_many(directory, 23)
    for size in (1, 5, 7, 23, 200):
        seen = _walk(directory, {}, size)
        assert seen == ids and len(set(seen)) == len(seen)


def test_filtered_pages_touch_only_their_prefix(directory: Directory) -> None:
    ids = _register_many(directory, 23)
    directory.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "dept-01", "reason": "review"})
    civil = [d for n, d in enumerate(ids) if n % 3]
    # Index order: status, then id; the suspended department comes after the active ones.
    assert _walk(directory, {"msp_id": CIVIL}, 4) == [d for d in civil if d != "dept-01"] + ["dept-01"]
    active_civil = _walk(directory, {"msp_id": CIVIL, "status": "active"}, 4)
    assert active_civil == [d for d in civil if d != "dept-01"]
    page = directory.read("ListDepartments", {"msp_id": CIVIL, "status": "active", "page_size": 4})
    assert directory.last.queries[0].start == key("dept~msp", CIVIL, "active")
    assert directory.last.queries[0].returned == 4 and page["bookmark"]
    assert _walk(directory, {"status": "suspended"}, 3) == ["dept-01"]


def test_default_and_bounds_of_page_size(directory: Directory) -> None:
    _register_many(directory, 3)
    directory.read("ListDepartments", {})
    assert directory.last.queries[0].page_size == 50
    for size in (0, 201, -1, "10"):
        error = directory.fail(BUREAU_ADMIN, "ListDepartments", {"page_size": size}, "INVALID_ARGUMENT")
        assert error["details"]["field"] == "query.page_size"


def test_bookmarks_are_opaque_and_bound_to_their_query(directory: Directory) -> None:
    _register_many(directory, 6)
    page = directory.read("ListDepartments", {"msp_id": CIVIL, "page_size": 1})
    assert "\x00" not in page["bookmark"] and page["bookmark"].isascii()
    error = directory.fail(
        BUREAU_ADMIN, "ListDepartments", {"msp_id": HEALTH, "bookmark": page["bookmark"]}, "INVALID_ARGUMENT"
    )
    assert error["details"] == {"field": "bookmark"}
    directory.fail(BUREAU_ADMIN, "ListDepartments", {"bookmark": page["bookmark"]}, "INVALID_ARGUMENT")
    forged = base64.urlsafe_b64encode(key("department", "dept-00").encode()).decode().rstrip("=")
    directory.fail(BUREAU_ADMIN, "ListDepartments", {"msp_id": CIVIL, "bookmark": forged}, "INVALID_ARGUMENT")
    directory.fail(BUREAU_ADMIN, "ListDepartments", {"bookmark": "!!not base64!!"}, "INVALID_ARGUMENT")
    # The same bookmark resumes its own query.
    resumed = directory.read(
        "ListDepartments", {"msp_id": CIVIL, "page_size": 1, "bookmark": page["bookmark"]}
    )
    assert resumed["items"][0]["id"] != page["items"][0]["id"]


def test_history_lists_every_version_newest_first(directory: Directory) -> None:
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    first_tx = directory.last.tx_id
    directory.ok(BUREAU_ADMIN, "UpdateDepartment", {"id": "health", "level": "district"})
    directory.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "audit"})
    last_tx = directory.last.tx_id
    history = directory.read("GetHistory", {"entity": "department", "id": "health"})
    assert [h["value"]["version"] for h in history] == [3, 2, 1]
    assert history[0]["tx_id"] == last_tx and history[-1]["tx_id"] == first_tx
    assert history[0]["value"]["status"] == "suspended" and history[0]["is_delete"] is False
    assert history[0]["timestamp"] == history[0]["value"]["ledger"]["timestamp"]
    assert history[0]["timestamp"] > history[1]["timestamp"] > history[2]["timestamp"]
    directory.fail(BUREAU_ADMIN, "GetHistory", {"entity": "department", "id": "ghost"}, "NOT_FOUND")
    directory.fail(BUREAU_ADMIN, "GetHistory", {"entity": "person", "id": "health"}, "INVALID_ARGUMENT")


def test_history_reports_deletes_as_null(directory: Directory) -> None:
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    entity_key = key("department", "health")
    directory.ledger.history[entity_key].append(KeyModification("tx-del", directory.now, b"", True))
    history = directory.read("GetHistory", {"entity": "department", "id": "health"})
    assert history[0] == {
        "tx_id": "tx-del",
        "timestamp": history[0]["timestamp"],
        "value": None,
        "is_delete": True,
    }
    assert json.dumps(history)  # plain JSON


@pytest.mark.parametrize("function", ["GetGrant", "GetHistory"])
def test_grant_ids_are_accepted_where_documented(city: Directory, function: str) -> None:
    argument = {"id": "grant-req-x"} if function == "GetGrant" else {"entity": "grant", "id": "grant-req-x"}
    city.fail(HEALTH_ADMIN, function, argument, "NOT_FOUND")
