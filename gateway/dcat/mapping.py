"""The directory as DCAT-AP 3: published catalogs → ``dcat:Dataset``, the directory → ``dcat:Catalog``.

Pure functions from the ledger's JSON entities to one rdflib ``Graph``; the views serialize it.
Every IRI starts with the public base URL, so an export read through a proxy names resources
the proxy serves. The mapping (see also README "Open data: DCAT-AP"):

===========================  ===================================================================
catalog field                DCAT-AP 3
===========================  ===================================================================
resource_code (else id)      ``dct:identifier``
title {zh, en}               ``dct:title`` @zh / @en
description                  ``dct:description``: a "中文。English." text is split by language,
                             else tagged by script; the title when empty (it is mandatory)
department                   ``dct:publisher`` (``foaf:Agent``, name @zh/@en, provider_code as
                             ``dct:identifier``) and ``dcat:contactPoint`` (``vcard:Kind``)
tags                         ``dcat:keyword`` (tagged @zh when written in CJK)
update_frequency             ``dct:accrualPeriodicity``: EU frequency authority table
share_type                   ``dct:accessRights``: unconditional → PUBLIC, conditional →
                             RESTRICTED, none → NON_PUBLIC (EU access-right table)
endpoint, format             ``dcat:Distribution``: ``dcat:accessURL`` (and ``dcat:downloadURL``
                             when share_method is file_download); ``dct:format`` an EU file-type
                             IRI where the format is one, else a ``dct:MediaTypeOrExtent`` node
                             labelled with it (DCAT-AP 3 forbids a literal there); share
                             conditions as the distribution's ``dct:rights``
items, schema_hash           ``dct:conformsTo`` a ``dct:Standard`` (``<dataset>#schema``) listing
                             each item (``citydir:item``): name, title, XSD datatype,
                             sensitivity (``citydir:Public`` … ``citydir:Secret``)
classification {kind, path}  ``dcat:theme`` (``skos:Concept`` in a scheme per kind)
related_codes                ``dct:relation`` (a node carrying the code as ``dct:identifier``)
updated_at / created_at,     ``dct:modified`` / ``dct:issued`` (released_at, a date, wins for
released_at                  issued)
open_type, share_method,     ``citydir:openType``, ``citydir:shareType``, ``citydir:shareMethod``,
share_type, no_share_basis   ``citydir:noShareBasis`` (kept for citydir-aware harvesters)
===========================  ===================================================================

Items go through ``dct:conformsTo`` because it is the DCAT-AP property for "the schema this data
follows" (range ``dct:Standard``) that harvesters keep; the schema node is a fragment of the
dataset's own document, so it dereferences. The item vocabulary is ours (``CITYDIR``), small and
fixed: a harvester that does not know it still keeps the link and the titles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF
from rdflib.term import Node

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
CITYDIR = Namespace("https://citydir.example/ns#")  # the fixed citydir vocabulary (not per deployment)
EU = "http://publications.europa.eu/resource/authority/"
FREQUENCY = Namespace(EU + "frequency/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
FILE_TYPE = Namespace(EU + "file-type/")

PREFIXES: dict[str, Namespace] = {
    "dcat": Namespace(str(DCAT)),
    "dct": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "vcard": Namespace(str(VCARD)),
    "skos": Namespace(str(SKOS)),
    "hydra": HYDRA,
    "citydir": CITYDIR,
    "xsd": Namespace(str(XSD)),
    "rdfs": Namespace(str(RDFS)),
}

FREQUENCIES: dict[str, URIRef] = {
    "realtime": FREQUENCY.UPDATE_CONT,
    "daily": FREQUENCY.DAILY,
    "weekly": FREQUENCY.WEEKLY,
    "monthly": FREQUENCY.MONTHLY,
    "quarterly": FREQUENCY.QUARTERLY,
    "yearly": FREQUENCY.ANNUAL,
    "irregular": FREQUENCY.IRREG,
}
ACCESS_RIGHTS: dict[str, URIRef] = {
    "unconditional": ACCESS_RIGHT.PUBLIC,
    "conditional": ACCESS_RIGHT.RESTRICTED,
    "none": ACCESS_RIGHT.NON_PUBLIC,
}
# Our format strings (free text, case-insensitive) that name an EU file type.
FILE_TYPES: dict[str, str] = {
    "csv": "CSV",
    "json": "JSON",
    "geojson": "GEOJSON",
    "json-ld": "JSON_LD",
    "jsonld": "JSON_LD",
    "xml": "XML",
    "xls": "XLS",
    "xlsx": "XLSX",
    "excel": "XLSX",
    "ods": "ODS",
    "pdf": "PDF",
    "zip": "ZIP",
    "html": "HTML",
    "txt": "TXT",
    "shp": "SHP",
    "kml": "KML",
    "rdf": "RDF_XML",
    "rdf/xml": "RDF_XML",
    "turtle": "RDF_TURTLE",
    "ttl": "RDF_TURTLE",
    "docx": "DOCX",
}
ITEM_TYPES: dict[str, URIRef] = {
    "string": XSD.string,
    "integer": XSD.integer,
    "number": XSD.decimal,
    "boolean": XSD.boolean,
    "date": XSD.date,
    "datetime": XSD.dateTime,
    "binary": XSD.base64Binary,
    "geometry": CITYDIR.Geometry,
}
SENSITIVITIES: dict[str, URIRef] = {
    "public": CITYDIR.Public,
    "internal": CITYDIR.Internal,
    "confidential": CITYDIR.Confidential,
    "secret": CITYDIR.Secret,
}

CATALOG_TITLE = {"zh": "智慧城市政务数据资源目录", "en": "City government data resource directory"}
CATALOG_DESCRIPTION = {
    "zh": "本市各部门发布的政务数据资源目录，记录于区块链账本。",
    "en": "The government data resources published by the city's departments, recorded on a ledger.",
}
BUREAU_ID = "data-bureau"
BUREAU_MSP = "DataBureauMSP"
BUREAU_NAME = {"zh": "市大数据管理局", "en": "Municipal Big Data Bureau"}

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_ZH_SENTENCE_END = "。！？；"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Iris:
    """Every IRI the export mints, from one base URL (no trailing slash)."""

    base: str

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/dcat/catalog")

    def dataset(self, catalog_id: str) -> URIRef:
        return URIRef(f"{self.base}/dcat/datasets/{quote(catalog_id, safe='')}")

    def fragment(self, of: URIRef, name: str) -> URIRef:
        return URIRef(f"{of}#{quote(name, safe='-_.')}")

    def department(self, department_id: str) -> URIRef:
        return self.fragment(self.catalog, f"department-{department_id}")

    def contact(self, department_id: str) -> URIRef:
        return self.fragment(self.catalog, f"contact-{department_id}")

    def scheme(self, kind: str) -> URIRef:
        return self.fragment(self.catalog, f"classification-{kind}")

    def concept(self, kind: str, path: str) -> URIRef:
        return URIRef(f"{self.scheme(kind)}/{quote(path, safe='/-_.')}")


@dataclass(frozen=True)
class Paging:
    """One page of the collection: links are absolute URLs (built by the view)."""

    total: int
    this: str
    first: str
    last: str
    next: str | None
    previous: str | None


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def is_published(catalog: Mapping[str, Any]) -> bool:
    return catalog.get("status") == "published"


def is_open(catalog: Mapping[str, Any]) -> bool:
    """What an anonymous caller may see: published and opened to the public in some way."""
    return is_published(catalog) and catalog.get("open_type", "none") != "none"


def modified_at(catalog: Mapping[str, Any]) -> str:
    """The ledger time of the catalog's last change (ISO 8601, UTC, ``Z``)."""
    ledger = catalog.get("ledger")
    fallback = ledger.get("timestamp", "") if isinstance(ledger, Mapping) else ""
    return str(catalog.get("updated_at") or fallback)


