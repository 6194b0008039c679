"""Tests of bms/memory/_store.py against SWR_MEM_003, SWR_MEM_004, SWR_MEM_005.

Covers: a new file gets its header; records round-trip with their freeze
frames (NaN and infinities included); fsync is called for each append;
crash recovery: the file cut at EVERY byte offset of the last record keeps
every earlier record and reports the torn one, and after ``open`` repairs it
the next append is read back; a file torn inside its header; a corrupted
byte in any earlier record (hypothesis) is reported and every other record
survives; zeros written over the tail; a foreign file and a newer format
rejected with a message naming the file; a read-only directory reported as
a store error.
"""

import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bms.memory import (
    FILE_HEADER,
    ClearEvent,
    FaultEvent,
    FaultMemoryStore,
    FaultMemoryStoreError,
    encode_record,
    read_fault_memory,
    replay,
)

EVENTS: list[FaultEvent | ClearEvent] = [
    FaultEvent(dtc="CELL_OVER_VOLTAGE", time_ms=100, freeze={"cell_v": 4.26, "cell": 17}),
    FaultEvent(dtc="ISOLATION_FAULT", time_ms=250, freeze={"r_ohm_per_v": 80.0, "ok": False}),
    ClearEvent(time_ms=300),
    FaultEvent(dtc="CRASH", time_ms=400, freeze={"source": "VCU_Crash"}),
    FaultEvent(dtc="CELL_OVER_VOLTAGE", time_ms=500, freeze={"cell_v": 4.31, "cell": 2}),
]


def written(path: Path, events: list[FaultEvent | ClearEvent]) -> list[int]:
    """Write ``events`` through the store; return each record's start offset."""
    store, report = FaultMemoryStore.open(path)
    assert report.clean
    starts = []
    for event in events:
        starts.append(path.stat().st_size)
        store.append(event)
    return starts


@pytest.mark.verifies("SWR_MEM_003")
def test_new_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "faults.bin"
    written(path, EVENTS)
    assert path.read_bytes().startswith(FILE_HEADER)
    report = read_fault_memory(path)
    assert report.clean
    assert list(report.events) == EVENTS
    entry = report.memory.entry("CELL_OVER_VOLTAGE")
    assert entry is not None
    assert entry.occurrences == 1  # the clear at 300 ms came between
    assert report.memory.entry("CRASH") is not None
    assert report.valid_end == path.stat().st_size


@pytest.mark.verifies("SWR_MEM_003")
def test_missing_file_is_an_empty_memory(tmp_path: Path) -> None:
    report = read_fault_memory(tmp_path / "absent.bin")
    assert report.clean
    assert report.events == ()
    assert not (tmp_path / "absent.bin").exists()


@pytest.mark.verifies("SWR_MEM_003")
def test_non_finite_freeze_values_survive(tmp_path: Path) -> None:
    path = tmp_path / "faults.bin"
    written(path, [FaultEvent(dtc="X_FAULT", time_ms=1, freeze={"a": math.nan, "b": -math.inf})])
    (event,) = read_fault_memory(path).events
    assert isinstance(event, FaultEvent)
    assert math.isnan(float(event.freeze["a"]))
    assert event.freeze["b"] == -math.inf


@pytest.mark.verifies("SWR_MEM_003")
def test_every_append_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "faults.bin"
    store, _ = FaultMemoryStore.open(path)
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(descriptor: int) -> None:
        synced.append(os.fstat(descriptor).st_size)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    for event in EVENTS[:3]:
        store.append(event)
        assert synced[-1] == path.stat().st_size  # synced after the whole record was written
    assert len(synced) == 3


@pytest.mark.verifies("SWR_MEM_004", "SWR_MEM_006", method="fault_injection")
def test_cut_at_every_byte_of_the_last_record(tmp_path: Path) -> None:
    path = tmp_path / "faults.bin"
    starts = written(path, EVENTS)
    full = path.read_bytes()
    last_start = starts[-1]
    for cut in range(last_start, len(full)):
        path.write_bytes(full[:cut])
        report = read_fault_memory(path)
        assert list(report.events) == EVENTS[:-1], cut
        assert report.memory == replay(tuple(EVENTS[:-1]))
        assert report.valid_end == last_start
        if cut == last_start:
            assert report.torn_tail is None
        else:
            assert report.torn_tail is not None, cut
            assert (report.torn_tail.offset, report.torn_tail.length) == (
                last_start,
                cut - last_start,
            )
        assert report.corrupt == ()
        store, opened = FaultMemoryStore.open(path)
        assert opened.torn_tail == report.torn_tail
        assert path.stat().st_size == last_start
        store.append(EVENTS[-1])
        again = read_fault_memory(path)
        assert again.clean
        assert list(again.events) == EVENTS


