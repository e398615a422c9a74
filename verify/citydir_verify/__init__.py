"""citydir-verify: check a citydir evidence bundle offline, against the ledger's own signatures.

``verify_bundle(zip_bytes, trust)`` returns a :class:`Report`; ``write_bundle(...)`` builds a
bundle (the gateway uses it, so writer and verifier share one definition of the format).
"""

from .bundle import (
    FORMAT,
    BundleError,
    BundleSigner,
    Claim,
    Link,
    embedded_block_file,
    embedded_block_hash,
    fabric_block_data_hash,
    fabric_block_header_hash,
    read_bundle,
    write_bundle,
)
from .embedded_ledger import embedded_data_hash
from .report import INVALID, VALID, Check, Report
from .verifier import parse_trust, verify_bundle

__all__ = [
    "FORMAT",
    "INVALID",
    "VALID",
    "BundleError",
    "BundleSigner",
    "Check",
    "Claim",
    "Link",
    "Report",
    "embedded_block_file",
    "embedded_block_hash",
    "embedded_data_hash",
    "fabric_block_data_hash",
    "fabric_block_header_hash",
    "parse_trust",
    "read_bundle",
    "verify_bundle",
    "write_bundle",
]
