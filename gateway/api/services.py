"""Per-app services (config, ledger connections, caches, metrics, search index, interface check).

Held in ``app.extensions["citydir"]``: one set per app instance, nothing module-global.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from flask import current_app
from jsonschema.protocols import Validator

from chaincode.interface import DirectoryError, schema_error
from gateway.api.interface import InterfaceCheck
from gateway.api.ledger import Ledger, LedgerFactory
from gateway.api.metrics import Metrics
from gateway.api.provenance import Provenance
from gateway.api.readcache import ReadCache
from gateway.api.search import CatalogIndex
from gateway.config import GatewayConfig, IdentityConfig, hash_token

EXTENSION = "citydir"


@dataclass
class Services:
    config: GatewayConfig
    ledger_factory: LedgerFactory
    metrics: Metrics
    provenance: Provenance
    reads: ReadCache
    index: CatalogIndex
    schemas: Mapping[str, Any] | None  # the interface's argument schemas; None: no edge validation
    interface: InterfaceCheck = field(default_factory=InterfaceCheck)
    _validators: dict[str, Validator] = field(default_factory=dict)
    _ledgers: dict[tuple[str, str, str], Ledger] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def identity_for_token(self, token: str) -> IdentityConfig | None:
        digest = hash_token(token)
        found = None
        # Compare against every entry (constant time each) so timing says nothing about which matched.
        for identity in self.config.identities:
            if hmac.compare_digest(digest, identity.token_sha256):
                found = identity
        return found

    def ledger_for(self, identity: IdentityConfig) -> Ledger:
        with self._lock:
            ledger = self._ledgers.get(identity.key_id)
            if ledger is None:
                ledger = self.ledger_factory(identity)
                self._ledgers[identity.key_id] = ledger
            return ledger

    def argument_error(self, function: str, arg: Mapping[str, Any]) -> DirectoryError | None:
        """The chaincode's own schema check of ``function``'s argument, at the edge: the very error
        the chaincode would answer (one renderer, ``schema_error``); None when it passes or when
        edge validation is off (the chaincode still checks)."""
        schema = self.schemas.get(function) if self.schemas else None
        if schema is None:
            return None
        validator = self._validators.get(function)
        if validator is None:
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            validator = self._validators[function] = cls(schema)
        return schema_error(validator, arg)

    def service_ledger(self) -> Ledger | None:
        """The gateway's own reads (readiness, search index) use the configured service identity."""
        identity = self.config.service_identity
        return self.ledger_for(identity) if identity else None


def services() -> Services:
    found: Services = current_app.extensions[EXTENSION]
    return found
