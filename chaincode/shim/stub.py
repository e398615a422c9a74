"""PeerStub: one transaction's ledger API, carried out as requests to the peer.

Every method turns into one or more ChaincodeMessage requests on the transaction's
conversation (see ``PeerConversation``); the peer answers RESPONSE or ERROR, and an
ERROR surfaces here as ``PeerError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from chaincode.shim import api, protos
from chaincode.shim.api import KV, KeyModification, QueryMetadata
from chaincode.shim.errors import ShimError
from chaincode.shim.proposal import ProposalContext, to_datetime
from chaincode.shim.protos import MessageType

T = TypeVar("T")

# As the Go shim (fabric-chaincode-go shim/handler.go): a peer that offers a batch size below
# this gets batches of this size.
MIN_BATCH_SIZE = 100
_DATA, _METADATA = 0, 1  # a key's two kinds of write in a batch (the Go shim's batchRecordType)


@dataclass(frozen=True)
class PeerFeatures:
    """What the peer offered in its READY message (``ChaincodeAdditionalParams``).

    Each is the most records per message, or 0 when the peer does not offer it: then every
    write is its own PUT_STATE/DEL_STATE/PUT_STATE_METADATA, and a multi-key read is one
    GET_STATE per key. Fabric 3.1's peer offers both (core.yaml ``chaincode.runtimeParams``,
    on by default); older peers send READY with no payload.
    """

    write_batch: int = 0
    get_multiple: int = 0

    @classmethod
    def from_ready(cls, payload: bytes) -> PeerFeatures:
        """Read as the Go shim does: nothing (or something unreadable) offers nothing."""
        if not payload:
            return cls()
        try:
            params = protos.chaincode.ChaincodeAdditionalParams.FromString(payload)
        except Exception:  # protobuf's DecodeError: the Go shim ignores it too
            return cls()
        return cls(
            write_batch=max(int(params.max_size_write_batch), MIN_BATCH_SIZE)
            if params.use_write_batch
            else 0,
            get_multiple=(
                max(int(params.max_size_get_multiple_keys), MIN_BATCH_SIZE)
                if params.use_get_multiple_keys
                else 0
            ),
        )


class PeerConversation(Protocol):
    """One transaction's request/response exchange with the peer."""

    def request(self, message_type: MessageType, payload: bytes) -> bytes:
        """Send a request for this transaction and return the peer's RESPONSE payload.

        Raises PeerError when the peer answers ERROR.
        """
        ...


NO_FEATURES = PeerFeatures()


