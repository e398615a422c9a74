"""A tiny HTTP client for the REST gateway of a live test network (stdlib only).

``Api(net)`` reads the development tokens the network wrote (``gateway/tokens.json``) and calls
``/api/v1`` as any org's admin or client. Every answer comes back as a ``Reply`` whatever its
status, so tests assert on statuses themselves.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.integration.localnet import LocalNetwork

PREFIX = "/api/v1"
BUREAU, CIVIL, HEALTH = "DataBureauMSP", "CivilAffairsMSP", "HealthMSP"
MSPS = (BUREAU, CIVIL, HEALTH)
ROLES = ("admin", "client")
# Longer than the orderer's batch timeout (500 ms): a transaction that slipped through would
# have been cut into a block by then. The embedded ledger commits before it answers.
BATCH_SETTLE = {"fabric": 1.2, "embedded": 0.1}


class Headers(Mapping[str, str]):
    """Response headers by name, whatever case the server sent them in (HTTP's rule)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._items = {name.lower(): (name, value) for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(dict(self._items.values()))


@dataclass
class Reply:
    status: int
    headers: Headers
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def data(self) -> Any:
        return self.json["data"]

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.json["error"]
        return error

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.text[:600]!r})"


def ok(reply: Reply, status: int = 200) -> Any:
    """The reply's JSON, once its status is the expected one."""
    assert reply.status == status, reply
    return reply.json


def unique(prefix: str) -> str:
    """A fresh slug (``^[a-z][a-z0-9-]{1,62}$``): tests share one long-lived network."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Api:
    base_url: str
    tokens: dict[str, dict[str, str]]
    timeout: float = 120.0
    default: tuple[str, str] = (BUREAU, "admin")
    ledger: str = "fabric"
    _sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def for_network(cls, net: LocalNetwork) -> Api:
        tokens = json.loads((net.home / "gateway" / "tokens.json").read_text(encoding="utf-8"))
        return cls(net.gateway_url(), tokens, ledger=net.ledger)

    @property
    def peer_msps(self) -> list[str | None]:
        """The MSP of each node /ledger reports: a peer per org, or the one embedded node."""
        return [None] if self.ledger == "embedded" else list(MSPS)

    @property
    def settle(self) -> float:
        return BATCH_SETTLE[self.ledger]

    def token(self, msp: str, role: str = "admin") -> str:
        return self.tokens[msp][role]

    # --- raw HTTP -----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        query: dict[str, Any] | None = None,
        as_: tuple[str, str] | None = None,
        token: str | None = None,
        auth: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        url = self.base_url + (path if path.startswith("/api/") else PREFIX + path)
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        sent = dict(headers or {})
        if auth:
            msp, role = as_ or self.default
            sent.setdefault(
                "Authorization", f"Bearer {token if token is not None else self.token(msp, role)}"
            )
        data = raw
        if data is None and body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return Reply(resp.status, Headers(resp.headers.items()), resp.read())
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, Headers(exc.headers.items()), exc.read())

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, body, **kw)

    # --- ledger state -------------------------------------------------------------------

    def heights(self) -> list[int | None]:
        reply = self.get("/ledger", query={"blocks": 0})
        assert reply.status == 200, reply
        return [p["height"] for p in reply.data["peers"]]

    def settled_height(self, timeout: float = 30.0) -> int:
        """The channel height once every peer reports the same one."""
        deadline = time.monotonic() + timeout
        while True:
            heights = self.heights()
            known = {h for h in heights if h is not None}
            if None not in heights and len(known) == 1:
                return known.pop()
            if time.monotonic() > deadline:
                raise AssertionError(f"peers did not converge: {heights}")
            self._sleep(0.2)

    def wait_valid(self, tx_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll /transactions/{tx_id} until it is no longer pending."""
        deadline = time.monotonic() + timeout
        while True:
            reply = self.get(f"/transactions/{tx_id}")
            assert reply.status == 200, reply
            if reply.data["status"] != "pending":
                found: dict[str, Any] = reply.data
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"transaction {tx_id} still pending after {timeout}s")
            self._sleep(0.2)

    def assert_writes_nothing(self, call: Callable[[], Reply], expected_status: int) -> Reply:
        """Run ``call``, expect ``expected_status``, and check the channel did not grow."""
        before = self.settled_height()
        reply = call()
        assert reply.status == expected_status, reply
        self._sleep(self.settle)
        assert self.settled_height() == before, f"a refused request ({reply.status}) wrote a block"
        return reply

    def pages(self, path: str, query: dict[str, Any], **kw: Any) -> Iterator[Reply]:
        """Every page of a list, following bookmarks."""
        bookmark = ""
        while True:
            q = dict(query)
            if bookmark:
                q["bookmark"] = bookmark
            reply = self.get(path, query=q, **kw)
            assert reply.status == 200, reply
            yield reply
            bookmark = reply.json["bookmark"]
            if not bookmark:
                return