def split_languages(text: str) -> list[tuple[str, str]]:
    """``(text, lang)`` pairs: "中文。English." → zh and en parts; else one part tagged by script."""
    text = text.strip()
    if not text:
        return []
    if not _CJK.search(text):
        return [(text, "en")]
    for separator in (" / ", " | "):
        head, sep, tail = text.partition(separator)
        if sep and _CJK.search(head) and tail.strip() and not _CJK.search(tail):
            return [(head.strip(), "zh"), (tail.strip(), "en")]
    last = max(m.end() for m in _CJK.finditer(text))
    head, tail = text[:last], text[last:]
    # Split only at a sentence end or a space: "数据来自GTFS" stays one zh text.
    if (
        tail.strip()
        and re.match(r"^\s*[A-Za-z]", tail)
        and (head[-1] in _ZH_SENTENCE_END or tail[0].isspace())
    ):
        return [(head.strip(), "zh"), (tail.strip(), "en")]
    return [(text, "zh")]


def _lang_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _localized(graph: Graph, subject: Node, predicate: URIRef, value: Any) -> None:
    if isinstance(value, Mapping):
        for lang in ("zh", "en"):
            text = value.get(lang)
            if isinstance(text, str) and text.strip():
                graph.add((subject, predicate, Literal(text.strip(), lang=lang)))
    elif isinstance(value, str) and value.strip():
        graph.add((subject, predicate, Literal(value.strip(), lang=_lang_of(value))))


