"""How many messages the contract's hot operations cost on the peer-driven path.

Each message to the peer is a gRPC round trip that costs the Python chaincode server more CPU
than the contract's own work, so the counts are part of the contract's performance. Counted on
the shim's real path (run_transaction, PeerStub) against bench.chaincode_cpu's in-process peer.
"""

from __future__ import annotations

import pytest

from bench.chaincode_cpu import DEPARTMENT, Bench, catalog, setup
from chaincode.shim.stub import PeerFeatures

OFFERED = PeerFeatures(write_batch=1000, get_multiple=1000)


def messages_of(bench: Bench, who: bytes, function: str, arg: dict[str, object]) -> dict[str, int]:
    bench.messages = {}
    bench.run("shim", who, function, arg)
    return dict(bench.messages)


@pytest.fixture
def bench() -> Bench:
    b = Bench(OFFERED)
    setup(b, 60, 0)
    return b


def test_a_create_reads_once_and_writes_once(bench: Bench) -> None:
    sent = messages_of(bench, bench.health_admin, "CreateCatalog", catalog("bench-new-000001", 3))
    assert sent == {"GET_STATE_MULTIPLE": 1, "WRITE_BATCH_STATE": 1}


def test_an_update_reads_the_catalog_then_what_it_checks(bench: Bench) -> None:
    sent = messages_of(
        bench, bench.health_admin, "UpdateCatalog", {"id": "bench-cpu-00001", "description": "x"}
    )
    # The catalog names its department; the policy is compared, never blindly re-set.
    assert sent == {"GET_STATE": 1, "GET_STATE_MULTIPLE": 1, "GET_STATE_METADATA": 1, "WRITE_BATCH_STATE": 1}


def test_a_department_filtered_page_is_one_scan_and_one_multi_read(bench: Bench) -> None:
    sent = messages_of(
        bench, bench.health_client, "ListCatalogs", {"department_id": DEPARTMENT, "page_size": 50}
    )
    assert sent == {"GET_STATE_BY_RANGE": 1, "GET_STATE_MULTIPLE": 1}


def test_without_the_peers_offer_the_same_calls_go_one_by_one() -> None:
    b = Bench(PeerFeatures())
    setup(b, 3, 0)
    sent = messages_of(b, b.health_admin, "CreateCatalog", catalog("bench-new-000001", 3))
    assert "WRITE_BATCH_STATE" not in sent and "GET_STATE_MULTIPLE" not in sent
    assert sent["GET_STATE"] == 4 and sent["PUT_STATE"] == sent["PUT_STATE_METADATA"] > 1
