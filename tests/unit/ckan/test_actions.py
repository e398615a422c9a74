"""The CKAN Action API over a fake directory: envelope, errors, visibility, paging, sort, facets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.unit.api.conftest import ADMIN_TOKEN, EXPIRED_TOKEN, TRANSPORT_TOKEN
from tests.unit.ckan.conftest import Directory, catalog


def client(directory: Directory, auth: str | None = None) -> FlaskClient:
    c = directory.env.app.test_client()
    if auth is not None:
        c.environ_base["HTTP_AUTHORIZATION"] = auth
    return c


def call(c: FlaskClient, action: str, post: dict[str, Any] | None = None, /, **query: Any) -> TestResponse:
    if post is not None:
        return c.post(f"/api/3/action/{action}", json=post)
    return c.get(f"/api/3/action/{action}", query_string=query)


def result(response: TestResponse) -> Any:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["success"] is True
    assert body["help"].endswith("/api/3/action/help_show?name=" + response.request.path.rsplit("/", 1)[1])
    return body["result"]


def names(packages: list[dict[str, Any]]) -> list[str]:
    return [p["name"] for p in packages]


# --- envelope and errors ---------------------------------------------------------------------


def test_both_prefixes_get_and_post_answer_the_envelope(directory: Directory) -> None:
    c = client(directory)
    for path in ("/api/3/action/status_show", "/api/action/status_show"):
        for response in (c.get(path), c.post(path, json={}), c.post(path)):
            assert response.status_code == 200
            body = response.get_json()
            assert body["success"] is True and body["help"].endswith("help_show?name=status_show")
            assert body["result"]["ckan_version"].startswith("2.10")
    assert "fq" in result(call(c, "help_show", name="package_search"))


def test_unknown_action_is_ckans_bare_400(directory: Directory) -> None:
    response = call(client(directory), "package_create", {})
    assert response.status_code == 400
    assert response.get_json() == "Bad request - Action name not known: package_create"


def test_not_found_validation_and_bad_json(directory: Directory) -> None:
    c = client(directory)
    for action, arg in (
        ("package_show", "nope"),
        ("package_show", "Not A Slug!"),
        ("package_show", "draft-one"),
        ("organization_show", "nope"),
        ("group_show", "x"),
    ):
        response = call(c, action, id=arg)
        assert response.status_code == 404, (action, arg)
        body = response.get_json()
        assert body["success"] is False and body["error"]["__type"] == "Not Found Error"
        assert body["help"].endswith(f"name={action}")
    missing = call(c, "package_show")
    assert missing.status_code == 409
    assert missing.get_json()["error"]["__type"] == "Validation Error"
    assert missing.get_json()["error"]["id"] == ["Missing value"]
    for bad in ({"rows": "ten"}, {"start": -1}, {"facet.field": "[not json"}):
        response = call(c, "package_search", **bad)
        assert response.status_code == 409, bad
        assert response.get_json()["error"]["__type"] == "Validation Error"
    bad_json = c.post("/api/3/action/package_search", data=b"{nope", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.get_json().startswith("Bad request - JSON Error")
    not_a_dict = c.post("/api/3/action/package_search", data=b"[1]", content_type="application/json")
    assert not_a_dict.status_code == 400


def test_bad_queries_are_search_query_errors(directory: Directory) -> None:
    c = client(directory)
    for query in (
        {"sort": "bogus desc"},
        {"sort": "name sideways"},
        {"fq": "nosuchfield:x"},
        {"fq": "tags:(a AND b)"},
        {"fq": "organization:x OR tags:y"},
        {"fq": 'tags:"unclosed'},
        {"fq": "metadata_modified:[NOW-1DAY TO *]"},
    ):
        response = call(c, "package_search", **query)
        assert response.status_code == 400, query
        assert response.get_json()["error"]["__type"] == "Search Query Error", query


# --- visibility ------------------------------------------------------------------------------


def test_anonymous_sees_published_open_catalogs_only(directory: Directory) -> None:
    c = client(directory)
    assert result(call(c, "package_list")) == ["allowance", "hospitals"]
    search = result(call(c, "package_search", rows=100))
    assert search["count"] == 2 and sorted(names(search["results"])) == ["allowance", "hospitals"]
    assert call(c, "package_show", id="internal").status_code == 404
    assert call(c, "package_show", id="old-one").status_code == 404
    assert result(call(c, "tag_list")) == ["health", "hospital", "test"]


@pytest.mark.parametrize(
    "auth",
    [ADMIN_TOKEN, f"Bearer {ADMIN_TOKEN}", f"bearer {TRANSPORT_TOKEN}"],
    ids=["bare", "bearer", "other"],
)
def test_a_department_token_sees_every_published_catalog(directory: Directory, auth: str) -> None:
    c = client(directory, auth)
    assert result(call(c, "package_list")) == ["allowance", "hospitals", "internal"]
    assert result(call(c, "package_show", id="internal"))["name"] == "internal"
    assert result(call(c, "package_search", {"rows": 100}))["count"] == 3
    assert call(c, "package_show", id="draft-one").status_code == 404


def test_x_ckan_api_key_header_is_accepted(directory: Directory) -> None:
    c = directory.env.app.test_client()
    response = c.get("/api/3/action/package_list", headers={"X-CKAN-API-Key": ADMIN_TOKEN})
    assert "internal" in result(response)


@pytest.mark.parametrize("token", ["not-a-token", EXPIRED_TOKEN])
def test_an_unknown_or_expired_key_is_an_authorization_error(directory: Directory, token: str) -> None:
    response = call(client(directory, token), "package_list")
    assert response.status_code == 403
    assert response.get_json()["error"]["__type"] == "Authorization Error"


def test_a_key_in_the_query_string_is_refused(directory: Directory) -> None:
    response = directory.env.app.test_client().get(f"/api/3/action/package_list?apikey={ADMIN_TOKEN}")
    assert response.status_code == 400


# --- mapping ---------------------------------------------------------------------------------


def test_package_shape_and_national_extras(directory: Directory) -> None:
    pkg = result(call(client(directory), "package_show", id="hospitals"))
    assert pkg["id"] == pkg["name"] == "hospitals"
    assert pkg["title"] == "医疗机构名录" and pkg["notes"] == "description of hospitals"
    assert pkg["organization"]["name"] == pkg["owner_org"] == "health"
    assert pkg["organization"]["title"] == "health部门"
    assert [t["name"] for t in pkg["tags"]] == ["health", "hospital"] and pkg["num_tags"] == 2
    assert pkg["metadata_created"] == "2026-02-02T00:00:01.000000"
    assert pkg["metadata_modified"] == "2026-02-02T00:00:01.000000"
    assert pkg["state"] == "active" and pkg["type"] == "dataset" and pkg["license_id"] == "notspecified"
    assert pkg["num_resources"] == 1
    resource = pkg["resources"][0]
    assert resource["url"] == "https://data.example.gov.cn/api/hospitals" and resource["format"] == "json"
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["resource_code"] == "101/000001"
    assert extras["share_method"] == "interface" and extras["released_at"] == "2026-01-15"
    assert json.loads(extras["related_codes"]) == ["101/000002", "101/000003"]
    assert extras["classification_kind"] == "theme"
    assert json.loads(extras["classification_path"]) == ["卫生健康", "医疗机构"]
    assert json.loads(extras["classification"]) == {"kind": "theme", "path": ["卫生健康", "医疗机构"]}
    assert json.loads(extras["items"])[0]["name"] == "district"
    assert extras["title_en"] == "Directory of hospitals" and extras["open_type"] == "open"
    assert "no_share_basis" not in extras  # absent optional fields give no extra
    plain = result(call(client(directory), "package_show", id="allowance"))
    assert plain["resources"] == [] and plain["num_resources"] == 0
    assert "resource_code" not in {e["key"] for e in plain["extras"]}


def test_organizations_keep_the_hierarchy(directory: Directory) -> None:
    c = client(directory)
    assert result(call(c, "organization_list")) == ["bureau", "health"]
    orgs = result(
        call(c, "organization_list", all_fields="true", include_extras="true", include_groups="true")
    )
    health = next(o for o in orgs if o["name"] == "health")
    assert health["package_count"] == 2 and health["title"] == "health部门"
    assert health["groups"] == [{"name": "bureau", "capacity": "public"}]
    extras = {e["key"]: e["value"] for e in health["extras"]}
    assert extras["parent_id"] == "bureau" and extras["provider_code"] == "11110000000000000X"
    shown = result(call(c, "organization_show", id="health", include_datasets="true"))
    assert shown["is_organization"] is True and names(shown["packages"]) == ["allowance", "hospitals"]
    assert result(call(c, "organization_show", id="bureau"))["package_count"] == 0  # internal is hidden
    assert (
        result(call(client(directory, ADMIN_TOKEN), "organization_show", id="bureau"))["package_count"] == 1
    )
    by_count = result(call(c, "organization_list", sort="package_count desc"))
    assert by_count == ["health", "bureau"]
    assert result(call(c, "organization_list", limit=1, offset=1)) == ["health"]
    assert result(call(c, "group_list")) == []


# --- search ----------------------------------------------------------------------------------


def test_fq_terms(directory: Directory) -> None:
    c = client(directory, ADMIN_TOKEN)

    def found(**query: Any) -> list[str]:
        return sorted(names(result(call(c, "package_search", rows=100, **query))["results"]))

    assert found(fq="organization:health") == ["allowance", "hospitals"]
    assert found(fq="-organization:health") == ["internal"]
    assert found(fq="tags:hospital") == ["hospitals"]
    assert found(fq="+tags:internal +organization:bureau") == ["internal"]
    assert found(fq="tags:(hospital OR internal)") == ["hospitals", "internal"]
    assert found(fq="res_format:JSON") == ["hospitals"]
    assert found(fq="license_id:notspecified") == ["allowance", "hospitals", "internal"]
    assert found(fq="resource_code:101/000001") == ["hospitals"]
    assert found(fq='extras_classification_kind:"theme"') == ["hospitals"]
    assert found(fq="related_codes:101/000003") == ["hospitals"]
    assert found(fq="share_method:*") == ["hospitals"]
    assert found(fq="no_share_basis:x") == []  # a national field no catalog has yet is no error
    assert found(fq="open_type:none") == ["internal"]
    assert found(fq="metadata_modified:[2026-02-03T00:00:00Z TO *]") == ["allowance", "internal"]
    assert found(fq="metadata_modified:{* TO 2026-02-03T00:00:02.000000}") == ["hospitals"]
    assert found(fq="name:hosp*") == ["hospitals"]
    assert found(fq_list=json.dumps(["organization:health", "tags:test"])) == ["allowance"]
    assert found(q="organization:bureau") == ["internal"]
    assert found(q="*:*") == ["allowance", "hospitals", "internal"]
    assert found(fq="num_resources:[1 TO *]") == ["hospitals"]


def test_full_text_q(directory: Directory) -> None:
    c = client(directory)
    search = result(call(c, "package_search", q="hospitals"))
    assert names(search["results"]) == ["hospitals"]
    assert names(result(call(c, "package_search", q="医疗"))["results"]) == ["hospitals"]
    assert result(call(c, "package_search", q="internal"))["count"] == 0  # hidden from anonymous


def test_paging_sort_and_rows_cap(directory: Directory) -> None:
    for n in range(1100):
        directory.add(catalog(f"bulk-{n:04d}", "bureau", n))
    c = client(directory)
    capped = result(call(c, "package_search", rows=5000))
    assert capped["count"] == 1102 and len(capped["results"]) == 1000
    assert len(result(call(c, "package_search"))["results"]) == 10  # CKAN's default rows
    seen: list[str] = []
    start = 0
    while True:
        page = result(call(c, "package_search", {"rows": 300, "start": start, "sort": "name asc"}))
        if not page["results"]:
            break
        seen += names(page["results"])
        start += len(page["results"])
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 1102
    by_title = [
        p["title"] for p in result(call(c, "package_search", rows=5, sort="title_string asc"))["results"]
    ]
    assert by_title == ["医疗机构名录", "目录allowance", "目录bulk-0000", "目录bulk-0001", "目录bulk-0002"]
    newest = result(call(c, "package_search", rows=3, sort="metadata_modified desc"))
    stamps = [p["metadata_modified"] for p in newest["results"]]
    assert stamps == sorted(stamps, reverse=True) and newest["sort"] == "metadata_modified desc"
    default = result(call(c, "package_search", rows=1))
    assert default["sort"] == "score desc, metadata_modified desc"
    assert default["results"][0]["metadata_modified"] == max(
        p["metadata_modified"] for p in capped["results"]
    )
    assert result(call(c, "package_list", limit=2, offset=1)) == ["bulk-0000", "bulk-0001"]
    assert len(result(call(c, "package_list"))) == 1000


def test_facets_as_ckan_answers_them(directory: Directory) -> None:
    c = client(directory, ADMIN_TOKEN)
    search = result(
        call(c, "package_search", **{"facet.field": json.dumps(["organization", "tags", "res_format"])})
    )
    assert search["facets"]["organization"] == {"health": 2, "bureau": 1}
    assert search["facets"]["tags"] == {"health": 1, "hospital": 1, "internal": 1, "test": 1}
    assert search["facets"]["res_format"] == {"json": 1}
    items = search["search_facets"]["organization"]
    assert search["search_facets"]["organization"]["title"] == "organization"
    assert items["items"][0] == {"name": "health", "display_name": "health部门", "count": 2}
    limited = result(call(c, "package_search", {"facet.field": ["tags"], "facet.limit": 1}))
    assert limited["facets"] == {"tags": {"health": 1}}
    assert result(call(c, "package_search"))["facets"] == {}
    assert result(call(c, "package_search", include_drafts="true"))["count"] == 3  # accepted, ignored
