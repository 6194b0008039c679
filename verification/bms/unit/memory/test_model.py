"""Tests of bms/memory/_model.py against SWR_MEM_001, SWR_MEM_002, SWR_MEM_006.

Covers: first and repeated occurrences (times, count, first and last freeze
frames); the freeze frame copied, not shared; capacity reached: a new DTC
counted as lost, a stored one still counted; clear; replay of events equal
to recording directly (hypothesis, any sequence with clears).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.memory import ClearEvent, FaultEvent, FaultMemory, apply, clear, record, replay


@pytest.mark.verifies("SWR_MEM_001")
def test_first_and_repeated_occurrence() -> None:
    memory = record(FaultMemory(), "CELL_OVER_VOLTAGE", 100, {"cell_v": 4.26, "cell": 17})
    memory = record(memory, "ISOLATION_FAULT", 150, {})
    memory = record(memory, "CELL_OVER_VOLTAGE", 900, {"cell_v": 4.3, "cell": 3})
    entry = memory.entry("CELL_OVER_VOLTAGE")
    assert entry is not None
    assert (entry.first_ms, entry.last_ms, entry.occurrences) == (100, 900, 2)
    assert dict(entry.first_freeze) == {"cell_v": 4.26, "cell": 17}
    assert dict(entry.last_freeze) == {"cell_v": 4.3, "cell": 3}
    assert [e.dtc for e in memory.entries] == ["CELL_OVER_VOLTAGE", "ISOLATION_FAULT"]
    assert memory.entry("NEVER") is None


@pytest.mark.verifies("SWR_MEM_001", method="fault_injection")
def test_freeze_frame_is_copied() -> None:
    freeze: dict[str, float | int | bool | str] = {"cell_v": 4.26}
    memory = record(FaultMemory(), "CELL_OVER_VOLTAGE", 0, freeze)
    freeze["cell_v"] = 0.0
    entry = memory.entry("CELL_OVER_VOLTAGE")
    assert entry is not None
    assert entry.first_freeze["cell_v"] == 4.26
    with pytest.raises(TypeError):
        entry.first_freeze["cell_v"] = 1.0  # type: ignore[index]


@pytest.mark.verifies("SWR_MEM_002")
def test_full_memory_counts_lost_and_keeps_the_first() -> None:
    memory = FaultMemory(capacity=2)
    for index, dtc in enumerate(("A_FAULT", "B_FAULT", "C_FAULT", "D_FAULT")):
        memory = record(memory, dtc, index, {})
    assert [e.dtc for e in memory.entries] == ["A_FAULT", "B_FAULT"]
    assert memory.lost == 2
    memory = record(memory, "A_FAULT", 10, {})
    entry = memory.entry("A_FAULT")
    assert entry is not None
    assert entry.occurrences == 2
    assert memory.lost == 2


@pytest.mark.verifies("SWR_MEM_002", method="fault_injection")
def test_corrupted_over_full_memory_never_grows() -> None:
    entries = record(record(FaultMemory(), "A_FAULT", 0, {}), "B_FAULT", 1, {}).entries
    corrupted = FaultMemory(entries=entries, capacity=1)
    after = record(corrupted, "C_FAULT", 2, {})
    assert after.entries == entries
    assert after.lost == 1


@pytest.mark.verifies("SWR_MEM_006")
def test_clear_empties_and_keeps_capacity() -> None:
    memory = record(FaultMemory(capacity=3, lost=4), "A_FAULT", 0, {})
    assert clear(memory) == FaultMemory(capacity=3)
    assert apply(memory, ClearEvent(time_ms=5)) == FaultMemory(capacity=3)


dtcs = st.sampled_from(["CELL_OVER_VOLTAGE", "CELL_UNDER_VOLTAGE", "ISOLATION_FAULT", "CRASH"])
freeze = st.dictionaries(
    st.sampled_from(["cell_v", "current_a", "count", "label", "flag"]),
    st.one_of(st.floats(allow_nan=False), st.integers(), st.booleans(), st.text(max_size=5)),
    max_size=3,
)
events = st.lists(
    st.one_of(
        st.builds(FaultEvent, dtc=dtcs, time_ms=st.integers(0, 10**9), freeze=freeze),
        st.builds(ClearEvent, time_ms=st.integers(0, 10**9)),
    ),
    max_size=30,
)


@pytest.mark.verifies("SWR_MEM_006")
@given(events, st.integers(min_value=1, max_value=5))
def test_replay_equals_direct_recording(
    history: list[FaultEvent | ClearEvent], capacity: int
) -> None:
    direct = FaultMemory(capacity=capacity)
    for event in history:
        if isinstance(event, ClearEvent):
            direct = clear(direct)
        else:
            direct = record(direct, event.dtc, event.time_ms, event.freeze)
    replayed = replay(tuple(history), capacity)
    assert replayed == direct
    assert len(replayed.entries) <= capacity
    faults_since_clear = 0
    for event in history:
        faults_since_clear = 0 if isinstance(event, ClearEvent) else faults_since_clear + 1
    assert sum(e.occurrences for e in replayed.entries) + replayed.lost == faults_since_clear