class PeerStub:
    """Implements ``chaincode.shim.api.ChaincodeStub`` against a live peer."""

    def __init__(
        self,
        conversation: PeerConversation,
        channel_id: str,
        tx_id: str,
        args: list[bytes],
        proposal: ProposalContext,
        features: PeerFeatures = NO_FEATURES,
    ) -> None:
        self._peer = conversation
        self._features = features
        # With write batching, writes wait here (one per key and kind, the last one winning)
        # until the transaction finishes, then go in WRITE_BATCH_STATE messages.
        self._batch: dict[tuple[str, int], Any] | None = {} if features.write_batch else None
        self._channel_id = channel_id
        self._tx_id = tx_id
        self._args = args
        self._proposal = proposal
        self._event: Any | None = None  # peer.ChaincodeEvent
        self._open_iterators: list[_PeerIterator[Any]] = []

    # -- transaction context ------------------------------------------------------------

    @property
    def tx_id(self) -> str:
        return self._tx_id

    @property
    def channel_id(self) -> str:
        return self._channel_id

    def get_args(self) -> list[bytes]:
        return list(self._args)

    def get_function_and_parameters(self) -> tuple[str, list[str]]:
        if not self._args:
            return "", []
        function, *params = (arg.decode("utf-8") for arg in self._args)
        return function, params

    def get_creator(self) -> bytes:
        return self._proposal.creator

    def get_transient(self) -> dict[str, bytes]:
        return dict(self._proposal.transient)

    def get_tx_timestamp(self) -> datetime:
        if self._proposal.timestamp is None:
            raise ShimError("the peer sent no signed proposal, so the transaction has no timestamp")
        return self._proposal.timestamp

    # -- single keys -------------------------------------------------------------------

    def get_state(self, key: str) -> bytes | None:
        api.check_key(key)
        value = self._peer.request(MessageType.GET_STATE, protos.shim.GetState(key=key).SerializeToString())
        # The peer answers an empty payload for a missing key; Fabric stores no empty values.
        return value or None

    def put_state(self, key: str, value: bytes) -> None:
        api.check_key(key)
        if not value:
            # The peer would record an empty write as a delete: refuse rather than surprise.
            raise ValueError(f"put_state({key!r}): value must not be empty (use del_state to delete)")
        if self._batch is not None:
            self._batch[(key, _DATA)] = protos.shim.WriteRecord(
                type=protos.shim.WriteRecord.PUT_STATE, key=key, value=bytes(value)
            )
            return
        message = protos.shim.PutState(key=key, value=bytes(value))
        self._peer.request(MessageType.PUT_STATE, message.SerializeToString())

    def del_state(self, key: str) -> None:
        api.check_key(key)
        if self._batch is not None:
            self._batch[(key, _DATA)] = protos.shim.WriteRecord(
                type=protos.shim.WriteRecord.DEL_STATE, key=key
            )
            return
        self._peer.request(MessageType.DEL_STATE, protos.shim.DelState(key=key).SerializeToString())

    def get_multiple_states(self, keys: list[str]) -> list[bytes | None]:
        """Each key's value (None when missing), in one GET_STATE_MULTIPLE per batch of keys
        where the peer offers it, else one GET_STATE each."""
        for key in keys:
            api.check_key(key)
        size = self._features.get_multiple
        if not size:
            return [self.get_state(key) for key in keys]
        values: list[bytes | None] = []
        for start in range(0, len(keys), size):
            request = protos.shim.GetStateMultiple(keys=keys[start : start + size])
            answer = self._peer.request(MessageType.GET_STATE_MULTIPLE, request.SerializeToString())
            # An empty value is a missing key, as for GET_STATE.
            values += [
                bytes(value) or None for value in protos.shim.GetStateMultipleResult.FromString(answer).values
            ]
        if len(values) != len(keys):
            raise ShimError(f"the peer answered {len(values)} values for {len(keys)} keys")
        return values

    # -- ranges --------------------------------------------------------------------------

    def get_state_by_range(self, start_key: str, end_key: str) -> Iterator[KV]:
        start_key, end_key = api.simple_range(start_key, end_key)
        return self._query_range(start_key, end_key)

    def get_state_by_range_with_pagination(
        self, start_key: str, end_key: str, page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]:
        start_key, end_key = api.simple_range(start_key, end_key)
        return self._query_page(start_key, end_key, page_size, bookmark)

    def get_state_by_partial_composite_key(self, object_type: str, attributes: list[str]) -> Iterator[KV]:
        return self._query_range(*api.composite_range(object_type, attributes))

    def get_state_by_partial_composite_key_with_pagination(
        self, object_type: str, attributes: list[str], page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]:
        start_key, end_key = api.composite_range(object_type, attributes)
        return self._query_page(start_key, end_key, page_size, bookmark)

    def create_composite_key(self, object_type: str, attributes: list[str]) -> str:
        return api.create_composite_key(object_type, attributes)

    def split_composite_key(self, composite_key: str) -> tuple[str, list[str]]:
        return api.split_composite_key(composite_key)

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]:
        api.check_key(key)
        payload = protos.shim.GetHistoryForKey(key=key).SerializeToString()
        response = self._peer.request(MessageType.GET_HISTORY_FOR_KEY, payload)
        return self._track(_PeerIterator(self._peer, response, _decode_key_modification))

    # -- events and key-level endorsement ----------------------------------------------

    def set_event(self, name: str, payload: bytes) -> None:
        if not name:
            raise ValueError("event name must not be empty")
        # The peer fills in chaincode_id and tx_id itself when it receives COMPLETED.
        self._event = protos.chaincode_event.ChaincodeEvent(event_name=name, payload=bytes(payload))

    def set_state_validation_parameter(self, key: str, endorsement_policy: bytes) -> None:
        api.check_key(key)
        entry = protos.shim.StateMetadata(
            metakey=protos.VALIDATION_PARAMETER, value=bytes(endorsement_policy)
        )
        if self._batch is not None:
            self._batch[(key, _METADATA)] = protos.shim.WriteRecord(
                type=protos.shim.WriteRecord.PUT_STATE_METADATA, key=key, metadata=entry
            )
            return
        message = protos.shim.PutStateMetadata(key=key, metadata=entry)
        self._peer.request(MessageType.PUT_STATE_METADATA, message.SerializeToString())

    def get_state_validation_parameter(self, key: str) -> bytes | None:
        api.check_key(key)
        payload = protos.shim.GetStateMetadata(key=key).SerializeToString()
        result = protos.shim.StateMetadataResult.FromString(
            self._peer.request(MessageType.GET_STATE_METADATA, payload)
        )
        for entry in result.entries:
            if entry.metakey == protos.VALIDATION_PARAMETER:
                return bytes(entry.value) or None
        return None

    # -- for the runtime -----------------------------------------------------------------

    @property
    def event(self) -> Any | None:
        """The ChaincodeEvent to attach to COMPLETED, if the contract set one."""
        return self._event

    @property
    def pending_writes(self) -> int:
        """Writes waiting for ``finish_write_batch`` (always 0 without write batching)."""
        return len(self._batch) if self._batch else 0

    def finish_write_batch(self) -> None:
        """Send the batched writes: WRITE_BATCH_STATE messages of at most the peer's batch size,
        in the order the keys were first written (the peer applies each record as the single
        request would). Nothing to send, nothing sent."""
        if not self._batch:
            return
        records = list(self._batch.values())
        self._batch = {}
        size = self._features.write_batch
        for start in range(0, len(records), size):
            batch = protos.shim.WriteBatchState(rec=records[start : start + size])
            self._peer.request(MessageType.WRITE_BATCH_STATE, batch.SerializeToString())

    def close_open_iterators(self) -> None:
        """Release iterators the contract abandoned before the peer finished them."""
        for iterator in self._open_iterators:
            iterator.close()
        self._open_iterators.clear()

    # -- helpers -------------------------------------------------------------------------

    def _query_range(self, start_key: str, end_key: str) -> Iterator[KV]:
        request = protos.shim.GetStateByRange(startKey=start_key, endKey=end_key)
        response = self._peer.request(MessageType.GET_STATE_BY_RANGE, request.SerializeToString())
        return self._track(_PeerIterator(self._peer, response, _decode_kv))

    def _query_page(
        self, start_key: str, end_key: str, page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]:
        if not 0 < page_size <= api.MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {api.MAX_PAGE_SIZE}, not {page_size}")
        # With pagination the peer resumes at the bookmark (the next key) and answers the
        # whole page at once, with the next bookmark in QueryResponse.metadata.
        metadata = protos.shim.QueryMetadata(pageSize=page_size, bookmark=bookmark)
        request = protos.shim.GetStateByRange(
            startKey=start_key, endKey=end_key, metadata=metadata.SerializeToString()
        )
        response = self._peer.request(MessageType.GET_STATE_BY_RANGE, request.SerializeToString())
        with _PeerIterator(self._peer, response, _decode_kv) as page:
            records = list(page)
            page_metadata = protos.shim.QueryResponseMetadata.FromString(page.first_metadata)
        return records, QueryMetadata(
            fetched_records_count=page_metadata.fetched_records_count, bookmark=page_metadata.bookmark
        )

    def _track(self, iterator: _PeerIterator[T]) -> _PeerIterator[T]:
        if iterator.peer_holds_results:
            self._open_iterators.append(iterator)
        return iterator


