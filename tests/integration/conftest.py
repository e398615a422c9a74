"""Integration tests run against real Fabric networks that the tests start themselves.

The network fixtures (`fabric`, `directory_network`) live in tests/conftest.py, shared by
every suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.localnet import LocalNetwork
from tests.integration.rest import Api


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def api(directory: LocalNetwork) -> Api:
    """The REST API of the directory under test (each ledger), one client per module."""
    return Api.for_network(directory)
