"""Strict decoders: a bundle's text must have exactly one spelling of each value.

Lenient base64 ignores the unused low bits of a final character, so two different texts can
decode to the same bytes; an unsigned file (``manifest.sig``) could then change without any
check noticing. These helpers refuse every non-canonical spelling.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError(f"{what} is not a base64 string")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError(f"{what} is not valid base64") from error
    if b64encode(data) != text:
        raise ValueError(f"{what} is not canonical base64")
    return data


def hex_bytes(text: object, what: str, size: int | None = 32) -> bytes:
    if not isinstance(text, str) or text != text.lower():
        raise ValueError(f"{what} is not lower-case hex")
    try:
        data = bytes.fromhex(text)
    except ValueError as error:
        raise ValueError(f"{what} is not hex") from error
    if data.hex() != text or (size is not None and len(data) != size):
        raise ValueError(f"{what} is not {size} bytes of hex")
    return data


def signature_file(identity: bytes, signature: bytes) -> bytes:
    """The one spelling of ``manifest.sig``."""
    body = {"identity": b64encode(identity), "signature": b64encode(signature)}
    return (json.dumps(body, sort_keys=True, indent=2) + "\n").encode("ascii")


def manifest_file(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
