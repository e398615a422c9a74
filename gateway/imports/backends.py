"""Where an import runs: ``RestDirectory`` (a running gateway over HTTP, what the CLI uses) and
``LedgerDirectory`` (the API's ledger seam as the caller, what the REST endpoint's jobs use).

The CLI goes through REST on purpose: it then needs nothing but a URL and a token (no Fabric
keys, no gateway config with every identity's key paths), the gateway does the edge checks,
MVCC retries and the search index updates, and an import is authorised exactly as any other
client's calls (the chaincode decides, as the token's identity).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from gateway.api.ledger import ChaincodeError, Ledger, LedgerError
from gateway.imports.engine import ImportFailure

PAGE_SIZE = 200


class RestDirectory:
    def __init__(self, base_url: str, token: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> tuple[int, Any]:
        url = f"{self.base_url}/api/v1{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v not in (None, "")})
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = {"error": {"code": str(exc.code), "message": raw.decode("utf-8", "replace")}}
            return exc.code, answer
        except OSError as exc:
            raise ImportFailure(f"cannot reach the gateway at {self.base_url}: {exc}", "UNAVAILABLE") from exc

    def _ok(self, status: int, answer: Any, *expected: int) -> Any:
        if status in expected:
            return answer
        error = (answer or {}).get("error", {}) if isinstance(answer, dict) else {}
        raise ImportFailure(
            str(error.get("message", f"HTTP {status}")), str(error.get("code", status)), error.get("details")
        )

    def _get_or_none(self, path: str) -> dict[str, Any] | None:
        status, answer = self.call("GET", path)
        if status == 404:
            return None
        found: dict[str, Any] = self._ok(status, answer, 200)["data"]
        return found

    def department(self, department_id: str) -> dict[str, Any] | None:
        return self._get_or_none(f"/departments/{urllib.parse.quote(department_id)}")

    def responsibility(self, responsibility_id: str) -> dict[str, Any] | None:
        return self._get_or_none(f"/responsibilities/{urllib.parse.quote(responsibility_id)}")

    def catalogs(self, department_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        bookmark = ""
        while True:
            status, answer = self.call(
                "GET",
                "/catalogs",
                query={"department": department_id, "page_size": PAGE_SIZE, "bookmark": bookmark},
            )
            page = self._ok(status, answer, 200)
            out.extend(page["data"])
            bookmark = page.get("bookmark") or ""
            if not bookmark:
                return out

    def create_catalogs(self, catalogs: list[dict[str, Any]]) -> str:
        status, answer = self.call("POST", "/catalogs/batch", {"catalogs": catalogs})
        return str(self._ok(status, answer, 201)["tx_id"])

    def update_catalog(self, patch: dict[str, Any]) -> str:
        body = {k: v for k, v in patch.items() if k != "id"}
        status, answer = self.call("PATCH", f"/catalogs/{urllib.parse.quote(patch['id'])}", body)
        return str(self._ok(status, answer, 200)["tx_id"])

    def height(self) -> int:
        status, answer = self.call("GET", "/ledger", query={"blocks": 0})
        heights = [p["height"] for p in self._ok(status, answer, 200)["data"]["peers"]]
        return int(max(h for h in heights if h is not None))


class LedgerDirectory:
    """The same calls through the API's ledger seam (``gateway.api.ledger.Ledger``), as one
    identity; every argument is checked with the contract's schema before it is submitted."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def _query(self, fn: str, arg: dict[str, Any]) -> Any:
        try:
            return self.ledger.query(fn, arg)
        except ChaincodeError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise ImportFailure(exc.message, exc.code, exc.details) from exc
        except LedgerError as exc:
            raise ImportFailure(str(exc), type(exc).__name__) from exc

    def _submit(self, fn: str, arg: dict[str, Any]) -> str:
        try:
            return self.ledger.submit(fn, arg, wait=True).tx_id
        except ChaincodeError as exc:
            raise ImportFailure(exc.message, exc.code, exc.details) from exc
        except LedgerError as exc:
            raise ImportFailure(str(exc), type(exc).__name__) from exc

    def department(self, department_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._query("GetDepartment", {"id": department_id})
        return found

    def responsibility(self, responsibility_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self._query("GetResponsibility", {"id": responsibility_id})
        return found

    def catalogs(self, department_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        bookmark = ""
        while True:
            arg: dict[str, Any] = {"department_id": department_id, "page_size": PAGE_SIZE}
            if bookmark:
                arg["bookmark"] = bookmark
            page = self._query("ListCatalogs", arg) or {}
            out.extend(page.get("items", []))
            bookmark = page.get("bookmark") or ""
            if not bookmark:
                return out

    def create_catalogs(self, catalogs: list[dict[str, Any]]) -> str:
        return self._submit("CreateCatalogs", {"catalogs": catalogs})

    def update_catalog(self, patch: dict[str, Any]) -> str:
        return self._submit("UpdateCatalog", patch)
