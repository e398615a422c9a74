"""Parsing each format, validation errors with row and column, packing under 64 KiB,
idempotence decisions, resuming after an interruption, and round-trips."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chaincode.interface import MAX_ARGUMENT_BYTES, MAX_BATCH_CATALOGS
from gateway.imports import columns as cols
from gateway.imports.engine import ImportFailure, batches, encoded_size, execute, validate
from gateway.imports.formats import RowError, content, parse, write

DEPT = "health"
RESP = "health-resp"


def catalog(n: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"cat-{n:04d}",
        "department_id": DEPT,
        "responsibility_ids": [RESP],
        "title": {"zh": f"目录{n}", "en": f"Catalog {n}"},
        "description": 'a; b, "quoted"\nsecond line',
        "items": [
            {"name": "person_id", "title": "身份证号", "type": "string", "sensitivity": "confidential"},
            {
                "name": "amount",
                "title": "金额",
                "type": "number",
                "sensitivity": "internal",
                "description": "元",
            },
        ],
        "share_type": "conditional",
        "share_conditions": "statutory checks only",
        "open_type": "none",
        "update_frequency": "monthly",
        "tags": ["a;b", "c\\d", "社保"],
    }
    body.update(extra)
    return body


class FakeDirectory:
    def __init__(self, fail_after: int | None = None) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.transactions: list[tuple[str, Any]] = []
        self.fail_after = fail_after

    def department(self, department_id: str) -> dict[str, Any] | None:
        return {"id": department_id} if department_id == DEPT else None

    def responsibility(self, responsibility_id: str) -> dict[str, Any] | None:
        return {"id": responsibility_id, "department_id": DEPT} if responsibility_id == RESP else None

    def catalogs(self, department_id: str) -> list[dict[str, Any]]:
        return [c for c in self.stored.values() if c["department_id"] == department_id]

    def _tx(self, what: str, arg: Any) -> str:
        if self.fail_after is not None and len(self.transactions) >= self.fail_after:
            raise ImportFailure("interrupted", "UNAVAILABLE")
        self.transactions.append((what, arg))
        return f"tx{len(self.transactions)}"

    def create_catalogs(self, catalogs: list[dict[str, Any]]) -> str:
        assert encoded_size({"catalogs": catalogs}) <= MAX_ARGUMENT_BYTES
        tx = self._tx("create", catalogs)
        for c in catalogs:  # as the chaincode stores it: defaults and metadata added
            self.stored[c["id"]] = {
                "description": "",
                "share_conditions": None,
                "format": "",
                "source_system": "",
                "endpoint": None,
                "schema_hash": None,
                "tags": [],
                **json.loads(json.dumps(c)),
                "items": [{"description": "", **i} for i in c["items"]],
                "status": "draft",
                "version": 1,
                "ledger": {"tx_id": tx, "timestamp": "t"},
            }
        return tx

    def update_catalog(self, patch: dict[str, Any]) -> str:
        tx = self._tx("update", patch)
        current = self.stored[patch["id"]]
        current.update(patch)
        current["version"] += 1
        return tx


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_each_format_round_trips(fmt: str) -> None:
    catalogs = [catalog(1), catalog(2, share_type="unconditional", share_conditions=None)]
    parsed = parse(write(catalogs, fmt), fmt)
    assert parsed.errors == []
    assert parsed.catalogs == [content(c) for c in catalogs]
    assert validate(parsed, DEPT) == []


def test_csv_columns_follow_the_schema() -> None:
    header = cols.header()
    assert header[0] == "id" and {"title_zh", "title_en", "tags", "item_name", "item_sensitivity"} <= set(
        header
    )
    assert "title" not in header and "items" not in header and "status" not in header
    rows = write([catalog(1)], "csv").decode().splitlines()
    assert rows[0] == ",".join(header)
    assert len(parse(write([catalog(1)], "csv"), "csv").entries[0].item_rows) == 2


def test_continuation_rows_may_leave_catalog_columns_empty() -> None:
    text = write([catalog(1)], "csv").decode().split("\r\n")
    header = text[0].split(",")
    second = ["" for _ in header]
    second[0] = "cat-0001"
    for name, value in (
        ("item_name", "extra"),
        ("item_title", "x"),
        ("item_type", "string"),
        ("item_sensitivity", "public"),
    ):
        second[header.index(name)] = value
    parsed = parse(("\r\n".join(text[:-1]) + "\r\n" + ",".join(second) + "\r\n").encode(), "csv")
    assert parsed.errors == [] and len(parsed.catalogs[0]["items"]) == 3


def _csv(catalogs: list[dict[str, Any]]) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(write(catalogs, "csv").decode())))


def _bytes(rows: list[list[str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_every_error_names_its_row_and_column() -> None:
    rows = _csv([catalog(1), catalog(2), catalog(3)])
    h = rows[0]
    rows[1][h.index("share_type")] = "sometimes"  # schema: enum (row 2)
    rows[4][h.index("item_type")] = "colour"  # schema, an item (row 5: cat 2's 2nd item)
    rows[2][h.index("title_en")] = "other"  # cross-row: disagrees with row 2
    rows[6][h.index("item_name")] = "person_id"  # duplicate item name (row 7)
    rows[5][h.index("department_id")] = "transport"  # department mismatch (row 6)
    rows.append(list(rows[2]))  # cat-0001 again, after other catalogs (row 8)
    errors = validate(parse(_bytes(rows), "csv"), DEPT)
    found = {(e.row, e.column) for e in errors}
    assert (2, "share_type") in found
    assert (5, "item_type") in found
    assert (3, "title_en") in found
    assert (7, "item_name") in found
    assert (6, "department_id") in found
    assert (8, "id") in found
    assert all(e.message for e in errors)


def test_unknown_columns_missing_fields_and_bad_json() -> None:
    rows = _csv([catalog(1)])
    rows[0].append("colour")
    for r in rows[1:]:
        r.append("blue")
    rows[1][rows[0].index("title_zh")] = ""
    rows[2][rows[0].index("title_zh")] = ""
    errors = validate(parse(_bytes(rows), "csv"), DEPT)
    assert RowError(1, "colour", "unknown column (not a field of a catalog)") in errors
    assert any(e.row == 2 and e.column == "title_zh" for e in errors)
    bad = validate(parse(json.dumps([catalog(1, open_type=5)]).encode(), "json"), DEPT)
    assert [(e.row, e.column) for e in bad] == [(1, "open_type")]
    assert parse(b"{", "json").errors[0].row == 1


def test_batches_pack_under_the_argument_limit() -> None:
    big = [catalog(n, description="長" * 3000) for n in range(300)]
    packed = list(batches(big))
    assert sum(len(b) for b in packed) == 300
    assert all(encoded_size({"catalogs": b}) <= MAX_ARGUMENT_BYTES for b in packed)
    assert all(len(b) <= MAX_BATCH_CATALOGS for b in packed)
    small = list(batches([catalog(n) for n in range(250)]))
    assert len(small[0]) == MAX_BATCH_CATALOGS


def test_idempotence_skip_conflict_update() -> None:
    directory = FakeDirectory()
    data = write([catalog(n) for n in range(5)], "csv")
    first = execute(parse(data, "csv"), DEPT, directory)
    assert first["status"] == "done" and first["created"] == 5 and first["transactions"] == 1
    again = execute(parse(data, "csv"), DEPT, directory)
    assert again["status"] == "done" and again["skipped"] == 5 and again["transactions"] == 0
    changed = write([catalog(n, description="new") for n in range(5)], "csv")
    refused = execute(parse(changed, "csv"), DEPT, directory)
    assert refused["status"] == "invalid" and len(refused["errors"]) == 5
    assert refused["errors"][0]["column"] == "description" and "--update" in refused["errors"][0]["message"]
    assert len(directory.transactions) == 1
    updated = execute(parse(changed, "csv"), DEPT, directory, update=True)
    assert updated["updated"] == 5 and directory.transactions[-1][1] == {
        "id": "cat-0004",
        "description": "new",
    }
    cleared = write([catalog(0, tags=[])], "csv")
    execute(parse(cleared, "csv"), DEPT, directory, update=True)
    assert directory.transactions[-1][1]["tags"] == [] and directory.stored["cat-0000"]["tags"] == []


def test_a_bad_row_writes_nothing_and_ledger_checks_count() -> None:
    directory = FakeDirectory()
    rows = _csv([catalog(n) for n in range(3)])
    rows[3][rows[0].index("responsibility_ids")] = "other-resp"
    rows[4][rows[0].index("responsibility_ids")] = ""  # inherits row 4's
    result = execute(parse(_bytes(rows), "csv"), DEPT, directory)
    assert result["status"] == "invalid" and directory.transactions == []
    assert result["errors"] == [
        {"row": 4, "column": "responsibility_ids", "message": "responsibility other-resp does not exist"}
    ]
    assert execute(parse(write([catalog(1)], "csv"), "csv"), "nope", directory)["status"] == "invalid"


def test_an_interrupted_import_resumes_where_it_stopped() -> None:
    directory = FakeDirectory(fail_after=1)
    data = write([catalog(n) for n in range(250)], "csv")
    broken = execute(parse(data, "csv"), DEPT, directory)
    assert broken["status"] == "failed" and broken["created"] == MAX_BATCH_CATALOGS
    directory.fail_after = None
    resumed = execute(parse(data, "csv"), DEPT, directory)
    assert resumed["status"] == "done" and resumed["skipped"] == MAX_BATCH_CATALOGS
    assert resumed["created"] == 150 and len(directory.stored) == 250


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_then_import_is_all_identical(fmt: str) -> None:
    directory = FakeDirectory()
    execute(parse(write([catalog(n) for n in range(3)], "csv"), "csv"), DEPT, directory)
    exported = (
        list(directory.stored.values()) if fmt == "json" else [content(c) for c in directory.stored.values()]
    )
    parsed = parse(write(exported, fmt), fmt)
    assert parsed.catalogs == [content(c) for c in directory.stored.values()]
    dry = execute(parsed, DEPT, directory, dry_run=True)
    assert dry["status"] == "dry-run" and dry["skipped"] == 3 and dry["plan"]["create"] == 0


def test_list_cells_escape_the_separator() -> None:
    assert cols.split_list(cols.join_list(["a;b", "c\\d", "e"])) == ["a;b", "c\\d", "e"]
    assert cols.split_list(" x ; y ;; ") == ["x", "y"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_national_guideline_fields_are_columns_when_the_interface_has_them(fmt: str) -> None:
    fields = cols.content_fields()
    if not {"classification", "related_codes", "no_share_basis"} <= set(fields):
        pytest.skip("the interface has no national-guideline fields")
    assert {"classification_kind", "classification_path", "related_codes", "no_share_basis"} <= set(
        cols.header()
    )
    extra = {
        "share_type": "none",
        "share_conditions": None,
        "no_share_basis": "《政务数据共享条例》第十条",
        "classification": {"kind": "base", "path": ["人口", "户籍"]},
        "related_codes": ["1/000001", "2/000002"],
        "resource_code": "1/000003",
    }
    one = catalog(9, **{k: v for k, v in extra.items() if k in fields})
    parsed = parse(write([one], fmt), fmt)
    assert parsed.catalogs == [content(one)] and validate(parsed, DEPT) == []
    missing = catalog(8, **{k: v for k, v in extra.items() if k in fields and k != "no_share_basis"})
    errors = validate(parse(write([missing], fmt), fmt), DEPT)
    assert [e.column for e in errors] == ["no_share_basis"]
