"""The route table: one ``Route`` per endpoint, the single source of Flask's URL map, of the
views that call the chaincode, and of ``/openapi.json`` (so none of them can drift).

A route that only calls one chaincode function declares how (its ``Call``: ``Read``, ``Page``,
``History`` or ``Submit``, with the function, which argument fields the path and the query
string fill, and its status) and is served by the generic views (``gateway.api.generic``):
``serve(...)``. A route with logic of its own (search, events, the acting department, ops) is
a hand-written view: ``@route(...)``.

Every view is wrapped, in this order: refuses a credential in the query string (400, on every
route: it must never travel in a URL), authenticates (unless the route is open), refuses a
body that is not JSON on routes that take one (415), and parses the query string against the
declared parameters (unknown parameters are a 400, not silently ignored).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from chaincode.interface import ARGUMENT_SCHEMAS, FUNCTIONS, Kind
from gateway.api.errors import bad_request, unsupported_media_type

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"  # string | integer | boolean
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: str) -> Any:
        if self.type == "integer":
            try:
                value = int(raw)
            except ValueError:
                raise bad_request(
                    f"query parameter {self.name} must be an integer", parameter=self.name
                ) from None
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise bad_request(
                    f"query parameter {self.name} must be between {self.minimum} and {self.maximum}",
                    parameter=self.name,
                )
            return value
        if self.type == "boolean":
            lowered = raw.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise bad_request(f"query parameter {self.name} must be true or false", parameter=self.name)
            return lowered in ("true", "1")
        if self.enum and raw not in self.enum:
            raise bad_request(
                f"query parameter {self.name} must be one of {list(self.enum)}", parameter=self.name
            )
        if not raw and self.required:
            raise bad_request(f"query parameter {self.name} must not be empty", parameter=self.name)
        return raw

    def openapi(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        out: dict[str, Any] = {"name": self.name, "in": "query", "required": self.required, "schema": schema}
        if self.description:
            out["description"] = self.description
        return out


PAGE = (
    Param("page_size", "integer", "items per page (default 50)", minimum=1, maximum=200),
    Param("bookmark", description="opaque; from the previous page"),
)
WAIT = Param("wait", "boolean", "false: answer 202 once ordered, without waiting for the commit")


@dataclass(frozen=True)
class Body:
    """A request body: the chaincode function's argument, less what the path supplies.

    ``optional``: the path supplies all the argument needs, so no body (or ``{}``) will do."""

    function: str
    from_path: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True, eq=False)
class Call:
    """How a generic view calls the chaincode for a route: ``function`` with one argument built
    from the request. Each path parameter fills the argument field of its name unless ``path``
    maps it to another (``{"id": "department_id"}``); each declared query parameter likewise,
    unless ``query`` maps it; ``fixed`` adds constant fields. A submit's body is the rest."""

    function: str
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, str] = field(default_factory=dict)
    kind: ClassVar[Kind] = Kind.QUERY


class Read(Call):
    """``{"data": <the answer>}``, each entity's ``ledger.block`` added."""


class Page(Call):
    """``{"data": [items], "bookmark", "count"}`` from a chaincode page."""


class History(Call):
    """``{"data": [versions]}``, newest first, each version's ``block`` added (``GetHistory``)."""


class Submit(Call):
    """``{"data", "tx_id", "block"}`` once committed, or 202 ``{"tx_id"}`` with ``?wait=false``."""

    kind = Kind.SUBMIT


def history_of(entity: str) -> History:
    """A ``/<kind>/<id>/history`` route's call."""
    return History("GetHistory", fixed={"entity": entity})


@dataclass(frozen=True)
class Route:
    rule: str  # Flask rule, relative to API_PREFIX
    method: str
    endpoint: str
    summary: str
    tag: str
    chaincode: tuple[str, ...] = ()
    query: tuple[Param, ...] = ()
    body: Body | None = None
    status: int = 200
    auth: bool = True
    writes: bool = False
    produces: str = "application/json"
    call: Call | None = None  # None: a hand-written view
    path_fields: tuple[tuple[str, str], ...] = ()  # (path parameter, argument field) of a call
    query_fields: tuple[tuple[str, str], ...] = ()  # (query parameter, argument field) of a call

    @property
    def path(self) -> str:
        return API_PREFIX + self.rule

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.path)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", self.rule)


# Static metadata filled as the route modules are imported; configuration never lives here.
ROUTES: list[Route] = []

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


def route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    chaincode: tuple[str, ...] | str = (),
    query: tuple[Param, ...] = (),
    status: int = 200,
    auth: bool = True,
    produces: str = "application/json",
) -> Callable[[View], View]:
    """A hand-written view: one with logic of its own (not one chaincode call)."""

    def decorator(view: View) -> View:
        spec = Route(
            rule=rule,
            method=method,
            endpoint=f"{bp.name}.{view.__name__}",
            summary=summary,
            tag=bp.name,
            chaincode=(chaincode,) if isinstance(chaincode, str) else chaincode,
            query=query,
            status=status,
            auth=auth,
            produces=produces,
        )
        _register(bp, spec, view)
        return view

    return decorator


