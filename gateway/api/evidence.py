"""Evidence bundles: an entity's version, or a transaction, with what proves it, as one zip.

The bundle carries the block holding the transaction as the peer stores it, the channel
configuration in force (MSP roots and policies), the data hashes of every block back to the
genesis block (the trust anchor the city publishes), the exact bytes written, and, for a grant
or a usage record, the chain behind it: the request as filed and as approved, the grant, and the
catalog version the grant covers. ``citydir_verify`` (its own package) writes the format and
checks it offline; the gateway's "Verify" runs that same code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from citydir_verify import verify_bundle
from citydir_verify.bundle import Claim, Link, write_bundle
from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from chaincode.shim.api import create_composite_key, split_composite_key
from gateway.api.actions import ledger, query, require_tx_id
from gateway.api.errors import ApiError, bad_request, not_found
from gateway.api.ledger import BlockRecord, Ledger, TxRecord, TxWrites
from gateway.api.routes import Param, query_args, route
from gateway.api.services import services

bp = Blueprint("evidence", __name__)

# URL collection → the entity kind its keys and history use.
COLLECTIONS: Mapping[str, str] = {
    "catalogs": "catalog",
    "departments": "department",
    "responsibilities": "responsibility",
    "access-requests": "request",
    "grants": "grant",
    "usage": "usage",
}
KINDS = frozenset(COLLECTIONS.values())
ZIP = "application/zip"
MAX_BUNDLE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Version:
    """One committed version of an entity, where it sits on the ledger."""

    kind: str
    id: str
    tx_id: str
    block: int
    index: int
    value: Mapping[str, Any]


class Evidence:
    """Gathers the claims of one bundle and the blocks they need, as one caller."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._provenance = services().provenance
        self.claims: list[Claim] = []
        self.links: list[Link] = []
        # One bundle asks for the same history and write sets several times (a grant's, as the
        # usage's grant, then for its chain): each is read once.
        self._histories: dict[tuple[str, str], list[Version]] = {}
        self._writes: dict[tuple[int, str], TxWrites] = {}

    # -- versions ---------------------------------------------------------------------------

    def history(self, kind: str, entity_id: str) -> list[Version]:
        """Every committed version, newest first (deletions left out)."""
        found = self._histories.get((kind, entity_id))
        if found is None:
            found = self._histories[(kind, entity_id)] = self._read_history(kind, entity_id)
        return found

    def _read_history(self, kind: str, entity_id: str) -> list[Version]:
        entries = query("GetHistory", {"entity": kind, "id": entity_id}) or []
        records = self._provenance.resolve(self._ledger, (e["tx_id"] for e in entries))
        versions = []
        for entry in entries:
            record = records.get(entry["tx_id"])
            if entry.get("is_delete") or record is None or not isinstance(entry.get("value"), dict):
                continue
            versions.append(
                Version(kind, entity_id, entry["tx_id"], record.block, record.index, entry["value"])
            )
        if not versions:
            raise not_found(f"{kind} {entity_id} has no committed version to prove")
        return versions

    def at_or_before(self, kind: str, entity_id: str, version: Version) -> Version:
        """The version of ``kind``/``entity_id`` in force when ``version`` was committed."""
        for candidate in self.history(kind, entity_id):
            if (candidate.block, candidate.index) <= (version.block, version.index):
                return candidate
        raise not_found(f"{kind} {entity_id} had no version before block {version.block}")

    # -- claims -----------------------------------------------------------------------------

    def writes(self, block: int, tx_id: str) -> TxWrites:
        found = self._writes.get((block, tx_id))
        if found is None:
            found = self._writes[(block, tx_id)] = self._ledger.transaction_writes(block, tx_id)
        return found

    def claim(self, role: str, version: Version, history: Sequence[Version], statement: str) -> int:
        key = create_composite_key(version.kind, [version.id])
        written = self.writes(version.block, version.tx_id).writes.get(key)
        if written is None:
            raise ApiError(
                500, "INTERNAL", f"transaction {version.tx_id} does not write {version.kind} {version.id}"
            )
        self.claims.append(
            Claim(
                role=role,
                tx_id=version.tx_id,
                block=version.block,
                statement=statement,
                collection=version.kind,
                id=version.id,
                key=key,
                value=written,
                owner_policy=self._owner_policy(key, version, history),
            )
        )
        return len(self.claims) - 1

    def _owner_policy(self, key: str, version: Version, history: Sequence[Version]) -> tuple[str, int] | None:
        """The latest transaction before ``version`` that set the key's endorsement policy: the
        policy ``version`` had to satisfy (one it sets itself applies only to later writes; a
        new key has none, and only the chaincode's policy applies)."""
        for candidate in history:
            if (candidate.block, candidate.index) >= (version.block, version.index):
                continue
            if self.writes(candidate.block, candidate.tx_id).validation.get(key):
                return candidate.tx_id, candidate.block
        return None

    def link(self, source: int, field: str, target: int) -> None:
        self.links.append(Link(source, field, target))

    def written_entities(self, record: TxRecord) -> None:
        """A claim for each entity the transaction wrote, valid or not: a forged write is then
        checked against the policy its key was under."""
        writes = self.writes(record.block, record.tx_id).writes
        for key, raw in sorted(writes.items()):
            parts = _entity_key(key)
            if parts is None or raw is None:
                continue
            kind, entity_id = parts
            try:
                value = json.loads(raw)
                history = self.history(kind, entity_id)
            except (ValueError, ApiError):
                history = []
                value = None
            if not isinstance(value, dict):
                continue
            version = Version(kind, entity_id, record.tx_id, record.block, record.index, value)
            self.claim("written", version, history, f"{kind} {entity_id} as this transaction wrote it")

    # -- the chain behind a grant -----------------------------------------------------------

    def grant_chain(self, grant_claim: int, grant: Version) -> None:
        """The request as filed and as approved, and the catalog version the grant covers."""
        issued = self.history("grant", grant.id)[-1]
        request_id, catalog_id = str(grant.value["request_id"]), str(grant.value["catalog_id"])
        requests = self.history("request", request_id)
        approved = next((v for v in requests if v.tx_id == issued.tx_id), requests[0])
        approval = self.claim(
            "approval",
            approved,
            requests,
            f"access request {request_id} as approved, in the transaction that issued grant {grant.id}",
        )
        self.link(grant_claim, "request_id", approval)
        filed = requests[-1]
        if filed.tx_id != approved.tx_id:
            self.claim(
                "request",
                filed,
                requests,
                f"access request {request_id} as filed by the requesting department",
            )
        catalogs = self.history("catalog", catalog_id)
        covered = next(
            (v for v in catalogs if (v.block, v.index) <= (issued.block, issued.index)), catalogs[-1]
        )
        catalog = self.claim(
            "catalog",
            covered,
            catalogs,
            f"catalog {catalog_id} version {covered.value.get('version')}, "
            f"in force when grant {grant.id} was issued",
        )
        self.link(grant_claim, "catalog_id", catalog)

    # -- the bundle -------------------------------------------------------------------------

    def bundle(self, subject: Mapping[str, str], statement: str) -> bytes:
        if not self.claims:
            raise not_found("nothing to prove")
        svc = services()
        height = self._ledger.block_height()
        numbers = {c.block for c in self.claims} | {c.owner_policy[1] for c in self.claims if c.owner_policy}
        kind = svc.config.ledger.kind
        configs = set() if kind == "embedded" else self._config_chain(numbers)
        top = max(numbers | configs)
        data_hashes = self._provenance.data_hashes(self._ledger, top + 1)
        return write_bundle(
            ledger="embedded" if kind == "embedded" else "fabric",
            channel=svc.config.channel,
            chaincode=svc.config.chaincode,
            subject=subject,
            statement=statement,
            claims=self.claims,
            links=self.links,
            blocks={n: self._ledger.block_file(n) for n in sorted(numbers)},
            config_blocks={n: self._ledger.block_file(n) for n in configs},
            data_hashes=data_hashes,
            gateway_height=height,
            signer=self._ledger.evidence_signer(),
            node_certificate=self._ledger.evidence_signer().identity if kind == "embedded" else None,
            endorsement_policy=None if kind == "embedded" else "/Channel/Application/Endorsement",
            created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        )

    def _config_chain(self, numbers: Iterable[int]) -> set[int]:
        """Every config block from the genesis block to the ones in force at ``numbers``: each
        later config must be signed under the one before it, so the verifier needs them all."""
        configs = {0}
        pending = {self._block(n).config_block or 0 for n in numbers}
        while pending:
            config = pending.pop()
            if config in configs:
                continue
            configs.add(config)
            pending.add(self._block(config - 1).config_block or 0)
        return configs

    def _block(self, number: int) -> BlockRecord:
        record = self._provenance.block(self._ledger, number)
        if record is None:
            raise ApiError(500, "INTERNAL", f"block {number} could not be read")
        return record


