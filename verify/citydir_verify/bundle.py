"""The evidence bundle format ``citydir-evidence/1``: its writer and its reader.

One source for both sides: the gateway builds bundles with :func:`write_bundle`, the verifier
reads them with :func:`read_bundle`. The layout is specified in ``docs/evidence.md``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from cryptography import x509

from .embedded_ledger import embedded_block_file, parse_embedded_block
from .encoding import manifest_file, signature_file
from .fabric_ledger import find_tx, parse_block
from .hashes import (
    HASH_SIZE,
    chain_hashes,
    embedded_block_hash,
    fabric_block_data_hash,
    fabric_block_header_hash,
)

__all__ = [
    "DATA_HASHES",
    "DEFAULT_ENDORSEMENT_POLICY",
    "FORMAT",
    "MANIFEST",
    "NODE_CERTIFICATE",
    "SIGNATURE",
    "Bundle",
    "BundleError",
    "BundleSigner",
    "Claim",
    "Link",
    "embedded_block_file",
    "embedded_block_hash",
    "fabric_block_data_hash",
    "fabric_block_header_hash",
    "read_bundle",
    "write_bundle",
]

FORMAT = "citydir-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATA_HASHES = "chain/data-hashes.bin"
NODE_CERTIFICATE = "embedded/node.pem"
DEFAULT_ENDORSEMENT_POLICY = "/Channel/Application/Endorsement"

# A bundle holds a handful of blocks; anything far larger is not one (or is a zip bomb).
MAX_FILES = 4096
MAX_TOTAL_BYTES = 256 * 1024 * 1024
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class BundleError(ValueError):
    """The input is not a usable bundle at all (as opposed to a bundle that fails its checks)."""


@dataclass(frozen=True)
class Claim:
    """One thing the bundle proves: a transaction, and (unless ``key`` is None) a value it wrote."""

    role: str  # "subject", "request", "approval", "grant", "catalog", ...
    tx_id: str
    block: int
    statement: str
    collection: str | None = None
    id: str | None = None
    key: str | None = None  # ledger key; None for a transaction-only claim
    value: bytes | None = None  # exact bytes that tx wrote to key
    owner_msp: str | None = None
    owner_policy: tuple[str, int] | None = None  # (tx_id, block) that last set key's VALIDATION_PARAMETER


@dataclass(frozen=True)
class Link:
    """``value(claims[source])[field] == value(claims[target])["id"]``."""

    source: int
    field: str
    target: int


class BundleSigner(Protocol):
    @property
    def identity(self) -> bytes:
        """SerializedIdentity bytes (Fabric) / the node certificate PEM (embedded)."""
        ...

    def sign(self, message: bytes) -> bytes:
        """DER ECDSA P-256 over SHA-256(message)."""
        ...


# --------------------------------------------------------------------------------------- writer


def write_bundle(
    *,
    ledger: Literal["fabric", "embedded"],
    channel: str,
    chaincode: str,
    subject: Mapping[str, str],
    statement: str,
    claims: Sequence[Claim],
    links: Sequence[Link],
    blocks: Mapping[int, bytes],
    config_blocks: Mapping[int, bytes],
    data_hashes: Sequence[bytes],
    gateway_height: int,
    signer: BundleSigner,
    node_certificate: bytes | None = None,
    endorsement_policy: str | None = DEFAULT_ENDORSEMENT_POLICY,
    created: str | None = None,
) -> bytes:
    """The zip of a signed bundle. Raises ValueError on inconsistent input, naming what is wrong.

    ``blocks`` are the file bytes of ``blocks/<N>.block`` (Fabric: the raw serialized block) or
    ``blocks/<N>.json`` (embedded: see :func:`embedded_block_file`); ``config_blocks`` (Fabric
    only) must hold the config block each included block's LAST_CONFIG names, and always block 0,
    the genesis block the trust anchor is the hash of; ``data_hashes`` are the 32-byte data hashes
    of blocks 0..M, at least up to the highest block included.
    """
    _check_shape(ledger, claims, links, blocks, config_blocks, node_certificate)
    highest = max([*blocks, *config_blocks])
    if len(data_hashes) <= highest:
        raise ValueError(f"data_hashes covers blocks 0..{len(data_hashes) - 1}, block {highest} is included")
    hashes = list(data_hashes[: highest + 1])
    if any(len(item) != HASH_SIZE for item in hashes):
        raise ValueError("every data hash must be 32 bytes")
    if gateway_height <= highest:
        raise ValueError(f"gateway_height {gateway_height} is not above the highest block {highest}")
    chain = chain_hashes(ledger, hashes)
    if ledger == "fabric":
        _check_fabric_blocks(blocks, config_blocks, hashes, chain, claims)
    else:
        _check_embedded_blocks(blocks, hashes, chain, claims)
    files = _files(ledger, blocks, config_blocks, hashes, claims, node_certificate)
    manifest = {
        "format": FORMAT,
        "ledger": ledger,
        "channel": channel,
        "chaincode": chaincode,
        "created": created or _now(),
        "gateway_height": gateway_height,
        "genesis_hash": chain[0].hex(),
        "endorsement_policy": endorsement_policy if ledger == "fabric" else None,
        "subject": dict(subject),
        "statement": statement,
        "claims": [_claim_entry(index, claim, chain) for index, claim in enumerate(claims)],
        "links": [{"from": link.source, "field": link.field, "to": link.target} for link in links],
        "files": {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())},
    }
    manifest_bytes = manifest_file(manifest)
    signature = signature_file(signer.identity, signer.sign(manifest_bytes))
    return _zip({MANIFEST: manifest_bytes, SIGNATURE: signature, **dict(sorted(files.items()))})


def _check_shape(
    ledger: str,
    claims: Sequence[Claim],
    links: Sequence[Link],
    blocks: Mapping[int, bytes],
    config_blocks: Mapping[int, bytes],
    node_certificate: bytes | None,
) -> None:
    if ledger not in ("fabric", "embedded"):
        raise ValueError(f"ledger must be 'fabric' or 'embedded', not {ledger!r}")
    if not claims:
        raise ValueError("a bundle needs at least one claim")
    if ledger == "fabric" and 0 not in config_blocks:
        raise ValueError("config_blocks must include block 0, the genesis block")
    if ledger == "embedded" and config_blocks:
        raise ValueError("config_blocks are for Fabric only")
    if ledger == "embedded":
        if node_certificate is None:
            raise ValueError("an embedded bundle needs the node certificate")
        x509.load_pem_x509_certificate(node_certificate)
    for index, claim in enumerate(claims):
        _check_claim(index, claim, blocks)
    for link in links:
        for end in (link.source, link.target):
            if not 0 <= end < len(claims) or claims[end].value is None:
                raise ValueError(f"link {link}: claim {end} does not exist or has no value")


def _check_claim(index: int, claim: Claim, blocks: Mapping[int, bytes]) -> None:
    if claim.block not in blocks:
        raise ValueError(f"claim {index}: block {claim.block} is not among the blocks")
    if (claim.key is None) != (claim.value is None):
        raise ValueError(f"claim {index}: key and value go together (both or neither)")
    if claim.owner_msp is not None and claim.owner_policy is None:
        raise ValueError(f"claim {index}: owner_msp needs owner_policy, the tx that set the key's policy")
    if claim.owner_policy is not None:
        if claim.key is None:
            raise ValueError(f"claim {index}: owner_policy needs a key")
        if claim.owner_policy[1] not in blocks:
            raise ValueError(
                f"claim {index}: owner_policy block {claim.owner_policy[1]} is not among the blocks"
            )
        if claim.owner_policy[1] > claim.block:
            raise ValueError(f"claim {index}: owner_policy is later than the claim's transaction")


def _check_fabric_blocks(
    blocks: Mapping[int, bytes],
    config_blocks: Mapping[int, bytes],
    hashes: list[bytes],
    chain: list[bytes],
    claims: Sequence[Claim],
) -> None:
    parsed = {}
    for kind, group in (("block", blocks), ("config block", config_blocks)):
        for number, raw in group.items():
            block, _ = parse_block(raw)
            previous = chain[number - 1] if number else b""
            if block.number != number:
                raise ValueError(f"{kind} {number} is numbered {block.number}")
            if not block.computed_data_hash == block.data_hash == hashes[number]:
                raise ValueError(f"{kind} {number}: its data hash disagrees with data_hashes")
            if block.previous_hash != previous:
                raise ValueError(f"{kind} {number}: its previous hash disagrees with data_hashes")
            if block.last_config() not in config_blocks:
                raise ValueError(f"{kind} {number} names config block {block.last_config()}, not given")
            parsed[number] = block
    for index, claim in enumerate(claims):
        for tx_id, number in _claim_txs(claim):
            if find_tx(parsed[number], tx_id) is None:
                raise ValueError(f"claim {index}: transaction {tx_id} is not in block {number}")


def _check_embedded_blocks(
    blocks: Mapping[int, bytes], hashes: list[bytes], chain: list[bytes], claims: Sequence[Claim]
) -> None:
    parsed = {}
    for number, raw in blocks.items():
        block = parse_embedded_block(raw)
        previous = chain[number - 1].hex() if number else "0" * 64
        if block.number != number or block.data_hash != hashes[number].hex():
            raise ValueError(f"block {number}: its number or data hash disagrees with data_hashes")
        if block.computed_data_hash != block.data_hash or block.previous_hash != previous:
            raise ValueError(f"block {number}: its data or previous hash disagrees with data_hashes")
        parsed[number] = block
    for index, claim in enumerate(claims):
        for tx_id, number in _claim_txs(claim):
            if parsed[number].find_tx(tx_id) is None:
                raise ValueError(f"claim {index}: transaction {tx_id} is not in block {number}")


def _claim_txs(claim: Claim) -> list[tuple[str, int]]:
    return [(claim.tx_id, claim.block), *([claim.owner_policy] if claim.owner_policy else [])]


def _files(
    ledger: str,
    blocks: Mapping[int, bytes],
    config_blocks: Mapping[int, bytes],
    hashes: list[bytes],
    claims: Sequence[Claim],
    node_certificate: bytes | None,
) -> dict[str, bytes]:
    suffix = "block" if ledger == "fabric" else "json"
    files = {f"blocks/{number}.{suffix}": bytes(raw) for number, raw in blocks.items()}
    files.update({f"config/{number}.block": bytes(raw) for number, raw in config_blocks.items()})
    files[DATA_HASHES] = b"".join(hashes)
    files.update(
        {f"values/{i}.bin": claim.value for i, claim in enumerate(claims) if claim.value is not None}
    )
    if node_certificate is not None and ledger == "embedded":
        files[NODE_CERTIFICATE] = bytes(node_certificate)
    return files


def _claim_entry(index: int, claim: Claim, chain: list[bytes]) -> dict[str, Any]:
    return {
        "role": claim.role,
        "collection": claim.collection,
        "id": claim.id,
        "key": claim.key,
        "value_file": None if claim.value is None else f"values/{index}.bin",
        "value_sha256": None if claim.value is None else hashlib.sha256(claim.value).hexdigest(),
        "tx_id": claim.tx_id,
        "block": claim.block,
        "block_hash": chain[claim.block].hex(),
        "owner_msp": claim.owner_msp,
        "owner_policy": None
        if claim.owner_policy is None
        else {"tx_id": claim.owner_policy[0], "block": claim.owner_policy[1]},
        "statement": claim.statement,
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _zip(files: Mapping[str, bytes]) -> bytes:
    # Fixed timestamps and order: the same bundle content always gives the same zip bytes.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, body)
    return out.getvalue()


# --------------------------------------------------------------------------------------- reader


@dataclass
class Bundle:
    manifest_bytes: bytes
    manifest: dict[str, Any]
    signature: bytes | None  # manifest.sig, when present
    files: dict[str, bytes]  # every other member
    duplicates: list[str]  # names that occur more than once in the zip (never trusted)


def read_bundle(data: bytes) -> Bundle:
    """The bundle's members. BundleError when ``data`` is no bundle of this format at all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise BundleError("not a zip file") from error
    with archive:
        members = _read_members(archive)
    names = [name for name, _ in members]
    contents = dict(members)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if MANIFEST not in contents:
        raise BundleError(f"no {MANIFEST} in the zip: not an evidence bundle")
    manifest_bytes = contents.pop(MANIFEST)
    signature = contents.pop(SIGNATURE, None)
    return Bundle(manifest_bytes, _manifest(manifest_bytes), signature, contents, duplicates)


def _read_members(archive: zipfile.ZipFile) -> list[tuple[str, bytes]]:
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > MAX_FILES:
        raise BundleError(f"the zip has {len(infos)} files, more than a bundle ever holds")
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise BundleError("the zip unpacks to more than 256 MiB, more than a bundle ever holds")
    try:
        return [(info.filename, archive.read(info)) for info in infos]
    except Exception as error:  # CRC, zlib, encryption...: any failure to unpack is a damaged zip
        raise BundleError(f"the zip is damaged: {error}") from error


def _manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{MANIFEST} is not JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise BundleError(f"{MANIFEST} is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise BundleError(f"unknown bundle format {manifest.get('format')!r}; this verifier reads {FORMAT}")
    if manifest.get("ledger") not in ("fabric", "embedded"):
        raise BundleError(f"unknown ledger {manifest.get('ledger')!r} (fabric or embedded)")
    return manifest
