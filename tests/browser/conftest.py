"""Browser tests drive the admin web page with Debian's Chromium through Playwright.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium``. Without that binary
or the ``playwright`` package the tests are skipped, loudly (``CITYDIR_REQUIRE_BROWSER=1`` makes that
a failure). The network comes from the shared fixtures in tests/conftest.py.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def browser_unavailable_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return (
            "the `playwright` Python package is not installed "
            "(.venv/bin/pip install playwright; never `playwright install`)"
        )
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (apt-get install -y chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Only the tests that need a real network are integration tests; the blueprint checks are not.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and "directory" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Chromium under Playwright; requested before the network so a missing browser skips at once."""
    reason = browser_unavailable_reason()
    if reason is not None:
        message = f"!!! BROWSER TESTS SKIPPED: {reason}"
        if os.environ.get("CITYDIR_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots go to tests/artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
