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