def _timestamp(value: Any) -> Literal | None:
    if not isinstance(value, str) or not value:
        return None
    if _DATE.match(value):
        return Literal(value, datatype=XSD.date)
    return Literal(value, datatype=XSD.dateTime)


def add_agent(graph: Graph, iris: Iris, department: Mapping[str, Any]) -> URIRef:
    """The department as ``foaf:Agent`` (publisher); its contact as ``vcard:Kind``."""
    dept_id = str(department["id"])
    agent = iris.department(dept_id)
    graph.add((agent, RDF.type, FOAF.Agent))
    _localized(graph, agent, FOAF.name, department.get("name") or {"en": dept_id})
    if not any(graph.objects(agent, FOAF.name)):
        graph.add((agent, FOAF.name, Literal(dept_id)))
    code = department.get("provider_code")
    graph.add((agent, DCTERMS.identifier, Literal(str(code) if code else dept_id)))
    return agent


def add_contact(graph: Graph, iris: Iris, department: Mapping[str, Any]) -> URIRef | None:
    contact = department.get("contact")
    if not isinstance(contact, Mapping):
        return None
    node = iris.contact(str(department["id"]))
    graph.add((node, RDF.type, VCARD.Kind))
    name = contact.get("name")
    if isinstance(name, str) and name:
        graph.add((node, VCARD.fn, Literal(name, lang=_lang_of(name))))
    org = department.get("name")
    if isinstance(org, Mapping):
        _localized(graph, node, VCARD["organization-name"], org)
    email = contact.get("email")
    if isinstance(email, str) and email:
        graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{quote(email, safe='@.+-_')}")))
    phone = contact.get("phone")
    if isinstance(phone, str) and phone:
        digits = re.sub(r"[^0-9+]", "", phone)
        if digits:
            graph.add((node, VCARD.hasTelephone, URIRef(f"tel:{digits}")))
    return node