class _PeerIterator(Generic[T]):
    """Walks a peer-side query iterator: one QueryResponse batch at a time.

    The peer sends results in batches; while ``has_more`` is set it keeps the iterator
    open under ``id`` and we fetch the next batch with QUERY_STATE_NEXT. Once it answers
    ``has_more = false`` it has already released the iterator, so only an iterator
    abandoned early needs an explicit QUERY_STATE_CLOSE.
    """

    def __init__(self, peer: PeerConversation, first_response: bytes, decode: Callable[[bytes], T]) -> None:
        self._peer = peer
        self._decode = decode
        response = protos.shim.QueryResponse.FromString(first_response)
        self.first_metadata: bytes = bytes(response.metadata)
        self._id: str = response.id
        self._batch: list[bytes] = []
        self._position = 0
        self._has_more = False
        self._load(response)

    @property
    def peer_holds_results(self) -> bool:
        return self._has_more

    def __iter__(self) -> _PeerIterator[T]:
        return self

    def __next__(self) -> T:
        while self._position >= len(self._batch):
            if not self._has_more:
                raise StopIteration
            payload = protos.shim.QueryStateNext(id=self._id).SerializeToString()
            self._load(
                protos.shim.QueryResponse.FromString(
                    self._peer.request(MessageType.QUERY_STATE_NEXT, payload)
                )
            )
        item = self._batch[self._position]
        self._position += 1
        return self._decode(item)

    def close(self) -> None:
        if self._has_more:
            self._has_more = False
            self._batch = []
            payload = protos.shim.QueryStateClose(id=self._id).SerializeToString()
            self._peer.request(MessageType.QUERY_STATE_CLOSE, payload)

    def __enter__(self) -> _PeerIterator[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _load(self, response: Any) -> None:
        self._batch = [bytes(result.resultBytes) for result in response.results]
        self._position = 0
        self._has_more = bool(response.has_more)


def _decode_kv(result: bytes) -> KV:
    kv = protos.queryresult.KV.FromString(result)
    return KV(key=kv.key, value=bytes(kv.value))


def _decode_key_modification(result: bytes) -> KeyModification:
    modification = protos.queryresult.KeyModification.FromString(result)
    return KeyModification(
        tx_id=modification.tx_id,
        timestamp=to_datetime(modification.timestamp),
        value=bytes(modification.value),
        is_delete=bool(modification.is_delete),
    )
