"""The DCAT-AP 3 export (``/dcat``) on a running gateway, each ledger in turn (``directory``).

The test network has no demo seed: departments and published catalogs are made through REST.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS

from gateway.dcat.mapping import HYDRA
from tests.dcat.shacl import OWN_SHAPES, official_shapes, untolerated, validate
from tests.integration.rest import BUREAU, HEALTH, Api, catalog, department, responsibility, unique


@dataclass(frozen=True)
class World:
    open_ids: tuple[str, ...]
    closed_id: str
    draft_id: str
    created_after: str  # a time before every catalog here was last changed


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    health = unique("health")
    assert api.post("/departments", department(health, HEALTH)).status == 201
    resp = unique("resp")
    assert (
        api.post(
            f"/departments/{health}/responsibilities", responsibility(resp, health), as_=(HEALTH, "admin")
        ).status
        == 201
    )
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2))
    open_ids = tuple(unique("dcat-open") for _ in range(3))
    closed_id, draft_id = unique("dcat-closed"), unique("dcat-draft")
    for cat_id in (*open_ids, closed_id, draft_id):
        body = catalog(cat_id, health, resp, zh="医疗机构名录", en="Directory of hospitals")
        body["open_type"] = "none" if cat_id == closed_id else "open"
        assert api.post("/catalogs", body, as_=(HEALTH, "admin")).status == 201
        if cat_id != draft_id:
            assert api.post(f"/catalogs/{cat_id}/publish", as_=(HEALTH, "admin")).status == 200
    return World(open_ids, closed_id, draft_id, started)


def get(api: Api, path: str, token: str | None = None, **headers: str) -> tuple[int, str, str]:
    sent = dict(headers)
    if token:
        sent["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(api.base_url + path, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=api.timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode("utf-8")


def graph(api: Api, path: str, token: str | None = None) -> Graph:
    status, _, body = get(api, path, token)
    assert status == 200, body[:600]
    return Graph().parse(data=body, format="turtle")


def walk(api: Api, query: dict[str, str], token: str | None = None) -> tuple[int, list[str]]:
    """Follow hydra:next from the first page: (totalItems, dataset ids in order seen)."""
    url: str | None = "/dcat/catalog.ttl?" + urlencode({"page_size": "7", **query})
    seen: list[str] = []
    total = -1
    while url is not None:
        g = graph(api, url, token)
        collection = next(g.subjects(RDF.type, HYDRA.Collection))
        total = int(str(g.value(collection, HYDRA.totalItems)))
        seen += [str(ds).rsplit("/", 1)[-1] for ds in g.objects(collection, DCAT.dataset)]
        nxt = g.value(g.value(collection, HYDRA.view), HYDRA.next)
        url = None if nxt is None else f"{urlsplit(str(nxt)).path}?{urlsplit(str(nxt)).query}"
    return total, seen


def test_paging_reaches_every_dataset_once_and_visibility_follows_the_token(api: Api, world: World) -> None:
    total, anonymous = walk(api, {})
    assert total == len(anonymous) == len(set(anonymous))
    assert set(world.open_ids) <= set(anonymous)
    assert world.closed_id not in anonymous and world.draft_id not in anonymous

    total, as_bureau = walk(api, {}, api.token(BUREAU, "client"))
    assert total == len(as_bureau) == len(set(as_bureau))
    assert set(world.open_ids) | {world.closed_id} <= set(as_bureau)
    assert world.draft_id not in as_bureau


def test_modified_since(api: Api, world: World) -> None:
    _, recent = walk(api, {"modified_since": world.created_after})
    assert set(world.open_ids) <= set(recent)
    _, future = walk(api, {"modified_since": "2999-01-01T00:00:00Z"})
    assert future == []
    status, _, body = get(api, "/dcat/catalog.ttl?modified_since=soon")
    assert status == 400 and "modified_since" in body


def test_datasets_conform_and_serialize_alike(api: Api, world: World) -> None:
    token = api.token(HEALTH, "admin")
    whole = graph(api, "/dcat/catalog.ttl?page_size=200", token)
    for cat_id in (*world.open_ids, world.closed_id):
        graphs = []
        for ext, fmt in (("jsonld", "json-ld"), ("ttl", "turtle"), ("rdf", "xml")):
            status, _, body = get(api, f"/dcat/datasets/{cat_id}.{ext}", token)
            assert status == 200, body[:600]
            graphs.append(Graph().parse(data=body, format=fmt))
        assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])
        whole += graphs[0]
    ds = URIRef(f"{api.base_url}/dcat/datasets/{world.open_ids[0]}")
    assert (ds, RDF.type, DCAT.Dataset) in whole and whole.value(ds, DCTERMS.identifier) is not None
    assert validate(whole, OWN_SHAPES) == []
    shapes = official_shapes()
    if shapes is not None:
        assert untolerated(validate(whole, shapes)) == []
    assert get(api, f"/dcat/datasets/{world.closed_id}.ttl")[0] == 404  # closed: not for anonymous
    assert get(api, f"/dcat/datasets/{world.draft_id}.ttl", token)[0] == 404  # never published


def test_negotiation(api: Api, world: World) -> None:
    status, media, _ = get(api, "/dcat/catalog?page_size=1", Accept="text/turtle")
    assert status == 200 and media.startswith("text/turtle")
    status, media, body = get(api, "/dcat/catalog", Accept="image/png")
    assert status == 406 and "NOT_ACCEPTABLE" in body
