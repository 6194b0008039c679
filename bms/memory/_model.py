"""Fault memory, the pure in-memory model: diagnostic trouble codes (DTCs) and their history.

ASIL: D. Requirements: SWR_MEM_001, SWR_MEM_002, SWR_MEM_006.

No I/O here (the file store is :mod:`bms.memory._store`). The memory is a
frozen value changed only by pure functions; the store persists the
*events* (:class:`FaultEvent`, :class:`ClearEvent`) and rebuilds the memory
after a restart by replaying them through :func:`apply`, so the memory read
back is exactly the memory that was recorded.

Per DTC it keeps the first and last time, the occurrence count and two
freeze frames (first and most recent occurrence, as ISO 14229 keeps the
first). It holds at most ``capacity`` DTCs; a new DTC arriving when full is
counted in ``lost`` and never evicts a stored one (the first faults are the
ones that explain a failure).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DEFAULT_CAPACITY",
    "ClearEvent",
    "DtcEntry",
    "FaultEvent",
    "FaultMemory",
    "FreezeValue",
    "MemoryEvent",
    "apply",
    "clear",
    "record",
    "replay",
]

DEFAULT_CAPACITY = 64
"""DTCs the memory holds by default."""

FreezeValue = float | int | bool | str
"""One value of a freeze frame (a measurement, a count, a flag or a label)."""


@dataclass(frozen=True)
class DtcEntry:
    """What the memory knows of one DTC."""

    dtc: str
    """The trouble code, such as ``CELL_OVER_VOLTAGE``."""
    first_ms: int
    """Time of the first occurrence."""
    last_ms: int
    """Time of the most recent occurrence."""
    occurrences: int
    """How many times it was recorded since the last clear."""
    first_freeze: Mapping[str, FreezeValue]
    """Values captured at the first occurrence."""
    last_freeze: Mapping[str, FreezeValue]
    """Values captured at the most recent occurrence."""


@dataclass(frozen=True)
class FaultMemory:
    """All stored DTCs, in order of first occurrence."""

    entries: tuple[DtcEntry, ...] = ()
    """One entry per DTC, oldest first."""
    capacity: int = DEFAULT_CAPACITY
    """Most DTCs held; further new DTCs are counted in ``lost``."""
    lost: int = 0
    """Occurrences of new DTCs not stored because the memory was full."""

    def entry(self, dtc: str) -> DtcEntry | None:
        """The entry of ``dtc``, or ``None`` if it was never recorded (since the last clear)."""
        return next((entry for entry in self.entries if entry.dtc == dtc), None)


def record(
    state: FaultMemory, dtc: str, time_ms: int, freeze: Mapping[str, FreezeValue]
) -> FaultMemory:
    """Record one occurrence of ``dtc`` at ``time_ms`` with its freeze frame.

    Implements: SWR_MEM_001, SWR_MEM_002

    Args:
        state: the memory before.
        dtc: the trouble code.
        time_ms: when it occurred.
        freeze: values to keep with it (copied; later changes to the
            caller's mapping do not reach the memory).

    Returns:
        The memory after; unchanged but for ``lost`` when ``dtc`` is new and
        the memory is full.
    """
    frozen = MappingProxyType(dict(freeze))
    index = next((i for i, entry in enumerate(state.entries) if entry.dtc == dtc), None)
    if index is None:
        if len(state.entries) >= state.capacity:
            return replace(state, lost=state.lost + 1)
        new = DtcEntry(dtc, time_ms, time_ms, 1, frozen, frozen)
        return replace(state, entries=(*state.entries, new))
    old = state.entries[index]
    updated = replace(old, last_ms=time_ms, occurrences=old.occurrences + 1, last_freeze=frozen)
    entries = (*state.entries[:index], updated, *state.entries[index + 1 :])
    return replace(state, entries=entries)


def clear(state: FaultMemory) -> FaultMemory:
    """An empty memory of the same capacity (an explicit, recorded clear request).

    Implements: SWR_MEM_006
    """
    return FaultMemory(capacity=state.capacity)


_EVENT_CONFIG = ConfigDict(frozen=True, extra="forbid", strict=True, ser_json_inf_nan="constants")


class FaultEvent(BaseModel):
    """A persisted occurrence of a DTC."""

    model_config = _EVENT_CONFIG

    kind: Literal["fault"] = "fault"
    """Event type tag."""
    dtc: Annotated[str, Field(min_length=1, max_length=64)]
    """The trouble code."""
    time_ms: int
    """When it occurred."""
    freeze: dict[str, FreezeValue] = {}
    """The freeze frame."""


class ClearEvent(BaseModel):
    """A persisted clear of the whole memory."""

    model_config = _EVENT_CONFIG

    kind: Literal["clear"] = "clear"
    """Event type tag."""
    time_ms: int
    """When the memory was cleared."""


MemoryEvent = Annotated[FaultEvent | ClearEvent, Field(discriminator="kind")]
"""One record of the fault memory file."""


def apply(state: FaultMemory, event: FaultEvent | ClearEvent) -> FaultMemory:
    """The memory after one persisted event.

    Implements: SWR_MEM_006
    """
    if isinstance(event, ClearEvent):
        return clear(state)
    return record(state, event.dtc, event.time_ms, event.freeze)


def replay(
    events: tuple[FaultEvent | ClearEvent, ...], capacity: int = DEFAULT_CAPACITY
) -> FaultMemory:
    """The memory rebuilt from its events, oldest first.

    Implements: SWR_MEM_006
    """
    state = FaultMemory(capacity=capacity)
    for event in events:
        state = apply(state, event)
    return state
