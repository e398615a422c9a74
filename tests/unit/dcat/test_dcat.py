"""The DCAT-AP 3 export (``/dcat``) on a fake ledger: conformance, formats, paging, visibility."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS

from gateway.dcat.mapping import HYDRA, split_languages
from tests.dcat.shacl import OWN_SHAPES, TOLERATED, official_shapes, untolerated, validate
from tests.unit.dcat.conftest import OPEN_IDS, PUBLISHED_IDS, TRANSPORT_TOKEN, Directory

FORMATS = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "xml"}
MEDIA = {"jsonld": "application/ld+json", "ttl": "text/turtle", "rdf": "application/rdf+xml"}
EU = "http://publications.europa.eu/resource/authority/"


def graph_of(reply: Any, ext: str = "ttl") -> Graph:
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return Graph().parse(data=reply.get_data(as_text=True), format=FORMATS[ext])


def ids(graph: Graph) -> set[str]:
    return {str(ds).rsplit("/", 1)[-1] for ds in graph.subjects(RDF.type, DCAT.Dataset)}


def whole_export(directory: Directory, token: str | None = None) -> Graph:
    graph = Graph()
    graph += graph_of(directory.get("/dcat/catalog.ttl?page_size=200", token))
    for dataset in ids(graph):
        graph += graph_of(directory.get(f"/dcat/datasets/{dataset}.ttl", token))
    return graph


# --- conformance ---------------------------------------------------------------------------------


def test_the_export_conforms_to_our_own_shapes(directory: Directory) -> None:
    for token in (None, TRANSPORT_TOKEN):
        violations = validate(whole_export(directory, token), OWN_SHAPES)
        assert violations == [], violations


def test_the_export_conforms_to_the_official_dcat_ap_3_shapes(directory: Directory) -> None:
    shapes = official_shapes()
    if shapes is None:
        pytest.skip("DCAT-AP 3.0.0 SHACL shapes not found (../shared/standards/ or $CITYDIR_DCAT_SHAPES)")
    violations = validate(whole_export(directory, TRANSPORT_TOKEN), shapes)
    assert untolerated(violations) == [], violations
    assert TOLERATED == {}  # no violation is tolerated today


def test_our_shapes_catch_a_dataset_without_its_mandatory_properties() -> None:
    broken = Graph()
    broken.add((URIRef("http://x/ds"), RDF.type, DCAT.Dataset))
    paths = {v.path for v in validate(broken, OWN_SHAPES)}
    assert {str(DCTERMS.title), str(DCTERMS.description), str(DCTERMS.identifier)} <= paths


# --- mapping -------------------------------------------------------------------------------------


def test_a_dataset_carries_the_mapped_fields(directory: Directory) -> None:
    g = graph_of(directory.get("/dcat/datasets/hospitals.ttl"))
    ds = URIRef("http://localhost/dcat/datasets/hospitals")
    assert g.value(ds, DCTERMS.identifier) == Literal("101001/000001")  # the resource code
    assert set(g.objects(ds, DCTERMS.title)) == {
        Literal("医疗机构名录", lang="zh"),
        Literal("Directory of hospitals", lang="en"),
    }
    assert set(g.objects(ds, DCTERMS.description)) == {
        Literal("医疗机构名录。", lang="zh"),
        Literal("Directory of hospitals.", lang="en"),
    }
    assert g.value(ds, DCTERMS.accrualPeriodicity) == URIRef(EU + "frequency/MONTHLY")
    assert g.value(ds, DCTERMS.accessRights) == URIRef(EU + "access-right/RESTRICTED")
    assert (
        g.value(ds, DCTERMS.issued) == Literal("2026-02-01", datatype=URIRef(str(DCTERMS.issued)))
        or str(g.value(ds, DCTERMS.issued)) == "2026-02-01"
    )
    dist = g.value(ds, DCAT.distribution)
    assert g.value(dist, DCTERMS.format) == URIRef(EU + "file-type/CSV")
    assert str(g.value(dist, DCAT.accessURL)).endswith("/health/hospitals")
    publisher = g.value(ds, DCTERMS.publisher)
    assert Literal("市卫生健康委员会", lang="zh") in set(
        g.objects(publisher, URIRef("http://xmlns.com/foaf/0.1/name"))
    )
    schema = g.value(ds, DCTERMS.conformsTo)
    citydir = "https://citydir.example/ns#"
    sensitivities = {
        str(g.value(item, URIRef(citydir + "name"))): str(g.value(item, URIRef(citydir + "sensitivity")))
        for item in g.objects(schema, URIRef(citydir + "item"))
    }
    assert sensitivities == {
        "org_name": citydir + "Public",
        "licence_no": citydir + "Internal",
        "beds": citydir + "Confidential",
    }


def test_without_a_resource_code_the_identifier_is_the_id(directory: Directory) -> None:
    g = graph_of(directory.get("/dcat/datasets/clinics.ttl"))
    ds = URIRef("http://localhost/dcat/datasets/clinics")
    assert g.value(ds, DCTERMS.identifier) == Literal("clinics")
    assert g.value(ds, DCTERMS.accrualPeriodicity) == URIRef(EU + "frequency/UPDATE_CONT")
    fmt = g.value(g.value(ds, DCAT.distribution), DCTERMS.format)
    assert not str(fmt).startswith(EU)  # "API" is no EU file type: a labelled node of ours


@pytest.mark.parametrize(
    ("share_type", "right"),
    [("unconditional", "PUBLIC"), ("conditional", "RESTRICTED"), ("none", "NON_PUBLIC")],
)
def test_access_rights_come_from_share_type(directory: Directory, share_type: str, right: str) -> None:
    directory.catalogs[0]["share_type"] = share_type
    g = graph_of(directory.get("/dcat/datasets/hospitals.ttl"))
    assert g.value(URIRef("http://localhost/dcat/datasets/hospitals"), DCTERMS.accessRights) == URIRef(
        EU + "access-right/" + right
    )


def test_no_endpoint_no_distribution_and_an_empty_description_falls_back_to_the_title(
    directory: Directory,
) -> None:
    g = graph_of(directory.get("/dcat/datasets/pharmacies.ttl"))
    assert g.value(URIRef("http://localhost/dcat/datasets/pharmacies"), DCAT.distribution) is None
    beds = graph_of(directory.get("/dcat/datasets/beds.ttl"))
    assert len(set(beds.objects(URIRef("http://localhost/dcat/datasets/beds"), DCTERMS.description))) == 2


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "医疗机构名录。Directory of hospitals.",
            [("医疗机构名录。", "zh"), ("Directory of hospitals.", "en")],
        ),
        (
            "最低生活保障对象名册 Register of recipients",
            [("最低生活保障对象名册", "zh"), ("Register of recipients", "en")],
        ),
        ("仅限 / Only for duties", [("仅限", "zh"), ("Only for duties", "en")]),
        ("数据来自GTFS", [("数据来自GTFS", "zh")]),
        ("Patient register", [("Patient register", "en")]),
        ("", []),
    ],
)
def test_descriptions_are_split_by_language(text: str, parts: list[tuple[str, str]]) -> None:
    assert split_languages(text) == parts


# --- formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dcat/catalog", "/dcat/datasets/hospitals"])
def test_the_three_serializations_are_the_same_graph(directory: Directory, path: str) -> None:
    # One URL negotiated three ways (a .ext URL's paging links keep its own extension).
    graphs = [graph_of(directory.get(path, None, Accept=MEDIA[ext]), ext) for ext in FORMATS]
    assert len(graphs[0]) > 20
    assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/ld+json"),
        ("*/*", "application/ld+json"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.5", "application/rdf+xml"),
        ("application/json", "application/ld+json"),
    ],
)
def test_the_catalog_negotiates_its_format(directory: Directory, accept: str | None, media: str) -> None:
    headers = {"Accept": accept} if accept else {}
    reply = directory.get("/dcat/catalog", None, **headers)
    assert reply.status_code == 200 and reply.mimetype == media
    assert "Accept" in reply.headers["Vary"]


def test_an_unavailable_format_is_406_with_a_clear_error(directory: Directory) -> None:
    reply = directory.get("/dcat/catalog", None, Accept="text/html")
    assert reply.status_code == 406
    error = reply.get_json()["error"]
    assert error["code"] == "NOT_ACCEPTABLE" and "text/turtle" in error["message"]
    assert "application/ld+json" in error["details"]["available"]


# --- paging --------------------------------------------------------------------------------------


def _view(g: Graph) -> tuple[int, dict[str, str | None]]:
    catalog = URIRef("http://localhost/dcat/catalog")
    total = g.value(catalog, HYDRA.totalItems)
    view = g.value(catalog, HYDRA.view)
    assert total is not None and view is not None
    assert (view, RDF.type, HYDRA.PartialCollectionView) in g
    links = {name: g.value(view, HYDRA[name]) for name in ("first", "next", "previous", "last")}
    return int(str(total)), {k: str(v) if v is not None else None for k, v in links.items()}


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.parametrize("page_size", [1, 2, 3, 50])
def test_following_next_reaches_every_dataset_once(directory: Directory, page_size: int) -> None:
    url: str | None = f"/dcat/catalog.ttl?page_size={page_size}"
    seen: list[str] = []
    pages = 0
    while url is not None:
        g = graph_of(directory.get(url))
        total, links = _view(g)
        seen.extend(ids(g))
        pages += 1
        url = _local(links["next"]) if links["next"] else None
    assert len(seen) == total == len(set(seen)) == len(OPEN_IDS)
    assert set(seen) == OPEN_IDS
    assert pages == -(-total // page_size)


def test_paging_links_use_the_public_base_url(directory: Directory) -> None:
    config = directory.env.app.extensions["citydir"].config
    import dataclasses

    directory.env.app.extensions["citydir"].config = dataclasses.replace(
        config, public_base_url="https://data.city.example/directory"
    )
    g = graph_of(directory.get("/dcat/catalog.ttl?page_size=1&modified_since=2026-03-01T00:00:00Z"))
    catalog = URIRef("https://data.city.example/directory/dcat/catalog")
    view = g.value(catalog, HYDRA.view)
    assert str(g.value(view, HYDRA.next)) == (
        "https://data.city.example/directory/dcat/catalog.ttl"
        "?modified_since=2026-03-01T00%3A00%3A00Z&page=2&page_size=1"
    )
    assert all(
        str(ds).startswith("https://data.city.example/directory/dcat/datasets/")
        for ds in g.objects(catalog, DCAT.dataset)
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=0", "page"),
        ("page=x", "page"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=-1", "page_size"),
        ("modified_since=yesterday", "modified_since"),
        ("modified_since=", "modified_since"),
        ("pagesize=10", "pagesize"),
    ],
)
def test_bad_parameters_are_400_with_a_code_and_a_message(
    directory: Directory, query: str, parameter: str
) -> None:
    reply = directory.get(f"/dcat/catalog.ttl?{query}")
    assert reply.status_code == 400
    error = reply.get_json()["error"]
    assert error["code"] == "INVALID_ARGUMENT" and error["details"]["parameter"] == parameter
    assert parameter in error["message"]


def test_a_page_past_the_last_is_404(directory: Directory) -> None:
    reply = directory.get("/dcat/catalog.ttl?page=3&page_size=2")
    assert reply.status_code == 404 and reply.get_json()["error"]["details"]["last_page"] == 2


# --- who sees what -------------------------------------------------------------------------------


def test_anonymous_callers_see_open_published_catalogs_read_as_the_service_identity(
    directory: Directory,
) -> None:
    g = graph_of(directory.get("/dcat/catalog.ttl"))
    assert ids(g) == OPEN_IDS
    assert any(
        fn == "ListCatalogs" for fn, _ in directory.ledger("HealthMSP").queries
    )  # the service identity
    assert not any(fn == "ListCatalogs" for fn, _ in directory.ledger("TransportMSP").queries)
    assert directory.get("/dcat/datasets/patients.ttl").status_code == 404
    assert directory.get("/dcat/datasets/draft-one.ttl").status_code == 404
    assert directory.get("/dcat/catalog.ttl").headers["Cache-Control"].startswith("public")


def test_a_department_token_sees_every_published_catalog_read_as_itself(directory: Directory) -> None:
    g = graph_of(directory.get("/dcat/catalog.ttl", TRANSPORT_TOKEN))
    assert ids(g) == PUBLISHED_IDS
    assert any(fn == "ListCatalogs" for fn, _ in directory.ledger("TransportMSP").queries)
    reply = directory.get("/dcat/datasets/patients.ttl", TRANSPORT_TOKEN)
    assert reply.status_code == 200 and reply.headers["Cache-Control"].startswith("private")
    assert directory.get("/dcat/datasets/draft-one.ttl", TRANSPORT_TOKEN).status_code == 404
    patients = graph_of(reply)
    assert patients.value(URIRef("http://localhost/dcat/datasets/patients"), DCTERMS.accessRights) == URIRef(
        EU + "access-right/NON_PUBLIC"
    )


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer expired-token", "Basic abc"])
def test_a_bad_token_is_401_not_a_silent_anonymous_read(directory: Directory, header: str) -> None:
    reply = directory.env.app.test_client().get("/dcat/catalog.ttl", headers={"Authorization": header})
    assert reply.status_code == 401


# --- modified_since ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2026-03-12T08:00:00Z", {"clinics", "pharmacies", "beds"}),  # at or after: clinics is at it
        ("2026-03-12T08:00:00.000001Z", {"pharmacies", "beds"}),
        ("2026-03-12T16:00:00+08:00", {"clinics", "pharmacies", "beds"}),  # the same instant
        ("2026-04-01T00:00:00Z", set()),
        ("2026-01-01", OPEN_IDS),
    ],
)
def test_modified_since_keeps_datasets_changed_at_or_after_it(
    directory: Directory, since: str, expected: set[str]
) -> None:
    g = graph_of(directory.get(f"/dcat/catalog.ttl?modified_since={since.replace('+', '%2B')}"))
    assert ids(g) == expected
    assert _view(g)[0] == len(expected)
