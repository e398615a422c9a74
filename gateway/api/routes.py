"""The route table: one ``Route`` per endpoint, the single source of both Flask's URL map and
``/openapi.json`` (so the two cannot drift).

``@route(...)`` registers the view on its blueprint and records its spec; the wrapper it
installs, in this order: refuses a credential in the query string (400, on every route: it
must never travel in a URL), authenticates (unless the route is open), refuses a body that is
not JSON on routes that take one (415), and parses the query string against the declared
parameters (unknown parameters are a 400, not silently ignored).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

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
    """A request body: the chaincode function's argument, less what the path supplies."""

    function: str
    from_path: tuple[str, ...] = ()


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
    body: Body | None = None,
    status: int = 200,
    auth: bool = True,
    produces: str = "application/json",
) -> Callable[[View], View]:
    writes = method in ("POST", "PATCH") and auth and produces == "application/json" and bool(chaincode)

    def decorator(view: View) -> View:
        # auth needs the app's services, routes do not
        from gateway.api.auth import authenticate, refuse_credentials_in_query

        full = Route(
            rule=rule,
            method=method,
            endpoint=f"{bp.name}.{view.__name__}",
            summary=summary,
            tag=bp.name,
            chaincode=(chaincode,) if isinstance(chaincode, str) else chaincode,
            query=(*query, WAIT) if writes else query,
            body=body,
            status=status,
            auth=auth,
            writes=writes,
            produces=produces,
        )
        ROUTES.append(full)

        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> ResponseReturnValue:
            refuse_credentials_in_query()
            if full.auth:
                authenticate()
            if full.body is not None:
                require_json_body()
            g.query = parse_query(full)
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return view

    return decorator


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
