"""The demo directory is data beside its seeder (network/demo/directory.yaml), outside the
chaincode package: editing it changes what `up` loads, never the chaincode's package label."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from network.lib import demo

from .helpers import REPO, bash


def _copy_checkout(tmp_path: Path) -> Path:
    """What chaincode.sh needs of a checkout: network/ (its scripts, the layout, the demo data)
    and chaincode/ (what the label hashes)."""
    repo = tmp_path / "repo"
    for part in ("network", "chaincode"):
        shutil.copytree(REPO / part, repo / part, ignore=shutil.ignore_patterns("__pycache__", "bin"))
    return repo


def _label(repo: Path, home: Path) -> str:
    return bash("chaincode_label 1", home=home, repo=repo, sources=("common.sh", "chaincode.sh")).strip()


def test_editing_the_demo_data_leaves_the_chaincode_label_unchanged(tmp_path: Path) -> None:
    repo = _copy_checkout(tmp_path)
    home = tmp_path / "state"
    before = _label(repo, home)
    assert before.startswith("citydir_1_")

    data = repo / "network" / "demo" / "directory.yaml"
    data.write_text(data.read_text().replace("市大数据管理局", "市政务服务和数据管理局"))
    assert demo.seed_transactions(data) != demo.seed_transactions()  # the edit is seen by the seeder
    assert _label(repo, home) == before

    contract = repo / "chaincode" / "directory" / "contract.py"
    contract.write_text(contract.read_text() + "\n# a change to the chaincode\n")
    assert _label(repo, home) != before


def test_the_chaincode_package_holds_no_demo_data(tmp_path: Path) -> None:
    assert importlib.util.find_spec("chaincode.directory.seed") is None
    assert not demo.DIRECTORY.is_relative_to(REPO / "chaincode")
    hashed = bash("chaincode_sources | tr '\\0' '\\n'", home=tmp_path, sources=("common.sh", "chaincode.sh"))
    assert hashed.split() and all(p.startswith("chaincode/") and p.endswith(".py") for p in hashed.split())


def test_what_the_data_leaves_out_is_filled_in() -> None:
    txs = demo.seed_transactions()
    by_id = {(f, a.get("id")): (msp, role, a) for msp, role, f, a in txs}

    msp, role, dept = by_id[("RegisterDepartment", "transport")]
    assert (msp, role) == ("DataBureauMSP", "admin")  # the registrar
    assert dept["contact"]["email"] == "transport@city.example" and dept["parent_id"] is None

    creates = [(msp, a) for msp, _, f, a in txs if f == "CreateCatalogs"]
    assert creates[0][0] == "CivilAffairsMSP" and len(creates[0][1]["catalogs"]) == 7  # one batch, one org
    catalog = creates[0][1]["catalogs"][0]
    assert catalog["items"][:2] == [
        {"name": "person_name", "title": "姓名", "type": "string", "sensitivity": "confidential"},
        {"name": "id_card_no", "title": "公民身份号码", "type": "string", "sensitivity": "secret"},
    ]
    assert catalog["description"] == "最低生活保障对象信息。Minimum living allowance recipients."
    assert catalog["endpoint"] == "https://dataex.city.example/api/v1/civil-affairs/ca-dibao-recipients"
    assert catalog["format"] == "API" and catalog["open_type"] == "none" and "share_conditions" in catalog

    published = {a["id"] for _, _, f, a in txs if f == "PublishCatalog"}
    assert "db-population-base" not in published and "ca-dibao-recipients" in published

    msp, role, request = by_id[("RequestAccess", "req-education-dibao")]
    assert (msp, role) == ("DataBureauMSP", "client")  # education is hosted by the bureau
    assert request["requested_until"] == "2027-12-31"


def _edited(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(demo.DIRECTORY.read_text())
    edit(data)
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def test_an_edited_data_file_round_trips(tmp_path: Path) -> None:
    assert demo.seed_transactions(_edited(tmp_path, lambda data: None)) == demo.seed_transactions()


def test_a_typo_in_the_data_is_named(tmp_path: Path) -> None:
    def typo(data: dict[str, Any]) -> None:
        catalog = data["catalogs"]["health"][0]
        catalog["shar_type"] = catalog.pop("share_type")

    with pytest.raises(demo.DemoDataError, match=r"catalog hw-hospital-beds: unknown field\(s\) shar_type"):
        demo.seed_transactions(_edited(tmp_path, typo))


def test_an_unknown_department_or_item_group_is_named(tmp_path: Path) -> None:
    def department(data: dict[str, Any]) -> None:
        data["responsibilities"][0]["department_id"] = "no-such-bureau"

    with pytest.raises(
        demo.DemoDataError, match="responsibility db-data-sharing: no department 'no-such-bureau'"
    ):
        demo.seed_transactions(_edited(tmp_path, department))

    def group(data: dict[str, Any]) -> None:
        data["catalogs"]["health"][1]["items"][0] = "persona"

    with pytest.raises(demo.DemoDataError, match="catalog hw-vaccination-records: no item group 'persona'"):
        demo.seed_transactions(_edited(tmp_path, group))
