"""Bearer tokens for the gateway: issue them, and write the development set for a network.

A token is ``secrets.token_urlsafe(32)``, never one that starts with ``-``; the gateway
configuration keeps only its sha256 hex digest (see ``gateway.config`` for the file format), so
the token is shown once, when issued.

CLI::

    python -m gateway.tokens issue --config gateway.json --msp HealthMSP --role admin \\
        --cert .../cert.pem --key .../key.pem [--expires 2027-01-01T00:00:00Z | --expires 30d] [--label ...]
    python -m gateway.tokens list --config gateway.json
    python -m gateway.tokens dev --home "$CITYDIR_HOME" --layout layout.json [--listen 127.0.0.1:8080]

``dev`` (and ``write_dev_tokens``) is what the network scripts call: from the organisations'
layout it writes ``$CITYDIR_HOME/gateway/tokens.json`` = ``{"<MSP>": {"admin": "<token>",
"client": "<token>"}, ...}`` (mode 0600, plain tokens for the scripts and tests) and
``$CITYDIR_HOME/gateway/gateway.json`` (the gateway configuration, hashes only). The layout::

    {"channel": "citydir", "chaincode": "citydir",
     "orgs": [{"name": "health", "msp_id": "HealthMSP",
               "peers": [{"name": "peer0.health", "address": "127.0.0.1:7051",
                          "tls_root_cert": "/abs/tlsca.pem", "server_name": "peer0.health.citydir.local"}],
               "admin": {"cert": "/abs/admin/cert.pem", "key": "/abs/admin/key.pem"},
               "client": {"cert": "/abs/client/cert.pem", "key": "/abs/client/key.pem"}}]}
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.config import ROLES, format_timestamp, hash_token, parse_timestamp

TOKENS_FILE = "tokens.json"
CONFIG_FILE = "gateway.json"


def new_token() -> str:
    # Never one that starts with "-": a command line would take it for an option
    # (``--token -Xy…`` is refused by argparse as a missing value).
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


def write_private_json(path: Path, document: Any) -> None:
    """Write atomically with mode 0600: the file holds tokens or the list of who may act as whom."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def identity_entry(
    token: str,
    msp_id: str,
    role: str,
    cert: str,
    key: str,
    expires_at: datetime | None = None,
    label: str = "",
) -> dict[str, Any]:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    entry: dict[str, Any] = {
        "token_sha256": hash_token(token),
        "msp_id": msp_id,
        "role": role,
        "cert": cert,
        "key": key,
        "expires_at": format_timestamp(expires_at) if expires_at else None,
    }
    if label:
        entry["label"] = label
    return entry


def issue_token(
    config_path: Path,
    *,
    msp_id: str,
    role: str,
    cert: str,
    key: str,
    expires_at: datetime | None = None,
    label: str = "",
) -> str:
    """Add an identity with a new token's hash to the configuration; return the token (shown once)."""
    document: dict[str, Any]
    if config_path.exists():
        document = json.loads(config_path.read_text(encoding="utf-8"))
    else:
        document = {"channel": "citydir", "chaincode": "citydir", "peers": [], "identities": []}
    token = new_token()
    document.setdefault("identities", []).append(
        identity_entry(token, msp_id, role, cert, key, expires_at, label)
    )
    write_private_json(config_path, document)
    return token


