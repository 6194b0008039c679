"""MC/DC tests of bms/memory/_store.py (SWR_MEM_003, SWR_MEM_004, SWR_MEM_005).

Covers the conditions the main tests leave without independent effect:
``LoadReport.clean`` is false for a damaged record alone and for a torn
tail alone; a record whose length field is below the minimum payload or
above the maximum is skipped as corrupt; resynchronisation skips a false record start inside
damaged bytes and resumes at the next record that decodes; an ``os.write``
that writes nothing is reported as a store error instead of looping.
"""

import os
import struct
import zlib
from pathlib import Path

import pytest

from bms.memory import (
    FILE_HEADER,
    MAX_PAYLOAD_BYTES,
    RECORD_SYNC,
    ClearEvent,
    FaultEvent,
    FaultMemoryStore,
    FaultMemoryStoreError,
    encode_record,
    read_fault_memory,
)

FIRST = FaultEvent(dtc="CELL_OVER_VOLTAGE", time_ms=100, freeze={"cell_v": 4.26})
SECOND = ClearEvent(time_ms=300)


def _short_record(claimed: int = 1) -> bytes:
    """A record start whose length field says ``claimed``, over a one-byte payload."""
    length = struct.pack(">I", claimed)
    payload = b"x"
    return RECORD_SYNC + length + struct.pack(">I", zlib.crc32(length + payload)) + payload


@pytest.mark.verifies("SWR_MEM_005", method="fault_injection")
def test_clean_is_false_for_corrupt_records_and_for_a_torn_tail(tmp_path: Path) -> None:
    whole = FILE_HEADER + encode_record(FIRST) + encode_record(SECOND)
    path = tmp_path / "faults.bin"
    path.write_bytes(whole)
    assert read_fault_memory(path).clean
    damaged = bytearray(whole)
    damaged[len(FILE_HEADER) + 6] ^= 0x01  # CRC field of the first record
    path.write_bytes(bytes(damaged))
    corrupt = read_fault_memory(path)
    assert corrupt.corrupt
    assert corrupt.torn_tail is None
    assert not corrupt.clean
    path.write_bytes(whole[:-1])
    torn = read_fault_memory(path)
    assert not torn.corrupt
    assert torn.torn_tail is not None
    assert not torn.clean


@pytest.mark.verifies("SWR_MEM_005", method="fault_injection")
@pytest.mark.parametrize("claimed", [1, MAX_PAYLOAD_BYTES + 1])
def test_record_length_outside_the_payload_range_is_corrupt(tmp_path: Path, claimed: int) -> None:
    path = tmp_path / "faults.bin"
    path.write_bytes(FILE_HEADER + _short_record(claimed) + encode_record(SECOND))
    report = read_fault_memory(path)
    assert list(report.events) == [SECOND]
    assert [c.reason for c in report.corrupt] == [f"impossible payload length {claimed}"]


@pytest.mark.verifies("SWR_MEM_005", method="fault_injection")
def test_resync_skips_a_false_record_start(tmp_path: Path) -> None:
    junk = b"\x00\x01" + RECORD_SYNC + b"\x00\x00"  # a sync pattern that does not decode
    head = FILE_HEADER + encode_record(FIRST)
    path = tmp_path / "faults.bin"
    path.write_bytes(head + junk + encode_record(SECOND))
    report = read_fault_memory(path)
    assert list(report.events) == [FIRST, SECOND]
    assert [(c.offset, c.length) for c in report.corrupt] == [(len(head), len(junk))]
    assert report.torn_tail is None


@pytest.mark.verifies("SWR_MEM_003", method="fault_injection")
def test_write_of_zero_bytes_is_a_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "faults.bin"
    store, _ = FaultMemoryStore.open(path)
    size = path.stat().st_size
    with monkeypatch.context() as patch:
        patch.setattr(os, "write", lambda _descriptor, _data: 0)
        with pytest.raises(FaultMemoryStoreError, match="write returned 0"):
            store.append(FIRST)
    assert path.stat().st_size == size
