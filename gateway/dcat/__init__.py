"""The DCAT-AP 3 export of the directory (``/dcat``): ``mapping`` builds the RDF graph from the
ledger's entities, ``views`` serves it as JSON-LD, Turtle and RDF/XML."""

from __future__ import annotations

from gateway.dcat.views import bp

__all__ = ["bp"]
