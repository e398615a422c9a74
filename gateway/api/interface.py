"""The deployed chaincode's interface against the gateway's own copy (``chaincode.interface``).

The gateway checks every request with its own copy of the contract's interface; a chaincode
deployed from another build may disagree about what is valid. ``GetMetadata`` answers the
deployed interface's version. It is read in the background at start-up (``gateway.app.warm_up``)
and again whenever ``/readyz`` is asked once the last reading is ``TTL_SECONDS`` old, so a deploy
shows within that. A mismatch is reported (and logged once), never fatal: the chaincode still
decides every call.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from chaincode.interface import VERSION
from gateway.api.ledger import Ledger, LedgerError

log = logging.getLogger(__name__)

TTL_SECONDS = 10.0


class InterfaceCheck:
    """``report()``: ``{"gateway": <version>, "chaincode": <version or null>, "match": bool}``, plus
    ``error`` when the chaincode's could not be read (e.g. a chaincode older than GetMetadata)."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()  # one reading at a time; the others wait for it
        self._last: dict[str, Any] | None = None
        self._read_at = -math.inf
        self._warned: tuple[Any, ...] | None = None

    def report(self, ledger: Ledger | None) -> dict[str, Any]:
        with self._lock:
            if self._last is None or self._clock() - self._read_at >= self.ttl:
                self._last = self._read(ledger)
                self._read_at = self._clock()
                self._warn(self._last)
            return dict(self._last)

    def _read(self, ledger: Ledger | None) -> dict[str, Any]:
        if ledger is None:
            return self._unknown("no identity configured")
        try:
            answer = ledger.query("GetMetadata", {})
        except Exception as exc:  # reported, never raised: a mismatch or failure is not fatal
            if not isinstance(exc, LedgerError):
                log.warning("reading the chaincode's interface failed", exc_info=True)
            return self._unknown(f"{type(exc).__name__}: {exc}")
        version = answer.get("version") if isinstance(answer, Mapping) else None
        if not isinstance(version, str):
            return self._unknown("GetMetadata answered no version")
        return {"gateway": VERSION, "chaincode": version, "match": version == VERSION}

    @staticmethod
    def _unknown(error: str) -> dict[str, Any]:
        return {"gateway": VERSION, "chaincode": None, "match": False, "error": error}

    def _warn(self, report: Mapping[str, Any]) -> None:
        seen = (report.get("chaincode"), report.get("error"))
        if report["match"]:
            self._warned = None
            return
        if seen == self._warned:
            return
        self._warned = seen
        if report.get("chaincode") is None:
            log.warning("the chaincode's interface is unknown (%s); this gateway's is %s", seen[1], VERSION)
        else:
            log.warning(
                "the chaincode deployed speaks interface %s, this gateway %s: requests are checked "
                "with the gateway's copy, the chaincode still decides",
                seen[0],
                VERSION,
            )
