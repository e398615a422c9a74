"""Fault injection against a real Fabric network: nothing acknowledged is lost, nodes recover.

The module runs its own network (``up --no-seed``, with the REST gateway). Under a steady write
load through the REST gateway we SIGKILL the Raft leader orderer, later restart it, then SIGKILL
``peer0.civilaffairs`` and restart it. ``peer0.civilaffairs`` is deliberately the only peer of an
org the load writes as (CivilAffairsMSP's admin creates catalogs): the gateway must fail that
identity's calls over to the other orgs' peers (``gateway.fabric.client`` failover) while the
endorsement policy (a majority of the three orgs) is still met by the two others. A call that was
in flight on the killed node may fail, but only with a retryable/unavailable-class status.

Figures (throughput dip, recovery time) are printed and written to
``tests/artifacts/fault-report.json``.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest

from gateway.fabric import Network
from tests.fault.netutil import (
    alive,
    contract_of,
    http_get,
    kill9,
    peer_network,
    peers,
    read_pid,
    rest,
    start_role,
    tokens,
    wait_peer_answers,
    wait_port,
)
from tests.integration.localnet import REPO, LocalNetwork, running

pytestmark = pytest.mark.integration

ARTIFACTS = REPO / "tests" / "artifacts"
ORDERERS = 3
RATE_PER_S = 8.0  # writes sent per second
MAX_IN_FLIGHT = 16
BASELINE_S = 12.0
OUTAGE_S = 10.0  # a node stays dead this long
SETTLE_S = 6.0  # between the orderer's restart and the peer's kill
RECOVERY_S = 12.0  # load keeps running after the last restart
ALLOWED_ERRORS = {409, 503, 504}  # 409 only with retryable: true (checked below)
LOAD_DEPARTMENT = "load-civil"
LOAD_RESPONSIBILITY = "load-civil-duty"


@pytest.fixture(scope="module")
def fault_network(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    with running(tmp_path_factory.mktemp("citydir-fault"), "--no-seed") as net:
        yield net


# --- the load --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    seq: int
    kind: str  # catalog | department
    entity_id: str
    started: float
    ended: float
    status: int  # HTTP status; 0 = no HTTP answer at all
    code: str = ""
    retryable: bool = False
    tx_id: str | None = None
    block: int | None = None
    message: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status == 201 and bool(self.tx_id)


def catalog_body(catalog_id: str) -> dict[str, Any]:
    return {
        "id": catalog_id,
        "department_id": LOAD_DEPARTMENT,
        "responsibility_ids": [LOAD_RESPONSIBILITY],
        "title": {"zh": "负载测试目录", "en": f"Load test catalog {catalog_id}"},
        "description": "written by the fault-injection load generator",
        "items": [{"name": "value", "title": "值", "type": "integer", "sensitivity": "internal"}],
        "share_type": "none",
        "no_share_basis": "fault-injection test data, not shared with anyone",
        "open_type": "none",
        "update_frequency": "daily",
        "tags": ["fault-test"],
    }


def department_body(department_id: str) -> dict[str, Any]:
    return {
        "id": department_id,
        "name": {"zh": "负载测试部门", "en": f"Load test department {department_id}"},
        "parent_id": None,
        "level": "municipal",
        "msp_id": "DataBureauMSP",
        "contact": {"name": "Load", "email": "load@city.example", "phone": "+86 10 0000 0000"},
    }


@dataclass
class Load:
    """A bounded write load through the REST gateway.

    Open loop: a new write is sent every ``1/RATE_PER_S`` seconds (3 of 4 CreateCatalog as
    CivilAffairsMSP's admin, 1 of 4 RegisterDepartment as DataBureauMSP's admin), at most
    ``MAX_IN_FLIGHT`` at once (an arrival finding no free slot is counted as shed, not sent). A
    closed loop of a few workers measures nothing during a fault: every worker whose transaction
    the dying Raft leader had accepted waits out the gateway's commit-status timeout (60 s).
    """

    url: str
    catalog_token: str
    department_token: str
    t0: float = field(default_factory=time.monotonic)
    outcomes: list[Outcome] = field(default_factory=list)
    shed: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slots: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(MAX_IN_FLIGHT))
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(MAX_IN_FLIGHT))
    _dispatcher: threading.Thread | None = None

    def now(self) -> float:
        return time.monotonic() - self.t0

    def start(self) -> None:
        self._dispatcher = threading.Thread(target=self._dispatch, daemon=True)
        self._dispatcher.start()

    def stop(self, timeout: float = 150) -> None:
        """Stop sending; wait for every request in flight to get its answer."""
        self._stop.set()
        assert self._dispatcher is not None
        self._dispatcher.join(5)
        deadline = time.monotonic() + timeout
        for _ in range(MAX_IN_FLIGHT):  # every slot back = nothing in flight
            assert self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())), "a request never ended"
        self._pool.shutdown(wait=True)

    def _dispatch(self) -> None:
        n, next_at = 0, time.monotonic()
        while not self._stop.is_set():
            next_at += 1.0 / RATE_PER_S
            time.sleep(max(0.0, next_at - time.monotonic()))
            if self._stop.is_set():
                return
            n += 1
            if not self._slots.acquire(blocking=False):
                with self._lock:
                    self.shed.append(self.now())
                continue
            self._pool.submit(self._one, n, "department" if n % 4 == 0 else "catalog")

    def _one(self, n: int, kind: str) -> None:
        try:
            outcome = self._send(n, kind)
            with self._lock:
                self.outcomes.append(outcome)
        finally:
            self._slots.release()

    def _send(self, n: int, kind: str) -> Outcome:
        entity_id = f"{'lc' if kind == 'catalog' else 'ld'}-{n}"
        if kind == "catalog":
            path, token, body = "/api/v1/catalogs", self.catalog_token, catalog_body(entity_id)
        else:
            path, token, body = "/api/v1/departments", self.department_token, department_body(entity_id)
        started = self.now()
        try:
            reply = rest(self.url, "POST", path, token, body, timeout=150)
        except Exception as exc:  # no HTTP answer: recorded as status 0, a failure of the test
            outcome = Outcome(n, kind, entity_id, started, self.now(), 0, type(exc).__name__)
            outcome.message = str(exc)[:300]
            return outcome
        outcome = Outcome(n, kind, entity_id, started, self.now(), reply.status)
        payload = reply.body if isinstance(reply.body, dict) else {}
        if reply.status == 201:
            outcome.tx_id, outcome.block = payload.get("tx_id"), payload.get("block")
        else:
            error = payload.get("error") or {}
            outcome.code = str(error.get("code", ""))
            outcome.retryable = bool(error.get("retryable", False))
            outcome.message = str(error.get("message", reply.raw[:300]))[:300]
            details = error.get("details")
            if isinstance(details, dict) and isinstance(details.get("tx_id"), str):
                outcome.tx_id = details["tx_id"]
        return outcome


# --- the faults ------------------------------------------------------------------------------------

_LEADER = re.compile(r'^consensus_etcdraft_is_leader\{channel="citydir"\} 1(\.0)?$', re.M)


def raft_leader(net: LocalNetwork, candidates: range | list[int] = range(ORDERERS)) -> int | None:
    for i in candidates:
        try:
            text = http_get(f"http://127.0.0.1:{net.base_port + 30 + i}/metrics", timeout=2)
        except OSError:
            continue
        if _LEADER.search(text):
            return i
    return None


def wait_new_leader(net: LocalNetwork, candidates: list[int], timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leader = raft_leader(net, candidates)
        if leader is not None:
            return leader
        time.sleep(0.2)
    raise AssertionError(f"no Raft leader among orderers {candidates} within {timeout}s")


# --- the figures -----------------------------------------------------------------------------------


def throughput(acks: list[Outcome], start: float, end: float) -> float:
    return sum(1 for o in acks if start <= o.ended < end) / max(end - start, 1e-9)


def fault_figures(acks: list[Outcome], baseline: float, fault_at: float, window_end: float) -> dict[str, Any]:
    """Throughput in 2 s windows sliding by 0.5 s from the fault; recovery = first window ≥ 50 % of
    the baseline, measured from the fault to that window's end."""
    rolling: list[tuple[float, float]] = []
    t = fault_at
    while t + 2.0 <= window_end:
        rolling.append((t, throughput(acks, t, t + 2.0)))
        t += 0.5
    lowest = min((tps for _, tps in rolling), default=0.0)
    recovered = next(
        (start + 2.0 - fault_at for start, tps in rolling if start > fault_at and tps >= 0.5 * baseline), None
    )
    after = [o for o in acks if o.started >= fault_at]
    ends = sorted([fault_at] + [o.ended for o in acks if fault_at <= o.ended < window_end])
    return {
        "window_s": round(window_end - fault_at, 2),
        "throughput_tps": round(throughput(acks, fault_at, window_end), 2),
        "lowest_2s_tps": round(lowest, 2),
        "dip_percent": round(100 * (1 - lowest / baseline), 1) if baseline else None,
        "throughput_recovered_after_s": None if recovered is None else round(recovered, 2),
        "first_ack_of_a_request_sent_after_fault_s": round(min(o.ended for o in after) - fault_at, 2)
        if after
        else None,
        "longest_gap_between_acks_s": round(max(b - a for a, b in itertools.pairwise(ends)), 2)
        if len(ends) > 1
        else None,
    }


