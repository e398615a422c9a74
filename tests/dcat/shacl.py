"""A typed boundary around pyshacl, and where the official DCAT-AP 3.0.0 shapes live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import SH

SHAPES_ENV = "CITYDIR_DCAT_SHAPES"
OWN_SHAPES = Path(__file__).with_name("citydir-dcat-shapes.ttl")
_REPO = Path(__file__).resolve().parents[2]
DEFAULT_OFFICIAL = _REPO.parent / "shared" / "standards" / "dcat-ap-3.0.0-shacl-shapes.ttl"

# Official-shape violations the export accepts, by (focus-class-independent) path IRI → reason.
# None today: keep entries here, each with its reason, should one ever be needed.
TOLERATED: dict[str, str] = {}


def official_shapes() -> Path | None:
    """The DCAT-AP 3.0.0 shapes: $CITYDIR_DCAT_SHAPES, else ../shared/standards beside the repo."""
    path = Path(os.environ.get(SHAPES_ENV) or DEFAULT_OFFICIAL)
    return path if path.is_file() else None


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str
    message: str
    severity: str


def validate(data: Graph, shapes: Path) -> list[Violation]:
    """Every result of severity Violation (warnings and infos do not fail conformance)."""
    from pyshacl import validate as shacl_validate

    result: Any = shacl_validate(data, shacl_graph=str(shapes), inference="none", advanced=False)
    report: Graph = result[1]
    found = []
    for node in report.subjects(SH.resultSeverity, SH.Violation):
        found.append(
            Violation(
                focus=str(report.value(node, SH.focusNode)),
                path=str(report.value(node, SH.resultPath)),
                message=str(report.value(node, SH.resultMessage)),
                severity=str(URIRef(str(SH.Violation))),
            )
        )
    return found


def untolerated(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.path not in TOLERATED]
