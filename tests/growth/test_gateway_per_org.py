"""`network.sh up --gateway-per-org`: each org's gateway holds only its own org's identities.

No gateway config names another org's key or certificate; one org's token is unknown to
another org's gateway (401), so a department can read through another org's gateway only as
anyone may (the anonymous open-data reads), and signs only through its own. Runs after
test_add_org.py in the same network, so the added org's gateway is checked too.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from tests.growth.conftest import org_gateways, settle
from tests.integration.localnet import LocalNetwork
from tests.integration.rest import catalog, department, responsibility, unique

BUREAU, CIVIL, HEALTH = "DataBureauMSP", "CivilAffairsMSP", "HealthMSP"


def paths_in(document: Any) -> list[str]:
    """Every string in the config that names a file."""
    if isinstance(document, dict):
        return [p for v in document.values() for p in paths_in(v)]
    if isinstance(document, list):
        return [p for v in document for p in paths_in(v)]
    return [document] if isinstance(document, str) and document.startswith("/") else []


def test_no_gateway_config_references_another_orgs_key_or_cert(per_org_network: LocalNetwork) -> None:
    layout = per_org_network.layout
    assert not layout.gateway_config().exists(), "per-org gateways: there is no all-orgs config"
    assert len(layout.orgs) >= 3
    for o, org in enumerate(layout.orgs):
        config_file = layout.gateway_config(o)
        config = json.loads(config_file.read_text(encoding="utf-8"))
        tokens = json.loads((layout.gateway_dir(o) / "tokens.json").read_text(encoding="utf-8"))
        assert {i["msp_id"] for i in config["identities"]} == {org.msp_id}, config_file
        assert {p["msp_id"] for p in config["peers"]} == {org.msp_id}, config_file
        assert list(tokens) == [org.msp_id]
        own = layout.org_dir(o)
        files = paths_in(config)
        assert len(files) >= 5  # admin and client cert and key, the peer's TLS root
        for path in files:
            assert Path(path).is_relative_to(own), f"{config_file} names {path}, outside {own}"
        text = config_file.read_text(encoding="utf-8")
        for other in range(len(layout.orgs)):
            if other != o:
                assert str(layout.org_dir(other)) not in text
                assert layout.orgs[other].domain not in text


def test_another_orgs_token_is_unknown_to_a_gateway(per_org_network: LocalNetwork) -> None:
    gws = org_gateways(per_org_network)
    civil, health = gws[CIVIL].api, gws[HEALTH].api
    health_admin = health.token(HEALTH, "admin")
    assert health.get("/departments").status == 200
    for reply in (
        civil.get("/departments", token=health_admin),
        civil.post("/departments", department(unique("x"), HEALTH), token=health_admin),
        civil.post("/catalogs", {}, token=health_admin),
    ):
        assert reply.status == 401, reply
        assert reply.error["code"] == "UNAUTHENTICATED"
    # Its own tokens work there, and the other org's gateway knows nothing of Health's.
    assert civil.get("/departments").status == 200
    assert gws[BUREAU].api.get("/departments", token=health.token(HEALTH, "client")).status == 401


def test_a_department_reads_through_another_orgs_gateway_but_signs_only_through_its_own(
    per_org_network: LocalNetwork,
) -> None:
    net = per_org_network
    gws = org_gateways(net)
    bureau, civil, health = gws[BUREAU].api, gws[CIVIL].api, gws[HEALTH].api
    dept, resp, cat = unique("health"), unique("resp"), unique("open")
    assert bureau.post("/departments", department(dept, HEALTH)).status == 201
    settle(net)
    assert health.post(f"/departments/{dept}/responsibilities", responsibility(resp, dept)).status == 201
    settle(net)
    body = {**catalog(cat, dept, resp, share_type="unconditional"), "open_type": "open"}
    assert health.post("/catalogs", body).status == 201
    settle(net)
    assert health.post(f"/catalogs/{cat}/publish").status == 200
    height = settle(net)
    # Anyone reads the open catalog through CivilAffairs' gateway (its own service identity reads).
    shown = civil.get("/api/3/action/package_show", query={"id": cat}, auth=False)
    assert shown.status == 200 and shown.json["success"] is True, shown
    assert shown.json["result"]["name"] == cat
    # Health's key is not there: its token signs nothing through CivilAffairs' gateway.
    refused = civil.post(f"/catalogs/{cat}/deprecate", token=health.token(HEALTH, "admin"))
    assert refused.status == 401, refused
    denied = civil.get(
        "/api/3/action/package_show",
        query={"id": cat},
        headers={"Authorization": health.token(HEALTH, "admin")},
    )
    assert denied.json["success"] is False and "unknown API key" in json.dumps(denied.json)
    # CivilAffairs' own admin, the only admin that gateway holds, cannot act for Health.
    assert civil.post(f"/catalogs/{cat}/deprecate").status == 403
    assert settle(net) == height
    assert health.get(f"/catalogs/{cat}").json["data"]["status"] == "published"


def test_status_lists_each_gateway(per_org_network: LocalNetwork) -> None:
    layout = per_org_network.layout
    status = per_org_network.status()
    assert status["gateways"] == [
        {"url": f"http://127.0.0.1:{layout.gateway_port(o)}", "org": org.msp_id, "up": True}
        for o, org in enumerate(layout.orgs)
    ]
    assert status["gateway"] == {"url": status["gateways"][0]["url"], "up": True}
    for gw in org_gateways(per_org_network).values():
        ready = gw.api.get("/readyz", auth=False)
        assert ready.status == 200 and ready.json["ready"] is True, ready
        assert {p["msp_id"] for p in ready.json["peers"]} == {gw.msp_id}
        with urllib.request.urlopen(gw.api.base_url + "/", timeout=30) as page:  # its web page
            assert page.status == 200 and "text/html" in page.headers.get("Content-Type", "")