# --- checks ----------------------------------------------------------------------------------------


def wait_same_height(net: LocalNetwork, networks: dict[str, Network], timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    heights: dict[str, int | str] = {}
    while time.monotonic() < deadline:
        for name, network in networks.items():
            try:
                heights[name] = network.block_height()
            except Exception as exc:
                heights[name] = type(exc).__name__
        values = set(heights.values())
        if len(values) == 1 and isinstance(next(iter(values)), int):
            height = int(next(iter(values)))
            orderers = {o["name"]: o["height"] for o in net.status()["orderers"]}
            if set(orderers.values()) == {height}:
                return height
            heights.update(orderers)
        time.sleep(1)
    raise AssertionError(f"peers/orderers did not converge on one height within {timeout}s: {heights}")


def all_pages(network: Network, function: str) -> list[bytes]:
    """Every page of an unfiltered list, as the raw bytes the peer returned."""
    pages: list[bytes] = []
    bookmark = ""
    while True:
        arg: dict[str, Any] = {"page_size": 200}
        if bookmark:
            arg["bookmark"] = bookmark
        raw = contract_of(network).evaluate(function, args=[json.dumps(arg)])
        pages.append(raw)
        bookmark = json.loads(raw).get("bookmark", "")
        if not bookmark:
            return pages


def listed_ids(pages: list[bytes]) -> set[str]:
    return {item["id"] for page in pages for item in json.loads(page)["items"]}


def setup_load_entities(url: str, tok: dict[str, dict[str, str]]) -> None:
    bureau, civil = tok["DataBureauMSP"]["admin"], tok["CivilAffairsMSP"]["admin"]
    reply = rest(
        url,
        "POST",
        "/api/v1/departments",
        bureau,
        {**department_body(LOAD_DEPARTMENT), "msp_id": "CivilAffairsMSP"},
    )
    assert reply.status == 201, reply.body
    reply = rest(
        url,
        "POST",
        f"/api/v1/departments/{LOAD_DEPARTMENT}/responsibilities",
        civil,
        {
            "id": LOAD_RESPONSIBILITY,
            "code": "LOAD-01",
            "title": {"zh": "负载测试职责", "en": "Load test duty"},
            "description": "fault tests",
            "legal_basis": "test",
        },
    )
    assert reply.status == 201, reply.body


def test_acknowledged_writes_survive_killing_the_raft_leader_and_a_peer(fault_network: LocalNetwork) -> None:
    net = fault_network
    url = net.gateway_url()
    tok = tokens(net)
    setup_load_entities(url, tok)
    gateway_pid = read_pid(net, "gateway")
    leader = raft_leader(net)
    assert leader is not None, "no orderer reports consensus_etcdraft_is_leader{channel=citydir} 1"
    victim_peer = next(p for p in peers(net) if p.msp_id == "CivilAffairsMSP")

    load = Load(url, tok["CivilAffairsMSP"]["admin"], tok["DataBureauMSP"]["admin"])
    events: dict[str, float] = {}
    load.start()
    try:
        time.sleep(BASELINE_S)
        events["orderer_killed"] = load.now()
        kill9(net, f"orderer{leader}")
        others = [i for i in range(ORDERERS) if i != leader]
        new_leader = wait_new_leader(net, others)
        events["new_leader_elected"] = load.now()
        time.sleep(max(0.0, OUTAGE_S - (events["new_leader_elected"] - events["orderer_killed"])))
        events["orderer_restarted"] = load.now()
        start_role(net, f"orderer{leader}", "orderer.sh", str(leader))
        wait_port(net.base_port + 20 + leader)
        time.sleep(SETTLE_S)
        events["peer_killed"] = load.now()
        kill9(net, victim_peer.name)
        time.sleep(OUTAGE_S)
        events["peer_restarted"] = load.now()
        start_role(net, victim_peer.name, "peer.sh", str(victim_peer.org), str(victim_peer.index))
        wait_port(victim_peer.port)
        events["peer_listening"] = load.now()
        time.sleep(RECOVERY_S)
    finally:
        events["load_stopping"] = load.now()
        load.stop()
    events["load_stopped"] = load.now()

    outcomes = sorted(load.outcomes, key=lambda o: o.ended)
    acks = [o for o in outcomes if o.acknowledged]
    failures = [o for o in outcomes if not o.acknowledged]
    assert len(acks) >= 20, f"the load barely ran: {len(acks)} acknowledged writes"

    # --- figures
    base_start = 2.0  # leave out the first requests' connection set-up
    baseline = throughput(acks, base_start, events["orderer_killed"])
    latencies = [o.ended - o.started for o in acks if o.ended < events["orderer_killed"]]
    report: dict[str, Any] = {
        "topology": "raft, 3 orderers, 1 peer per org; load through the REST gateway",
        "load": f"{RATE_PER_S}/s open loop, <= {MAX_IN_FLIGHT} in flight; 3/4 CreateCatalog as "
        "CivilAffairsMSP admin, 1/4 RegisterDepartment as DataBureauMSP admin",
        "shed_arrivals": len(load.shed),
        "killed": {"orderer": f"orderer{leader} (Raft leader)", "peer": victim_peer.name},
        "new_raft_leader": f"orderer{new_leader}",
        "events_s": {k: round(v, 2) for k, v in events.items()},
        "requests": len(outcomes),
        "acknowledged": len(acks),
        "errors_by_status": {
            str(s): sum(1 for o in failures if o.status == s) for s in sorted({o.status for o in failures})
        },
        "baseline_tps": round(baseline, 2),
        "baseline_latency_s": {
            "median": round(statistics.median(latencies), 3) if latencies else None,
            "max": round(max(latencies), 3) if latencies else None,
        },
        "leader_election_s": round(events["new_leader_elected"] - events["orderer_killed"], 2),
        "orderer_fault": fault_figures(acks, baseline, events["orderer_killed"], events["peer_killed"]),
        "peer_fault": fault_figures(acks, baseline, events["peer_killed"], events["load_stopping"]),
        "max_latency_s": round(max(o.ended - o.started for o in acks), 2),
        "max_error_latency_s": round(max((o.ended - o.started for o in failures), default=0.0), 2),
        "acks_of_requests_sent_while_orderer_down": sum(
            1 for o in acks if events["orderer_killed"] < o.started < events["orderer_restarted"]
        ),
        "catalog_acks_of_requests_sent_while_peer_down": sum(
            1
            for o in acks
            if o.kind == "catalog"
            and events["peer_killed"] < o.started
            and o.ended < events["peer_restarted"]
        ),
        "failures": [{k: v for k, v in asdict(o).items() if k not in ("seq", "kind")} for o in failures[:40]],
    }

    # --- every acknowledged tx is VALID, in the block reported, on every peer
    started_check = time.monotonic()
    with (
        peer_network(net, peers(net)[0]) as p0,
        peer_network(net, peers(net)[1]) as p1,
        peer_network(net, peers(net)[2]) as p2,
    ):
        networks = {p.name: n for p, n in zip(peers(net), (p0, p1, p2), strict=True)}
        for network in networks.values():
            wait_peer_answers(network)
        height = wait_same_height(net, networks)
        report["final_height"] = height

        def validation(args: tuple[Network, str]) -> tuple[str, int]:
            return args[0].get_transaction_validation(args[1])

        wrong: list[str] = []
        with ThreadPoolExecutor(8) as pool:
            for name, network in networks.items():
                results = pool.map(validation, [(network, o.tx_id or "") for o in acks])
                for ack, (code, block) in zip(acks, results, strict=True):
                    if code != "VALID" or block != ack.block:
                        wrong.append(
                            f"{name}: {ack.tx_id} {code} block {block} (acknowledged in {ack.block})"
                        )
        assert wrong == [], f"{len(wrong)} acknowledged transactions not VALID where reported:\n" + "\n".join(
            wrong[:20]
        )

        # Unacknowledged attempts may or may not have committed: report which did.
        unknown = [o for o in failures if o.tx_id]
        committed_unacked = 0
        for o in unknown:
            try:
                code, _ = p0.get_transaction_validation(o.tx_id or "")
                committed_unacked += code == "VALID"
            except Exception:
                pass
        report["unacknowledged_with_tx_id"] = len(unknown)
        report["unacknowledged_but_committed_valid"] = committed_unacked

        # --- identical state on every peer, and every acknowledged entity in it
        for function, kind in (("ListCatalogs", "catalog"), ("ListDepartments", "department")):
            pages = {name: all_pages(network, function) for name, network in networks.items()}
            first = next(iter(pages.values()))
            assert all(p == first for p in pages.values()), f"{function} differs between peers"
            missing = {o.entity_id for o in acks if o.kind == kind} - listed_ids(first)
            assert missing == set(), f"acknowledged {kind}s missing from the ledger: {sorted(missing)[:20]}"
            report[f"{function}_items"] = len(listed_ids(first))
            present = listed_ids(first)
            report.setdefault("unacknowledged_but_on_the_ledger", []).extend(
                f"{o.entity_id} ({o.status} {o.message[:60]})"
                for o in failures
                if o.kind == kind and o.entity_id in present
            )
        report["verification_s"] = round(time.monotonic() - started_check, 2)

    # --- the gateway recovered by itself: same process, ready, and it writes
    assert read_pid(net, "gateway") == gateway_pid and alive(gateway_pid), "the REST gateway was restarted"
    ready = rest(url, "GET", "/api/v1/readyz")
    assert ready.status == 200, ready.body
    after = rest(
        url, "POST", "/api/v1/catalogs", tok["CivilAffairsMSP"]["admin"], catalog_body("lc-after-faults")
    )
    assert after.status == 201, after.body
    after_dept = rest(
        url, "POST", "/api/v1/departments", tok["DataBureauMSP"]["admin"], department_body("ld-after-faults")
    )
    assert after_dept.status == 201, after_dept.body

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "fault-report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print("\nfault report:", json.dumps({k: v for k, v in report.items() if k != "failures"}, indent=2))

    # --- only retryable / unavailable-class errors (checked last so the report is written first)
    bad = [o for o in failures if o.status not in ALLOWED_ERRORS or (o.status == 409 and not o.retryable)]
    assert bad == [], "errors outside 409-retryable/503/504:\n" + "\n".join(
        f"{o.status} {o.code} at {o.ended:.1f}s: {o.message}" for o in bad[:20]
    )
    # The load kept flowing through both faults (else the checks above prove little).
    assert report["acks_of_requests_sent_while_orderer_down"] > 0, "no write succeeded without the old leader"
    assert report["catalog_acks_of_requests_sent_while_peer_down"] > 0, (
        "no CivilAffairsMSP write succeeded while its only peer was down"
    )
    early = [o for o in failures if o.ended < events["orderer_killed"]]
    assert early == [], f"errors before any fault: {[(o.status, o.message) for o in early]}"


# --- whole-network restart ------------------------------------------------------------------------


def snapshot(net: LocalNetwork, url: str, token: str, ids: dict[str, str]) -> dict[str, Any]:
    shot: dict[str, Any] = {}
    for path in (
        *(f"{kind}/{entity_id}" for kind, entity_id in ids.items()),
        f"catalogs/{ids['catalogs']}/history",
    ):
        reply = rest(url, "GET", f"/api/v1/{path}", token)
        assert reply.status == 200, (path, reply.body)
        shot[path] = reply.body
    refs = peers(net)
    with (
        peer_network(net, refs[0]) as p0,
        peer_network(net, refs[1]) as p1,
        peer_network(net, refs[2]) as p2,
    ):
        for ref, network in zip(refs, (p0, p1, p2), strict=True):
            wait_peer_answers(network)
            shot[f"{ref.name}/height"] = network.block_height()
            for function in ("ListCatalogs", "ListDepartments"):
                shot[f"{ref.name}/{function}"] = [p.decode() for p in all_pages(network, function)]
            for kind, entity_id in (("department", ids["departments"]), ("catalog", ids["catalogs"])):
                history = contract_of(network).evaluate(
                    "GetHistory", args=[json.dumps({"entity": kind, "id": entity_id})]
                )
                shot[f"{ref.name}/history/{kind}/{entity_id}"] = json.loads(history)
    return shot


def up_again(net: LocalNetwork) -> None:
    """``network.sh up --no-seed`` on the existing state.

    Our ports (CITYDIR_TEST_PORT_START=39000+) lie inside Linux's ephemeral range (32768-60999),
    so an unrelated outgoing connection can hold a node's port for a moment ("bind: address
    already in use" although the script found it free). ``up`` is idempotent, so that one
    environmental failure is retried once, loudly; any other failure fails the test.
    """
    proc = net.run("up", "--no-seed", check=False)
    if proc.returncode == 0:
        return
    text = proc.stderr + net.log_tail(5)
    ports = sorted(set(re.findall(r"listen tcp 127\.0\.0\.1:(\d+): bind: address already in use", text)))
    assert ports, f"network.sh up failed:\n{proc.stderr[-3000:]}\n{net.log_tail()}"
    holders = subprocess.run(["ss", "-tanp"], capture_output=True, text=True).stdout.splitlines()
    print(f"\nup failed: ports {ports} were taken; holders now:")
    print("\n".join(line for line in holders if any(f":{p} " in line for p in ports)) or "(none any more)")
    time.sleep(2)
    net.up("--no-seed")


def test_whole_network_restart_keeps_the_directory(fault_network: LocalNetwork) -> None:
    net = fault_network
    url = net.gateway_url()
    tok = tokens(net)
    bureau, civil = tok["DataBureauMSP"]["admin"], tok["CivilAffairsMSP"]["admin"]
    reader = tok["HealthMSP"]["client"]
    # Entities with more than one version, so history is part of what must survive.
    dept = department_body("persist-dept")
    assert rest(url, "POST", "/api/v1/departments", bureau, dept).status == 201
    patched = rest(
        url,
        "PATCH",
        "/api/v1/departments/persist-dept",
        bureau,
        {"contact": {**dept["contact"], "name": "Later"}},
    )
    assert patched.status == 200, patched.body
    catalog = catalog_body("persist-catalog")
    assert rest(url, "POST", "/api/v1/catalogs", civil, catalog).status == 201
    published = rest(url, "POST", "/api/v1/catalogs/persist-catalog/publish", civil, {})
    assert published.status == 200, published.body
    ids = {"departments": "persist-dept", "catalogs": "persist-catalog"}
    before = snapshot(net, url, reader, ids)
    assert len(before["catalogs/persist-catalog/history"]["data"]) == 2
    assert all(len(v) == 2 for k, v in before.items() if "/history/" in k), "two versions of each entity"

    started = time.monotonic()
    running = net.pids()
    assert len(running) >= 10, running  # 3 orderers, 3 peers, 3 chaincode servers, the gateway
    net.run("down")
    time.sleep(0.5)
    assert not [pid for pid in running if alive(pid)], "processes left after down"
    up_again(net)
    restart_s = time.monotonic() - started

    status = net.status()
    assert all(o["up"] for o in status["orderers"]) and all(p["up"] for p in status["peers"])
    after = snapshot(net, url, reader, ids)
    heights = {k: v for k, v in after.items() if k.endswith("/height")}
    assert len(set(heights.values())) == 1, heights
    assert heights == {k: v for k, v in before.items() if k.endswith("/height")}, (
        "the restart changed the ledger"
    )
    for key, value in before.items():
        assert after[key] == value, f"{key} differs after the restart"
    print(f"\nwhole-network restart (down + up --no-seed): {restart_s:.1f}s, height {set(heights.values())}")
    report = ARTIFACTS / "fault-report.json"
    if report.exists():
        data = json.loads(report.read_text())
        data["whole_network_restart_s"] = round(restart_s, 1)
        data["height_after_restart"] = next(iter(heights.values()))
        report.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    # `up` returns once the peers endorse; ordering needs a Raft leader, elected a little later.
    up_done = time.monotonic()
    wait_new_leader(net, list(range(ORDERERS)), timeout=60)
    leader_after_up_s = time.monotonic() - up_done
    print(f"Raft leader {leader_after_up_s:.1f}s after `up` returned")
    if report.exists():
        data = json.loads(report.read_text())
        data["raft_leader_after_up_returned_s"] = round(leader_after_up_s, 1)
        report.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    written = rest(url, "POST", "/api/v1/catalogs", civil, catalog_body("after-restart"))
    assert written.status == 201, written.body
