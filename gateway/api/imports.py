"""Bulk import of a department's catalogs: ``POST /imports`` (multipart: ``file``, ``department``,
``dry_run``, ``update``) starts a job that validates the whole file and writes it in packed
``CreateCatalogs`` batches as the caller; ``GET /imports/<id>`` reports its progress and result.
Any worker process of the gateway answers for any job (``gateway.imports.jobs``); see
docs/import-export.md.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from gateway.api.errors import ApiError, bad_request, unsupported_media_type
from gateway.api.routes import route
from gateway.imports.formats import format_of, parse
from gateway.imports.jobs import EXTENSION, Jobs

bp = Blueprint("imports", __name__)

_TRUE, _FALSE = ("true", "1", "on", "yes"), ("false", "0", "off", "no", "")


def _jobs() -> Jobs:
    jobs: Jobs = current_app.extensions[EXTENSION]  # made by create_app
    return jobs


def _flag(name: str) -> bool:
    raw = request.form.get(name, "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise bad_request(f"form field {name} must be true or false", field=name)
    return raw in _TRUE


@route(
    bp,
    "/imports",
    "POST",
    summary="Import a department's catalogs from a CSV, XLSX or JSON file (multipart/form-data: "
    "file, department, dry_run, update); answers 202 with the job, see GET /imports/{id}",
    chaincode=("ListCatalogs", "CreateCatalogs", "UpdateCatalog"),
    status=202,
)
def start_import() -> ResponseReturnValue:
    if request.mimetype != "multipart/form-data":
        raise unsupported_media_type(
            "send the file as multipart/form-data (form field file)", request.headers.get("Content-Type")
        )
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise bad_request("a file is required (form field file)", field="file")
    department = request.form.get("department", "").strip()
    if not department:
        raise bad_request("form field department is required", field="department")
    try:
        fmt = format_of(upload.filename, request.form.get("format") or None)
    except ValueError as exc:
        raise bad_request(str(exc), field="format") from None
    dry_run, update = _flag("dry_run"), _flag("update")
    parsed = parse(upload.read(), fmt)
    # Here, not at the top: the backends use gateway.api.ledger, whose package imports this module.
    from gateway.imports.backends import LedgerDirectory

    job = _jobs().start(
        g.identity.key_id, parsed, department, LedgerDirectory(g.ledger), update=update, dry_run=dry_run
    )
    return jsonify({"data": job.view()}), 202, {"Location": f"/api/v1/imports/{job.id}"}


@route(bp, "/imports/<id>", "GET", summary="An import job's progress and result (its own caller only)")
def import_status(id: str) -> ResponseReturnValue:  # the path parameter's name
    job = _jobs().get(id, g.identity.key_id)
    if job is None:
        raise ApiError(404, "NOT_FOUND", f"import {id} not found", {"id": id})
    return jsonify({"data": job.view()})
