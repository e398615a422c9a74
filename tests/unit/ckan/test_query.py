"""fq / q parsing and sorting (``gateway.ckan.query``) on package dicts, without Flask."""

from __future__ import annotations

import pytest

from gateway.ckan import mapping, query
from tests.unit.ckan.conftest import catalog, department


def test_terms_and_words() -> None:
    terms, words = query.parse_terms(
        '医疗 +tags:a -organization:"x y" NOT name:b* AND res_format:(CSV OR json) hosp'
    )
    assert words == ["医疗", "hosp"]
    assert [(t.field, t.negate, t.kind, t.values) for t in terms] == [
        ("tags", False, "exact", ("a",)),
        ("organization", True, "exact", ("x y",)),
        ("name", True, "prefix", ("b",)),
        ("res_format", False, "one_of", ("CSV", "json")),
    ]
    (rng,) = query.parse_fq("metadata_modified:{2026-01-01T00:00:00Z TO *]")
    assert (rng.kind, rng.low, rng.high, rng.low_inclusive, rng.high_inclusive) == (
        "range",
        "2026-01-01T00:00:00Z",
        None,
        False,
        True,
    )
    (escaped,) = query.parse_fq(r"resource_code:101\/000001")
    assert escaped.values == ("101/000001",)
    assert query.parse_terms("*:*") == ([], [])


@pytest.mark.parametrize(
    "bad", ["a OR b", "tags:", "tags:(a AND b)", "x:[1 2]", 'tags:"open', "tags:a*b", "plain words", "NOT"]
)
def test_bad_fq(bad: str) -> None:
    with pytest.raises(query.SearchQueryError):
        query.parse_fq(bad)


def test_matching_and_sorting() -> None:
    dept = department("health")
    a = mapping.package(catalog("a-one", "health", 3, tags=["x"], related_codes=["101/000002"]), dept)
    b = mapping.package(catalog("b-two", "health", 1, endpoint="https://e.example/b", format="CSV"), dept)
    (t,) = query.parse_fq("related_codes:101/000002")
    assert t.matches(a) and not t.matches(b)
    (f,) = query.parse_fq("res_format:csv")
    assert f.matches(b) and not f.matches(a)
    (n,) = query.parse_fq("num_resources:[1 TO 1]")
    assert n.matches(b) and not n.matches(a)
    keys = query.parse_sort("metadata_modified desc, name asc")
    assert [p["name"] for p in query.sort_packages([b, a], keys, {})] == ["a-one", "b-two"]
    assert [p["name"] for p in query.sort_packages([a, b], query.parse_sort("score desc"), {"b-two": 2})] == [
        "b-two",
        "a-one",
    ]
    with pytest.raises(query.SearchQueryError):
        query.parse_sort("name up")