def serve(
    bp: Blueprint,
    rule: str,
    method: str,
    name: str,
    call: Call,
    *,
    summary: str,
    query: tuple[Param, ...] = (),
    status: int = 200,
) -> Route:
    """A route that one chaincode call serves, through the generic views; ``name`` is its endpoint."""
    params = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule)
    path_fields = tuple((param, call.path.get(param, param)) for param in params)
    query_fields = tuple((param.name, call.query.get(param.name, param.name)) for param in query)
    writes = call.kind is Kind.SUBMIT
    body = None
    if writes:
        from_path = tuple(field for _, field in path_fields)
        body = Body(call.function, from_path, _needs_only(call.function, from_path))
    spec = Route(
        rule=rule,
        method=method,
        endpoint=f"{bp.name}.{name}",
        summary=summary,
        tag=bp.name,
        chaincode=(call.function,),
        query=(*query, WAIT) if writes else query,
        body=body,
        status=status,
        writes=writes,
        call=call,
        path_fields=path_fields,
        query_fields=query_fields,
    )
    _check_call(spec, call)
    from gateway.api.generic import view_for  # the generic views need the app's services, routes do not

    _register(bp, spec, view_for(spec))
    return spec


def _needs_only(function: str, fields: tuple[str, ...]) -> bool:
    """Whether ``fields`` alone can make a whole argument of ``function`` (then a body is optional)."""
    schema = ARGUMENT_SCHEMAS[function]
    return set(schema.get("required", ())) <= set(fields) and schema.get("minProperties", 0) <= len(fields)


def _check_call(spec: Route, call: Call) -> None:
    """A route table that does not match the interface fails at import, not on the first request."""
    where = f"{spec.method} {spec.rule}"
    function = FUNCTIONS.get(call.function)
    if function is None:
        raise ValueError(f"{where}: {call.function} is not a function of the interface")
    if function.kind is not call.kind:
        raise ValueError(f"{where}: {call.function} is a {function.kind}, not a {call.kind}")
    if (spec.method == "GET") == (call.kind is Kind.SUBMIT):
        raise ValueError(f"{where}: a {call.kind} route cannot be {spec.method}")
    unknown = (set(call.path) - set(spec.path_params)) | (set(call.query) - {p.name for p in spec.query})
    if unknown:
        raise ValueError(f"{where}: maps parameters it does not have: {sorted(unknown)}")
    properties = ARGUMENT_SCHEMAS[call.function].get("properties", {})
    fields = [f for _, f in spec.path_fields + spec.query_fields] + list(call.fixed)
    missing = [f for f in fields if f not in properties]
    if missing:
        raise ValueError(f"{where}: {call.function} has no argument field {missing}")


def _register(bp: Blueprint, spec: Route, view: Callable[..., ResponseReturnValue]) -> None:
    # auth needs the app's services, routes do not
    from gateway.api.auth import authenticate

    ROUTES.append(spec)

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> ResponseReturnValue:
        # (A credential in the query string was refused before this, for every URL: gateway.app.)
        if spec.auth:
            authenticate()
        if spec.body is not None:
            require_json_body()
        g.query = parse_query(spec)
        return view(**kwargs)

    bp.add_url_rule(
        spec.rule, endpoint=spec.endpoint.split(".", 1)[1], view_func=wrapper, methods=[spec.method]
    )


JSON = "application/json"


def _has_body() -> bool:
    length = request.content_length  # None when absent, and for a chunked body
    if length is not None:
        return length > 0
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def require_json_body() -> None:
    """415 unless the body is declared ``application/json`` (parameters allowed; charset UTF-8).

    No body and no Content-Type passes: a route whose body is optional (publish, withdraw...)
    takes that as ``{}``, which is what ``curl -X POST`` and ``fetch`` without a body send; a
    route that needs a body then answers 400. Any declared type other than JSON is refused, body
    or not: the client said it sent something else. Checked before the body is read or parsed.
    """
    declared = request.headers.get("Content-Type", "").strip()
    if not declared:
        if _has_body():
            raise unsupported_media_type(f"the request body must be sent as Content-Type: {JSON}", None)
        return
    if request.mimetype != JSON:
        raise unsupported_media_type(
            f"Content-Type {request.mimetype or declared!r} is not supported: send {JSON}", declared
        )
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        raise unsupported_media_type(
            f"JSON bodies are UTF-8: charset {charset!r} is not supported; send {JSON}", declared
        )


def parse_query(spec: Route) -> dict[str, Any]:
    declared = {p.name: p for p in spec.query}
    unknown = sorted(set(request.args) - set(declared))
    if unknown:
        raise bad_request(f"unknown query parameter(s): {', '.join(unknown)}", unknown=unknown)
    parsed: dict[str, Any] = {}
    for name, param in declared.items():
        values = request.args.getlist(name)
        if len(values) > 1:
            raise bad_request(f"query parameter {name} given more than once", parameter=name)
        if values:
            parsed[name] = param.parse(values[0])
        elif param.required:
            raise bad_request(f"query parameter {name} is required", parameter=name)
    return parsed


def query_args() -> dict[str, Any]:
    args: dict[str, Any] = g.query
    return args
