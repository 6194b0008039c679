"""The faults the protection detects, and the reaction each tier triggers.

ASIL: D. Requirements: SWR_PROT_REACT_001.

One table says, for every fault, what its warning tier and its fault tier
do: only warn, derate the current limits, or open the contactors (the safe
state). Every fault tier opens the contactors; the tables are data so a
reviewer reads them in one place.
"""

from enum import IntEnum, StrEnum
from types import MappingProxyType

__all__ = ["FaultId", "Reaction", "fault_reaction", "warning_reaction"]


class FaultId(StrEnum):
    """Every fault the protection software can latch."""

    CELL_OVER_VOLTAGE = "cell_over_voltage"
    CELL_UNDER_VOLTAGE = "cell_under_voltage"
    CHARGE_OVER_CURRENT = "charge_over_current"
    DISCHARGE_OVER_CURRENT = "discharge_over_current"
    CHARGE_OVER_TEMPERATURE = "charge_over_temperature"
    CHARGE_UNDER_TEMPERATURE = "charge_under_temperature"
    DISCHARGE_OVER_TEMPERATURE = "discharge_over_temperature"
    DISCHARGE_UNDER_TEMPERATURE = "discharge_under_temperature"
    VOLTAGE_SENSOR = "voltage_sensor"
    TEMPERATURE_SENSOR = "temperature_sensor"
    CURRENT_SENSOR = "current_sensor"
    CURRENT_SENSOR_MISMATCH = "current_sensor_mismatch"
    OPEN_WIRE = "open_wire"
    STALE_DATA = "stale_data"
    ISOLATION = "isolation"
    COMMUNICATION_TIMEOUT = "communication_timeout"
    CRASH = "crash"
    COMMUNICATION_CORRUPT = "communication_corrupt"


class Reaction(IntEnum):
    """What a tier triggers; ordered so ``max`` is the strongest."""

    NONE = 0
    WARN = 1
    """Report only (status and fault list)."""
    DERATE = 2
    """Report and reduce the current limits to ``protection.derate_fraction``."""
    OPEN_CONTACTORS = 3
    """Open every contactor (the safe state) and forbid closing while latched."""


_WARNING_REACTION = MappingProxyType(
    {
        FaultId.CELL_OVER_VOLTAGE: Reaction.DERATE,
        FaultId.CELL_UNDER_VOLTAGE: Reaction.DERATE,
        FaultId.CHARGE_OVER_CURRENT: Reaction.DERATE,
        FaultId.DISCHARGE_OVER_CURRENT: Reaction.DERATE,
        FaultId.CHARGE_OVER_TEMPERATURE: Reaction.DERATE,
        FaultId.CHARGE_UNDER_TEMPERATURE: Reaction.DERATE,
        FaultId.DISCHARGE_OVER_TEMPERATURE: Reaction.DERATE,
        FaultId.DISCHARGE_UNDER_TEMPERATURE: Reaction.DERATE,
        FaultId.VOLTAGE_SENSOR: Reaction.WARN,
        FaultId.TEMPERATURE_SENSOR: Reaction.WARN,
        FaultId.CURRENT_SENSOR: Reaction.WARN,
        FaultId.CURRENT_SENSOR_MISMATCH: Reaction.WARN,
        FaultId.OPEN_WIRE: Reaction.WARN,
        FaultId.STALE_DATA: Reaction.WARN,
        FaultId.ISOLATION: Reaction.WARN,
        FaultId.COMMUNICATION_TIMEOUT: Reaction.DERATE,
        FaultId.CRASH: Reaction.WARN,
        FaultId.COMMUNICATION_CORRUPT: Reaction.DERATE,
    }
)


def warning_reaction(fault: FaultId) -> Reaction:
    """Reaction to the warning tier of ``fault``.

    Implements: SWR_PROT_REACT_001
    """
    return _WARNING_REACTION[fault]


def fault_reaction(fault: FaultId) -> Reaction:
    """Reaction to the latched fault tier of ``fault``: always the safe state.

    Implements: SWR_PROT_REACT_001
    """
    del fault  # every latched fault opens the contactors (DESIGN.md section 6)
    return Reaction.OPEN_CONTACTORS
