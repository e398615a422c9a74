"""Fixtures shared by every suite that needs a running directory.

Defined once here so integration, browser, security and fault tests share one session network
per ledger instead of each starting its own:

* ``directory_network``: real Fabric (skipped, saying why, where its binaries are absent);
* ``embedded_network``: the embedded ledger, which every machine can run;
* ``directory``: both, one after the other, for the suites that go through the REST API only:
  the same assertions on each ledger.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localnet import LocalNetwork, fabric_unavailable_reason, running

LEDGERS = ("embedded", "fabric")


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
def directory_network(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    """One network with the directory chaincode and the gateway (no demo seed), shared by all suites."""
    with running(tmp_path_factory.mktemp("citydir-net"), "--no-seed") as net:
        yield net


@pytest.fixture(scope="session")
def embedded_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    """The gateway on the embedded ledger (no demo seed), shared by all suites."""
    with running(tmp_path_factory.mktemp("citydir-embedded"), "--no-seed", ledger="embedded") as net:
        yield net


@pytest.fixture(scope="session", params=LEDGERS)
def directory(request: pytest.FixtureRequest) -> LocalNetwork:
    """A running directory on each ledger in turn; Fabric's turn skips where Fabric is absent."""
    name = "embedded_network" if request.param == "embedded" else "directory_network"
    net: LocalNetwork = request.getfixturevalue(name)
    return net


# --- which ledger each test ran on, counted at the end of the run -----------------------------

_LEDGER_OF: dict[str, str] = {}
_OUTCOMES: dict[str, Counter[str]] = defaultdict(Counter)


def _ledger_of(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "directory" in callspec.params:
        return str(callspec.params["directory"])
    names = set(getattr(item, "fixturenames", ()))
    if names & {"fabric", "directory_network"}:
        return "fabric"
    if "embedded_network" in names or "embedded" in item.nodeid.split("::")[0]:
        return "embedded"
    return "none"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        _LEDGER_OF[item.nodeid] = _ledger_of(item)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = "xfailed" if hasattr(report, "wasxfail") else report.outcome
        _OUTCOMES[_LEDGER_OF.get(report.nodeid, "none")][outcome] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    labels = {"embedded": "on the embedded ledger", "fabric": "on Fabric", "none": "without a ledger"}
    terminalreporter.section("tests per ledger")
    for ledger in ("embedded", "fabric", "none"):
        counts = _OUTCOMES.get(ledger)
        if counts:
            text = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            terminalreporter.write_line(f"{labels[ledger]}: {text}")
