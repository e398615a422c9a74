"""The route table: one ``Route`` per endpoint, the single source of both Flask's URL map and
``/openapi.json`` (so the two cannot drift).

``@route(...)`` registers the view on its blueprint and records its spec; the wrapper it
installs authenticates (unless the route is open) and parses the query string against the
declared parameters (unknown parameters are a 400, not silently ignored).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from gateway.api.errors import bad_request

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
        from gateway.api.auth import authenticate  # auth needs the app's services, routes do not

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
            if full.auth:
                authenticate()
            g.query = parse_query(full)
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return view

    return decorator


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
