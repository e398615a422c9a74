"""Authentication only: a bearer token names a Fabric identity. Authorization is the chaincode's."""

from __future__ import annotations

from flask import g, request

from gateway.api.errors import unauthenticated
from gateway.api.services import services


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
