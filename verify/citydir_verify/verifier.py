"""verify_bundle: every check of a bundle, offline, and the verdict they add up to."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from . import embedded_checks, fabric_checks
from .bundle import MANIFEST, SIGNATURE, Bundle, BundleError, read_bundle
from .context import Anchor, ClaimView, Context, attempt, guarded, parse_claims
from .encoding import hex_bytes
from .report import Report

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def parse_trust(trust: str | bytes | None) -> Anchor | None:
    """A genesis hash (64 hex digits) or a certificate (PEM text, PEM or DER bytes)."""
    if trust is None:
        return None
    if isinstance(trust, str):
        text = trust.strip()
        if _HEX64.match(text):
            return Anchor(genesis_hash=bytes.fromhex(text))
        data = text.encode("utf-8")
    else:
        data = bytes(trust)
        text = data.strip().decode("ascii", "replace")
        if _HEX64.match(text):
            return Anchor(genesis_hash=bytes.fromhex(text))
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            certificate = x509.load_pem_x509_certificate(data)
        else:
            certificate = x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise BundleError(
            "the trust anchor is neither a genesis hash (64 hex digits) nor a certificate"
        ) from error
    return Anchor(certificate=certificate.public_bytes(Encoding.DER))


def verify_bundle(data: bytes, trust: str | bytes | None = None) -> Report:
    """Check the bundle ``data`` (zip bytes) offline.

    ``trust`` is what the verifier trusts independently of the bundle: the channel's genesis
    hash (hex), as the city publishes it, or a certificate (an orderer org's root CA for Fabric,
    the node certificate for the embedded ledger). Raises BundleError when ``data`` or ``trust``
    is unusable (not a zip, no manifest, unknown format); any other defect is an INVALID report.
    """
    anchor = parse_trust(trust)
    bundle = read_bundle(data)
    ctx = _context(bundle)
    witness = "unknown: the verification did not complete"

    def run() -> None:
        nonlocal witness
        if ctx.ledger == "fabric":
            policy = bundle.manifest.get("endorsement_policy")
            witness = fabric_checks.run(ctx, anchor, policy if isinstance(policy, str) else None)
        else:
            witness = embedded_checks.run(ctx, anchor)

    guarded(ctx, None, run)
    guarded(ctx, None, lambda: _check_links(ctx))
    guarded(ctx, None, lambda: _check_files(ctx))
    checks = ctx.ordered()
    anchored = any(check.id == "trust" and check.status == "pass" for check in checks)
    return Report(
        ledger=ctx.ledger,
        anchored=anchored,
        anchor=_anchor_text(ctx, anchor, anchored),
        witness=witness,
        checks=checks,
        manifest=_summary(bundle.manifest, ctx.claims),
    )


def _context(bundle: Bundle) -> Context:
    manifest = bundle.manifest
    problems: list[tuple[str, int | None]] = []

    def problem(text: str, claim: int | None) -> None:
        problems.append((text, claim))

    claims = parse_claims(manifest, problem)
    fields = {name: manifest.get(name) for name in ("channel", "chaincode", "genesis_hash")}
    for name, value in fields.items():
        if not isinstance(value, str):
            problem(f"{name} is not a string", None)
    ctx = Context(
        bundle=bundle,
        ledger=str(manifest["ledger"]),
        channel=str(fields["channel"]),
        chaincode=str(fields["chaincode"]),
        genesis_hash=str(fields["genesis_hash"]),
        claims=claims,
    )
    _check_fields(ctx, manifest, problem)
    for text, claim in problems:
        ctx.add("manifest.fields", "manifest fields", "fail", text, claim)
    if not problems:
        ctx.add(
            "manifest.fields",
            "manifest fields",
            "pass",
            f"{len(claims)} claim(s), {len(manifest.get('links') or [])} link(s), every field well-formed",
        )
    return ctx


def _check_fields(ctx: Context, manifest: dict[str, Any], problem: Callable[[str, int | None], None]) -> None:
    _, bad = attempt(lambda: hex_bytes(manifest.get("genesis_hash"), "genesis_hash"))
    if bad:
        problem(bad, None)
    height = manifest.get("gateway_height")
    if not isinstance(height, int) or isinstance(height, bool):
        problem("gateway_height is not an integer", None)
    elif any(claim.block >= height for claim in ctx.claims):
        problem(f"a claim's block is not below gateway_height {height}", None)
    for name, kind in (
        ("subject", dict),
        ("statement", str),
        ("created", str),
        ("links", list),
        ("files", dict),
    ):
        if not isinstance(manifest.get(name), kind):
            problem(f"{name} is not a {kind.__name__}", None)


# ----------------------------------------------------------------------------------------- links


def _check_links(ctx: Context) -> None:
    links = ctx.bundle.manifest.get("links")
    for number, link in enumerate(links if isinstance(links, list) else []):
        outcome, problem = attempt(partial(_link, ctx, link))
        if outcome is None:
            ctx.add("link", "link between claims", "fail", f"link {number}: {problem}")
        else:
            ctx.add("link", "link between claims", "pass", f"link {number}: {outcome}")


def _link(ctx: Context, link: object) -> str:
    if not isinstance(link, dict) or not isinstance(link.get("field"), str):
        raise ValueError("not {from, field, to}")
    source, target = _claim_by_index(ctx, link.get("from")), _claim_by_index(ctx, link.get("to"))
    field = link["field"]
    left, right = _value_json(ctx, source), _value_json(ctx, target)
    if field not in left:
        raise ValueError(f"claim {source.index}'s value has no field {field!r}")
    if "id" not in right:
        raise ValueError(f"claim {target.index}'s value has no id")
    if left[field] != right["id"] or not isinstance(right["id"], str):
        raise ValueError(
            f"claim {source.index}.{field} = {left[field]!r} is not claim {target.index}'s id {right['id']!r}"
        )
    return f"claim {source.index}.{field} = claim {target.index}.id = {right['id']!r}"


def _claim_by_index(ctx: Context, index: object) -> ClaimView:
    found = next((claim for claim in ctx.claims if claim.index == index), None)
    if found is None or isinstance(index, bool):
        raise ValueError(f"claim {index!r} does not exist")
    return found


def _value_json(ctx: Context, claim: ClaimView) -> dict[str, Any]:
    value = ctx.value(claim)
    if value is None:
        raise ValueError(f"claim {claim.index} has no value file")
    if hashlib.sha256(value).hexdigest() != claim.value_sha256:
        raise ValueError(f"claim {claim.index}'s value file is not the stated value")
    parsed = json.loads(value)
    if not isinstance(parsed, dict):
        raise ValueError(f"claim {claim.index}'s value is not a JSON object")
    return parsed


# ----------------------------------------------------------------------------------------- files


def _check_files(ctx: Context) -> None:
    listed = ctx.bundle.manifest.get("files")
    listed = listed if isinstance(listed, dict) else {}
    bad = [name for name in listed if name in (MANIFEST, SIGNATURE)]
    wrong = []
    for name, digest in sorted(listed.items()):
        body = ctx.file(name)
        if body is None:
            wrong.append(f"{name} is missing")
        elif hashlib.sha256(body).hexdigest() != digest:
            wrong.append(f"{name}: digest mismatch")
    if bad or wrong:
        ctx.add(
            "files.digests",
            "file digests",
            "fail",
            "; ".join([*wrong, *(f"{n} may not be listed" for n in bad)]),
        )
    else:
        ctx.add("files.digests", "file digests", "pass", f"all {len(listed)} listed files have their SHA-256")
    unlisted = sorted(name for name in ctx.bundle.files if name not in listed)
    duplicates = ctx.bundle.duplicates
    if unlisted or duplicates:
        text = [f"{name} is not listed in the manifest" for name in unlisted]
        text += [f"{name} occurs more than once in the zip" for name in duplicates]
        ctx.add("files.listed", "no unlisted files", "fail", "; ".join(text))
    else:
        ctx.add("files.listed", "no unlisted files", "pass", "the zip holds exactly the listed files")


# --------------------------------------------------------------------------------------- summary


def _anchor_text(ctx: Context, anchor: Anchor | None, anchored: bool) -> str:
    if anchor is None:
        return (
            f"checked only against the genesis hash the bundle itself states ({ctx.genesis_hash}); "
            "pass --trust with the genesis hash the city publishes"
        )
    if not anchored:
        return "the trust anchor given does not anchor this bundle"
    if anchor.genesis_hash is not None:
        return f"anchored to the trusted genesis hash {anchor.genesis_hash.hex()}"
    return "anchored to the trusted certificate"


def _summary(manifest: dict[str, Any], claims: list[ClaimView]) -> dict[str, Any]:
    keep = (
        "channel",
        "chaincode",
        "created",
        "gateway_height",
        "genesis_hash",
        "subject",
        "statement",
        "endorsement_policy",
    )
    return {
        **{name: manifest.get(name) for name in keep},
        "claims": [
            {
                "role": c.role,
                "collection": c.collection,
                "id": c.id,
                "tx_id": c.tx_id,
                "block": c.block,
                "owner_msp": c.owner_msp,
                "statement": c.statement,
            }
            for c in claims
        ],
    }
