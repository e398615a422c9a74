"""gRPC channels to peers, with the settings a Fabric peer expects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

# A peer accepts up to 100 MiB by default; gRPC's 4 MiB default would truncate large blocks.
_MAX_MESSAGE_BYTES = 100 * 1024 * 1024

_DEFAULT_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
    # Detect dead connections under long-lived event streams, but ping no more often than the
    # peer's keepalive enforcement allows (peer.keepalive.minInterval, 60 s by default).
    ("grpc.keepalive_time_ms", 120_000),
    ("grpc.keepalive_timeout_ms", 20_000),
)


def _pem(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def new_grpc_channel(
    target: str,
    *,
    tls_root_cert: bytes | str | None = None,
    server_name_override: str | None = None,
    client_cert: bytes | str | None = None,
    client_key: bytes | str | None = None,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A channel to a peer's gRPC endpoint ``host:port``.

    TLS with ``tls_root_cert`` (PEM of the peer's TLS CA); plaintext only when it is None.
    ``server_name_override`` is the host name in the peer's TLS certificate, for when
    ``target`` is an IP address or a port-forward. ``client_cert``/``client_key`` (PEM) are
    for peers that require mutual TLS. The caller owns the channel and must close it.
    """
    merged = dict(_DEFAULT_OPTIONS)
    if server_name_override:
        merged["grpc.ssl_target_name_override"] = server_name_override
        merged["grpc.default_authority"] = server_name_override
    merged.update(dict(options))
    channel_options = list(merged.items())
    if tls_root_cert is None:
        if client_cert or client_key:
            raise ValueError("client_cert/client_key need TLS: pass tls_root_cert too")
        return grpc.insecure_channel(target, options=channel_options)
    if (client_cert is None) != (client_key is None):
        raise ValueError("client_cert and client_key go together")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_pem(tls_root_cert),
        private_key=_pem(client_key),
        certificate_chain=_pem(client_cert),
    )
    return grpc.secure_channel(target, credentials, options=channel_options)
