"""The citydir REST API, ``/api/v1``: one blueprint per domain area.

    departments.py  departments and responsibilities
    catalogs.py     catalogs and full-text search
    access.py       access requests, grants, access checks, usage
    ops.py          events (SSE), ledger, transactions, health, metrics, OpenAPI
    evidence.py     evidence bundles (zip) and their verification

Every call is made with the caller's own Fabric identity (``ledger.py``); the gateway adds
no authorization of its own. ``routes.py`` holds the route table that drives the URL map, the
generic views (``generic.py``) and ``/openapi.json``; importing this package fills it.
``errors.py`` documents the HTTP status of every error. The app that serves the API (and the
admin web page beside it) is built by ``gateway.app.create_app``.
"""

from __future__ import annotations

from gateway.api import access, catalogs, departments, evidence, imports, ops
from gateway.api.routes import API_PREFIX, ROUTES

BLUEPRINTS = (departments.bp, catalogs.bp, access.bp, ops.bp, imports.bp, evidence.bp)

__all__ = ["API_PREFIX", "BLUEPRINTS", "ROUTES"]
