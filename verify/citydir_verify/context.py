"""What every check reads: the bundle, its manifest's claims, the recomputed chain, the results."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from .bundle import DATA_HASHES, Bundle
from .encoding import b64decode, hex_bytes, signature_file
from .hashes import chain_hashes, split_data_hashes
from .report import Check, Status

# The fixed order of the checks: the meaningful ones first, so that the first failure names the
# real problem (a flipped byte in a block is "data hash mismatch", not merely "digest mismatch").
# Each internal kind orders the report; its public id (the first column) groups the brief's checks.
ORDER = (
    ("chain.genesis", "chain"),
    ("chain.trust", "trust"),
    ("chain.data_hash", "chain"),
    ("chain.link", "chain"),
    ("chain.signature", "chain"),
    ("chain.config", "chain"),
    ("chain.claim", "chain"),
    ("tx.valid", "tx-valid"),
    ("tx.creator", "creator"),
    ("tx.endorsements", "endorsements"),
    ("policy.owner", "owner-policy"),
    ("policy.chaincode", "chaincode-policy"),
    ("writeset", "write-set"),
    ("link", "links"),
    ("manifest.fields", "manifest"),
    ("manifest.signature", "manifest-signature"),
    ("files.digests", "digests"),
    ("files.listed", "unlisted-files"),
)
_PUBLIC = dict(ORDER)
CHECK_IDS = tuple(dict.fromkeys(public for _, public in ORDER))
_RANK = {kind: rank for rank, (kind, _) in enumerate(ORDER)}
_BLOCK_FILE = re.compile(r"^(blocks|config)/(0|[1-9][0-9]*)\.(block|json)$")

T = TypeVar("T")


@dataclass(frozen=True)
class Anchor:
    """What the verifier was told to trust: a genesis hash, or a certificate (DER)."""

    genesis_hash: bytes | None = None
    certificate: bytes | None = None


@dataclass(frozen=True)
class ClaimView:
    """A claim as the manifest states it (validated for shape, not yet for truth)."""

    index: int
    role: str
    tx_id: str
    block: int
    block_hash: str
    statement: str
    key: str | None
    value_file: str | None
    value_sha256: str | None
    owner_msp: str | None
    owner_policy: tuple[str, int] | None
    id: str | None
    collection: str | None


@dataclass
class Context:
    bundle: Bundle
    ledger: str
    channel: str
    chaincode: str
    genesis_hash: str
    claims: list[ClaimView]
    checks: list[tuple[int, Check]] = field(default_factory=list)  # (rank of its kind, check)
    data_hashes: list[bytes] = field(default_factory=list)
    chain: list[bytes] = field(default_factory=list)  # h(0)..h(M), recomputed

    def add(self, kind: str, name: str, status: Status, detail: str, claim: int | None = None) -> None:
        self.checks.append((_RANK[kind], Check(_PUBLIC[kind], name, status, _line(detail), claim)))

    def ordered(self) -> list[Check]:
        ranked = sorted(self.checks, key=lambda item: item[0])  # stable: keeps block and claim order
        return [check for _, check in ranked]

    def file(self, name: str) -> bytes | None:
        return self.bundle.files.get(name)

    def block_files(self, folder: str) -> dict[int, bytes]:
        """``blocks/<N>.*`` or ``config/<N>.block`` members by number."""
        found: dict[int, bytes] = {}
        for name, body in self.bundle.files.items():
            match = _BLOCK_FILE.match(name)
            if match and match.group(1) == folder:
                found[int(match.group(2))] = body
        return found

    def chain_hash(self, number: int) -> bytes | None:
        return self.chain[number] if 0 <= number < len(self.chain) else None

    def previous_of(self, number: int) -> bytes | None:
        """h(number - 1), the previous hash block ``number`` must name (None: not computable)."""
        return self.chain_hash(number - 1) if number > 0 else b""

    def value(self, claim: ClaimView) -> bytes | None:
        return None if claim.value_file is None else self.file(claim.value_file)


def load_chain(ctx: Context) -> None:
    """Recompute h(0)..h(M) from ``chain/data-hashes.bin`` and check h(0) is the stated genesis hash."""
    blob = ctx.file(DATA_HASHES)
    name = "genesis hash"
    if blob is None:
        ctx.add("chain.genesis", name, "fail", f"{DATA_HASHES} is missing")
        return
    try:
        ctx.data_hashes = split_data_hashes(blob)
    except ValueError as error:
        ctx.add("chain.genesis", name, "fail", str(error))
        return
    if not ctx.data_hashes:
        ctx.add("chain.genesis", name, "fail", f"{DATA_HASHES} is empty")
        return
    ctx.chain = chain_hashes(ctx.ledger, ctx.data_hashes)
    if ctx.chain[0].hex() != ctx.genesis_hash:
        ctx.add(
            "chain.genesis",
            name,
            "fail",
            f"h(0) recomputed is {ctx.chain[0].hex()}, the manifest states {ctx.genesis_hash}",
        )
        return
    ctx.add(
        "chain.genesis",
        name,
        "pass",
        f"h(0) = {ctx.genesis_hash}, recomputed from the data hashes of blocks 0..{len(ctx.chain) - 1}",
    )


def check_claim_blocks(ctx: Context, included: set[int]) -> None:
    """Each claim's block is in the bundle and its stated hash is the recomputed h(block)."""
    for claim in ctx.claims:
        expected = ctx.chain_hash(claim.block)
        name = "claim block in the chain"
        if claim.block not in included:
            ctx.add("chain.claim", name, "fail", f"block {claim.block} is not in the bundle", claim.index)
        elif expected is None:
            ctx.add(
                "chain.claim", name, "fail", f"block {claim.block} is beyond the data hashes", claim.index
            )
        elif expected.hex() != claim.block_hash:
            ctx.add(
                "chain.claim",
                name,
                "fail",
                f"block_hash {claim.block_hash} is not h({claim.block}) = {expected.hex()}",
                claim.index,
            )
        else:
            ctx.add(
                "chain.claim", name, "pass", f"block {claim.block}, h = {expected.hex()[:16]}...", claim.index
            )


