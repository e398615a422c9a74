"""The generic views: every route whose ``Route.call`` says how to call the chaincode.

One view per kind of call (``routes.Read``, ``Page``, ``History``, ``Submit``): it builds the
function's argument from the request as the route declares (path fields, query fields, fixed
fields, and a submit's body) and answers in that kind's envelope. Routes with logic of their
own are hand-written views in the area modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.typing import ResponseReturnValue

from gateway.api.actions import json_body, read, read_history, read_page, submit, with_path
from gateway.api.routes import PAGE, Call, History, Page, Read, Route, Submit, query_args

_PAGING = frozenset(p.name for p in PAGE)


def argument(spec: Route, path: dict[str, str]) -> dict[str, Any]:
    """The chaincode argument a read route's request stands for: fixed fields, then path fields,
    then each query parameter given (paging only when not empty)."""
    arg: dict[str, Any] = {**_call(spec).fixed}
    arg.update((field, path[param]) for param, field in spec.path_fields)
    given = query_args()
    for param, field in spec.query_fields:
        value = given.get(param)
        if value is not None and (value or param not in _PAGING):
            arg[field] = value
    return arg


def _call(spec: Route) -> Call:
    assert spec.call is not None, f"{spec.endpoint} is a hand-written view"
    return spec.call


def _read(spec: Route, path: dict[str, str]) -> ResponseReturnValue:
    return read(_call(spec).function, argument(spec, path))


def _page(spec: Route, path: dict[str, str]) -> ResponseReturnValue:
    return read_page(_call(spec).function, argument(spec, path))


def _history(spec: Route, path: dict[str, str]) -> ResponseReturnValue:
    return read_history(_call(spec).function, argument(spec, path))


def _submit(spec: Route, path: dict[str, str]) -> ResponseReturnValue:
    assert spec.body is not None
    body = json_body(required=not spec.body.optional)
    arg = with_path(body, **{field: path[param] for param, field in spec.path_fields})
    return submit(_call(spec).function, arg, status=spec.status)


VIEWS: dict[type[Call], Callable[[Route, dict[str, str]], ResponseReturnValue]] = {
    Read: _read,
    Page: _page,
    History: _history,
    Submit: _submit,
}


def view_for(spec: Route) -> Callable[..., ResponseReturnValue]:
    """The view serving ``spec``: the generic view of its kind of call, bound to it."""
    serve = VIEWS[type(_call(spec))]

    def view(**path: str) -> ResponseReturnValue:
        return serve(spec, path)

    view.__name__ = view.__qualname__ = spec.endpoint.split(".", 1)[1]
    view.generic = serve  # type: ignore[attr-defined]  # which generic view serves the route
    return view
