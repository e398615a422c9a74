"""Schemathesis against the live gateway's own ``/openapi.json``, on a real network.

A bounded run as the data bureau's admin (the most capable identity): for every operation one
valid and one invalid generated request, two valid ones for writes (about 95 requests in all).
No answer may be a 5xx, every error is the API's JSON error shape, and a refused write (4xx on
POST/PATCH) must leave the channel height unchanged. ``/events`` is left out: it streams for
minutes by design (``test_rest_api`` covers it).

Operations are listed from the gateway's route table (the same table ``/openapi.json`` is built
from), so each is its own test item; the live document must list exactly these.
(``schemathesis.pytest.from_fixture`` is not used: schemathesis 4.32 sets ``Node._nodeid``,
which pytest 9.2 no longer has.)
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.generation import GenerationMode

from gateway.api import ROUTES  # the API package's route table, filled as it is imported
from tests.integration.localnet import LocalNetwork
from tests.integration.rest import BUREAU, Api

STREAMING = "/api/v1/events"
OPERATIONS = sorted(
    {(r.method, r.openapi_path) for r in ROUTES if r.path != STREAMING}, key=lambda o: (o[1], o[0])
)
WRITES = {(r.method, r.openapi_path) for r in ROUTES if r.writes}
# Per ledger: each runs the whole plan.
OUTCOMES: defaultdict[str, Counter[tuple[str, int]]] = defaultdict(Counter)


@pytest.fixture(scope="module")
def fuzz_api(directory: LocalNetwork) -> Api:
    return Api.for_network(directory)


@pytest.fixture(scope="module")
def live_schema(directory: LocalNetwork) -> Any:
    config = schemathesis.Config.from_dict(
        {
            "phases": {"coverage": {"enabled": False}, "examples": {"enabled": False}},
            # Invalid input, yes; but always with the valid token (401s are test_rest_api's).
            "generation": {"with-security-parameters": False},
        }
    )
    return schemathesis.openapi.from_url(f"{directory.gateway_url()}/api/v1/openapi.json", config=config)


def test_the_live_document_lists_the_route_table(fuzz_api: Api, live_schema: Any) -> None:
    doc = fuzz_api.get("/openapi.json", auth=False).json
    live = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    assert live == {*OPERATIONS, ("GET", STREAMING)}
    assert all(live_schema[path][method] for method, path in OPERATIONS)


def exercise(case: Any, api: Api, write: bool) -> None:
    before = api.settled_height() if write else None
    response = case.call(headers={"Authorization": f"Bearer {api.token(BUREAU, 'admin')}"}, timeout=120)
    label = f"{case.method.upper()} {case.formatted_path}"
    OUTCOMES[api.ledger][(f"{case.method.upper()} {case.operation.path}", response.status_code)] += 1
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:2000]}"
    if response.status_code >= 400 and response.headers.get("content-type", [""])[0].startswith(
        "application/json"
    ):
        error = response.json().get("error")
        assert isinstance(error, dict) and {"code", "message", "details"} <= set(error), response.text[:2000]
    if write and response.status_code == 202:
        api.wait_valid(response.json()["tx_id"])  # committed before the next case measures the height
    if write and 400 <= response.status_code < 500:
        time.sleep(api.settle)
        assert api.settled_height() == before, f"refused {label} ({response.status_code}) wrote a block"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors_and_refused_writes_write_nothing(
    live_schema: Any, fuzz_api: Api, method: str, path: str
) -> None:
    operation = live_schema[path][method]
    write = (method, path) in WRITES
    plan = [(GenerationMode.POSITIVE, 2 if write else 1)]
    if len(operation.body) or any(True for _ in operation.iter_parameters()):
        plan.append((GenerationMode.NEGATIVE, 1))  # something to get wrong
    for mode, examples in plan:

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            exercise(case, fuzz_api, write)

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # Every value the document allows here is valid (e.g. a lone unconstrained string):
            # no invalid request exists to send.
            assert mode is GenerationMode.NEGATIVE, (method, path)


def test_the_fuzz_run_reached_the_ledger(directory: LocalNetwork) -> None:
    """Guards the run above against testing nothing (e.g. every request refused at the door).

    It asks for the network so that it is skipped with the fuzz run, not failed, without Fabric.
    """
    statuses: Counter[int] = Counter()
    outcomes = OUTCOMES[directory.ledger]
    for (_, status), n in outcomes.items():
        statuses[status] += n
    total = sum(statuses.values())
    # The plan above: at most 2 positive + 1 negative example per write, 1 + 1 per read.
    assert 30 <= total <= 3 * len(OPERATIONS), outcomes
    assert statuses[401] == 0, outcomes  # the token went with every request
    assert sum(n for s, n in statuses.items() if 200 <= s < 300) >= 10, statuses
    assert sum(n for s, n in statuses.items() if 400 <= s < 500) >= 10, statuses
