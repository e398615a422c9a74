"""Development server: ``python -m gateway [--config FILE] [--listen HOST:PORT] [--allow-remote]``.

Listens on the configuration's ``listen`` address; only loopback unless ``--allow-remote``
(the gateway signs with the identities it holds, so exposing it is a deliberate choice).
For production use a WSGI server (``network/gateway.sh`` runs granian; see ``gateway.wsgi``).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from collections.abc import Sequence

from gateway.app import create_app, warm_up
from gateway.config import ConfigError, load_config


def split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"listen must be HOST:PORT, not {listen!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gateway", description="citydir REST gateway (development server)"
    )
    parser.add_argument("--config", help="gateway configuration (default: $CITYDIR_GATEWAY_CONFIG)")
    parser.add_argument("--listen", help="HOST:PORT (default: the configuration's listen)")
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback listen address")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
        host, port = split_listen(args.listen or config.listen)
    except (ConfigError, ValueError) as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(host) and not args.allow_remote:
        print(
            f"gateway: refusing to listen on non-loopback {host}; pass --allow-remote to mean it",
            file=sys.stderr,
        )
        return 2
    app = create_app(config)
    warm_up(app)
    app.run(host=host, port=port, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
