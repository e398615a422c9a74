"""Server-Sent Events for chaincode events.

Each event's ``id`` is ``<block>:<tx_id>``: a client reconnecting with ``Last-Event-ID`` resumes
after exactly that transaction (start at its block, skip up to and including it). A comment line
goes out every heartbeat so proxies keep the connection, and each connection ends after a bounded
lifetime (the client reconnects, resuming) so no worker thread is held forever.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gateway.api.ledger import ChaincodeEvent, EventStream

_EVENT_ID = re.compile(r"^(\d{1,19}):([0-9a-fA-F]{1,128})$")
RETRY_MS = 3000


def event_id(block: int, tx_id: str) -> str:
    return f"{block}:{tx_id}"


def parse_last_event_id(value: str) -> tuple[int, str]:
    """``"<block>:<tx_id>"`` → (block, tx_id); ValueError for anything else."""
    match = _EVENT_ID.match(value.strip())
    if not match:
        raise ValueError(f"Last-Event-ID must look like <block>:<tx_id>, not {value!r}")
    return int(match.group(1)), match.group(2)


def format_event(data: Any, event: str | None = None, id: str | None = None) -> str:
    lines = []
    if id is not None:
        lines.append(f"id: {id}")
    if event is not None:
        lines.append(f"event: {event}")
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    lines += [f"data: {line}" for line in (text.split("\n") or [""])]
    return "\n".join(lines) + "\n\n"


def comment(text: str) -> str:
    return f": {text}\n\n"


def chaincode_event(ev: ChaincodeEvent) -> str:
    body = {"block": ev.block, "tx_id": ev.tx_id, "event": ev.name, "payload": ev.payload}
    return format_event(body, event=ev.name, id=event_id(ev.block, ev.tx_id))


@dataclass(frozen=True)
class _End:
    error: BaseException | None


def stream_events(
    stream: EventStream,
    heartbeat: float,
    lifetime: float,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """Relay ``stream`` as SSE text. The blocking Fabric iterator runs in its own thread so the
    response can send heartbeats and end on time; closing the generator closes the stream."""
    items: queue.Queue[ChaincodeEvent | _End] = queue.Queue(maxsize=1000)
    stopped = threading.Event()

    def offer(item: ChaincodeEvent | _End) -> bool:
        while not stopped.is_set():
            try:
                items.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for ev in stream:
                if not offer(ev):
                    return
        except Exception as exc:
            offer(_End(exc))
        else:
            offer(_End(None))

    threading.Thread(target=pump, name="citydir-sse", daemon=True).start()
    deadline = clock() + lifetime
    try:
        yield f"retry: {RETRY_MS}\n\n"
        while True:
            remaining = deadline - clock()
            if remaining <= 0:
                yield comment("connection lifetime reached; reconnect with Last-Event-ID")
                return
            try:
                item = items.get(timeout=min(heartbeat, remaining))
            except queue.Empty:
                yield comment("heartbeat")
                continue
            if isinstance(item, _End):
                if item.error is not None:
                    yield format_event({"message": "event stream interrupted; reconnect"}, event="error")
                return
            yield chaincode_event(item)
    finally:
        stopped.set()
        stream.close()
