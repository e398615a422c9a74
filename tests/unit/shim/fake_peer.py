"""A fake Fabric peer: dials the chaincode server and speaks the peer side of the protocol.

It follows core/chaincode/handler.go where it matters to the shim: REGISTERED then READY
after REGISTER; range results in batches with ``has_more`` and an iterator id; paginated
ranges answered in one response with QueryResponseMetadata (bookmark = next key, "" at the
end); writes buffered per transaction (no read-your-writes) and applied on a successful
COMPLETED; paginated queries refused once the transaction wrote, like the tx simulator.
READY offers write batching (WRITE_BATCH_STATE) and multi-key reads (GET_STATE_MULTIPLE) only
when asked to (``write_batch``, ``get_multiple``: the sizes offered), as Fabric 3.1's
``chaincode.runtimeParams`` do; a batch's records are kept as the single messages they stand
for, so ``writes_of`` reads alike either way.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import grpc
from google.protobuf import timestamp_pb2

from tests._protos import (
    chaincode_pb2,
    chaincode_shim_pb2,
    chaincode_shim_pb2_grpc,
    common_pb2,
    identities_pb2,
    kv_query_result_pb2,
    proposal_pb2,
    proposal_response_pb2,
)

Msg = chaincode_shim_pb2.ChaincodeMessage
CHANNEL = "citydir"
DEFAULT_CREATOR = identities_pb2.SerializedIdentity(
    mspid="HealthMSP", id_bytes=b"-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n"
).SerializeToString()


def signed_proposal(
    tx_id: str,
    channel: str,
    args: list[bytes],
    *,
    creator: bytes = DEFAULT_CREATOR,
    transient: dict[str, bytes] | None = None,
    timestamp: datetime | None = None,
) -> Any:
    """A SignedProposal laid out as a Fabric client builds it (signature is not checked here)."""
    ts = timestamp_pb2.Timestamp()
    if timestamp is not None:
        ts.FromDatetime(timestamp)
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.HeaderType.ENDORSER_TRANSACTION, channel_id=channel, tx_id=tx_id, timestamp=ts
    )
    signature_header = common_pb2.SignatureHeader(creator=creator, nonce=b"nonce-" + tx_id.encode())
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    invocation = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            chaincode_id=chaincode_pb2.ChaincodeID(name="citydir"),
            input=chaincode_pb2.ChaincodeInput(args=args),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=invocation.SerializeToString(), TransientMap=transient or {}
    )
    proposal = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    return proposal_pb2.SignedProposal(proposal_bytes=proposal.SerializeToString(), signature=b"signature")


@dataclass
class _Tx:
    writes: list[Any] = field(default_factory=list)  # the PUT_STATE / DEL_STATE / PUT_STATE_METADATA messages
    paginated: bool = False
    done: Future[Any] = field(default_factory=Future)


class FakePeer:
    def __init__(
        self,
        address: str,
        *,
        batch_size: int = 2,
        write_batch: int = 0,
        get_multiple: int = 0,
        credentials: grpc.ChannelCredentials | None = None,
        server_name: str | None = None,
    ) -> None:
        options = [("grpc.ssl_target_name_override", server_name)] if server_name else []
        self._channel = (
            grpc.secure_channel(address, credentials, options=options)
            if credentials
            else grpc.insecure_channel(address)
        )
        self.batch_size = batch_size
        self.write_batch = write_batch
        self.get_multiple = get_multiple
        self.state: dict[str, bytes] = {}
        self.metadata: dict[str, dict[str, bytes]] = {}
        self.history: dict[str, list[Any]] = {}  # key -> [queryresult.KeyModification], newest first
        self.errors: dict[str, str] = {}  # key -> text the peer answers ERROR with on GET_STATE
        self.received: list[Any] = []  # every message from the chaincode, in order
        self.registered_as: str | None = None
        self.ready = threading.Event()
        self.held: set[str] = set()  # txids whose requests wait in ``held_requests`` for the test
        self.held_requests: queue.Queue[Any] = queue.Queue()
        self.keepalives: queue.Queue[Any] = queue.Queue()
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._txs: dict[tuple[str, str], _Tx] = {}
        self._iterators: dict[str, list[bytes]] = {}
        self.closed_iterators: list[str] = []
        self.answers: list[tuple[Any, Any]] = []  # (request, reply) in the order answered
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.stream_error: grpc.RpcError | None = None

    # -- connection ----------------------------------------------------------------------

    def connect(self, timeout: float = 5.0) -> FakePeer:
        stub = chaincode_shim_pb2_grpc.ChaincodeStub(self._channel)
        responses = stub.Connect(iter(self._outbox.get, None))
        self._reader = threading.Thread(target=self._read, args=(responses,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.02):
            if not self._reader.is_alive() or time.monotonic() > deadline:
                raise TimeoutError(f"chaincode did not register (stream error: {self.stream_error})")
        return self

    def close(self) -> None:
        self._outbox.put(None)
        if self._reader is not None:
            self._reader.join(timeout=5)
        self._channel.close()

    def wait_closed(self, timeout: float) -> bool:
        """True once the chaincode ended the stream."""
        assert self._reader is not None
        self._reader.join(timeout)
        return not self._reader.is_alive()

    def send(self, message: Any) -> None:
        self._outbox.put(message)

    # -- transactions --------------------------------------------------------------------

    def execute(
        self,
        args: list[bytes] | list[str],
        *,
        tx_id: str | None = None,
        channel: str = CHANNEL,
        init: bool = False,
        **proposal_fields: Any,
    ) -> Future[Any]:
        """Send INIT/TRANSACTION; the future resolves to the chaincode's COMPLETED or ERROR message."""
        tx_id = tx_id or uuid.uuid4().hex + uuid.uuid4().hex
        raw_args = [a.encode() if isinstance(a, str) else a for a in args]
        tx = _Tx()
        with self._lock:
            self._txs[(channel, tx_id)] = tx
        self.send(
            Msg(
                type=Msg.INIT if init else Msg.TRANSACTION,
                payload=chaincode_pb2.ChaincodeInput(args=raw_args, is_init=init).SerializeToString(),
                txid=tx_id,
                channel_id=channel,
                proposal=signed_proposal(tx_id, channel, raw_args, **proposal_fields),
            )
        )
        return tx.done

    def invoke(self, *args: str, timeout: float = 5.0, **kwargs: Any) -> tuple[Any, Any]:
        """Run one transaction; returns (final ChaincodeMessage, decoded peer.Response or None)."""
        final = self.execute(list(args), **kwargs).result(timeout)
        response = None
        if final.type == Msg.COMPLETED:
            response = proposal_response_pb2.Response.FromString(final.payload)
        return final, response

    def writes_of(self, tx_id: str, channel: str = CHANNEL) -> list[Any]:
        return self._txs[(channel, tx_id)].writes

    def requests_of(self, tx_id: str, *types: int) -> list[Any]:
        return [m for m in self.received if m.txid == tx_id and (not types or m.type in types)]

    def answer(self, request: Any) -> None:
        """Answer a request now (for held requests the test decides the order)."""
        reply = self._reply(request)
        self.answers.append((request, reply))
        self.send(reply)

    def reply_to(self, request: Any) -> Any:
        """The answer this peer sent to ``request``."""
        return next(reply for asked, reply in self.answers if asked is request)

    # -- the peer side of the protocol ---------------------------------------------------

    def _read(self, responses: Iterator[Any]) -> None:
        try:
            for message in responses:
                self.received.append(message)
                self._dispatch(message)
        except grpc.RpcError as exc:
            self.stream_error = exc
        finally:
            with self._lock:
                for tx in self._txs.values():
                    if not tx.done.done():
                        tx.done.set_exception(ConnectionError("stream closed"))

    def _dispatch(self, message: Any) -> None:
        if message.type == Msg.REGISTER:
            self.registered_as = chaincode_pb2.ChaincodeID.FromString(message.payload).name
            self.send(Msg(type=Msg.REGISTERED))
            params = chaincode_pb2.ChaincodeAdditionalParams(
                use_write_batch=bool(self.write_batch),
                max_size_write_batch=self.write_batch,
                use_get_multiple_keys=bool(self.get_multiple),
                max_size_get_multiple_keys=self.get_multiple,
            )
            self.send(Msg(type=Msg.READY, payload=params.SerializeToString()))
            self.ready.set()
        elif message.type == Msg.KEEPALIVE:
            self.keepalives.put(message)
        elif message.type in (Msg.COMPLETED, Msg.ERROR):
            self._finish(message)
        elif message.txid in self.held:
            self.held_requests.put(message)
        else:
            self.answer(message)

    def _finish(self, message: Any) -> None:
        with self._lock:
            tx = self._txs.get((message.channel_id, message.txid))
        if tx is None:
            return
        if message.type == Msg.COMPLETED:
            response = proposal_response_pb2.Response.FromString(message.payload)
            if response.status < 400:  # the endorsed write set "commits"
                for write in tx.writes:
                    self._apply(write)
        tx.done.set_result(message)

    def _apply(self, write: Any) -> None:
        if write.type == Msg.PUT_STATE:
            put = chaincode_shim_pb2.PutState.FromString(write.payload)
            self.state[put.key] = put.value
        elif write.type == Msg.DEL_STATE:
            self.state.pop(chaincode_shim_pb2.DelState.FromString(write.payload).key, None)
        elif write.type == Msg.PUT_STATE_METADATA:
            put_md = chaincode_shim_pb2.PutStateMetadata.FromString(write.payload)
            self.metadata.setdefault(put_md.key, {})[put_md.metadata.metakey] = put_md.metadata.value

    def _reply(self, request: Any) -> Any:
        with self._lock:
            tx = self._txs.get((request.channel_id, request.txid))
        if tx is None:
            return self._error(request, "no ledger context")
        try:
            payload = self._handle(request, tx)
        except LookupError as exc:
            return self._error(request, str(exc.args[0]))
        return Msg(type=Msg.RESPONSE, payload=payload, txid=request.txid, channel_id=request.channel_id)

    def _handle(self, request: Any, tx: _Tx) -> bytes:
        t = request.type
        if t == Msg.GET_STATE:
            key = chaincode_shim_pb2.GetState.FromString(request.payload).key
            if key in self.errors:
                raise LookupError(f"GET_STATE failed: transaction ID: {request.txid}: {self.errors[key]}")
            return self.state.get(key, b"")
        if t in (Msg.PUT_STATE, Msg.DEL_STATE, Msg.PUT_STATE_METADATA):
            if tx.paginated:
                raise LookupError(
                    "unsuppored transaction. Transaction has already performed a paginated query"
                )
            tx.writes.append(request)
            return b""
        if t == Msg.WRITE_BATCH_STATE:
            # core/chaincode/handler.go HandleWriteBatch: each record as its single request.
            if tx.paginated:
                raise LookupError(
                    "unsuppored transaction. Transaction has already performed a paginated query"
                )
            tx.writes.extend(
                _single(request, record) for record in WriteBatchState.FromString(request.payload).rec
            )
            return b""
        if t == Msg.GET_STATE_MULTIPLE:
            keys = chaincode_shim_pb2.GetStateMultiple.FromString(request.payload).keys
            result = chaincode_shim_pb2.GetStateMultipleResult(values=[self.state.get(k, b"") for k in keys])
            return bytes(result.SerializeToString())
        if t == Msg.GET_STATE_METADATA:
            key = chaincode_shim_pb2.GetStateMetadata.FromString(request.payload).key
            entries = [
                chaincode_shim_pb2.StateMetadata(metakey=k, value=v)
                for k, v in self.metadata.get(key, {}).items()
            ]
            return bytes(chaincode_shim_pb2.StateMetadataResult(entries=entries).SerializeToString())
        if t == Msg.GET_STATE_BY_RANGE:
            return self._range(chaincode_shim_pb2.GetStateByRange.FromString(request.payload), tx)
        if t == Msg.GET_HISTORY_FOR_KEY:
            key = chaincode_shim_pb2.GetHistoryForKey.FromString(request.payload).key
            return self._batch([m.SerializeToString() for m in self.history.get(key, [])])
        if t == Msg.QUERY_STATE_NEXT:
            iterator_id = chaincode_shim_pb2.QueryStateNext.FromString(request.payload).id
            if iterator_id not in self._iterators:
                raise LookupError("query iterator not found")
            return self._batch(self._iterators.pop(iterator_id), iterator_id)
        if t == Msg.QUERY_STATE_CLOSE:
            iterator_id = chaincode_shim_pb2.QueryStateClose.FromString(request.payload).id
            self._iterators.pop(iterator_id, None)
            self.closed_iterators.append(iterator_id)
            return bytes(chaincode_shim_pb2.QueryResponse(has_more=False, id=iterator_id).SerializeToString())
        raise LookupError(f"fake peer cannot handle {Msg.Type.Name(t)}")

    def _range(self, request: Any, tx: _Tx) -> bytes:
        start = request.startKey
        keys = sorted(k for k in self.state if k >= start and (not request.endKey or k < request.endKey))
        if not request.metadata:
            return self._batch([self._kv(k) for k in keys])
        paging = chaincode_shim_pb2.QueryMetadata.FromString(request.metadata)
        if tx.writes:
            raise LookupError(
                "unsuppored transaction. Paginated queries are supported only in a read-only transaction"
            )
        tx.paginated = True
        if paging.bookmark:
            keys = [k for k in keys if k >= paging.bookmark]
        page, rest = keys[: paging.pageSize], keys[paging.pageSize :]
        metadata = chaincode_shim_pb2.QueryResponseMetadata(
            fetched_records_count=len(page), bookmark=rest[0] if rest else ""
        )
        response = chaincode_shim_pb2.QueryResponse(
            results=[chaincode_shim_pb2.QueryResultBytes(resultBytes=self._kv(k)) for k in page],
            has_more=False,
            id=str(uuid.uuid4()),
            metadata=metadata.SerializeToString(),
        )
        return bytes(response.SerializeToString())

    def _batch(self, results: list[bytes], iterator_id: str | None = None) -> bytes:
        iterator_id = iterator_id or str(uuid.uuid4())
        batch, rest = results[: self.batch_size], results[self.batch_size :]
        if rest:
            self._iterators[iterator_id] = rest
        response = chaincode_shim_pb2.QueryResponse(
            results=[chaincode_shim_pb2.QueryResultBytes(resultBytes=r) for r in batch],
            has_more=bool(rest),
            id=iterator_id,
        )
        return bytes(response.SerializeToString())

    def _kv(self, key: str) -> bytes:
        kv = kv_query_result_pb2.KV(namespace="citydir", key=key, value=self.state[key])
        return bytes(kv.SerializeToString())

    @staticmethod
    def _error(request: Any, text: str) -> Any:
        return Msg(type=Msg.ERROR, payload=text.encode(), txid=request.txid, channel_id=request.channel_id)


WriteBatchState = chaincode_shim_pb2.WriteBatchState
WriteRecord = chaincode_shim_pb2.WriteRecord


def _single(batch: Any, record: Any) -> Any:
    """The PUT_STATE / DEL_STATE / PUT_STATE_METADATA message a batch record stands for."""
    if record.type == WriteRecord.PUT_STATE:
        kind, payload = Msg.PUT_STATE, chaincode_shim_pb2.PutState(key=record.key, value=record.value)
    elif record.type == WriteRecord.DEL_STATE:
        kind, payload = Msg.DEL_STATE, chaincode_shim_pb2.DelState(key=record.key)
    elif record.type == WriteRecord.PUT_STATE_METADATA:
        kind, payload = (
            Msg.PUT_STATE_METADATA,
            chaincode_shim_pb2.PutStateMetadata(key=record.key, metadata=record.metadata),
        )
    else:
        raise LookupError("unknown operation type")
    return Msg(type=kind, payload=payload.SerializeToString(), txid=batch.txid, channel_id=batch.channel_id)


_counter = itertools.count()


def tx_id(label: str) -> str:
    """A readable, unique transaction id."""
    return f"{label}-{next(_counter):04d}-" + uuid.uuid4().hex
