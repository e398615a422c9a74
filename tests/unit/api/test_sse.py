from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator

import pytest

from gateway.api import sse
from gateway.api.ledger import ChaincodeEvent
from tests.unit.api.conftest import Env, FakeEvents, tx


def _event(block: int, n: int, name: str = "CatalogPublished") -> ChaincodeEvent:
    return ChaincodeEvent(block, tx(n), name, {"entity": "catalog", "id": "health-beds", "version": 2})


def test_format_event() -> None:
    text = sse.format_event({"a": "低保"}, event="CatalogUpdated", id="5:abc")
    assert text == 'id: 5:abc\nevent: CatalogUpdated\ndata: {"a":"低保"}\n\n'
    assert sse.format_event("two\nlines") == "data: two\ndata: lines\n\n"
    assert sse.comment("heartbeat") == ": heartbeat\n\n"


def test_last_event_id_round_trip() -> None:
    assert sse.parse_last_event_id(sse.event_id(12, tx(1))) == (12, tx(1))
    assert sse.parse_last_event_id(" 0:ab ") == (0, "ab")


@pytest.mark.parametrize("bad", ["", "12", "x:ab", "12:", "12:zz", "-1:ab", "1:ab:cd"])
def test_bad_last_event_id(bad: str) -> None:
    with pytest.raises(ValueError):
        sse.parse_last_event_id(bad)


def _frames(text: str) -> list[str]:
    return [f for f in text.split("\n\n") if f]


def test_stream_relays_events_then_ends_with_the_stream() -> None:
    stream = FakeEvents([_event(3, 1), _event(4, 2)])
    frames = _frames("".join(sse.stream_events(stream, heartbeat=1.0, lifetime=5.0)))
    assert frames[0] == f"retry: {sse.RETRY_MS}"
    first = frames[1].split("\n")
    assert first[:2] == [f"id: 3:{tx(1)}", "event: CatalogPublished"]
    assert json.loads(first[2].removeprefix("data: "))["payload"]["id"] == "health-beds"
    assert len(frames) == 3 and stream.closed


class _Blocking:
    """A stream with nothing to say until closed, as a quiet channel is."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[ChaincodeEvent]:
        self.closed.wait(5)
        return iter(())

    def close(self) -> None:
        self.closed.set()


def test_heartbeats_and_bounded_lifetime() -> None:
    stream = _Blocking()
    ticks = itertools.count()
    clock = lambda: next(ticks) * 0.01  # noqa: E731 - a fake clock advancing per call
    frames = _frames("".join(sse.stream_events(stream, heartbeat=0.01, lifetime=0.05, clock=clock)))
    assert ": heartbeat" in frames
    assert frames[-1].startswith(": connection lifetime reached")
    assert stream.closed.is_set()


def test_events_route_resumes_from_last_event_id(env: Env) -> None:
    env.health.events = [_event(9, 7)]
    response = env.client().get("/api/v1/events", headers={"Last-Event-ID": f"8:{tx(6)}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["Cache-Control"] == "no-cache"
    assert f"id: 9:{tx(7)}" in response.get_data(as_text=True)
    assert env.health.event_requests == [(8, tx(6))]


def test_events_route_start_block_and_bad_id(env: Env) -> None:
    client = env.client()
    client.get("/api/v1/events?start_block=4").get_data()
    assert env.health.event_requests == [(4, None)]
    response = client.get("/api/v1/events", headers={"Last-Event-ID": "garbage"})
    assert response.status_code == 400
    assert env.client(None).get("/api/v1/events").status_code == 401
