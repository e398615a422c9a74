"""Each caller's last committed write, as the read cache needs it to let a caller read its writes.

A caller's next read may reach another worker process of the same gateway, so the mark must be
seen by all of them: ``SharedWriteMarks`` keeps the marks in one small file that every worker
maps (``$CITYDIR_GATEWAY_RUN/write-marks``), ``WriteMarks`` in memory for a single process.

The file is a fixed table of slots, one per hash of the caller's identity, each holding the
highest block (+1; 0 is "none") any caller of that slot committed a write in. Two callers that
share a slot both wait for the later of their writes: never a stale read, at worst a read that
waits or goes to the peer when it need not. Updates and reads take the file's lock (flock), so
no worker reads a half-written slot and a mark only ever rises.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import threading
from collections.abc import Hashable
from pathlib import Path

SLOTS = 1 << 16  # 512 KiB: far more slots than a city has identities
_SLOT = 8


class WriteMarks:
    """In one process's memory."""

    def __init__(self) -> None:
        self._marks: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def raise_to(self, caller: Hashable, block: int) -> None:
        with self._lock:
            self._marks[caller] = max(self._marks.get(caller, -1), block)

    def get(self, caller: Hashable) -> int | None:
        """The block of the caller's last committed write; None: none known."""
        return self._marks.get(caller)


class SharedWriteMarks(WriteMarks):
    """In a file every worker process of one gateway maps."""

    def __init__(self, path: Path, slots: int = SLOTS) -> None:
        super().__init__()
        self._slots = slots
        self._offsets: dict[Hashable, int] = {}  # each caller's slot, hashed once
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_size < slots * _SLOT:  # the first worker sizes it; zeros are "none"
                os.ftruncate(fd, slots * _SLOT)
            fcntl.flock(fd, fcntl.LOCK_UN)
            self._map = mmap.mmap(fd, slots * _SLOT)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def _offset(self, caller: Hashable) -> int:
        offset = self._offsets.get(caller)
        if offset is None:
            # hashlib, not hash(): every process must pick the same slot.
            digest = hashlib.blake2b(repr(caller).encode("utf-8"), digest_size=8).digest()
            offset = self._offsets[caller] = int.from_bytes(digest, "little") % self._slots * _SLOT
        return offset

    def raise_to(self, caller: Hashable, block: int) -> None:
        offset = self._offset(caller)
        with self._lock:  # flock is per open file: threads of this process take turns first
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                held = int.from_bytes(self._map[offset : offset + _SLOT], "little")
                if block + 1 > held:
                    self._map[offset : offset + _SLOT] = (block + 1).to_bytes(_SLOT, "little")
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def get(self, caller: Hashable) -> int | None:
        offset = self._offset(caller)
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
            try:
                held = int.from_bytes(self._map[offset : offset + _SLOT], "little")
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        return held - 1 if held else None

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)
