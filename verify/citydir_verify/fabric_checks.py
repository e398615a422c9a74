"""The checks of a Fabric bundle: chain, orderer signatures, transactions, endorsements, policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from ._protos import Message, common_pb2, parse
from .config import ChannelConfig, load_config
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
from .fabric_ledger import FabricBlock, FabricTx, find_tx, parse_block, parse_tx
from .hashes import fabric_block_header_bytes
from .msp import PEER, Identity, Msp, validate
from .policy import describe_envelope, evaluate_path, msps_named, parse_envelope, satisfies_envelope
from .signatures import verify_ecdsa

BLOCK_VALIDATION = "/Channel/Orderer/BlockValidation"


@dataclass
class FabricState:
    blocks: dict[int, FabricBlock] = field(default_factory=dict)  # blocks/<N>.block
    config_blocks: dict[int, FabricBlock] = field(default_factory=dict)  # config/<C>.block
    configs: dict[int, ChannelConfig] = field(default_factory=dict)
    signers: dict[int, list[Identity]] = field(default_factory=dict)  # verified orderer signers
    txs: dict[tuple[int, str], tuple[FabricTx | None, str | None]] = field(default_factory=dict)
    endorsing_msps: set[str] = field(default_factory=set)


def run(ctx: Context, anchor: Anchor | None, endorsement_policy: str | None) -> str:
    """Add every Fabric check to ``ctx``; returns the witness sentence."""
    state = FabricState()
    load_chain(ctx)
    _load_blocks(ctx, state)
    for number in sorted({*state.blocks, *state.config_blocks}):
        for block in (state.config_blocks.get(number), state.blocks.get(number)):
            if block is not None:
                _check_link(ctx, block)
    _load_configs(ctx, state)
    _check_signatures(ctx, state)
    _check_trust(ctx, state, anchor)
    check_claim_blocks(ctx, set(state.blocks))
    for claim in ctx.claims:
        guarded(ctx, claim, partial(_check_claim, ctx, state, claim, endorsement_policy))
    guarded(ctx, None, lambda: check_manifest_signature(ctx, state))
    return _witness(state)


# ----------------------------------------------------------------------------------------- chain


def _load_blocks(ctx: Context, state: FabricState) -> None:
    for folder, target in (("blocks", state.blocks), ("config", state.config_blocks)):
        for number, raw in sorted(ctx.block_files(folder).items()):
            parsed, problem = attempt(partial(_block_only, raw))
            name = f"{folder}/{number}.block"
            if parsed is None:
                ctx.add("chain.data_hash", "block data hash", "fail", f"{name} does not parse: {problem}")
                continue
            if parsed.number != number:
                ctx.add("chain.data_hash", "block data hash", "fail", f"{name} holds block {parsed.number}")
                continue
            target[number] = parsed
            _check_data_hash(ctx, name, parsed)


def _block_only(raw: bytes) -> FabricBlock:
    return parse_block(raw)[0]


def _check_data_hash(ctx: Context, name: str, block: FabricBlock) -> None:
    label = "block data hash"
    computed = block.computed_data_hash
    if computed != block.data_hash:
        ctx.add(
            "chain.data_hash",
            label,
            "fail",
            f"{name}: data hash mismatch: its transactions hash to "
            f"{computed.hex()[:16]}..., its header says {block.data_hash.hex()[:16]}...",
        )
    elif block.number >= len(ctx.data_hashes) or ctx.data_hashes[block.number] != computed:
        ctx.add("chain.data_hash", label, "fail", f"{name}: data hash mismatch with chain/data-hashes.bin")
    else:
        ctx.add("chain.data_hash", label, "pass", f"{name}: transactions hash to the header's data hash")


def _check_link(ctx: Context, block: FabricBlock) -> None:
    previous = ctx.previous_of(block.number)
    label = "block header links to genesis"
    if previous is None:
        ctx.add("chain.link", label, "fail", f"block {block.number}: no data hashes up to it")
    elif block.previous_hash != previous:
        ctx.add(
            "chain.link",
            label,
            "fail",
            f"block {block.number}: previous hash "
            f"{block.previous_hash.hex()[:16]}... is not h({block.number - 1})",
        )
    else:
        ctx.add(
            "chain.link",
            label,
            "pass",
            f"block {block.number}: header is (n, h(n-1), data hash), h(n-1) chained from genesis",
        )


def _load_configs(ctx: Context, state: FabricState) -> None:
    label = "config block in force"
    for number in sorted(state.config_blocks):
        config, problem = attempt(partial(_config_of, ctx, number))
        if config is None:
            ctx.add("chain.config", label, "fail", f"config/{number}.block: {problem}")
            continue
        if config.channel_id != ctx.channel:
            ctx.add(
                "chain.config",
                label,
                "fail",
                f"config/{number}.block is of channel {config.channel_id!r}, not {ctx.channel!r}",
            )
            continue
        state.configs[number] = config
    for number, block in sorted(state.blocks.items()):
        last, problem = attempt(block.last_config)
        if last is None:
            ctx.add("chain.config", label, "fail", f"block {number}: no LAST_CONFIG ({problem})")
        elif last > number or last not in state.configs:
            ctx.add(
                "chain.config",
                label,
                "fail",
                f"block {number} names config block {last}, which is not "
                "in the bundle (or is not a usable config block of this channel)",
            )
        else:
            ctx.add(
                "chain.config",
                label,
                "pass",
                f"block {number}: config block {last} (LAST_CONFIG), itself in the chain",
            )


def _config_of(ctx: Context, number: int) -> ChannelConfig:
    raw = ctx.block_files("config")[number]
    return load_config(parse_block(raw)[1])


def _signing_config(state: FabricState, block: FabricBlock) -> ChannelConfig | None:
    """The config whose orderers must have signed ``block``.

    A config block names itself as LAST_CONFIG, but was signed under the config before it: a
    new configuration must be authorised by the old one, or anyone could write a config block.
    """
    last, _ = attempt(block.last_config)
    if last is None:
        return None
    if last < block.number:
        return state.configs.get(last)
    earlier = [number for number in state.configs if number < block.number]
    return state.configs[max(earlier)] if earlier else None


def _check_signatures(ctx: Context, state: FabricState) -> None:
    label = "orderer signature"
    signed = [*state.config_blocks.values(), *state.blocks.values()]
    for block in sorted(signed, key=lambda item: item.number):
        if block.number == 0:
            ctx.add(
                "chain.signature",
                label,
                "n/a",
                "block 0 is the genesis block: unsigned by design, pinned by its hash",
            )
            continue
        config = _signing_config(state, block)
        if config is None:
            ctx.add(
                "chain.signature",
                label,
                "fail",
                f"block {block.number}: no config block to check its orderer signature against",
            )
            continue
        signers, problem = attempt(partial(_orderer_signers, block, config))
        if signers is None:
            ctx.add("chain.signature", label, "fail", f"block {block.number}: {problem}")
            continue
        state.signers[block.number] = signers
        who = ", ".join(sorted({s.describe() for s in signers}))
        ctx.add(
            "chain.signature",
            label,
            "pass",
            f"block {block.number}: signed by {who}, satisfying "
            f"{BLOCK_VALIDATION} of config block {config.number}",
        )


def _orderer_signers(block: FabricBlock, config: ChannelConfig) -> list[Identity]:
    metadata = block.signatures_metadata()
    if not metadata.signatures:
        raise ValueError("the block carries no orderer signature")
    header = fabric_block_header_bytes(block.number, block.previous_hash, block.data_hash)
    signers: list[Identity] = []
    for signature in metadata.signatures:
        if not signature.signature_header:
            raise ValueError("a BFT identifier-only signature header is not supported")
        creator = parse(common_pb2.SignatureHeader, signature.signature_header).creator
        identity = validate(bytes(creator), config.msps)
        if identity.problem or identity.certificate is None:
            raise ValueError(f"orderer signer {identity.subject}: {identity.problem}")
        signed = bytes(metadata.value) + bytes(signature.signature_header) + header
        problem = verify_ecdsa(identity.certificate, bytes(signature.signature), signed)
        if problem:
            raise ValueError(f"signature by {identity.subject}: {problem}")
        signers.append(identity)
    outcome = evaluate_path(config, BLOCK_VALIDATION, signers)
    if not outcome.satisfied:
        raise ValueError(f"{BLOCK_VALIDATION} is not satisfied: {outcome.detail}")
    return signers


def _check_trust(ctx: Context, state: FabricState, anchor: Anchor | None) -> None:
    if anchor is not None and anchor.certificate is not None:
        _check_trusted_certificate(ctx, state, anchor.certificate)
    else:
        check_genesis_anchor(ctx, None if anchor is None else anchor.genesis_hash, "channel")


def _check_trusted_certificate(ctx: Context, state: FabricState, trusted: bytes) -> None:
    label = "trust anchor"
    owner = _root_owner(state, trusted)
    if owner is None:
        ctx.add(
            "chain.trust",
            label,
            "fail",
            "the trusted certificate is not a root CA of any MSP in the bundle's channel config",
        )
        return
    msp_id, is_orderer = owner
    if not is_orderer:
        ctx.add(
            "chain.trust",
            label,
            "n/a",
            f"the trusted certificate is {msp_id}'s root CA, an application "
            "org: it vouches only for that org's signatures, not for the chain; give the genesis hash or "
            "an orderer org's root CA to anchor the bundle",
        )
        return
    unsigned = [n for n in state.signers if not any(s.root == trusted for s in state.signers[n])]
    missing = [n for n in state.blocks if n > 0 and n not in state.signers]
    if unsigned or missing:
        ctx.add(
            "chain.trust",
            label,
            "fail",
            f"blocks {sorted(unsigned + missing)} carry no valid signature of "
            f"an orderer under the trusted {msp_id} root CA",
        )
        return
    ctx.add(
        "chain.trust",
        label,
        "pass",
        f"every included block is signed by an orderer of {msp_id}, whose root CA is the trusted certificate",
    )


def _root_owner(state: FabricState, trusted: bytes) -> tuple[str, bool] | None:
    for config in state.configs.values():
        for msps, is_orderer in ((config.orderer_msps, True), (config.application_msps, False)):
            for msp in msps.values():
                if trusted in msp.root_ders():
                    return msp.msp_id, is_orderer
    return None


# ---------------------------------------------------------------------------------------- claims


def _check_claim(ctx: Context, state: FabricState, claim: ClaimView, endorsement_policy: str | None) -> None:
    tx, config = _claim_tx(ctx, state, claim)
    if tx is None or config is None:
        for check_id, name in (
            ("tx.creator", "creator signature"),
            ("tx.endorsements", "endorsements"),
            ("policy.owner", "owner policy"),
            ("policy.chaincode", "chaincode policy"),
            ("writeset", "write set"),
        ):
            ctx.add(check_id, name, "fail", "not checked: the transaction is not usable", claim.index)
        return
    msps = config.application_msps
    _check_creator(ctx, claim, tx, msps)
    endorsers = _check_endorsements(ctx, state, claim, tx, msps)
    governed_by_key = _check_owner_policy(ctx, state, claim, tx, endorsers, endorsement_policy)
    _check_chaincode_policy(ctx, claim, config, endorsers, endorsement_policy, governed_by_key)
    _check_write(ctx, claim, tx)


def _load_tx(state: FabricState, number: int, tx_id: str) -> tuple[FabricTx | None, str | None]:
    cached = state.txs.get((number, tx_id))
    if cached is not None:
        return cached
    block = state.blocks.get(number)
    if block is None:
        found: tuple[FabricTx | None, str | None] = (None, f"block {number} is not in the bundle")
    else:
        index = find_tx(block, tx_id)
        if index is None:
            found = (None, f"transaction {tx_id[:16]}... is not in block {number}")
        else:
            found = attempt(lambda: parse_tx(block.envelopes[index], index))
    state.txs[(number, tx_id)] = found
    return found


def _claim_tx(
    ctx: Context, state: FabricState, claim: ClaimView
) -> tuple[FabricTx | None, ChannelConfig | None]:
    label = "transaction in block and VALID"
    tx, problem = _load_tx(state, claim.block, claim.tx_id)
    if tx is None:
        ctx.add("tx.valid", label, "fail", str(problem), claim.index)
        return None, None
    problem = _tx_problem(ctx, state, claim.block, tx)
    config = _config_in_force(state, claim.block)
    if config is None:
        ctx.add("tx.valid", label, "fail", problem or f"no config block for block {claim.block}", claim.index)
        return None, None
    if problem:
        # The transaction decodes: judge its signatures and writes too, for a fuller report.
        ctx.add("tx.valid", label, "fail", problem, claim.index)
        return tx, config
    ctx.add(
        "tx.valid",
        label,
        "pass",
        f"tx {tx.tx_id[:16]}... is transaction {tx.index} of block {claim.block}, validation code VALID",
        claim.index,
    )
    return tx, config


def _tx_problem(ctx: Context, state: FabricState, number: int, tx: FabricTx) -> str | None:
    if tx.computed_tx_id != tx.tx_id:
        return "the transaction id is not SHA-256(nonce || creator)"
    if tx.channel_id != ctx.channel:
        return f"the transaction is on channel {tx.channel_id!r}, not {ctx.channel!r}"
    if tx.chaincode != ctx.chaincode or tx.action_chaincode != ctx.chaincode:
        return f"the transaction invokes chaincode {tx.chaincode!r}, not {ctx.chaincode!r}"
    if tx.response_status >= 400:
        return f"the endorsed response has status {tx.response_status}"
    flag, problem = attempt(lambda: state.blocks[number].validation_flag(tx.index))
    if flag is None:
        return problem
    if flag != 0:
        return f"the peer marked the transaction invalid (validation code {flag})"
    return None


def _config_in_force(state: FabricState, number: int) -> ChannelConfig | None:
    last, _ = attempt(state.blocks[number].last_config)
    return None if last is None else state.configs.get(last)


def _check_creator(ctx: Context, claim: ClaimView, tx: FabricTx, msps: dict[str, Msp]) -> None:
    label = "creator signature"
    identity = validate(tx.creator, msps, tx.timestamp)
    if identity.problem or identity.certificate is None:
        ctx.add("tx.creator", label, "fail", f"creator {identity.subject}: {identity.problem}", claim.index)
        return
    problem = verify_ecdsa(identity.certificate, tx.signature, tx.payload)
    if problem:
        ctx.add("tx.creator", label, "fail", f"creator {identity.subject}: {problem}", claim.index)
        return
    ctx.add(
        "tx.creator",
        label,
        "pass",
        f"signed by {identity.describe()}, chaining to {identity.msp_id}'s root CA",
        claim.index,
    )


def _check_endorsements(
    ctx: Context, state: FabricState, claim: ClaimView, tx: FabricTx, msps: dict[str, Msp]
) -> list[Identity]:
    label = "endorsements"
    endorsers, problem = verified_endorsers(tx, msps)
    if problem:
        ctx.add("tx.endorsements", label, "fail", problem, claim.index)
        return []
    state.endorsing_msps.update(identity.msp_id for identity in endorsers)
    who = "; ".join(identity.describe() for identity in endorsers)
    ctx.add(
        "tx.endorsements", label, "pass", f"{len(endorsers)} peer endorsement(s) verify: {who}", claim.index
    )
    return endorsers


def verified_endorsers(tx: FabricTx, msps: dict[str, Msp]) -> tuple[list[Identity], str | None]:
    """The endorsing peers, or why an endorsement does not hold (all must: none is ignored)."""
    if tx.computed_proposal_hash != tx.proposal_hash:
        return [], "the endorsed response answers a different proposal (proposal hash mismatch)"
    if not tx.endorsements:
        return [], "the transaction carries no endorsement"
    endorsers: list[Identity] = []
    for endorser, signature in tx.endorsements:
        identity = validate(endorser, msps, tx.timestamp)
        if identity.problem or identity.certificate is None:
            return [], f"endorser {identity.subject}: {identity.problem}"
        if PEER not in identity.roles:
            return [], f"endorser {identity.subject} does not have the peer role of {identity.msp_id}"
        problem = verify_ecdsa(identity.certificate, signature, tx.proposal_response_payload + endorser)
        if problem:
            return [], f"endorsement by {identity.subject}: {problem}"
        endorsers.append(identity)
    return endorsers, None


# -------------------------------------------------------------------------------------- policies


def _check_owner_policy(
    ctx: Context,
    state: FabricState,
    claim: ClaimView,
    tx: FabricTx,
    endorsers: list[Identity],
    path: str | None,
) -> bool:
    """Check the key-level policy; True when it (not the chaincode policy) governed this write."""
    label = "owner policy"
    if claim.owner_policy is None:
        if claim.owner_msp is not None:
            ctx.add(
                "policy.owner",
                label,
                "fail",
                f"the owner {claim.owner_msp} is stated, but not the transaction that set the key's policy",
                claim.index,
            )
        else:
            ctx.add(
                "policy.owner",
                label,
                "n/a",
                "no key-level policy stated: the chaincode policy must govern this write",
                claim.index,
            )
        return False
    envelope, owner_tx, problem = _owner_envelope(ctx, state, claim, path)
    if problem or envelope is None or owner_tx is None:
        ctx.add("policy.owner", label, "fail", str(problem), claim.index)
        return False
    description = describe_envelope(envelope)
    order = (claim.owner_policy[1], owner_tx.index), (claim.block, tx.index)
    if order[0] > order[1]:
        ctx.add("policy.owner", label, "fail", "the policy was set after this transaction", claim.index)
        return False
    governed_by_key = order[0] < order[1]  # a policy set by this very transaction governs later writes only
    if claim.owner_msp is not None and claim.owner_msp not in msps_named(envelope):
        ctx.add(
            "policy.owner",
            label,
            "fail",
            f"the key's policy is {description}: it does not name the stated owner {claim.owner_msp}",
            claim.index,
        )
        return governed_by_key
    if not governed_by_key:
        ctx.add(
            "policy.owner",
            label,
            "pass",
            f"this transaction created the key and set its policy, "
            f"{description}: it governs later writes; the chaincode policy governs this one",
            claim.index,
        )
        return False
    if not satisfies_envelope(envelope, endorsers):
        who = ", ".join(sorted({e.msp_id for e in endorsers})) or "nobody"
        ctx.add(
            "policy.owner",
            label,
            "fail",
            f"the endorsers ({who}) do not satisfy the key's policy "
            f"{description}, set by tx {owner_tx.tx_id[:16]}... in block {claim.owner_policy[1]}",
            claim.index,
        )
        return True
    ctx.add(
        "policy.owner",
        label,
        "pass",
        f"endorsers satisfy the key's policy {description}, set by tx "
        f"{owner_tx.tx_id[:16]}... in block {claim.owner_policy[1]}",
        claim.index,
    )
    return True


def _owner_envelope(
    ctx: Context, state: FabricState, claim: ClaimView, path: str | None
) -> tuple[Message | None, FabricTx | None, str | None]:
    """The key-level policy the claim's owner-policy transaction set, and that transaction.

    That transaction must itself be sound: decodable, flagged VALID, its endorsements verifying
    and satisfying the chaincode policy, which is what governs setting the policy of a new key
    (the validity flag alone is the serving peer's word, outside the hash chain and signatures).
    """
    assert claim.owner_policy is not None and claim.key is not None
    tx_id, number = claim.owner_policy
    owner_tx, problem = _load_tx(state, number, tx_id)
    if owner_tx is None:
        return None, None, f"the policy-setting transaction: {problem}"
    problem = _tx_problem(ctx, state, number, owner_tx) or _owner_tx_endorsement(
        state, number, owner_tx, path
    )
    if problem:
        return None, None, f"the policy-setting transaction: {problem}"
    policy = owner_tx.validation_parameters(ctx.chaincode).get(claim.key)
    if policy is None:
        return None, None, f"tx {tx_id[:16]}... does not set a VALIDATION_PARAMETER for the key"
    envelope, problem = attempt(partial(parse_envelope, policy))
    if envelope is None:
        return None, None, f"the key's VALIDATION_PARAMETER is not a signature policy: {problem}"
    return envelope, owner_tx, None


def _owner_tx_endorsement(
    state: FabricState, number: int, owner_tx: FabricTx, path: str | None
) -> str | None:
    config = _config_in_force(state, number)
    if config is None:
        return f"no config block for block {number}"
    endorsers, problem = verified_endorsers(owner_tx, config.application_msps)
    if problem:
        return problem
    if not path:
        return "the manifest names no endorsement_policy"
    outcome, problem = attempt(partial(evaluate_path, config, path, endorsers))
    if outcome is None:
        return f"{path}: {problem}"
    if not outcome.satisfied:
        return f"its endorsers do not satisfy {path}, which governs a new key's policy: {outcome.detail}"
    return None


def _check_chaincode_policy(
    ctx: Context,
    claim: ClaimView,
    config: ChannelConfig,
    endorsers: list[Identity],
    path: str | None,
    governed_by_key: bool,
) -> None:
    label = "chaincode policy"
    if not path:
        ctx.add("policy.chaincode", label, "fail", "the manifest names no endorsement_policy", claim.index)
        return
    outcome, problem = attempt(partial(evaluate_path, config, path, endorsers))
    if outcome is None:
        ctx.add("policy.chaincode", label, "fail", f"{path}: {problem}", claim.index)
    elif outcome.satisfied:
        ctx.add("policy.chaincode", label, "pass", f"{path}: {outcome.detail}", claim.index)
    elif governed_by_key:
        ctx.add(
            "policy.chaincode",
            label,
            "n/a",
            f"not required: the key-level policy governs this key "
            f"(Fabric applies {path} only to keys without one); {outcome.detail}",
            claim.index,
        )
    else:
        what = "this write" if claim.key is not None else "this transaction (no key-level policy is proven)"
        ctx.add(
            "policy.chaincode",
            label,
            "fail",
            f"{path} governs {what} and is not satisfied: {outcome.detail}",
            claim.index,
        )


# ------------------------------------------------------------------------------------- write set


def _check_write(ctx: Context, claim: ClaimView, tx: FabricTx) -> None:
    label = "write set"
    if claim.key is None:
        ctx.add("writeset", label, "n/a", "transaction-only claim: no value", claim.index)
        return
    value, problem = check_value_digest(ctx, claim)
    writes = [write for write in tx.writes(ctx.chaincode) if write.key == claim.key]
    if problem is None and len(writes) != 1:
        problem = f"the transaction writes the key {len(writes)} times in namespace {ctx.chaincode!r}"
    elif problem is None and writes[0].is_delete:
        problem = "the transaction deletes the key"
    elif problem is None and writes[0].value != value:
        problem = f"the value written differs from {claim.value_file}"
    if problem:
        ctx.add("writeset", label, "fail", problem, claim.index)
        return
    ctx.add(
        "writeset",
        label,
        "pass",
        f"writes {_printable(claim.key)} = {claim.value_file} "
        f"({len(value or b'')} bytes, SHA-256 {claim.value_sha256 and claim.value_sha256[:16]}...)",
        claim.index,
    )


def _printable(key: str) -> str:
    """A composite key readable on one line: control characters as \\xNN."""
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in key)


# --------------------------------------------------------------------------------------- witness


def _witness(state: FabricState) -> str:
    orderers = sorted({signer.msp_id for signers in state.signers.values() for signer in signers})
    endorsers = sorted(state.endorsing_msps)
    endorsed = (
        f"{len(endorsers)} org(s) endorsed ({', '.join(endorsers)})"
        if endorsers
        else "no verified endorsement"
    )
    signed = f"orderer-signed ({', '.join(orderers)})" if orderers else "no verified orderer signature"
    return f"fabric: {endorsed}, {signed}"


def check_manifest_signature(ctx: Context, state: FabricState) -> None:
    """The gateway caller's signature over manifest.json, by an identity of an application org."""
    label = "manifest signature"
    parsed, problem = read_signature_file(ctx)
    if parsed is None:
        ctx.add("manifest.signature", label, "fail", str(problem))
        return
    identity_bytes, signature = parsed
    if not state.configs:
        ctx.add("manifest.signature", label, "fail", "no usable config block to check the signer against")
        return
    config = state.configs[max(state.configs)]
    identity = validate(identity_bytes, config.application_msps)
    if identity.problem or identity.certificate is None:
        ctx.add("manifest.signature", label, "fail", f"signer {identity.subject}: {identity.problem}")
        return
    problem = verify_ecdsa(identity.certificate, signature, ctx.bundle.manifest_bytes, low_s=False)
    if problem:
        ctx.add("manifest.signature", label, "fail", f"manifest.json: {problem}")
        return
    ctx.add(
        "manifest.signature",
        label,
        "pass",
        f"manifest.json is signed by {identity.describe()}, chaining to {identity.msp_id}'s root CA",
    )
