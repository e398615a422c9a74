"""Fixtures shared by every suite that needs a real Fabric network.

Defined once here so integration, browser, security and fault tests share one session
network instead of each starting its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.fabricnet import FabricNetwork, fabric_unavailable_reason, free_base_port


@pytest.fixture(scope="session")
def fabric() -> None:
    """Real Fabric binaries, or a loud skip (a failure with CITYDIR_REQUIRE_FABRIC=1)."""
    reason = fabric_unavailable_reason()
    if reason is None:
        return
    message = f"Fabric v3.1.5 binaries are not available, so no real network can run: {reason}"
    if os.environ.get("CITYDIR_REQUIRE_FABRIC") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def directory_network(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FabricNetwork]:
    """One network with the directory chaincode and the gateway (no demo seed), shared by all suites."""
    net = FabricNetwork(tmp_path_factory.mktemp("citydir-net"), free_base_port())
    try:
        net.up("--no-seed")
        yield net
    finally:
        net.remove()
