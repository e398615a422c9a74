"""One real Fabric network for the growth suites: a gateway per org (``up --gateway-per-org``),
into which test_add_org.py brings a fourth org. Skipped, saying why, where Fabric is absent
(the ``fabric`` fixture of tests/conftest.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.integration.localnet import LocalNetwork, running
from tests.integration.rest import Api, Reply


# Package scope: torn down after the last growth test, not kept up while the other suites run.
@pytest.fixture(scope="package")
def per_org_network(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    with running(tmp_path_factory.mktemp("citydir-growth"), "--gateway-per-org", "--no-seed") as net:
        yield net


@dataclass(frozen=True)
class OrgGateway:
    """One org's own gateway and the tokens it issued (only that org's)."""

    index: int
    msp_id: str
    label: str
    api: Api

    def call(self, reply: Reply, status: int = 200) -> Reply:
        assert reply.status == status, reply
        return reply


def org_gateways(net: LocalNetwork) -> dict[str, OrgGateway]:
    """Every org's gateway, by MSP id, as the network's layout now has them."""
    layout = net.layout
    out = {}
    for o, org in enumerate(layout.orgs):
        tokens = json.loads((layout.gateway_dir(o) / "tokens.json").read_text(encoding="utf-8"))
        api = Api(f"http://127.0.0.1:{layout.gateway_port(o)}", tokens, default=(org.msp_id, "admin"))
        out[org.msp_id] = OrgGateway(o, org.msp_id, org.label, api)
    return out


def settle(net: LocalNetwork, timeout: float = 30.0) -> int:
    """Wait until every peer has the same height (each gateway's /readyz shows its own peers)."""
    deadline = time.monotonic() + timeout
    heights: list[int | None] = []
    while time.monotonic() < deadline:
        heights = []
        for gw in org_gateways(net).values():
            reply = gw.api.get("/readyz", auth=False)
            heights += [p.get("height") for p in (reply.json or {}).get("peers", [])]
        if heights and None not in heights and len(set(heights)) == 1:
            return int(heights[0] or 0)
        time.sleep(0.2)
    raise AssertionError(f"the peers did not reach one height within {timeout}s: {heights}")
