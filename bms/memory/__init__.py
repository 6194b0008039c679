"""Fault memory: diagnostic trouble codes that survive restarts and crashes; and the capacity file.

ASIL: D. Requirements: SWR_MEM_* (``requirements/swr/memory.rst``).

Two parts, kept apart so the control path stays pure:

* the model (pure): ``FaultMemory`` and ``record(state, dtc, time_ms,
  freeze) -> state``, ``clear(state)``;
* the store (the only I/O in the BMS): an append-only file with a CRC-32
  per record and an fsync per write, read back after a crash without
  losing any complete record.

Use::

    from bms.memory import FaultEvent, FaultMemoryStore, record

    store, report = FaultMemoryStore.open(path)   # report.torn_tail, report.corrupt
    memory = report.memory
    memory = record(memory, "CELL_OVER_VOLTAGE", time_ms, {"cell_v": 4.26})
    store.append(FaultEvent(dtc="CELL_OVER_VOLTAGE", time_ms=time_ms,
                            freeze={"cell_v": 4.26}))   # durable when it returns

The capacity file (QM(D), ``_capacity_store``): ``save_capacity`` writes the
capacity tracker's sums atomically at the end of a power cycle and
``load_capacity`` reads them back for the next ``BmsController(...,
capacity=record.tracker(now, walk))`` (SWR_SOH_006), with the calendar fade
of the days parked (SWR_SOH_009). Without a file the controller starts a
pack of unknown age (SWR_SOH_008).
"""

from bms.memory._capacity_store import (
    CAPACITY_SCHEMA_VERSION,
    CapacityRecord,
    CapacityStoreError,
    clear_soc,
    load_capacity,
    save_capacity,
)
from bms.memory._model import (
    DEFAULT_CAPACITY,
    ClearEvent,
    DtcEntry,
    FaultEvent,
    FaultMemory,
    apply,
    clear,
    record,
    replay,
)
from bms.memory._store import (
    FILE_HEADER,
    MAX_PAYLOAD_BYTES,
    RECORD_SYNC,
    CorruptRange,
    FaultMemoryStore,
    FaultMemoryStoreError,
    LoadReport,
    encode_record,
    read_fault_memory,
)

__all__ = [
    "CAPACITY_SCHEMA_VERSION",
    "DEFAULT_CAPACITY",
    "FILE_HEADER",
    "MAX_PAYLOAD_BYTES",
    "RECORD_SYNC",
    "CapacityRecord",
    "CapacityStoreError",
    "ClearEvent",
    "CorruptRange",
    "DtcEntry",
    "FaultEvent",
    "FaultMemory",
    "FaultMemoryStore",
    "FaultMemoryStoreError",
    "LoadReport",
    "apply",
    "clear",
    "clear_soc",
    "encode_record",
    "load_capacity",
    "read_fault_memory",
    "record",
    "replay",
    "save_capacity",
]