def _entity_key(key: str) -> tuple[str, str] | None:
    """(kind, id) of an entity's composite key; None for index entries and other keys."""
    if not key.startswith("\x00"):
        return None
    kind, attributes = split_composite_key(key)
    return (kind, attributes[0]) if kind in KINDS and len(attributes) == 1 else None


def _statement(version: Version, extra: Iterable[str] = ()) -> str:
    parts = [
        f"{version.kind} {version.id} version {version.value.get('version')} was written by transaction "
        f"{version.tx_id}, committed valid in block {version.block}",
        *extra,
        "It does not prove that this is still the current version after the height the bundle names.",
    ]
    return ". ".join(parts)


def _zip(data: bytes, name: str) -> Response:
    return Response(data, mimetype=ZIP, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def entity_evidence(collection: str, entity_id: str) -> Response:
    kind = COLLECTIONS[collection]
    evidence = Evidence(ledger())
    history = evidence.history(kind, entity_id)
    current = history[0]
    subject = evidence.claim("subject", current, history, _statement(current))
    extra: list[str] = []
    if kind == "usage":
        grant = evidence.at_or_before("grant", str(current.value["grant_id"]), current)
        grant_claim = evidence.claim(
            "grant",
            grant,
            evidence.history("grant", grant.id),
            f"grant {grant.id} as it stood when this use was recorded",
        )
        evidence.link(subject, "grant_id", grant_claim)
        evidence.grant_chain(grant_claim, grant)
        extra.append(
            f"It includes grant {grant.id} and the chain behind it: "
            "the request, its approval and the catalog version"
        )
    elif kind == "grant":
        evidence.grant_chain(subject, current)
        extra.append("It includes the request, its approval and the catalog version the grant covers")
    data = evidence.bundle({"collection": collection, "id": entity_id}, _statement(current, extra))
    return _zip(data, f"citydir-evidence-{kind}-{entity_id}.zip")


def _register_entity_routes() -> None:
    for collection, kind in COLLECTIONS.items():

        def view(id: str, collection: str = collection) -> ResponseReturnValue:
            return entity_evidence(collection, id)

        view.__name__ = f"{kind}_evidence"
        route(
            bp,
            f"/{collection}/<id>/evidence",
            "GET",
            summary=f"Evidence bundle (zip) of the {kind}'s current version, "
            "verifiable offline with citydir-verify",
            produces=ZIP,
        )(view)


_register_entity_routes()


@route(
    bp,
    "/transactions/<tx_id>/evidence",
    "GET",
    summary="Evidence bundle (zip) of one transaction: its block, the channel config "
    "and the chain to genesis",
    produces=ZIP,
)
def transaction_evidence(tx_id: str) -> ResponseReturnValue:
    require_tx_id(tx_id)
    evidence = Evidence(ledger())
    record = services().provenance.resolve(ledger(), [tx_id]).get(tx_id)
    if record is None:
        raise not_found(f"transaction {tx_id} is not on the ledger")
    statement = (
        f"Transaction {tx_id} is in block {record.block} at position {record.index}, "
        f"with validation code {record.validation_code}"
    )
    evidence.claims.append(Claim(role="transaction", tx_id=tx_id, block=record.block, statement=statement))
    evidence.written_entities(record)
    data = evidence.bundle({"tx_id": tx_id}, statement + ".")
    return _zip(data, f"citydir-evidence-tx-{tx_id[:16]}.zip")


@route(
    bp,
    "/evidence/verify",
    "POST",
    summary="Verify an evidence bundle (the zip as the body) with citydir-verify's own checks",
    query=(Param("trust", "string", "genesis block hash to anchor to (default: this ledger's)"),),
)
def verify() -> ResponseReturnValue:
    # A bundle carries whole blocks: far over the JSON bodies' limit, yet still bounded.
    request.max_content_length = MAX_BUNDLE_BYTES
    data = request.get_data(cache=False)
    if not data:
        raise bad_request("send the evidence bundle (zip) as the request body")
    trust = query_args().get("trust")
    if trust is None:
        genesis = services().provenance.block(ledger(), 0)
        trust = genesis.hash if genesis else None
    try:
        report = verify_bundle(data, trust)
    except ValueError as exc:  # not a bundle at all (not a zip, no manifest, unknown format)
        raise bad_request(f"not a readable evidence bundle: {exc}") from None
    return jsonify({"data": report.to_json()})
