"""The CKAN Action API (``gateway.ckan``) read by the real ``ckanapi`` client and its CLI.

Runs on each ledger (the ``directory`` fixture). The session network has no demo seed and is
shared with other suites, so every comparison is against what REST lists at the time, and the
catalogs made here are found by their unique ids.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ckanapi  # untyped: used only through the typed boundary below
import pytest

from tests.integration.rest import BUREAU, HEALTH, Api, Reply, catalog, department, responsibility, unique

# --- the typed boundary around ckanapi -----------------------------------------------------------

CKANAPI_CLI = Path(sys.executable).parent / "ckanapi"
NotFound: type[Exception] = ckanapi.NotFound
CKANAPIError: type[Exception] = ckanapi.CKANAPIError
SearchQueryError: type[Exception] = ckanapi.SearchQueryError
NotAuthorized: type[Exception] = ckanapi.NotAuthorized


class Ckan:
    """``ckanapi.RemoteCKAN``, typed: every answer is JSON (``Any``) as the server sent it."""

    def __init__(self, url: str, apikey: str | None = None, get_only: bool = False) -> None:
        self._remote: Any = ckanapi.RemoteCKAN(url, apikey=apikey, get_only=get_only)

    def call(self, action: str, **data: Any) -> Any:
        return self._remote.call_action(action, data)

    def close(self) -> None:
        self._remote.close()


def cli(*args: str) -> list[dict[str, Any]]:
    """The ``ckanapi`` command line; its JSON-lines output. Workers (dump) are found on PATH."""
    env = dict(os.environ, PATH=f"{CKANAPI_CLI.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([str(CKANAPI_CLI), *args], capture_output=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines() if line.strip()]


# --- fixtures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    parent: str
    child: str
    open: str  # published, open_type open
    closed: str  # published, open_type none
    draft: str


def _ok(reply: Reply, status: int = 200) -> Any:
    assert reply.status == status, reply
    return reply.json["data"]


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    parent, child, resp = unique("ckan-city"), unique("ckan-health"), unique("resp")
    _ok(api.post("/departments", department(parent, BUREAU)), 201)
    _ok(api.post("/departments", department(child, HEALTH, level="district", parent_id=parent)), 201)
    _ok(
        api.post(
            f"/departments/{child}/responsibilities", responsibility(resp, child), as_=(HEALTH, "admin")
        ),
        201,
    )
    ids = World(parent, child, unique("ckan-open"), unique("ckan-closed"), unique("ckan-draft"))
    bodies = {
        ids.open: catalog(
            ids.open,
            child,
            resp,
            share_type="unconditional",
            zh="医疗机构名录",
            en="Hospital directory",
            tags=["ckan-test", "hospital"],
        ),
        ids.closed: catalog(ids.closed, child, resp, tags=["ckan-test"]),
        ids.draft: catalog(ids.draft, child, resp, tags=["ckan-test"]),
    }
    bodies[ids.open].update(open_type="open", endpoint="https://data.example.gov.cn/api/hospitals")
    for body in bodies.values():
        _ok(api.post("/catalogs", body, as_=(HEALTH, "admin")), 201)
    for cat in (ids.open, ids.closed):
        _ok(api.post(f"/catalogs/{cat}/publish", as_=(HEALTH, "admin")))
    return ids


def published(api: Api) -> list[dict[str, Any]]:
    return [
        c for reply in api.pages("/catalogs", {"status": "published", "page_size": 200}) for c in reply.data
    ]


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the timeout"
        time.sleep(0.2)


# --- the client --------------------------------------------------------------------------------


@pytest.mark.parametrize("get_only", [False, True], ids=["post", "get"])
def test_ckanapi_reads_packages_and_organizations(api: Api, world: World, get_only: bool) -> None:
    anonymous = Ckan(api.base_url, get_only=get_only)
    keyed = Ckan(api.base_url, apikey=api.token(HEALTH, "client"), get_only=get_only)
    try:
        assert anonymous.call("status_show")["ckan_version"].startswith("2.10")
        pkg = anonymous.call("package_show", id=world.open)
        assert pkg["name"] == world.open and pkg["title"] == "医疗机构名录"
        assert pkg["organization"]["name"] == world.child and pkg["num_tags"] == 2
        assert pkg["resources"][0]["url"] == "https://data.example.gov.cn/api/hospitals"
        assert {e["key"]: e["value"] for e in pkg["extras"]}["open_type"] == "open"
        for hidden in (world.closed, world.draft, "no-such-catalog"):
            with pytest.raises(NotFound):
                anonymous.call("package_show", id=hidden)
        assert keyed.call("package_show", id=world.closed)["name"] == world.closed
        with pytest.raises(NotFound):
            keyed.call("package_show", id=world.draft)
        with pytest.raises(NotFound):
            anonymous.call("organization_show", id="no-such-org")

        anon_names = set(anonymous.call("package_list"))
        keyed_names = set(keyed.call("package_list"))
        assert world.open in anon_names and world.closed not in anon_names
        assert {world.open, world.closed} <= keyed_names and world.draft not in keyed_names

        search = keyed.call(
            "package_search", fq=f"organization:{world.child} tags:ckan-test", **{"facet.field": ["tags"]}
        )
        assert sorted(p["name"] for p in search["results"]) == sorted([world.open, world.closed])
        assert search["facets"]["tags"] == {"ckan-test": 2, "hospital": 1}
        assert search["search_facets"]["tags"]["items"][0] == {
            "name": "ckan-test",
            "display_name": "ckan-test",
            "count": 2,
        }
        capped = keyed.call("package_search", rows=5000)
        assert len(capped["results"]) == min(capped["count"], 1000)
        ordered = keyed.call("package_search", rows=1000, sort="metadata_modified desc")["results"]
        stamps = [p["metadata_modified"] for p in ordered]
        assert stamps == sorted(stamps, reverse=True)
        with pytest.raises(SearchQueryError):
            keyed.call("package_search", sort="nonsense desc")

        org = anonymous.call("organization_show", id=world.child)
        assert org["groups"] == [{"name": world.parent, "capacity": "public"}] and org["package_count"] >= 1
        names = anonymous.call("organization_list")
        assert {world.parent, world.child} <= set(names)
        full = anonymous.call("organization_list", all_fields=True)
        assert {o["name"] for o in full} == set(names)
        assert anonymous.call("group_list") == []
        assert {"ckan-test", "hospital"} <= set(anonymous.call("tag_list"))
        with pytest.raises(CKANAPIError):
            anonymous.call("package_create", name="x")  # unknown here: CKAN's bare 400
        with pytest.raises(NotAuthorized):
            Ckan(api.base_url, apikey="not-a-key", get_only=get_only).call("package_list")
    finally:
        anonymous.close()
        keyed.close()


def test_full_text_search_uses_the_gateway_index(api: Api, world: World) -> None:
    client = Ckan(api.base_url)
    try:

        def found() -> bool:
            names = [p["name"] for p in client.call("package_search", q="医疗机构", rows=1000)["results"]]
            return world.open in names

        eventually(found)
    finally:
        client.close()


# --- the command line --------------------------------------------------------------------------


def test_cli_search_datasets_returns_each_visible_catalog_once(api: Api, world: World) -> None:
    listed = published(api)
    anonymous = [r["name"] for r in cli("search", "datasets", "-r", api.base_url)]
    assert len(anonymous) == len(set(anonymous))
    assert set(anonymous) == {c["id"] for c in listed if c["open_type"] != "none"}
    keyed = [
        r["name"] for r in cli("search", "datasets", "-r", api.base_url, "-a", api.token(BUREAU, "client"))
    ]
    assert len(keyed) == len(set(keyed)) and set(keyed) == {c["id"] for c in listed}
    mine = cli("search", "datasets", f"fq=organization:{world.child}", "-r", api.base_url, "-g")
    assert [r["name"] for r in mine] == [world.open]


def test_cli_dump_organizations(api: Api, world: World) -> None:
    dumped = {o["name"]: o for o in cli("dump", "organizations", "--all", "-r", api.base_url)}
    departments = {d["id"] for reply in api.pages("/departments", {"page_size": 200}) for d in reply.data}
    assert set(dumped) == departments
    assert dumped[world.child]["groups"] == [{"name": world.parent, "capacity": "public"}]
    assert dumped[world.child]["is_organization"] is True
