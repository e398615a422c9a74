"""The gateway's configuration file: peers, identities (by token hash) and limits.

The path comes from ``CITYDIR_GATEWAY_CONFIG`` (or is passed explicitly); nothing is read at
import time. Format (JSON; relative paths resolve against the file's own directory)::

    {
      "channel": "citydir",
      "chaincode": "citydir",
      "listen": "127.0.0.1:8080",
      "peers": [
        {"name": "peer0.health", "org": "health", "msp_id": "HealthMSP",
         "address": "127.0.0.1:7051", "tls_root_cert": "crypto/health/tlsca.pem",
         "server_name": "peer0.health.citydir.local"}
      ],
      "identities": [
        {"token_sha256": "<64 hex: sha256 of the bearer token>", "msp_id": "HealthMSP",
         "role": "admin", "cert": "crypto/health/admin/cert.pem", "key": "crypto/health/admin/key.pem",
         "expires_at": "2027-01-01T00:00:00Z", "label": "health admin"}
      ],
      "service_identity": {"msp_id": "HealthMSP", "role": "client"},
      "public_base_url": "https://data.city.example/directory",
      "ledger": {"kind": "fabric"},
      "timeouts": {"evaluate": 5, "endorse": 15, "submit": 10, "commit_status": 60},
      "limits": {"max_content_length": 131072, "mvcc_retries": 10, "mvcc_backoff_base": 0.05,
                 "mvcc_backoff_cap": 1.0, "block_cache_size": 10000,
                 "sse_max_seconds": 300, "sse_heartbeat_seconds": 15, "recent_blocks": 10}
    }

``ledger.kind`` is ``fabric`` (the default: the peers above) or ``embedded`` (one SQLite file at
``ledger.path``, no peers; see ``gateway.ledgers.embedded``). ``peers`` and ``identities`` are required
(``peers`` is empty for the embedded ledger). ``expires_at`` and ``label`` are optional. Tokens are
never stored: only their sha256 hex digest. ``service_identity`` names the identity the gateway
uses for its own reads (readiness probe, full-text index); it defaults to the first ``client``
identity, else the first identity. ``public_base_url`` (optional) is the URL the gateway is reached
at from outside, proxy prefix included: links the gateway writes into its answers (the DCAT
export's IRIs and paging links) start with it; without it they use the request's host URL.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CONFIG_ENV = "CITYDIR_GATEWAY_CONFIG"
ROLES = ("admin", "client")
LEDGER_KINDS = ("fabric", "embedded")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class ConfigError(ValueError):
    """The configuration file is missing or malformed."""


@dataclass(frozen=True)
class PeerConfig:
    name: str
    org: str
    msp_id: str
    address: str
    tls_root_cert: str | None
    server_name: str | None


@dataclass(frozen=True)
class IdentityConfig:
    token_sha256: str
    msp_id: str
    role: str
    cert: str
    key: str
    expires_at: datetime | None = None
    label: str = ""

    @property
    def key_id(self) -> tuple[str, str, str]:
        """Several tokens may map to one Fabric identity; they share one connection."""
        return (self.msp_id, self.cert, self.key)

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and (now or datetime.now(UTC)) >= self.expires_at

    def __repr__(self) -> str:  # the token hash stays out of logs and tracebacks
        return f"IdentityConfig(msp_id={self.msp_id!r}, role={self.role!r}, label={self.label!r})"


@dataclass(frozen=True)
class Timeouts:
    evaluate: float = 5.0
    endorse: float = 15.0
    submit: float = 10.0  # longer than a Raft leader election (5-7 s seen here)
    commit_status: float = 60.0


@dataclass(frozen=True)
class Limits:
    max_content_length: int = 128 * 1024
    mvcc_retries: int = 10  # one key takes one write per block: ten writers need nine retries
    # Seconds: retry k waits a random time up to min(cap, base * 2**k), so conflicting writers spread.
    mvcc_backoff_base: float = 0.05
    mvcc_backoff_cap: float = 1.0
    block_cache_size: int = 10_000
    sse_max_seconds: float = 300.0
    sse_heartbeat_seconds: float = 15.0
    recent_blocks: int = 10


@dataclass(frozen=True)
class LedgerConfig:
    kind: str = "fabric"
    path: str | None = None  # the embedded ledger's SQLite file


@dataclass(frozen=True)
class GatewayConfig:
    peers: tuple[PeerConfig, ...]
    identities: tuple[IdentityConfig, ...]
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    channel: str = "citydir"
    chaincode: str = "citydir"
    listen: str = "127.0.0.1:8080"
    service_identity: IdentityConfig | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    limits: Limits = field(default_factory=Limits)
    public_base_url: str | None = None  # no trailing slash

    def peers_for(self, msp_id: str) -> list[PeerConfig]:
        """All peers, the identity's own organisation's first: the failover order."""
        own = [p for p in self.peers if p.msp_id == msp_id]
        return own + [p for p in self.peers if p.msp_id != msp_id]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_timestamp(value: str) -> datetime:
    """ISO 8601; a trailing Z is accepted and a naive time is taken as UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_config(path: str | os.PathLike[str] | None = None) -> GatewayConfig:
    """Read the file at ``path`` or, when None, at ``$CITYDIR_GATEWAY_CONFIG``."""
    location = path if path is not None else os.environ.get(CONFIG_ENV)
    if not location:
        raise ConfigError(f"no gateway configuration: set {CONFIG_ENV} or pass a path")
    file = Path(location)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read gateway configuration {file}: {exc}") from exc
    return parse_config(raw, base_dir=file.parent)


