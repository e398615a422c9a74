"""What a verification found: one line per check, and the verdict they add up to."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "n/a"]

VALID = "VALID"
INVALID = "INVALID"


@dataclass(frozen=True)
class Check:
    """One verdict: ``id`` is stable for machines, ``name`` and ``detail`` are for people."""

    id: str
    name: str
    status: Status
    detail: str
    claim: int | None = None

    def line(self) -> str:
        mark = {"pass": "ok  ", "fail": "FAIL", "n/a": "n/a "}[self.status]
        where = "" if self.claim is None else f" [claim {self.claim}]"
        return f"{mark} {self.name}{where}: {self.detail}"


@dataclass
class Report:
    """The outcome of :func:`citydir_verify.verify_bundle`.

    ``checks`` is in a fixed order (chain, transaction validity, signatures, policies, write
    sets, links, then the manifest signature and file digests), so ``first_failure`` names the
    most meaningful thing that is wrong, not merely "a digest differs".
    """

    ledger: str
    anchored: bool
    anchor: str
    witness: str
    checks: list[Check]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def first_failure(self) -> Check | None:
        return next((check for check in self.checks if check.status == "fail"), None)

    @property
    def verdict(self) -> str:
        return INVALID if self.first_failure is not None else VALID

    @property
    def valid(self) -> bool:
        return self.first_failure is None

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (what the gateway returns and ``--json`` prints)."""
        failure = self.first_failure
        return {
            "verdict": self.verdict,
            "anchored": self.anchored,
            "anchor": self.anchor,
            "ledger": self.ledger,
            "witness": self.witness,
            "first_failure": None if failure is None else asdict(failure),
            "checks": [asdict(check) for check in self.checks],
            "manifest": self.manifest,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False, sort_keys=True)

    def render(self) -> str:
        lines = [check.line() for check in self.checks]
        failure = self.first_failure
        if failure is None:
            summary = f"VALID ({'anchored' if self.anchored else 'NOT anchored'}): {self.anchor}"
        else:
            summary = f"INVALID: {failure.name}{_claim(failure)}: {failure.detail}"
        return "\n".join([*lines, "", f"witness: {self.witness}", summary])


def _claim(check: Check) -> str:
    return "" if check.claim is None else f" [claim {check.claim}]"
