"""The grant register: per catalog, the ids of the grants its owner issued that are in force.

Why it exists: a key-level (state-based) endorsement policy protects a key only once the key
exists. A NEW key needs only the chaincode-level policy (a MAJORITY of the orgs), so a
colluding majority running modified chaincode could write a new grant key (and its
``grant~pair`` index entry) for a catalog it does not own, and every honest peer would read it.

The register closes that gap. It is written when the catalog is created, by the owner's own,
owner-endorsed transaction, with the owner's key-level policy (like the catalog key), and
from then on every grant issue adds to it and every revocation removes from it. Since the key
exists, a transaction that changes it is valid only when a peer of the owner's MSP endorses it;
a grant whose id is not in its catalog's register is not in force, whatever else is in state.

Value: canonical JSON ``{"catalog_id": ..., "grants": [sorted ids]}``; never empty bytes
(Fabric takes an empty value as a delete). Expiry writes nothing (``valid_until`` is read).
"""

from __future__ import annotations

from chaincode.interface import is_valid
from chaincode.shim.api import create_composite_key

from .errors import conflict, internal
from .ledger import Ledger
from .schemas import GRANT_REGISTER_VALIDATOR

KIND = "grantreg"


def register_key(catalog_id: str) -> str:
    return create_composite_key(KIND, [catalog_id])


def read(ledger: Ledger, catalog_id: str) -> frozenset[str] | None:
    """The ids in force on the catalog; None when it has no (well-formed) register.

    A catalog written before registers existed has none; no grant on it is in force.
    """
    value = ledger.get_well_formed(
        register_key(catalog_id),
        lambda v: is_valid(GRANT_REGISTER_VALIDATOR, v) and v["catalog_id"] == catalog_id,
    )
    return None if value is None else frozenset(value["grants"])


def create(ledger: Ledger, catalog_id: str, policy: bytes) -> None:
    """The empty register of a new catalog, with the catalog owner's policy.

    Only after ``require_absent``: the key does not exist, so it has no policy to compare with.
    """
    _write(ledger, catalog_id, frozenset(), policy, new=True)


def require_absent(ledger: Ledger, catalog_id: str, root: str) -> None:
    """A register without its catalog was not written by this chaincode: refuse to adopt it.

    (Anyone who could pre-create it could have listed grants in it; the catalog id stays
    unusable, a denial of service, never a bypass.)
    """
    if ledger.get_raw(register_key(catalog_id)) is not None:
        raise conflict(
            f"{root}.id: a grant register for catalog {catalog_id} already exists without the catalog; "
            "the id cannot be used",
            id=catalog_id,
            field=f"{root}.id",
        )


def add(ledger: Ledger, catalog_id: str, current: frozenset[str], grant_id: str, policy: bytes) -> None:
    _write(ledger, catalog_id, current | {grant_id}, policy)


def remove(ledger: Ledger, catalog_id: str, current: frozenset[str], grant_id: str, policy: bytes) -> None:
    _write(ledger, catalog_id, current - {grant_id}, policy)


def _write(
    ledger: Ledger, catalog_id: str, grants: frozenset[str], policy: bytes, *, new: bool = False
) -> None:
    value = {"catalog_id": catalog_id, "grants": sorted(grants)}  # sorted: the same bytes on every peer
    if not is_valid(GRANT_REGISTER_VALIDATOR, value):
        raise internal(f"a malformed grant register for catalog {catalog_id}")
    ledger.put_json(register_key(catalog_id), value, policy, new=new)
