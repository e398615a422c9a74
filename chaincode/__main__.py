"""``python -m chaincode``: run a contract as a chaincode service the peers dial into.

Configuration (environment):
    CHAINCODE_ID              required: the installed package id, "label:hash"
    CHAINCODE_SERVER_ADDRESS  host:port to listen on (default 127.0.0.1:9999)
    CHAINCODE_TLS_CERT        server certificate (PEM file); with CHAINCODE_TLS_KEY enables TLS
    CHAINCODE_TLS_KEY         server private key (PEM file)
    CHAINCODE_TLS_CLIENT_CA   CA bundle (PEM file) for peer client certificates: mutual TLS
    CHAINCODE_CONTRACT        "directory" (default) or "ping"; the --contract flag wins
    CHAINCODE_LOG_LEVEL       DEBUG, INFO (default), WARNING, ERROR

Exit status: 0 after a clean shutdown, 2 for bad configuration, 1 when the contract is missing.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chaincode.shim.server import TlsConfig, serve
from chaincode.shim.transaction import Contract

CONTRACTS = ("directory", "ping")
DEFAULT_ADDRESS = "127.0.0.1:9999"
EXIT_MISSING_CONTRACT = 1
EXIT_BAD_CONFIG = 2


class ConfigError(Exception):
    """The environment or flags do not describe a runnable chaincode server."""


class MissingContractError(Exception):
    """The selected contract's module is not (yet) part of this build."""


@dataclass(frozen=True)
class Config:
    chaincode_id: str
    address: str
    contract: str
    tls: TlsConfig | None
    log_level: str


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    try:
        config = load_config(parse_args(argv), env)
    except ConfigError as exc:
        print(f"chaincode: configuration error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    logging.basicConfig(
        stream=sys.stderr, level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        contract = load_contract(config.contract)
    except MissingContractError as exc:
        print(f"chaincode: {exc}", file=sys.stderr)
        return EXIT_MISSING_CONTRACT
    try:
        serve(contract, config.address, config.chaincode_id, config.tls)
    except OSError as exc:  # address in use, or not an address of this machine
        print(f"chaincode: cannot listen on {config.address}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chaincode", description="Run a citydir chaincode service."
    )
    parser.add_argument("--contract", choices=CONTRACTS, help="which contract to serve (default: directory)")
    return parser.parse_args(argv)


def load_config(args: argparse.Namespace, env: Mapping[str, str]) -> Config:
    chaincode_id = env.get("CHAINCODE_ID", "").strip()
    if not chaincode_id:
        raise ConfigError(
            "CHAINCODE_ID is required (the package id printed by `peer lifecycle chaincode install`)"
        )
    if ":" not in chaincode_id:
        raise ConfigError(f"CHAINCODE_ID {chaincode_id!r} is not a package id of the form label:hash")

    address = env.get("CHAINCODE_SERVER_ADDRESS", "").strip() or DEFAULT_ADDRESS
    _check_address(address)

    contract = args.contract or env.get("CHAINCODE_CONTRACT", "").strip() or "directory"
    if contract not in CONTRACTS:
        raise ConfigError(f"CHAINCODE_CONTRACT must be one of {', '.join(CONTRACTS)}, not {contract!r}")

    log_level = env.get("CHAINCODE_LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"CHAINCODE_LOG_LEVEL {log_level!r} is not one of DEBUG, INFO, WARNING, ERROR")

    return Config(chaincode_id, address, contract, _load_tls(env), log_level)


def load_contract(name: str) -> Contract:
    if name == "ping":
        from chaincode.ping import PingContract

        return PingContract()
    try:
        # Imported lazily: the directory contract is developed separately and may not exist yet.
        module = importlib.import_module("chaincode.directory")
        contract_class = module.DirectoryContract
    except (ImportError, AttributeError) as exc:
        # Only the absence of the contract itself is "missing"; its own import errors are bugs.
        if isinstance(exc, ImportError) and exc.name != "chaincode.directory":
            raise
        raise MissingContractError(
            "the directory contract is not available (chaincode.directory.DirectoryContract "
            f"cannot be imported: {exc}); run with --contract ping to smoke-test the runtime"
        ) from exc
    contract: Contract = contract_class()
    return contract


def _check_address(address: str) -> None:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"CHAINCODE_SERVER_ADDRESS {address!r} is not host:port")


def _load_tls(env: Mapping[str, str]) -> TlsConfig | None:
    cert_path = env.get("CHAINCODE_TLS_CERT", "").strip()
    key_path = env.get("CHAINCODE_TLS_KEY", "").strip()
    client_ca_path = env.get("CHAINCODE_TLS_CLIENT_CA", "").strip()
    if not cert_path and not key_path:
        if client_ca_path:
            raise ConfigError("CHAINCODE_TLS_CLIENT_CA needs CHAINCODE_TLS_CERT and CHAINCODE_TLS_KEY")
        return None
    if not cert_path or not key_path:
        raise ConfigError("CHAINCODE_TLS_CERT and CHAINCODE_TLS_KEY must be set together")

    # Parse the PEM here so a wrong file is a clear message, not a TLS handshake failure later.
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    cert = _read("CHAINCODE_TLS_CERT", cert_path)
    key = _read("CHAINCODE_TLS_KEY", key_path)
    client_ca = _read("CHAINCODE_TLS_CLIENT_CA", client_ca_path) if client_ca_path else None
    try:
        x509.load_pem_x509_certificates(cert)
    except ValueError as exc:
        raise ConfigError(f"CHAINCODE_TLS_CERT {cert_path}: not a PEM certificate ({exc})") from exc
    try:
        load_pem_private_key(key, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"CHAINCODE_TLS_KEY {key_path}: not an unencrypted PEM private key ({exc})"
        ) from exc
    if client_ca is not None:
        try:
            x509.load_pem_x509_certificates(client_ca)
        except ValueError as exc:
            raise ConfigError(
                f"CHAINCODE_TLS_CLIENT_CA {client_ca_path}: not PEM certificates ({exc})"
            ) from exc
    return TlsConfig(cert=cert, key=key, client_ca=client_ca)


def _read(variable: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{variable} {path}: {exc.strerror or exc}") from exc


if __name__ == "__main__":
    sys.exit(main())
