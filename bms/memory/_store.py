"""Fault memory file: an append-only log of events with a checksum per record and fsync.

ASIL: D. Requirements: SWR_MEM_003, SWR_MEM_004, SWR_MEM_005.

This is the only module of the BMS that does I/O. The file is::

    header   "BMSFM", 0x00, 0x01, newline    (8 bytes: magic, format version 1)
    record   SYNC (0xFA 0x17, 2 bytes)
             length N of the payload         (4 bytes, big-endian, 2 <= N <= 65536)
             CRC-32 of length and payload    (4 bytes, big-endian, zlib.crc32)
             payload                         (N bytes of UTF-8 JSON: one event)
    record   ...

Every record is written with one ``os.write`` on a file opened with
``O_APPEND`` and made durable with ``os.fsync`` before :meth:`append`
returns (the directory too, when the file is created). A crash can leave
only the last record incomplete: reading stops trusting the file at the
first record that does not check, looks for the next record that does
(the sync bytes, which never occur in UTF-8 JSON, mark candidates), reports
the bytes in between as corrupt, and reports an incomplete end as a torn
tail. No complete record is lost. :meth:`FaultMemoryStore.open` truncates a
torn tail (and fsyncs) so the next record is appended after the last good
one.

Hand-written: no maintained library offers a crash-safe append-only record
log for Python without a database engine; SQLite (the obvious candidate) is
heavier than the need and its recovery is harder to test byte by byte.
"""

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from bms.errors import BmsError
from bms.memory._model import (
    DEFAULT_CAPACITY,
    ClearEvent,
    FaultEvent,
    FaultMemory,
    MemoryEvent,
    replay,
)

__all__ = [
    "FILE_HEADER",
    "MAX_PAYLOAD_BYTES",
    "RECORD_SYNC",
    "CorruptRange",
    "FaultMemoryStore",
    "FaultMemoryStoreError",
    "LoadReport",
    "encode_record",
    "read_fault_memory",
]

FILE_HEADER = b"BMSFM\x00\x01\n"
"""First bytes of every fault memory file: magic and format version 1."""
RECORD_SYNC = b"\xfa\x17"
"""Start of every record; 0xFA never occurs in UTF-8, so never inside a payload."""
MAX_PAYLOAD_BYTES = 65536
"""Largest payload accepted; a longer length field is corruption."""

_PREFIX = struct.Struct(">2sII")
_MIN_PAYLOAD_BYTES = 2
_EVENT = TypeAdapter[FaultEvent | ClearEvent](MemoryEvent)


class FaultMemoryStoreError(BmsError, OSError):
    """The fault memory file cannot be used: not ours, a newer format, or an I/O failure."""


@dataclass(frozen=True)
class CorruptRange:
    """Bytes of the file that hold no valid record."""

    offset: int
    """Where the bytes start."""
    length: int
    """How many bytes."""
    reason: str
    """What was found there."""


@dataclass(frozen=True)
class LoadReport:
    """What reading a fault memory file found."""

    events: tuple[FaultEvent | ClearEvent, ...]
    """Every complete, valid record, in file order."""
    memory: FaultMemory
    """The memory rebuilt from ``events``."""
    valid_end: int
    """Offset just after the last valid record (or the header): where appending resumes."""
    corrupt: tuple[CorruptRange, ...] = ()
    """Damaged bytes between valid records (skipped)."""
    torn_tail: CorruptRange | None = None
    """An incomplete or damaged end of the file, ignored (and truncated by ``open``)."""

    @property
    def clean(self) -> bool:
        """Whether the file held nothing but valid records."""
        return not self.corrupt and self.torn_tail is None


def encode_record(event: FaultEvent | ClearEvent) -> bytes:
    """The bytes of one record holding ``event``.

    Implements: SWR_MEM_003
    """
    payload = event.model_dump_json().encode("utf-8")
    length = struct.pack(">I", len(payload))
    checksum = zlib.crc32(length + payload)
    return _PREFIX.pack(RECORD_SYNC, len(payload), checksum) + payload


def _decode_at(data: bytes, offset: int) -> tuple[FaultEvent | ClearEvent, int] | str:
    """The event of the record at ``offset`` and the offset after it, or why there is none."""
    if len(data) - offset < _PREFIX.size:
        return "incomplete record header"
    sync, length, checksum = _PREFIX.unpack_from(data, offset)
    end = offset + _PREFIX.size + length
    payload = data[offset + _PREFIX.size : end]
    problem = ""
    if sync != RECORD_SYNC:
        problem = "no record start"
    elif not _MIN_PAYLOAD_BYTES <= length <= MAX_PAYLOAD_BYTES:
        problem = f"impossible payload length {length}"
    elif end > len(data):
        problem = "incomplete payload"
    elif zlib.crc32(struct.pack(">I", length) + payload) != checksum:
        problem = "checksum mismatch"
    if problem:
        return problem
    try:
        return _EVENT.validate_json(payload), end
    except ValidationError as error:
        return f"checksum valid but not an event: {error.error_count()} problem(s)"