@pytest.mark.verifies("SWR_MEM_004", method="fault_injection")
@pytest.mark.parametrize("cut", range(1, len(FILE_HEADER)))
def test_cut_inside_the_file_header(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "faults.bin"
    path.write_bytes(FILE_HEADER[:cut])
    report = read_fault_memory(path)
    assert report.events == ()
    assert report.torn_tail is not None
    store, _ = FaultMemoryStore.open(path)
    store.append(EVENTS[0])
    assert list(read_fault_memory(path).events) == EVENTS[:1]


@pytest.mark.verifies("SWR_MEM_004", method="fault_injection")
@pytest.mark.parametrize("junk", [b"\x00" * 40, b"\xff" * 3, b"\xfa\x17\x00"])
def test_garbage_after_the_last_record_is_a_torn_tail(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "faults.bin"
    written(path, EVENTS)
    size = path.stat().st_size
    path.write_bytes(path.read_bytes() + junk)
    report = read_fault_memory(path)
    assert list(report.events) == EVENTS
    assert report.torn_tail is not None
    assert report.torn_tail.offset == size


@pytest.mark.verifies("SWR_MEM_005", method="fault_injection")
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_corrupted_byte_in_an_earlier_record_loses_only_that_record(
    tmp_path: Path, data: st.DataObject
) -> None:
    path = tmp_path / "faults.bin"
    path.unlink(missing_ok=True)
    starts = written(path, EVENTS)
    full = bytearray(path.read_bytes())
    victim = data.draw(st.integers(min_value=0, max_value=len(EVENTS) - 2), label="record")
    end = starts[victim + 1]
    offset = data.draw(st.integers(min_value=starts[victim], max_value=end - 1), label="offset")
    full[offset] ^= data.draw(st.integers(min_value=1, max_value=255), label="mask")
    path.write_bytes(bytes(full))
    report = read_fault_memory(path)
    assert list(report.events) == EVENTS[:victim] + EVENTS[victim + 1 :]
    assert report.torn_tail is None
    assert len(report.corrupt) == 1
    assert report.corrupt[0].offset == starts[victim]
    assert report.corrupt[0].length == end - starts[victim]


@pytest.mark.verifies("SWR_MEM_005")
def test_wrong_checksum_in_the_second_record(tmp_path: Path) -> None:
    path = tmp_path / "faults.bin"
    starts = written(path, EVENTS)
    data = bytearray(path.read_bytes())
    data[starts[1] + 6] ^= 0x01  # first byte of the CRC-32 field
    path.write_bytes(bytes(data))
    report = read_fault_memory(path)
    assert list(report.events) == [EVENTS[0], *EVENTS[2:]]
    assert [(c.offset, c.length, c.reason) for c in report.corrupt] == [
        (starts[1], starts[2] - starts[1], "checksum mismatch")
    ]
    assert report.torn_tail is None


@pytest.mark.verifies("SWR_MEM_003")
def test_record_layout() -> None:
    record = encode_record(EVENTS[0])
    assert record[:2] == b"\xfa\x17"
    assert int.from_bytes(record[2:6], "big") == len(record) - 10


@pytest.mark.verifies("SWR_MEM_004")
@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"PK\x03\x04 not ours at all", "not a fault memory file"),
        (b"BMSFM\x00\x02\n", "format 0002 is not supported"),
    ],
    ids=["foreign", "newer-format"],
)
def test_foreign_or_newer_file_is_rejected(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "faults.bin"
    path.write_bytes(content)
    with pytest.raises(FaultMemoryStoreError, match=fragment) as caught:
        FaultMemoryStore.open(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == content


@pytest.mark.verifies("SWR_MEM_003", method="fault_injection")
def test_append_failure_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "faults.bin"
    store, _ = FaultMemoryStore.open(path)
    path.unlink()
    with pytest.raises(FaultMemoryStoreError, match="cannot append"):
        store.append(EVENTS[0])
