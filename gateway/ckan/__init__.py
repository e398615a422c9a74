"""A read-only CKAN Action API (CKAN 2.10's envelope and shapes), so CKAN clients (``ckanapi``)
and harvesters read the directory: ``/api/3/action/<action>`` and ``/api/action/<action>``, GET
(query string) and POST (JSON body).

Answers are ``{"help": <help_show URL>, "success": true, "result": …}``; failures
``{"help", "success": false, "error": {"__type", "message", …}}`` with CKAN's statuses
(Not Found Error 404, Validation Error 409, Authorization Error 403, Search Query Error 400).
An unknown action is CKAN's bare 400 (a JSON string, ``"Bad request - Action name not known: …"``).

``actions.py`` holds the actions and who sees what; ``mapping.py`` the entity mapping;
``query.py`` fq/sort/facets. The API key is read from ``Authorization`` (bare, as ckanapi sends
it, or ``Bearer …``) or ``X-CKAN-API-Key``; never from the query string (the app refuses that
everywhere).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, json, request

from gateway.api.ledger import ChaincodeError, LedgerError, PeersUnavailable
from gateway.ckan.actions import ACTIONS, ActionError

log = logging.getLogger(__name__)

ckan_bp = Blueprint("ckan", __name__)


def _help(action: str) -> str:
    return f"{request.host_url}api/3/action/help_show?name={action}"


def _answer(status: int, body: Any) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _bad_request(message: str) -> Response:
    return _answer(400, f"Bad request - {message}")


def _request_data() -> Mapping[str, Any] | Response:
    """CKAN's rules: a POST's JSON (or form) body, else the query string; a repeated query
    parameter is a list."""
    if request.method == "POST" and request.get_data(cache=True):
        if request.form:
            return request.form.to_dict()
        try:
            body = json.loads(request.get_data(cache=True).decode("utf-8"))
        except ValueError as exc:
            return _bad_request(f"JSON Error: {exc}")
        if not isinstance(body, dict):
            return _bad_request(
                f"Bad request data: Request data JSON decoded to {body!r} but it needs to be a dictionary."
            )
        return body
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values[0] if len(values) == 1 else values
    return data


@ckan_bp.route("/api/3/action/<action>", methods=["GET", "POST"])
@ckan_bp.route("/api/action/<action>", methods=["GET", "POST"])
def action(action: str) -> Response:
    function = ACTIONS.get(action)
    if function is None:
        return _bad_request(f"Action name not known: {action}")
    data = _request_data()
    if isinstance(data, Response):
        return data
    help_url = _help(action)
    try:
        result = function(data)
    except ActionError as exc:
        return _answer(exc.status, {"help": help_url, "success": False, "error": exc.body()})
    except (ChaincodeError, LedgerError) as exc:
        status = 503 if isinstance(exc, PeersUnavailable) else 500
        log.warning("ckan %s: ledger error %s", action, type(exc).__name__, exc_info=True)
        message = exc.message if isinstance(exc, ChaincodeError) else type(exc).__name__
        return _answer(
            status,
            {"help": help_url, "success": False, "error": {"__type": "Internal Error", "message": message}},
        )
    return _answer(200, {"help": help_url, "success": True, "result": result})