def add_dataset(
    graph: Graph, iris: Iris, catalog: Mapping[str, Any], department: Mapping[str, Any] | None
) -> URIRef:
    """One published catalog as a ``dcat:Dataset`` (with its publisher, contact and distribution)."""
    catalog_id = str(catalog["id"])
    ds = iris.dataset(catalog_id)
    add = graph.add
    add((ds, RDF.type, DCAT.Dataset))
    add((ds, DCTERMS.identifier, Literal(str(catalog.get("resource_code") or catalog_id))))
    _localized(graph, ds, DCTERMS.title, catalog.get("title") or catalog_id)
    if not any(graph.objects(ds, DCTERMS.title)):
        add((ds, DCTERMS.title, Literal(catalog_id)))
    description = catalog.get("description")
    parts = split_languages(description) if isinstance(description, str) else []
    for text, lang in parts:
        add((ds, DCTERMS.description, Literal(text, lang=lang)))
    if not parts:  # mandatory in DCAT-AP: the title says what it is
        for title in list(graph.objects(ds, DCTERMS.title)):
            add((ds, DCTERMS.description, title))

    department = department or {"id": str(catalog.get("department_id") or "unknown")}
    add((ds, DCTERMS.publisher, add_agent(graph, iris, department)))
    contact = add_contact(graph, iris, department)
    if contact is not None:
        add((ds, DCAT.contactPoint, contact))

    for tag in catalog.get("tags") or []:
        if isinstance(tag, str) and tag:
            add((ds, DCAT.keyword, Literal(tag, lang=_lang_of(tag))))

    frequency = FREQUENCIES.get(str(catalog.get("update_frequency")))
    if frequency is not None:
        add((ds, DCTERMS.accrualPeriodicity, frequency))
        add((frequency, RDF.type, DCTERMS.Frequency))
    share_type = str(catalog.get("share_type"))
    rights = ACCESS_RIGHTS.get(share_type)
    if rights is not None:
        add((ds, DCTERMS.accessRights, rights))
        add((rights, RDF.type, DCTERMS.RightsStatement))

    issued = _timestamp(catalog.get("released_at")) or _timestamp(catalog.get("created_at"))
    if issued is not None:
        add((ds, DCTERMS.issued, issued))
    modified = _timestamp(modified_at(catalog))
    if modified is not None:
        add((ds, DCTERMS.modified, modified))

    for name, key in (
        ("openType", "open_type"),
        ("shareType", "share_type"),
        ("shareMethod", "share_method"),
        ("noShareBasis", "no_share_basis"),
    ):
        value = catalog.get(key)
        if isinstance(value, str) and value:
            add((ds, CITYDIR[name], Literal(value)))

    _add_distribution(graph, iris, ds, catalog)
    _add_schema(graph, iris, ds, catalog)
    _add_classification(graph, iris, ds, catalog.get("classification"))
    for code in catalog.get("related_codes") or []:
        if isinstance(code, str) and code:
            related = BNode()
            add((ds, DCTERMS.relation, related))
            add((related, RDF.type, RDFS.Resource))
            add((related, DCTERMS.identifier, Literal(code)))
    return ds


def _add_distribution(graph: Graph, iris: Iris, ds: URIRef, catalog: Mapping[str, Any]) -> None:
    endpoint = catalog.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return  # DCAT-AP requires an access URL: no endpoint, no distribution
    dist = iris.fragment(ds, "distribution")
    url = URIRef(endpoint)
    add = graph.add
    add((ds, DCAT.distribution, dist))
    add((dist, RDF.type, DCAT.Distribution))
    add((dist, DCAT.accessURL, url))
    if catalog.get("share_method") == "file_download":
        add((dist, DCAT.downloadURL, url))
    add((url, RDF.type, RDFS.Resource))
    _localized(graph, dist, DCTERMS.title, catalog.get("title"))
    fmt = str(catalog.get("format") or "").strip()
    if fmt:
        file_type = FILE_TYPES.get(fmt.lower())
        node: Node = FILE_TYPE[file_type] if file_type else iris.fragment(ds, "format")
        add((dist, DCTERMS.format, node))
        add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
        if not file_type:
            add((node, RDFS.label, Literal(fmt)))
    conditions = catalog.get("share_conditions")
    if isinstance(conditions, str) and conditions.strip():
        statement = iris.fragment(ds, "share-conditions")
        add((dist, DCTERMS.rights, statement))
        add((statement, RDF.type, DCTERMS.RightsStatement))
        for text, lang in split_languages(conditions):
            add((statement, RDFS.label, Literal(text, lang=lang)))


