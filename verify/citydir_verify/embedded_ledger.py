"""The embedded ledger's block files (``blocks/<N>.json``) and their transactions.

A block file is canonical JSON: ``{"data": base64 of the block's data bytes, "header":
{"data_hash", "number", "previous_hash"}, "hash", "signature"}``; the node signs the ASCII bytes
of the hex block hash. The data bytes are canonical JSON ``{"transactions": [...]}``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .encoding import b64decode, b64encode, hex_bytes
from .hashes import canonical_json, embedded_block_hash


@dataclass
class EmbeddedBlock:
    number: int
    previous_hash: str
    data_hash: str
    hash: str
    signature: bytes
    data: bytes

    @property
    def computed_data_hash(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def computed_hash(self) -> str:
        return embedded_block_hash(self.number, self.previous_hash, self.data_hash)

    def transactions(self) -> list[dict[str, Any]]:
        body = json.loads(self.data)
        found = body.get("transactions") if isinstance(body, dict) else None
        if not isinstance(found, list) or not all(isinstance(tx, dict) for tx in found):
            raise ValueError(f"block {self.number}'s data has no list of transactions")
        return found

    def find_tx(self, tx_id: str) -> dict[str, Any] | None:
        return next((tx for tx in self.transactions() if tx.get("tx_id") == tx_id), None)


def embedded_data_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def embedded_block_file(*, number: int, previous_hash: str, data: bytes, signature: bytes) -> bytes:
    """The bytes of ``blocks/<number>.json`` for a block; ``signature`` is the node's over its hash.

    The hash it signs is ``embedded_block_hash(number, previous_hash, embedded_data_hash(data))``.
    """
    data_hash = embedded_data_hash(data)
    body = {
        "data": b64encode(data),
        "header": {"data_hash": data_hash, "number": number, "previous_hash": previous_hash},
        "hash": embedded_block_hash(number, previous_hash, data_hash),
        "signature": b64encode(signature),
    }
    return canonical_json(body)


def parse_embedded_block(raw: bytes) -> EmbeddedBlock:
    body = json.loads(raw)
    if not isinstance(body, dict) or not isinstance(body.get("header"), dict):
        raise ValueError("not an embedded block file")
    header = body["header"]
    number = header.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ValueError("the block number is not a non-negative integer")
    for name, text in (
        ("previous_hash", header.get("previous_hash")),
        ("data_hash", header.get("data_hash")),
        ("hash", body.get("hash")),
    ):
        hex_bytes(text, name)
    return EmbeddedBlock(
        number=number,
        previous_hash=str(header["previous_hash"]),
        data_hash=str(header["data_hash"]),
        hash=str(body["hash"]),
        signature=b64decode(body.get("signature"), "the block signature"),
        data=b64decode(body.get("data"), "the block data"),
    )