def parse_config(raw: Mapping[str, Any], base_dir: Path | None = None) -> GatewayConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError("the gateway configuration must be a JSON object")
    base = base_dir or Path.cwd()

    def resolve(value: Any, what: str) -> str:
        text = _string(value, what)
        return str((base / text).resolve()) if not os.path.isabs(text) else text

    peers = tuple(
        PeerConfig(
            name=_string(p.get("name"), "peers[].name"),
            org=str(p.get("org") or ""),
            msp_id=_string(p.get("msp_id"), "peers[].msp_id"),
            address=_string(p.get("address"), "peers[].address"),
            tls_root_cert=resolve(p["tls_root_cert"], "peers[].tls_root_cert")
            if p.get("tls_root_cert")
            else None,
            server_name=p.get("server_name") or None,
        )
        for p in _objects(raw.get("peers"), "peers")
    )
    identities = tuple(_identity(i, resolve) for i in _objects(raw.get("identities"), "identities"))
    ledger = _ledger(raw.get("ledger"), resolve)
    service = _service_identity(raw.get("service_identity"), identities)
    timeouts = Timeouts(**_numbers(raw.get("timeouts"), Timeouts.__dataclass_fields__, "timeouts"))
    limits_raw = _numbers(raw.get("limits"), Limits.__dataclass_fields__, "limits")
    for name in ("max_content_length", "mvcc_retries", "block_cache_size", "recent_blocks"):
        if name in limits_raw:
            limits_raw[name] = int(limits_raw[name])
    return GatewayConfig(
        peers=peers,
        identities=identities,
        ledger=ledger,
        channel=str(raw.get("channel", "citydir")),
        chaincode=str(raw.get("chaincode", "citydir")),
        listen=str(raw.get("listen", "127.0.0.1:8080")),
        service_identity=service,
        timeouts=timeouts,
        limits=Limits(**limits_raw),
        public_base_url=_base_url(raw.get("public_base_url")),
    )


def _base_url(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", value):
        raise ConfigError("public_base_url must be an http(s) URL without query or fragment")
    return value.rstrip("/")


def identity_to_json(identity: IdentityConfig) -> dict[str, Any]:
    out: dict[str, Any] = {
        "token_sha256": identity.token_sha256,
        "msp_id": identity.msp_id,
        "role": identity.role,
        "cert": identity.cert,
        "key": identity.key,
        "expires_at": format_timestamp(identity.expires_at) if identity.expires_at else None,
    }
    if identity.label:
        out["label"] = identity.label
    return out


def _identity(raw: Mapping[str, Any], resolve: Any) -> IdentityConfig:
    digest = _string(raw.get("token_sha256"), "identities[].token_sha256").lower()
    if not _SHA256_HEX.match(digest):
        raise ConfigError("identities[].token_sha256 must be 64 hex characters (a hash, never a token)")
    role = _string(raw.get("role"), "identities[].role")
    if role not in ROLES:
        raise ConfigError(f"identities[].role must be one of {ROLES}, not {role!r}")
    expires = raw.get("expires_at")
    try:
        expires_at = parse_timestamp(expires) if expires else None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"identities[].expires_at is not an ISO 8601 time: {expires!r}") from exc
    return IdentityConfig(
        token_sha256=digest,
        msp_id=_string(raw.get("msp_id"), "identities[].msp_id"),
        role=role,
        cert=resolve(raw.get("cert"), "identities[].cert"),
        key=resolve(raw.get("key"), "identities[].key"),
        expires_at=expires_at,
        label=str(raw.get("label") or ""),
    )


def _ledger(raw: Any, resolve: Any) -> LedgerConfig:
    if raw is None:
        return LedgerConfig()
    if not isinstance(raw, Mapping):
        raise ConfigError("ledger must be an object")
    kind = raw.get("kind", "fabric")
    if kind not in LEDGER_KINDS:
        raise ConfigError(f"ledger.kind must be one of {LEDGER_KINDS}, not {kind!r}")
    if kind == "embedded":
        return LedgerConfig(kind, resolve(raw.get("path"), "ledger.path"))
    return LedgerConfig(kind)


def _service_identity(raw: Any, identities: tuple[IdentityConfig, ...]) -> IdentityConfig | None:
    if not identities:
        return None
    if raw:
        for identity in identities:
            if identity.msp_id == raw.get("msp_id") and identity.role == raw.get("role", identity.role):
                return identity
        raise ConfigError(f"service_identity {raw!r} matches no configured identity")
    clients = [i for i in identities if i.role == "client"]
    return clients[0] if clients else identities[0]


def _objects(value: Any, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ConfigError(f"{what} must be a list of objects")
    return value


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{what} must be a non-empty string")
    return value


def _numbers(value: Any, allowed: Mapping[str, Any], what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{what} must be an object")
    unknown = set(value) - set(allowed)
    if unknown:
        raise ConfigError(f"{what}: unknown keys {sorted(unknown)}")
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
            raise ConfigError(f"{what}.{key} must be a non-negative number")
    return dict(value)