def _add_schema(graph: Graph, iris: Iris, ds: URIRef, catalog: Mapping[str, Any]) -> None:
    items = [i for i in catalog.get("items") or [] if isinstance(i, Mapping) and i.get("name")]
    if not items:
        return
    schema = iris.fragment(ds, "schema")
    add = graph.add
    add((ds, DCTERMS.conformsTo, schema))
    add((schema, RDF.type, DCTERMS.Standard))
    add((schema, RDF.type, CITYDIR.ItemSchema))
    title = catalog.get("title")
    if isinstance(title, Mapping):
        for lang, suffix in (("zh", "数据项"), ("en", "data items")):
            if title.get(lang):
                add((schema, DCTERMS.title, Literal(f"{title[lang]} {suffix}", lang=lang)))
    if catalog.get("schema_hash"):
        add((schema, CITYDIR.schemaHash, Literal(str(catalog["schema_hash"]))))
    for position, item in enumerate(items):
        name = str(item["name"])
        node = iris.fragment(ds, f"item-{name}")
        add((schema, CITYDIR.item, node))
        add((node, RDF.type, CITYDIR.DataItem))
        add((node, CITYDIR.name, Literal(name)))
        add((node, CITYDIR.position, Literal(position)))
        if item.get("title"):
            add((node, DCTERMS.title, Literal(str(item["title"]), lang=_lang_of(str(item["title"])))))
        if item.get("description"):
            text = str(item["description"])
            add((node, DCTERMS.description, Literal(text, lang=_lang_of(text))))
        datatype = ITEM_TYPES.get(str(item.get("type")))
        if datatype is not None:
            add((node, CITYDIR.datatype, datatype))
        sensitivity = SENSITIVITIES.get(str(item.get("sensitivity")))
        if sensitivity is not None:
            add((node, CITYDIR.sensitivity, sensitivity))


def _add_classification(graph: Graph, iris: Iris, ds: URIRef, classification: Any) -> None:
    if not isinstance(classification, Mapping):
        return
    kind = str(classification.get("kind") or "").strip()
    raw_path = classification.get("path")
    path = "/".join(str(p) for p in raw_path) if isinstance(raw_path, list) else str(raw_path or "")
    if not kind or not path.strip():
        return
    scheme, concept = iris.scheme(kind), iris.concept(kind, path.strip())
    graph.add((ds, DCAT.theme, concept))
    graph.add((concept, RDF.type, SKOS.Concept))
    graph.add((concept, SKOS.prefLabel, Literal(path.strip())))
    graph.add((concept, SKOS.notation, Literal(path.strip())))
    graph.add((concept, SKOS.inScheme, scheme))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal(f"citydir classification: {kind}", lang="en")))


def bureau_of(departments: Iterable[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The data bureau, which runs the directory: by id, else by its MSP, else a stand-in."""
    listed = list(departments)
    for key, wanted in (("id", BUREAU_ID), ("msp_id", BUREAU_MSP)):
        for department in listed:
            if department.get(key) == wanted:
                return department
    return {"id": BUREAU_ID, "name": BUREAU_NAME}


def add_catalog(
    graph: Graph,
    iris: Iris,
    bureau: Mapping[str, Any],
    datasets: Sequence[URIRef],
    paging: Paging | None,
    modified: str | None,
) -> URIRef:
    """The directory as ``dcat:Catalog``; with ``paging``, also a Hydra collection of its datasets."""
    cat = iris.catalog
    add = graph.add
    add((cat, RDF.type, DCAT.Catalog))
    _localized(graph, cat, DCTERMS.title, CATALOG_TITLE)
    _localized(graph, cat, DCTERMS.description, CATALOG_DESCRIPTION)
    add((cat, DCTERMS.publisher, add_agent(graph, iris, bureau)))
    contact = add_contact(graph, iris, bureau)
    if contact is not None:
        add((cat, DCAT.contactPoint, contact))
    if modified:
        stamp = _timestamp(modified)
        if stamp is not None:
            add((cat, DCTERMS.modified, stamp))
    for ds in datasets:
        add((cat, DCAT.dataset, ds))
        if paging is not None:
            add((cat, HYDRA.member, ds))
    for scheme in set(graph.subjects(RDF.type, SKOS.ConceptScheme)):
        add((cat, DCAT.themeTaxonomy, scheme))
    if paging is not None:
        add((cat, RDF.type, HYDRA.Collection))
        add((cat, HYDRA.totalItems, Literal(paging.total, datatype=XSD.nonNegativeInteger)))
        view = URIRef(paging.this)
        add((cat, HYDRA.view, view))
        add((view, RDF.type, HYDRA.PartialCollectionView))
        add((view, HYDRA.first, URIRef(paging.first)))
        add((view, HYDRA.last, URIRef(paging.last)))
        if paging.next:
            add((view, HYDRA.next, URIRef(paging.next)))
        if paging.previous:
            add((view, HYDRA.previous, URIRef(paging.previous)))
    return cat
