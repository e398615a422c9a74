"""The checks of an embedded-ledger bundle: one operator's hash chain and node signatures.

There is no endorsement and no independent orderer: the node that kept the ledger signed every
block with its own key. The checks show the bundle is internally consistent and signed by that
node; they cannot show the node told the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from .bundle import NODE_CERTIFICATE
from .context import (
    Anchor,
    ClaimView,
    Context,
    attempt,
    check_claim_blocks,
    check_genesis_anchor,
    check_value_digest,
    guarded,
    load_chain,
    read_signature_file,
)
from .embedded_ledger import EmbeddedBlock, parse_embedded_block
from .encoding import b64decode
from .hashes import EMBEDDED_GENESIS_PREVIOUS
from .policy import describe_envelope, msps_named, parse_envelope
from .report import Status
from .signatures import verify_ecdsa

WITNESS = (
    "single operator: the embedded node is the only witness (no endorsement, no independent orderer; "
    "whoever holds its key could have written all of this)"
)
_SINGLE = "n/a: single operator, no endorsement"


@dataclass
class EmbeddedState:
    blocks: dict[int, EmbeddedBlock] = field(default_factory=dict)
    node: x509.Certificate | None = None


def node_certificate(ctx: Context) -> tuple[x509.Certificate | None, str | None]:
    pem = ctx.file(NODE_CERTIFICATE)
    if pem is None:
        return None, f"{NODE_CERTIFICATE} is missing"
    cert, problem = attempt(lambda: x509.load_pem_x509_certificate(pem))
    if cert is None:
        return None, f"{NODE_CERTIFICATE} is not a PEM certificate: {problem}"
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        return None, f"{NODE_CERTIFICATE} does not hold an ECDSA P-256 key"
    return cert, None


def run(ctx: Context, anchor: Anchor | None) -> str:
    state = EmbeddedState()
    load_chain(ctx)
    state.node, node_problem = node_certificate(ctx)
    for number, raw in sorted(ctx.block_files("blocks").items()):
        block = _load_block(ctx, number, raw)
        if block is not None:
            state.blocks[number] = block
            _check_link(ctx, block)
            _check_signature(ctx, block, state.node, node_problem)
    _check_trust(ctx, state, anchor)
    check_claim_blocks(ctx, set(state.blocks))
    for claim in ctx.claims:
        guarded(ctx, claim, partial(_check_claim, ctx, state, claim))
    guarded(ctx, None, lambda: _check_manifest_signature(ctx, state))
    return WITNESS


def _load_block(ctx: Context, number: int, raw: bytes) -> EmbeddedBlock | None:
    label = "block data hash"
    name = f"blocks/{number}.json"
    block, problem = attempt(lambda: parse_embedded_block(raw))
    if block is None:
        ctx.add("chain.data_hash", label, "fail", f"{name} does not parse: {problem}")
        return None
    expected = ctx.data_hashes[number].hex() if number < len(ctx.data_hashes) else None
    if block.number != number:
        problem = f"{name} holds block {block.number}"
    elif block.computed_data_hash != block.data_hash:
        problem = (
            f"{name}: data hash mismatch: its data hashes to {block.computed_data_hash[:16]}..., "
            f"its header says {block.data_hash[:16]}..."
        )
    elif block.data_hash != expected:
        problem = f"{name}: data hash mismatch with chain/data-hashes.bin"
    if problem:
        ctx.add("chain.data_hash", label, "fail", problem)
        return None
    ctx.add("chain.data_hash", label, "pass", f"{name}: data hashes to the header's data hash")
    return block


def _check_link(ctx: Context, block: EmbeddedBlock) -> None:
    label = "block header links to genesis"
    previous = ctx.previous_of(block.number)
    expected_previous = (
        EMBEDDED_GENESIS_PREVIOUS if block.number == 0 else (previous.hex() if previous else None)
    )
    own = ctx.chain_hash(block.number)
    if expected_previous is None or own is None:
        ctx.add("chain.link", label, "fail", f"block {block.number}: no data hashes up to it")
    elif block.previous_hash != expected_previous:
        ctx.add(
            "chain.link", label, "fail", f"block {block.number}: previous hash is not h({block.number - 1})"
        )
    elif block.computed_hash != block.hash or block.hash != own.hex():
        ctx.add("chain.link", label, "fail", f"block {block.number}: its hash is not the hash of its header")
    else:
        ctx.add(
            "chain.link",
            label,
            "pass",
            f"block {block.number}: hash of (n, h(n-1), data hash), chained from genesis",
        )


def _check_signature(
    ctx: Context, block: EmbeddedBlock, node: x509.Certificate | None, node_problem: str | None
) -> None:
    label = "node signature"
    if node is None:
        ctx.add("chain.signature", label, "fail", f"block {block.number}: {node_problem}")
        return
    problem = verify_ecdsa(node, block.signature, block.hash.encode("ascii"), low_s=False)
    if problem:
        ctx.add("chain.signature", label, "fail", f"block {block.number}: {problem}")
    else:
        ctx.add("chain.signature", label, "pass", f"block {block.number}: signed by the embedded node's key")


def _check_trust(ctx: Context, state: EmbeddedState, anchor: Anchor | None) -> None:
    if anchor is None or anchor.certificate is None:
        check_genesis_anchor(ctx, None if anchor is None else anchor.genesis_hash, "ledger")
    elif state.node is not None and state.node.public_bytes(Encoding.DER) == anchor.certificate:
        ctx.add("chain.trust", "trust anchor", "pass", "the bundle's node certificate is the trusted one")
    else:
        ctx.add("chain.trust", "trust anchor", "fail", "the bundle's node certificate is not the trusted one")


def _check_claim(ctx: Context, state: EmbeddedState, claim: ClaimView) -> None:
    tx = _claim_tx(ctx, state, claim)
    ctx.add("tx.creator", "creator signature", "n/a", _SINGLE, claim.index)
    ctx.add("tx.endorsements", "endorsements", "n/a", _SINGLE, claim.index)
    _check_owner_policy(ctx, state, claim)
    ctx.add("policy.chaincode", "chaincode policy", "n/a", _SINGLE, claim.index)
    _check_write(ctx, claim, tx)


def _claim_tx(ctx: Context, state: EmbeddedState, claim: ClaimView) -> dict[str, Any] | None:
    label = "transaction in block and VALID"
    block = state.blocks.get(claim.block)
    if block is None:
        ctx.add("tx.valid", label, "fail", f"block {claim.block} is not in the bundle", claim.index)
        return None
    tx, problem = attempt(lambda: block.find_tx(claim.tx_id))
    if tx is None:
        ctx.add(
            "tx.valid",
            label,
            "fail",
            problem or f"transaction {claim.tx_id[:16]}... is not in block {claim.block}",
            claim.index,
        )
        return None
    if tx.get("validation_code") != "VALID":
        ctx.add(
            "tx.valid",
            label,
            "fail",
            f"the node marked the transaction {tx.get('validation_code')!r}",
            claim.index,
        )
        return None
    ctx.add(
        "tx.valid",
        label,
        "pass",
        f"tx {claim.tx_id[:16]}... is in block {claim.block}, validation code "
        "VALID (as the node recorded it)",
        claim.index,
    )
    return tx


def _check_owner_policy(ctx: Context, state: EmbeddedState, claim: ClaimView) -> None:
    label = "owner policy"
    if claim.owner_policy is None:
        status: Status = "fail" if claim.owner_msp is not None else "n/a"
        detail = (
            "the owner is stated, but not the transaction that recorded its policy"
            if status == "fail"
            else _SINGLE
        )
        ctx.add("policy.owner", label, status, detail, claim.index)
        return
    policy, problem = attempt(lambda: _recorded_policy(state, claim))
    if policy is None:
        ctx.add("policy.owner", label, "fail", str(problem), claim.index)
        return
    envelope, problem = attempt(lambda: parse_envelope(policy))
    if envelope is None:
        ctx.add(
            "policy.owner",
            label,
            "fail",
            f"the recorded policy is not a signature policy: {problem}",
            claim.index,
        )
    elif claim.owner_msp is not None and claim.owner_msp not in msps_named(envelope):
        ctx.add(
            "policy.owner",
            label,
            "fail",
            f"the recorded policy {describe_envelope(envelope)} does not name "
            f"the stated owner {claim.owner_msp}",
            claim.index,
        )
    else:
        ctx.add(
            "policy.owner",
            label,
            "n/a",
            f"recorded owner policy {describe_envelope(envelope)} (not "
            "enforced: single operator, no endorsement)",
            claim.index,
        )


def _recorded_policy(state: EmbeddedState, claim: ClaimView) -> bytes:
    assert claim.owner_policy is not None
    tx_id, number = claim.owner_policy
    if number > claim.block:
        raise ValueError("the policy was recorded after this transaction")
    block = state.blocks.get(number)
    if block is None:
        raise ValueError(f"block {number} of the policy-setting transaction is not in the bundle")
    tx = block.find_tx(tx_id)
    if tx is None or tx.get("validation_code") != "VALID":
        raise ValueError(f"the policy-setting transaction is not a VALID transaction of block {number}")
    entries = [
        e for e in tx.get("validation_parameters") or [] if isinstance(e, dict) and e.get("key") == claim.key
    ]
    if len(entries) != 1 or entries[0].get("policy") is None:
        raise ValueError(f"tx {tx_id[:16]}... does not record a policy for the key")
    return b64decode(entries[0]["policy"], "the recorded policy")


def _check_write(ctx: Context, claim: ClaimView, tx: dict[str, Any] | None) -> None:
    label = "write set"
    if claim.key is None:
        ctx.add("writeset", label, "n/a", "transaction-only claim: no value", claim.index)
        return
    if tx is None:
        ctx.add("writeset", label, "fail", "not checked: the transaction is not usable", claim.index)
        return
    value, problem = check_value_digest(ctx, claim)
    writes = [w for w in tx.get("writes") or [] if isinstance(w, dict) and w.get("key") == claim.key]
    if problem is None and len(writes) != 1:
        problem = f"the transaction writes the key {len(writes)} times"
    elif problem is None and writes[0].get("value") is None:
        problem = "the transaction deletes the key"
    if problem is None:
        written, problem = attempt(lambda: b64decode(writes[0]["value"], "the written value"))
        if problem is None and written != value:
            problem = f"the value written differs from {claim.value_file}"
    if problem:
        ctx.add("writeset", label, "fail", problem, claim.index)
    else:
        ctx.add(
            "writeset",
            label,
            "pass",
            f"writes the key = {claim.value_file} ({len(value or b'')} bytes)",
            claim.index,
        )


def _check_manifest_signature(ctx: Context, state: EmbeddedState) -> None:
    """The node's signature over manifest.json; its identity is the node certificate itself."""
    label = "manifest signature"
    parsed, problem = read_signature_file(ctx)
    if parsed is None:
        ctx.add("manifest.signature", label, "fail", str(problem))
        return
    identity, signature = parsed
    if state.node is None or identity != ctx.file(NODE_CERTIFICATE):
        ctx.add(
            "manifest.signature",
            label,
            "fail",
            f"the signer is not the node certificate ({NODE_CERTIFICATE})",
        )
        return
    problem = verify_ecdsa(state.node, signature, ctx.bundle.manifest_bytes, low_s=False)
    if problem:
        ctx.add("manifest.signature", label, "fail", f"manifest.json: {problem}")
    else:
        ctx.add("manifest.signature", label, "pass", "manifest.json is signed by the embedded node's key")
