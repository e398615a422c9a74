from __future__ import annotations

import re

from gateway.api.metrics import Metrics
from tests.unit.api.conftest import Env

_SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? [0-9.e+-]+$|^[a-z_]+\{.*le="\+Inf".*\} \d+$')


def test_requests_are_counted_by_route_template(env: Env) -> None:
    client = env.client()
    client.get("/api/v1/departments/health")
    client.get("/api/v1/departments/other")
    env.client(None).get("/api/v1/departments/health")
    text = env.client(None).get("/api/v1/metrics").text
    assert 'citydir_http_requests_total{route="/api/v1/departments/<id>",method="GET",status="200"} 2' in text
    assert 'citydir_http_requests_total{route="/api/v1/departments/<id>",method="GET",status="401"} 1' in text
    assert "# TYPE citydir_http_request_duration_seconds histogram" in text


def test_exposition_format_is_well_formed() -> None:
    metrics = Metrics()
    metrics.observe_request("/api/v1/catalogs", "GET", 200, 0.02)
    metrics.observe_request("/api/v1/catalogs", "GET", 200, 3.0)
    metrics.observe_fabric("endorse", 0.2, True)
    metrics.observe_fabric("commit", 2.5, True)
    metrics.observe_fabric("evaluate", 0.01, False)
    text = metrics.render()
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or _SAMPLE.match(line), line
    buckets = [
        int(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('citydir_http_request_duration_seconds_bucket{route="/api/v1/catalogs"')
    ]
    assert buckets == sorted(buckets) and buckets[-1] == 2  # cumulative, +Inf = count
    assert 'citydir_http_request_duration_seconds_count{route="/api/v1/catalogs",method="GET"} 2' in text
    assert 'citydir_fabric_call_duration_seconds_count{stage="commit"} 1' in text
    assert 'citydir_fabric_calls_total{stage="evaluate",outcome="error"} 1' in text
    assert 'citydir_fabric_call_duration_seconds_bucket{stage="endorse",le="0.25"} 1' in text


def test_metrics_content_type(env: Env) -> None:
    response = env.client(None).get("/api/v1/metrics")
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
