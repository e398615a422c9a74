"""The demo directory (network/demo/directory.yaml) loads through ordinary transactions, every one
of them accepted."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from network.lib.demo import seed_transactions
from tests.unit.memstub import MemoryLedger, identity


def _load() -> MemoryLedger:
    ledger = MemoryLedger()
    for number, (msp, role, function, argument) in enumerate(seed_transactions()):
        response, _ = ledger.invoke(identity(msp, role), function, argument)
        assert response.status == 200, f"seed tx {number} {function}: {response.message}"
    return ledger


def _entities(ledger: MemoryLedger, kind: str) -> list[dict[str, Any]]:
    prefix = f"\x00{kind}\x00"
    return [json.loads(v) for k, v in ledger.state.items() if k.startswith(prefix)]


def test_seed_replays_and_covers_every_state() -> None:
    ledger = _load()
    departments = _entities(ledger, "department")
    assert len(departments) == 10
    assert Counter(d["level"] for d in departments) == {"municipal": 7, "district": 2, "subdistrict": 1}
    assert sum(d["msp_id"] == "DataBureauMSP" for d in departments) == 5  # the bureau and 4 hosted

    catalogs = _entities(ledger, "catalog")
    assert len(catalogs) >= 30
    statuses = Counter(c["status"] for c in catalogs)
    assert statuses["deprecated"] == 1 and statuses["draft"] == 1 and statuses["published"] >= 28
    assert set(Counter(c["share_type"] for c in catalogs)) == {"unconditional", "conditional", "none"}
    assert any(c["title"]["zh"] == "最低生活保障对象信息" for c in catalogs)

    requests = _entities(ledger, "request")
    assert set(r["status"] for r in requests) == {"pending", "approved", "rejected", "withdrawn"}
    assert any(r["decision"] and r["decision"]["by"]["role"] == "policy" for r in requests)
    grants = _entities(ledger, "grant")
    assert {g["status"] for g in grants} == {"active", "revoked"}
    assert len(_entities(ledger, "usage")) == 2


def test_the_demo_carries_the_guideline_metadata() -> None:
    """Every demo department has a valid 统一社会信用代码 (the contract checked it) and every demo
    catalog a resource code agreeing with its classification, a share method and a release date;
    those not shared state their basis."""
    from chaincode.directory.department import uscc_check_character

    ledger = _load()
    departments = _entities(ledger, "department")
    codes = [d["provider_code"] for d in departments]
    assert all(code and uscc_check_character(code[:17]) == code[17] for code in codes)
    assert len(set(codes)) == len(codes)
    catalogs = _entities(ledger, "catalog")
    resource_codes = [c["resource_code"] for c in catalogs]
    assert all(resource_codes) and len(set(resource_codes)) == len(resource_codes)
    for c in catalogs:
        assert c["classification"]["kind"] == "department" and len(c["classification"]["path"]) == 2
        assert c["resource_code"].startswith("3") and len(c["resource_code"]) == 10
        assert c["share_method"] in {"interface", "file_download", "online_query", "exchange"}
        assert c["released_at"] == "2026-06-30"
        assert bool(c["no_share_basis"]) == (c["share_type"] == "none")
    assert any(c["related_codes"] for c in catalogs)
    assert {r for c in catalogs for r in c["related_codes"]} <= set(resource_codes)
