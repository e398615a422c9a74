"""Block hashing of both ledgers, as the bundle format defines it (docs/evidence.md).

Fabric: a block's data hash is SHA-256 over its envelopes concatenated; its header hash is
SHA-256 over the DER encoding of SEQUENCE { INTEGER number, OCTET STRING previous_hash,
OCTET STRING data_hash }. The embedded ledger hashes canonical JSON instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ._protos import common_pb2, parse

HASH_SIZE = 32
EMBEDDED_GENESIS_PREVIOUS = "0" * 64


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(body)) + body


def _der_unsigned(value: int) -> bytes:
    # Minimal two's-complement: one leading zero byte when the top bit would read as a sign.
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return _der(0x02, body)


def fabric_block_header_bytes(number: int, previous_hash: bytes, data_hash: bytes) -> bytes:
    """The bytes Fabric hashes (and the orderer signs) for a block header."""
    if number < 0:
        raise ValueError("block number must not be negative")
    fields = _der_unsigned(number) + _der(0x04, previous_hash) + _der(0x04, data_hash)
    return _der(0x30, fields)


def fabric_block_header_hash(number: int, previous_hash: bytes, data_hash: bytes) -> bytes:
    """h(number): the hash the next block's header names as its previous hash."""
    return hashlib.sha256(fabric_block_header_bytes(number, previous_hash, data_hash)).digest()


def fabric_data_hash_of(envelopes: Sequence[bytes]) -> bytes:
    return hashlib.sha256(b"".join(envelopes)).digest()


def fabric_block_data_hash(block_bytes: bytes) -> bytes:
    """The data hash of a serialized ``common.Block``, recomputed from its envelopes."""
    block = parse(common_pb2.Block, block_bytes)
    return fabric_data_hash_of(list(block.data.data))


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not ASCII-escaped): the embedded ledger's hashing form."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def embedded_block_hash(number: int, previous_hash: str, data_hash: str) -> str:
    """The embedded ledger's block hash (hex) of a header."""
    header = {"data_hash": data_hash, "number": number, "previous_hash": previous_hash}
    return hashlib.sha256(canonical_json(header)).hexdigest()


def chain_hashes(ledger: str, data_hashes: Sequence[bytes]) -> list[bytes]:
    """h(0)..h(M) from the data hashes of blocks 0..M (raw 32 bytes each, both ledgers)."""
    hashes: list[bytes] = []
    if ledger == "fabric":
        previous = b""
        for number, data_hash in enumerate(data_hashes):
            previous = fabric_block_header_hash(number, previous, data_hash)
            hashes.append(previous)
        return hashes
    previous_hex = EMBEDDED_GENESIS_PREVIOUS
    for number, data_hash in enumerate(data_hashes):
        previous_hex = embedded_block_hash(number, previous_hex, data_hash.hex())
        hashes.append(bytes.fromhex(previous_hex))
    return hashes


def split_data_hashes(blob: bytes) -> list[bytes]:
    """``chain/data-hashes.bin`` cut into its 32-byte hashes; refuses a ragged file."""
    if len(blob) % HASH_SIZE:
        raise ValueError(f"data-hashes.bin is {len(blob)} bytes, not a multiple of {HASH_SIZE}")
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