# --- Server-Sent Events -------------------------------------------------------------------------


@dataclass
class SseEvent:
    id: str | None
    event: str | None
    data: str

    @property
    def json(self) -> Any:
        return json.loads(self.data)


class SseStream:
    """One ``GET /api/v1/events`` connection, read event by event (comments skipped)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        last_event_id: str | None = None,
        query: dict[str, Any] | None = None,
        read_timeout: float = 30.0,
    ) -> None:
        parts = urlsplit(base_url)
        self._conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=read_timeout
        )
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        path = PREFIX + "/events" + ("?" + urlencode(query) if query else "")
        self._conn.request("GET", path, headers=headers)
        self.response = self._conn.getresponse()
        self.status = self.response.status
        self.comments: list[str] = []
        self.retry: int | None = None

    def next_event(self) -> SseEvent:
        """The next event; socket.timeout (TimeoutError) if none arrives within the read timeout."""
        fields: dict[str, list[str]] = {}
        while True:
            raw = self.response.fp.readline()
            if not raw:
                raise EOFError("the event stream ended")
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if "data" in fields or "event" in fields or "id" in fields:
                    return SseEvent(
                        fields["id"][-1] if "id" in fields else None,
                        fields["event"][-1] if "event" in fields else None,
                        "\n".join(fields.get("data", [])),
                    )
                fields = {}
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "retry":
                self.retry = int(value)
                continue
            fields.setdefault(name, []).append(value)

    def events_until(self, done: Callable[[list[SseEvent]], bool], timeout: float = 60.0) -> list[SseEvent]:
        seen: list[SseEvent] = []
        deadline = time.monotonic() + timeout
        while not done(seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"events did not arrive in {timeout}s; got {[e.id for e in seen]}")
            seen.append(self.next_event())
        return seen

    def set_read_timeout(self, seconds: float) -> None:
        if self._conn.sock is not None:
            self._conn.sock.settimeout(seconds)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SseStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- entity builders ---------------------------------------------------------------------------


def department(
    dept_id: str, msp_id: str, *, level: str = "municipal", parent_id: str | None = None, zh: str = "测试部门"
) -> dict[str, Any]:
    return {
        "id": dept_id,
        "name": {"zh": zh, "en": f"Test department {dept_id}"},
        "parent_id": parent_id,
        "level": level,
        "msp_id": msp_id,
        "contact": {"name": "测试联系人", "email": f"{dept_id}@example.gov.cn", "phone": "+86 10 6519 0000"},
    }


def responsibility(resp_id: str, department_id: str) -> dict[str, Any]:
    return {
        "id": resp_id,
        "department_id": department_id,
        "code": resp_id.upper()[:20],
        "title": {"zh": "社会救助审核", "en": "Social assistance review"},
        "description": "test responsibility",
        "legal_basis": "《社会救助暂行办法》（国务院令第649号）",
    }


def catalog(
    cat_id: str,
    department_id: str,
    responsibility_id: str,
    *,
    share_type: str = "conditional",
    zh: str = "最低生活保障对象名册",
    en: str = "Register of minimum living allowance recipients",
    tags: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": cat_id,
        "department_id": department_id,
        "responsibility_ids": [responsibility_id],
        "title": {"zh": zh, "en": en},
        "description": f"{zh} {en}",
        "items": [
            {"name": "person_id", "title": "身份证号", "type": "string", "sensitivity": "confidential"},
            {"name": "allowance", "title": "保障金额", "type": "number", "sensitivity": "internal"},
            {"name": "district", "title": "所属区", "type": "string", "sensitivity": "public"},
        ],
        "share_type": share_type,
        "open_type": "none",
        "update_frequency": "monthly",
        "format": "json",
        "source_system": "test system",
        "tags": tags if tags is not None else ["test"],
    }
    if share_type == "conditional":
        body["share_conditions"] = "for statutory social assistance checks only"
    if share_type == "none":  # a catalog that is not shared states what it rests on
        body["no_share_basis"] = "《社会救助暂行办法》第五十九条"
    return body
