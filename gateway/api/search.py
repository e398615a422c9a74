"""Full-text search over catalogs: an off-chain, in-memory index, rebuilt from the ledger.

The ledger stays the source of truth: the index only answers "which catalog ids match", and the
route fetches every hit from the ledger as the caller. It is built lazily (paging ListCatalogs
as the service identity) and kept fresh by a background thread following chaincode events from
the block height seen before the build, so nothing committed in between is missed.

A write through this gateway process indexes its own committed answer. Any other write (another
worker's, another gateway's) marks its catalog stale, and the next search reads the stale ones
before it matches: no chaincode execution per write for the index, and a search never matches
against a version older than the events it has seen.

Chinese has no spaces: CJK text is indexed by characters and character bigrams. A query matches
when every query character occurs in the catalog (so 低保 finds 最低生活保障), ranked by exact
substring, then bigram overlap. Other scripts are indexed by lower-cased words; a query word
matches a word it prefixes (hosp → hospital).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chaincode.interface import ErrorCode
from gateway.api.ledger import ChaincodeError, ChaincodeEvent, EventStream, Ledger

log = logging.getLogger(__name__)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(f"[^\\W{_CJK}]+")
_TITLE_KEYS = frozenset({"title", "name"})
_PAGE = 200


@dataclass(frozen=True)
class Terms:
    words: frozenset[str]
    chars: frozenset[str]
    bigrams: frozenset[str]


def tokenize(text: str) -> Terms:
    lowered = text.lower()
    words = set(_WORD.findall(lowered))
    chars: set[str] = set()
    bigrams: set[str] = set()
    for run in _CJK_RUN.findall(lowered):
        chars.update(run)
        bigrams.update(run[i : i + 2] for i in range(len(run) - 1))
    return Terms(frozenset(words), frozenset(chars), frozenset(bigrams))


def _strings(value: Any, skip: frozenset[str] = frozenset({"ledger"})) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip)


@dataclass(frozen=True)
class _Doc:
    title: str
    text: str
    terms: Terms
    version: int | None  # the catalog's own version counter, when it has one


def _document(catalog: Mapping[str, Any]) -> _Doc:
    title = " ".join(s for key in _TITLE_KEYS for s in _strings(catalog.get(key))).lower()
    text = " ".join(_strings(catalog)).lower()
    version = catalog.get("version")
    return _Doc(title, text, tokenize(text), version if isinstance(version, int) else None)


class CatalogIndex:
    def __init__(
        self,
        ledger_provider: Callable[[], Ledger | None] | None = None,
        on_event: Callable[[ChaincodeEvent], None] | None = None,
        on_follow: Callable[[int], None] | None = None,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self._provider = ledger_provider
        # Other listeners of the one event stream (provenance, the read cache): each event, the
        # stream (re)opened from a block, and the stream broken.
        self._on_event = on_event
        self._on_follow = on_follow or (lambda block: None)
        self._on_lost = on_lost or (lambda: None)
        self._docs: dict[str, _Doc] = {}
        # This gateway's writes in flight, by catalog, and the latest version an event announced
        # for one meanwhile (-1: unknown): the write's answer is read when it ends, not the event.
        self._writing: dict[str, int] = {}
        self._deferred: dict[str, int] = {}
        # Catalogs an event changed that the index has not read since, by the version announced.
        self._stale: dict[str, int] = {}
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._ready = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stream: EventStream | None = None

    # --- contents ---------------------------------------------------------------------------

    def upsert(self, catalog: Mapping[str, Any]) -> None:
        catalog_id = catalog.get("id")
        if isinstance(catalog_id, str):
            doc = _document(catalog)
            with self._lock:
                self._docs[catalog_id] = doc

    def offer(self, catalog: Mapping[str, Any]) -> None:
        """Index this version of a catalog unless a newer one is indexed already (a committed
        write's own answer, or a read after an event: either may arrive after a later version)."""
        catalog_id = catalog.get("id")
        if not isinstance(catalog_id, str):
            return
        doc = _document(catalog)
        with self._lock:
            held = self._docs.get(catalog_id)
            if held is None or held.version is None or doc.version is None or doc.version > held.version:
                self._docs[catalog_id] = doc

    def holds(self, catalog_id: str, version: Any) -> bool:
        """Whether the index has this catalog at ``version`` or later."""
        held = self._docs.get(catalog_id)
        return (
            isinstance(version, int)
            and held is not None
            and held.version is not None
            and held.version >= version
        )

    def begin_write(self, catalog_id: str) -> None:
        """A write of this catalog is in flight here: its answer will be offered (``end_write``)."""
        with self._lock:
            self._writing[catalog_id] = self._writing.get(catalog_id, 0) + 1

    def end_write(self, catalog_id: str, answer: Mapping[str, Any] | None) -> None:
        """The write ended: index its committed answer (None: it did not commit here); the catalog
        is stale if an event announced a version the index still lacks."""
        if answer is not None:
            self.offer(answer)
        with self._lock:
            left = self._writing.get(catalog_id, 1) - 1
            if left > 0:
                self._writing[catalog_id] = left
                return
            self._writing.pop(catalog_id, None)
            announced = self._deferred.pop(catalog_id, None)
        if announced is not None and not self.holds(catalog_id, announced):
            self._mark_stale(catalog_id, announced)

    def _mark_stale(self, catalog_id: str, version: Any) -> None:
        with self._lock:
            known = version if isinstance(version, int) else -1
            self._stale[catalog_id] = max(self._stale.get(catalog_id, known), known)

    def _defer(self, catalog_id: str, version: Any) -> bool:
        """Whether a write of this catalog is in flight here; if so, remember the event's version."""
        with self._lock:
            if catalog_id not in self._writing:
                return False
            known = version if isinstance(version, int) else -1
            self._deferred[catalog_id] = max(self._deferred.get(catalog_id, known), known)
            return True

    def remove(self, catalog_id: str) -> None:
        with self._lock:
            self._docs.pop(catalog_id, None)

    def __len__(self) -> int:
        return len(self._docs)

    def search(self, query: str) -> list[str]:
        """Matching catalog ids, best first (ties by id, so pages are stable)."""
        wanted = tokenize(query)
        phrase = " ".join(query.lower().split())
        if not wanted.words and not wanted.chars:
            return []
        self.refresh()
        with self._lock:
            docs = list(self._docs.items())
        scored: list[tuple[float, str]] = []
        for catalog_id, doc in docs:
            if not wanted.chars <= doc.terms.chars:
                continue
            if not all(any(w.startswith(q) for w in doc.terms.words) for q in wanted.words):
                continue
            score = 0.0
            if phrase in doc.title:
                score += 10
            elif phrase in doc.text:
                score += 5
            score += 2 * len(wanted.bigrams & doc.terms.bigrams)
            score += len(wanted.words & doc.terms.words)
            scored.append((-score, catalog_id))
        return [catalog_id for _, catalog_id in sorted(scored)]

    def refresh(self) -> None:
        """Read every stale catalog (as the service identity). One search reads them while
        others wait: each is read once. A catalog that cannot be read now stays stale."""
        if not self._stale or self._provider is None:
            return
        with self._refresh_lock:
            with self._lock:
                stale = dict(self._stale)
            if not stale:
                return
            ledger = self._provider()
            if ledger is None:
                return
            for catalog_id, version in stale.items():
                try:
                    self._read(ledger, catalog_id)
                except Exception:
                    log.warning("catalog index: reading %s failed", catalog_id, exc_info=True)
                    continue
                with self._lock:  # unless a later event marked it again meanwhile
                    if self._stale.get(catalog_id) == version:
                        del self._stale[catalog_id]

    # --- keeping it fed from the ledger -----------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready

    def ensure_ready(self) -> None:
        """Build on first use and start following events; later calls return at once."""
        if self._ready or self._provider is None:
            return
        with self._build_lock:
            if self._ready:
                return
            ledger = self._provider()
            if ledger is None:
                return
            height = ledger.block_height()
            self.load(ledger)
            self._ready = True
            self._thread = threading.Thread(
                target=self._follow, args=(height,), name="citydir-catalog-index", daemon=True
            )
            self._thread.start()

    def load(self, ledger: Ledger) -> int:
        """Page every catalog in; returns how many were indexed."""
        count, bookmark = 0, ""
        seen: set[str] = set()
        while True:
            arg: dict[str, Any] = {"page_size": _PAGE}
            if bookmark:
                arg["bookmark"] = bookmark
            page = ledger.query("ListCatalogs", arg) or {}
            for catalog in page.get("items", []):
                self.upsert(catalog)
                seen.add(str(catalog.get("id")))
                count += 1
            bookmark = page.get("bookmark") or ""
            if not bookmark or not page.get("items"):
                break
        with self._lock:
            for stale in set(self._docs) - seen:
                del self._docs[stale]
        return count

    def apply(self, ledger: Ledger, event: ChaincodeEvent) -> None:
        if not event.name.startswith("Catalog"):
            return
        payload = event.payload if isinstance(event.payload, Mapping) else {}
        ids = payload.get("ids") or ([payload["id"]] if isinstance(payload.get("id"), str) else [])
        if not ids:
            self.load(ledger)  # a batch whose payload does not list its ids
            return
        for catalog_id in ids:
            version = payload.get("version")
            # This gateway's own write indexes it from its answer (``offer``), or will.
            if self.holds(catalog_id, version) or self._defer(catalog_id, version):
                continue
            self._mark_stale(catalog_id, version)

    def _read(self, ledger: Ledger, catalog_id: str) -> None:
        try:
            self.offer(ledger.query("GetCatalog", {"id": catalog_id}))
        except ChaincodeError as exc:
            if exc.code == ErrorCode.NOT_FOUND:
                self.remove(catalog_id)
            else:
                raise

    def _follow(self, start_block: int) -> None:
        block: int | None = start_block
        after_tx: str | None = None
        backoff = 1.0
        while not self._stop.is_set():
            ledger = self._provider() if self._provider else None
            if ledger is None:
                return
            try:
                self._stream = ledger.chaincode_events(block, after_tx)
                if block is not None:
                    self._on_follow(block)
                for event in self._stream:
                    if self._stop.is_set():
                        break
                    if self._on_event is not None:
                        self._on_event(event)
                    self.apply(ledger, event)
                    block, after_tx, backoff = event.block, event.tx_id, 1.0
            except Exception as exc:  # the stream breaks when peers restart; resume from the last event
                log.warning(
                    "catalog index: event stream ended (%s); resuming in %.0fs", type(exc).__name__, backoff
                )
            finally:
                self._on_lost()  # until it is open again, nothing it would say is known
                self._close_stream()
            self._stop.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:
                log.debug("catalog index: closing the event stream failed", exc_info=True)

    def close(self) -> None:
        self._stop.set()
        self._close_stream()
        if self._thread is not None:
            self._thread.join(timeout=2)