def _next_valid(data: bytes, start: int) -> int | None:
    """Offset of the first record at or after ``start`` that decodes, if any."""
    candidate = data.find(RECORD_SYNC, start)
    # loop-bound: each pass moves ``candidate`` forward; ``find`` gives -1 past the end
    while candidate != -1:
        if not isinstance(_decode_at(data, candidate), str):
            return candidate
        candidate = data.find(RECORD_SYNC, candidate + 1)
    return None


def _check_header(data: bytes, path: Path) -> None:
    if data[: len(FILE_HEADER)] == FILE_HEADER or FILE_HEADER.startswith(data):
        return
    if data[:5] == FILE_HEADER[:5]:
        raise FaultMemoryStoreError(
            f"{path}: fault memory format {data[5:7].hex()} is not supported; "
            f"this BMS reads format {FILE_HEADER[5:7].hex()}"
        )
    raise FaultMemoryStoreError(
        f"{path}: not a fault memory file (first bytes {data[:8]!r}, expected {FILE_HEADER!r})"
    )


def read_fault_memory(path: Path, capacity: int = DEFAULT_CAPACITY) -> LoadReport:
    """Read a fault memory file without changing it.

    Implements: SWR_MEM_004, SWR_MEM_005

    A missing or empty file is an empty memory. A file shorter than the
    header but a prefix of it (a crash while creating it) is an empty
    memory with a torn tail.

    Raises:
        FaultMemoryStoreError: the file is unreadable, or is not a fault
            memory file of a supported format.
    """
    try:
        data = path.read_bytes() if path.exists() else b""
    except OSError as error:
        raise FaultMemoryStoreError(f"{path}: cannot be read: {error}") from None
    _check_header(data, path)
    if len(data) < len(FILE_HEADER):
        header = CorruptRange(0, len(data), "incomplete file header") if data else None
        return LoadReport((), FaultMemory(capacity=capacity), 0, torn_tail=header)
    events: list[FaultEvent | ClearEvent] = []
    corrupt: list[CorruptRange] = []
    offset = valid_end = len(FILE_HEADER)
    torn: CorruptRange | None = None
    # loop-bound: each pass moves ``offset`` forward (a record, or to ``resume``) or sets ``torn``
    while offset < len(data) and torn is None:
        decoded = _decode_at(data, offset)
        if not isinstance(decoded, str):
            events.append(decoded[0])
            offset = valid_end = decoded[1]
            continue
        resume = _next_valid(data, offset + 1)
        if resume is None:
            torn = CorruptRange(offset, len(data) - offset, decoded)
        else:
            corrupt.append(CorruptRange(offset, resume - offset, decoded))
            offset = resume
    return LoadReport(
        tuple(events),
        replay(tuple(events), capacity),
        valid_end,
        tuple(corrupt),
        torn,
    )


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    """Write all of ``data``; the loop ends because every pass writes at least one byte."""
    view = memoryview(data)
    # loop-bound: each pass writes at least one byte of ``view`` (else it raises)
    while view:
        written = os.write(descriptor, view)
        if written <= 0:
            raise OSError(f"write returned {written} with {len(view)} bytes left")
        view = view[written:]


class FaultMemoryStore:
    """The fault memory file of one BMS: open it once, then append events."""

    def __init__(self, path: Path) -> None:
        """Use ``path``; call :meth:`open` (which does) before :meth:`append`."""
        self.path = path
        """The fault memory file."""

    @classmethod
    def open(
        cls, path: Path, capacity: int = DEFAULT_CAPACITY
    ) -> tuple["FaultMemoryStore", LoadReport]:
        """Read the file, cut a torn tail, create the file if missing.

        Implements: SWR_MEM_003, SWR_MEM_004

        Returns:
            The store and what was read (the torn tail, if any, as found
            before it was cut).

        Raises:
            FaultMemoryStoreError: as :func:`read_fault_memory`, or when the
                file cannot be created or repaired.
        """
        report = read_fault_memory(path, capacity)
        try:
            if report.valid_end == 0:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    _write_all(descriptor, FILE_HEADER)
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
                _fsync_directory(path)
            elif report.torn_tail is not None:
                descriptor = os.open(path, os.O_WRONLY)
                try:
                    os.ftruncate(descriptor, report.valid_end)
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
        except OSError as error:
            raise FaultMemoryStoreError(f"{path}: cannot be created or repaired: {error}") from None
        return cls(path), report

    def append(self, event: FaultEvent | ClearEvent) -> None:
        """Append one event and make it durable (fsync) before returning.

        Implements: SWR_MEM_003

        Raises:
            FaultMemoryStoreError: the write or the fsync failed; the caller
                keeps the event in its in-memory model regardless.
        """
        record = encode_record(event)
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            try:
                _write_all(descriptor, record)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise FaultMemoryStoreError(f"{self.path}: cannot append: {error}") from None
