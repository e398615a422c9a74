"""Authentication only: a bearer token names a Fabric identity. Authorization is the chaincode's.

A token is accepted in the ``Authorization`` header only. One in the query string is refused
before anything else (``refuse_credentials_in_query``): URLs are written to access logs, proxy
logs and browser history, so the caller must learn to stop sending it, not have it work.
"""

from __future__ import annotations

import re

from flask import g, request

from gateway.api.errors import token_in_query, unauthenticated
from gateway.api.services import services

# Parameter names that carry credentials by convention (OAuth's access_token, id_token, api_key...),
# compared lower-cased with '-' as '_'. No declared query parameter may match (a unit test checks).
_CREDENTIAL_NAME = re.compile(r"^(?:.*_)?(?:token|bearer|auth|authorization|api_?key|jwt|password|secret)$")


def looks_like_credential_name(name: str) -> bool:
    return bool(_CREDENTIAL_NAME.match(name.lower().replace("-", "_")))


def refuse_credentials_in_query() -> None:
    """400 ``TOKEN_IN_QUERY`` if any query parameter is a credential.

    The rule: its name looks like one (``looks_like_credential_name``), or its name or value is
    a bearer credential by its form (``Bearer …``) or is one of this gateway's own tokens, whatever
    the parameter is called (``?q=<token>`` leaks as surely as ``?access_token=<token>``).
    """
    if not request.args:
        return
    svc = services()
    named: list[str] = []
    found = False
    for name, value in request.args.items(multi=True):
        if svc.identity_for_token(name) is not None:
            found = True  # the name itself is a token: never repeat it in the answer
            continue
        if (
            looks_like_credential_name(name)
            or value.lower().startswith("bearer ")
            or (value and svc.identity_for_token(value) is not None)
        ):
            found = True
            named.append(name)
    if found:
        raise token_in_query(sorted(set(named)))


def authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthenticated("a bearer token is required")
    svc = services()
    identity = svc.identity_for_token(token)
    if identity is None:
        raise unauthenticated("unknown token")
    if identity.expired():
        raise unauthenticated("token expired")
    g.identity = identity
    g.ledger = svc.ledger_for(identity)