def _dev_org_entries(
    org: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
    """One org's peers, identities (hashes) and plain tokens (an admin and a client token)."""
    msp_id = str(org["msp_id"])
    name = str(org.get("name") or msp_id)
    peers = [
        {
            "name": peer["name"],
            "org": name,
            "msp_id": msp_id,
            "address": peer["address"],
            "tls_root_cert": peer.get("tls_root_cert"),
            "server_name": peer.get("server_name"),
        }
        for peer in org.get("peers", [])
    ]
    identities: list[dict[str, Any]] = []
    tokens: dict[str, str] = {}
    for role in ROLES:
        if role not in org:
            continue
        token = new_token()
        tokens[role] = token
        creds = org[role]
        identities.append(
            identity_entry(
                token, msp_id, role, str(creds["cert"]), str(creds["key"]), label=f"dev {name} {role}"
            )
        )
    return peers, identities, tokens


def write_dev_tokens(
    citydir_home: str | os.PathLike[str],
    orgs: Sequence[Mapping[str, Any]],
    *,
    channel: str = "citydir",
    chaincode: str = "citydir",
    listen: str = "127.0.0.1:8080",
    ledger: Mapping[str, Any] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
) -> tuple[Path, Path]:
    """Write ``<home>/gateway/tokens.json`` and ``<home>/gateway/gateway.json``; return both paths.

    One admin and one client token per organisation, without expiry (a development network).
    ``out_dir`` writes both elsewhere (a per-org gateway's ``<home>/gateway/<label>/``).
    """
    target = Path(out_dir) if out_dir is not None else Path(citydir_home) / "gateway"
    tokens: dict[str, dict[str, str]] = {}
    peers: list[dict[str, Any]] = []
    identities: list[dict[str, Any]] = []
    for org in orgs:
        org_peers, org_identities, org_tokens = _dev_org_entries(org)
        peers += org_peers
        identities += org_identities
        tokens[str(org["msp_id"])] = org_tokens
    config: dict[str, Any] = {
        "channel": channel,
        "chaincode": chaincode,
        "listen": listen,
        "peers": peers,
        "identities": identities,
    }
    if ledger is not None:
        config["ledger"] = dict(ledger)
    tokens_path, config_path = target / TOKENS_FILE, target / CONFIG_FILE
    write_private_json(config_path, config)
    write_private_json(tokens_path, tokens)
    return tokens_path, config_path


def add_dev_org(out_dir: str | os.PathLike[str], org: Mapping[str, Any]) -> tuple[Path, Path]:
    """Add one org (its peers, and a new admin and client token) to an existing gateway config
    and its tokens file in OUT_DIR, keeping every token already issued; return both paths.

    Refuses an org the config already has (its MSP id among the identities)."""
    target = Path(out_dir)
    tokens_path, config_path = target / TOKENS_FILE, target / CONFIG_FILE
    config = json.loads(config_path.read_text(encoding="utf-8"))
    tokens = json.loads(tokens_path.read_text(encoding="utf-8")) if tokens_path.exists() else {}
    msp_id = str(org["msp_id"])
    if any(i.get("msp_id") == msp_id for i in config.get("identities", [])) or msp_id in tokens:
        raise ValueError(f"{config_path} already has identities of {msp_id}")
    peers, identities, org_tokens = _dev_org_entries(org)
    config.setdefault("peers", []).extend(peers)
    config.setdefault("identities", []).extend(identities)
    tokens[msp_id] = org_tokens
    write_private_json(config_path, config)
    write_private_json(tokens_path, tokens)
    return tokens_path, config_path


def parse_expiry(value: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 time, or a duration from now: ``30d``, ``12h``, ``90m``."""
    match = re.fullmatch(r"(\d+)([dhm])", value.strip())
    if match:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
        return (now or datetime.now(UTC)) + timedelta(**{unit: int(match.group(1))})
    return parse_timestamp(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.tokens", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    issue = sub.add_parser("issue", help="issue a token for one identity; prints the token once")
    issue.add_argument("--config", required=True, type=Path)
    issue.add_argument("--msp", required=True)
    issue.add_argument("--role", required=True, choices=ROLES)
    issue.add_argument("--cert", required=True)
    issue.add_argument("--key", required=True)
    issue.add_argument("--expires", help="ISO 8601 time or a duration such as 30d, 12h")
    issue.add_argument("--label", default="")

    listing = sub.add_parser("list", help="list configured identities (hash prefixes only)")
    listing.add_argument("--config", required=True, type=Path)

    dev = sub.add_parser("dev", help="write development tokens and the gateway config for a network")
    dev.add_argument("--home", required=True, type=Path, help="CITYDIR_HOME")
    dev.add_argument("--layout", required=True, type=Path, help="JSON layout of the organisations")
    dev.add_argument("--listen", default="127.0.0.1:8080")

    args = parser.parse_args(argv)
    if args.command == "issue":
        expires = parse_expiry(args.expires) if args.expires else None
        cert = str(Path(args.cert).resolve())
        key = str(Path(args.key).resolve())
        token = issue_token(
            args.config,
            msp_id=args.msp,
            role=args.role,
            cert=cert,
            key=key,
            expires_at=expires,
            label=args.label,
        )
        print(token)
    elif args.command == "list":
        document = json.loads(args.config.read_text(encoding="utf-8"))
        for entry in document.get("identities", []):
            print(
                f"{entry['token_sha256'][:12]}…  {entry['msp_id']:<16} {entry['role']:<6} "
                f"expires={entry.get('expires_at') or 'never'}  {entry.get('label', '')}"
            )
    else:
        layout = json.loads(args.layout.read_text(encoding="utf-8"))
        tokens_path, config_path = write_dev_tokens(
            args.home,
            layout["orgs"],
            channel=layout.get("channel", "citydir"),
            chaincode=layout.get("chaincode", "citydir"),
            listen=args.listen,
        )
        print(f"wrote {tokens_path} and {config_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
