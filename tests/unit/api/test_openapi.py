from __future__ import annotations

import re

from gateway.api.routes import API_PREFIX, ROUTES
from tests.unit.api.conftest import Env


def _url_map(env: Env) -> set[tuple[str, str]]:
    return {
        (rule.rule, method)
        for rule in env.app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX)
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def test_route_table_is_the_url_map(env: Env) -> None:
    assert {(r.path, r.method) for r in ROUTES} == _url_map(env)
    assert len(ROUTES) == len({(r.path, r.method) for r in ROUTES})


def test_openapi_lists_every_route(env: Env) -> None:
    doc = env.client(None).get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] and doc["info"]["version"]
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    flask_style = {
        (re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule), method) for rule, method in _url_map(env)
    }
    assert documented == flask_style


def test_openapi_operations_are_well_formed(env: Env) -> None:
    doc = env.client(None).get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    operation_ids = set()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            operation_ids.add(op["operationId"])
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"{([a-z_]+)}", path)), path
            assert op["responses"]
            refs = re.findall(r'"\$ref": "#/components/schemas/([A-Za-z]+)"', str(op).replace("'", '"'))
            assert all(ref in schemas for ref in refs), (path, method, refs)
            open_route = op.get("security") == []
            assert open_route == path.endswith(("healthz", "readyz", "metrics", "openapi.json"))
    assert len(operation_ids) == sum(len(ops) for ops in doc["paths"].values())


def test_request_bodies_reference_chaincode_schemas(env: Env) -> None:
    doc = env.client(None).get("/api/v1/openapi.json").get_json()
    create = doc["paths"]["/api/v1/catalogs"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    patch = doc["paths"]["/api/v1/departments/{id}"]["patch"]
    patch_ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    if env.app.extensions["citydir"].schemas:
        assert ref == "#/components/schemas/CreateCatalog"
        assert "additionalProperties" in doc["components"]["schemas"]["CreateCatalog"]
        # The path supplies the id, so the body schema does not require it.
        assert "id" not in doc["components"]["schemas"]["UpdateDepartmentBody"].get("required", [])
        assert patch_ref == "#/components/schemas/UpdateDepartmentBody"
    else:
        assert ref == "#/components/schemas/AnyObject"
    assert {"wait"} <= {p["name"] for p in create["parameters"]}
    assert "202" in create["responses"]
