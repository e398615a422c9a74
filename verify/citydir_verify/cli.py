"""``citydir-verify BUNDLE [--trust GENESIS_HASH_OR_CERT_FILE] [--json]``.

Exit status: 0 VALID and anchored to the trust given; 3 VALID but not anchored (no --trust, or
a trust anchor that vouches for less than the chain); 1 INVALID; 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .bundle import BundleError
from .verifier import verify_bundle

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2
EXIT_NOT_ANCHORED = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citydir-verify",
        description="Verify a citydir evidence bundle offline: no network, no peer, no gateway.",
        epilog="exit status: 0 valid and anchored, 3 valid but not anchored, 1 invalid, 2 unusable input",
    )
    parser.add_argument("bundle", help="the evidence bundle (.zip)")
    parser.add_argument(
        "--trust",
        metavar="GENESIS_HASH_OR_CERT_FILE",
        help="the channel's genesis block hash (64 hex digits, as the city publishes it), or a file "
        "holding a certificate (an orderer org's root CA; the embedded node's certificate)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _trust(value: str | None) -> str | bytes | None:
    if value is None:
        return None
    path = Path(value)
    if path.is_file():
        return path.read_bytes()
    if len(value.strip()) == 64:
        return value
    raise BundleError(f"--trust {value!r} is neither a 64-hex genesis hash nor a readable certificate file")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        trust = _trust(args.trust)
        data = Path(args.bundle).read_bytes()
        report = verify_bundle(data, trust)
    except (BundleError, OSError) as error:
        print(f"citydir-verify: unusable input: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    print(report.dumps() if args.json else report.render())
    if not report.valid:
        return EXIT_INVALID
    return EXIT_VALID if report.anchored else EXIT_NOT_ANCHORED


if __name__ == "__main__":
    sys.exit(main())
