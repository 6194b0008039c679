"""What the controller commands and reports each step: one JSON-serialisable model.

ASIL: D. Requirements: SWR_CTRL_OUT_001, SWR_CTRL_DTC_001.
"""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CanFrameOutput",
    "ChargeLimitSource",
    "ContactorCommandOutput",
    "ControllerOutputs",
    "ControllerStatus",
    "DtcEventOutput",
    "FaultReport",
    "SocOrigin",
]

ChargeLimitSource = Literal["protection", "plating", "derating", "fault"]
"""What set the published charge current limit (:attr:`ControllerOutputs.charge_limited_by`)."""

SocOrigin = Literal["memory", "unknown"]
"""Where the SoC filter started (:attr:`ControllerOutputs.soc_started_from`)."""


class _OutputModel(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, ser_json_inf_nan="constants"
    )


class ControllerStatus(StrEnum):
    """Operating state of the BMS as the vehicle sees it."""

    STANDBY = "standby"
    """Contactors open, no latched fault."""
    PRECHARGING = "precharging"
    """Precharge in progress."""
    CONNECTED = "connected"
    """Main contactors closed."""
    OPENING = "opening"
    """Contactors commanded open; weld check pending."""
    FAULT = "fault"
    """A latched fault (or weld or precharge lockout) holds the safe state."""


class ContactorCommandOutput(_OutputModel):
    """Coil commands: ``true`` closes."""

    main_positive: bool
    """Main positive contactor."""
    main_negative: bool
    """Main negative contactor."""
    precharge: bool
    """Precharge contactor."""


class FaultReport(_OutputModel):
    """One fault that is not normal."""

    fault: str
    """Fault name (a :class:`bms.protection.FaultId` value, or a controller fault such as
    ``internal_error``, ``contactor_welded``, ``precharge_lockout``)."""
    level: str
    """``warning`` or ``fault`` (level of the last fresh sample)."""
    latched: bool
    """Whether it is latched (contactors held open until reset)."""
    reaction: str
    """What it triggers now: ``warn``, ``derate`` or ``open_contactors``."""
    reason: str
    """Why, with the value and the threshold."""


class DtcEventOutput(_OutputModel):
    """A fault that became active this step: what the fault memory must store.

    The controller does no I/O; ``bms replay --fault-memory`` and the fault
    campaign append these to :class:`bms.memory.FaultMemoryStore`.
    """

    dtc: str
    """Trouble code: the fault name in capitals, such as ``CELL_OVER_VOLTAGE``."""
    time_ms: int
    """Time stamp of the inputs of the step on which the fault latched."""
    occurrence: int
    """How often this fault has latched since the controller started (1 the first time)."""
    freeze: dict[str, float | int | bool | str]
    """Freeze frame: the measured values of that step (cell voltage and temperature extremes
    with their index, trusted current, both sensor readings, pack and link voltage, insulation,
    contactor state, status) and the fault's reason."""


class CanFrameOutput(_OutputModel):
    """One CAN frame to send."""

    arbitration_id: int
    """CAN identifier."""
    data_hex: str
    """Payload as hexadecimal."""


class ControllerOutputs(_OutputModel):
    """Everything the controller commands and reports after one step.

    Implements: SWR_CTRL_OUT_001
    """

    time_ms: int
    """Time stamp of the inputs this step answered."""
    step: int
    """Steps run so far, this one included."""
    status: ControllerStatus
    """Operating state."""
    contactor_state: str
    """State of the contactor sequence."""
    contactors: ContactorCommandOutput
    """Contactor coil commands."""
    balancing: tuple[bool, ...]
    """One flag per series cell: bleed this cell."""
    thermal_request: str
    """``off``, ``heat`` or ``cool``."""
    charge_current_limit_a: float
    """Allowed charge current magnitude."""
    discharge_current_limit_a: float
    """Allowed discharge current magnitude."""
    charge_power_limit_w: float
    """Allowed charge power."""
    discharge_power_limit_w: float
    """Allowed discharge power."""
    derating: bool
    """A warning tier has reduced the limits."""
    charge_limited_by: ChargeLimitSource
    """What set the charge current limit: ``protection`` (the protection's limit: the
    configured maximum, or a warning tier's reduction), ``plating`` (the plating cap),
    ``derating`` (the SoC and temperature derating) or ``fault`` (a latched fault: 0 A). A
    tie goes to the first of these."""
    faults: tuple[FaultReport, ...]
    """Every fault at warning or fault level, or latched."""
    latched_faults: tuple[str, ...]
    """Names of the latched faults."""
    events: tuple[str, ...]
    """Contactor events of this step (``emergency_open``, ``weld_detected``, ...)."""
    soc: float | None
    """Mean cell State of Charge, when the estimator runs (``None`` without a chemistry)."""
    soc_sigma: float | None
    """Largest cell SoC standard deviation, when the estimator runs."""
    soc_started_from: SocOrigin | None
    """Where the SoC filter started this power cycle: the SoC kept at the last key-off
    (``memory``), or ``unknown`` (none kept, or the rest voltage refuted it: the warning
    ``soc_memory_dropped`` says why); ``None`` before the first estimate or without one."""
    can_frames: tuple[CanFrameOutput, ...]
    """CAN frames to send this step (every 100 ms: status, limits, cell voltages and
    temperatures, faults), encoded by :mod:`bms.can`."""
    dtc_events: tuple[DtcEventOutput, ...] = ()
    """Faults that latched this step, each with its occurrence count and freeze frame."""