def check_value_digest(ctx: Context, claim: ClaimView) -> tuple[bytes | None, str | None]:
    """The claim's value file and, when it disagrees with ``value_sha256``, why."""
    if claim.value_file is None:
        return None, None
    value = ctx.value(claim)
    if value is None:
        return None, f"{claim.value_file} is missing"
    if hashlib.sha256(value).hexdigest() != claim.value_sha256:
        return value, f"SHA-256 of {claim.value_file} is not the stated value_sha256"
    return value, None


def check_genesis_anchor(ctx: Context, trusted: bytes | None, ledger: str) -> None:
    """The trust check both ledgers share: no anchor given, or the trusted genesis hash, which the
    genesis hash recomputed from the chain must equal (``ledger``: "channel" or "ledger")."""
    label = "trust anchor"
    if trusted is None:
        ctx.add(
            "chain.trust",
            label,
            "n/a",
            "no trust anchor given: checked only against the genesis hash the "
            f"bundle itself states ({ctx.genesis_hash})",
        )
        return
    computed = ctx.chain_hash(0)
    if computed == trusted:
        ctx.add(
            "chain.trust", label, "pass", f"the recomputed genesis hash is the trusted one ({trusted.hex()})"
        )
    else:
        got = "none" if computed is None else computed.hex()
        ctx.add(
            "chain.trust",
            label,
            "fail",
            f"the recomputed genesis hash {got} is not the trusted {trusted.hex()}: "
            f"this is not the {ledger} you trust",
        )


def attempt(action: Callable[[], T]) -> tuple[T | None, str | None]:
    """(result, None), or (None, why) when decoding hostile bytes failed in any way."""
    try:
        return action(), None
    except Exception as error:
        return None, describe_error(error)


def guarded(ctx: Context, claim: ClaimView | None, action: Callable[[], None]) -> None:
    """Run checks; should hostile bytes raise where no check expected it, that is a failure too."""
    try:
        action()
    except Exception as error:
        where = None if claim is None else claim.index
        ctx.add(
            "manifest.fields", "verification", "fail", f"could not complete: {describe_error(error)}", where
        )


def describe_error(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _line(text: str) -> str:
    return " ".join(text.split())


def parse_claims(manifest: dict[str, Any], ctx_add: Callable[[str, int | None], None]) -> list[ClaimView]:
    """The manifest's claims; each malformed one is reported through ``ctx_add`` and left out."""
    raw = manifest.get("claims")
    if not isinstance(raw, list) or not raw:
        ctx_add("the manifest has no list of claims", None)
        return []
    claims: list[ClaimView] = []
    for index, entry in enumerate(raw):
        claim, problem = attempt(partial(_claim, index, entry))
        if claim is None:
            ctx_add(f"malformed claim: {problem}", index)
        else:
            claims.append(claim)
    return claims


def _claim(index: int, entry: object) -> ClaimView:
    if not isinstance(entry, dict):
        raise ValueError("not an object")
    key = _optional_str(entry, "key")
    value_file = _optional_str(entry, "value_file")
    value_sha256 = _optional_str(entry, "value_sha256")
    if (key is None) != (value_file is None) or (value_file is None) != (value_sha256 is None):
        raise ValueError("key, value_file and value_sha256 go together")
    if value_sha256 is not None:
        hex_bytes(value_sha256, "value_sha256")
    hex_bytes(entry.get("block_hash"), "block_hash")
    owner = entry.get("owner_policy")
    owner_policy = None
    if owner is not None:
        if not isinstance(owner, dict):
            raise ValueError("owner_policy is not an object")
        owner_policy = (_str(owner, "tx_id"), _int(owner, "block"))
    return ClaimView(
        index=index,
        role=_str(entry, "role"),
        tx_id=_str(entry, "tx_id"),
        block=_int(entry, "block"),
        block_hash=str(entry["block_hash"]),
        statement=_str(entry, "statement"),
        key=key,
        value_file=value_file,
        value_sha256=value_sha256,
        owner_msp=_optional_str(entry, "owner_msp"),
        owner_policy=owner_policy,
        id=_optional_str(entry, "id"),
        collection=_optional_str(entry, "collection"),
    )


def _str(entry: dict[str, Any], name: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string")
    return value


def _optional_str(entry: dict[str, Any], name: str) -> str | None:
    value = entry.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} is not a string or null")
    return value


def _int(entry: dict[str, Any], name: str) -> int:
    value = entry.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} is not a non-negative integer")
    return value


def read_signature_file(ctx: Context) -> tuple[tuple[bytes, bytes] | None, str | None]:
    """(identity, signature) of ``manifest.sig``, which must be in its one canonical spelling."""
    raw = ctx.bundle.signature
    if raw is None:
        return None, "manifest.sig is missing"
    try:
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict) or set(body) != {"identity", "signature"}:
            raise ValueError("it is not {identity, signature}")
        identity = b64decode(body["identity"], "identity")
        signature = b64decode(body["signature"], "signature")
    except (ValueError, UnicodeDecodeError) as error:
        return None, f"manifest.sig is malformed: {describe_error(error)}"
    if signature_file(identity, signature) != raw:
        return None, "manifest.sig is not in its canonical form (altered)"
    return (identity, signature), None
