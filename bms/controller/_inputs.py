"""What the controller reads each 10 ms step: one JSON-serialisable model.

ASIL: D. Requirements: SWR_CTRL_IN_001.

:class:`ControllerInputs` is the contract of ``bms replay`` (one JSON object
per line) and of the vehicle integration; ``bms schema inputs`` prints its
JSON Schema. Readings may be NaN or infinite (JSON ``NaN``/``Infinity``):
judging them is the protection's job, not the parser's. Lengths are not
checked here either: a wrong count of cells is a sensor fault the controller
reports, not a parse error.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ContactorFeedbackInput", "ControllerInputs", "FreshFlags", "VehicleCommandInput"]


class _InputModel(BaseModel):
    """Frozen, strict, no unknown keys; NaN and infinity written as JSON constants."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        use_attribute_docstrings=True,
        ser_json_inf_nan="constants",
    )


class ContactorFeedbackInput(_InputModel):
    """Auxiliary contacts of the contactors: ``true`` where a contactor reports closed."""

    main_positive_closed: bool = False
    """Main positive contactor reports closed."""
    main_negative_closed: bool = False
    """Main negative contactor reports closed."""
    precharge_closed: bool = False
    """Precharge contactor reports closed."""


class VehicleCommandInput(_InputModel):
    """The vehicle's command, decoded from CAN (``VCU_Command`` and ``VCU_Crash``)."""

    message_valid: bool = True
    """A new vehicle message arrived this step and passed its E2E check (CRC, counter, length);
    ``false`` means no valid message this step (the fields below are then ignored)."""
    close_request: bool = False
    """The vehicle asks for the high-voltage connection."""
    reset_request: bool = False
    """The driver or workshop asks to clear latched faults (honoured only with contactors open
    and the condition gone)."""
    crash: bool = False
    """Crash detected by the airbag controller."""


class FreshFlags(_InputModel):
    """Whether each sensor group delivered a new sample this step (``false`` = stale/repeated)."""

    cells: bool = True
    """Cell voltages are new."""
    temperatures: bool = True
    """Temperatures are new."""
    current: bool = True
    """Both current readings are new."""
    isolation: bool = True
    """The isolation resistance is a new reading (isolation monitors update slowly)."""


class ControllerInputs(_InputModel):
    """Everything the BMS controller reads in one 10 ms step.

    Implements: SWR_CTRL_IN_001
    """

    time_ms: Annotated[int, Field(ge=0)]
    """Time stamp of the step, for the record; the controller counts its own steps."""
    cell_voltages_v: tuple[float, ...]
    """One voltage per series cell (``pack.series_count`` of them)."""
    cell_temperatures_degc: tuple[float, ...]
    """One reading per temperature sensor (``pack.temperature_sensor_count``)."""
    current_a: tuple[float, ...]
    """One reading per current sensor in ``pack.current_sensors`` order; positive discharges."""
    pack_voltage_v: float
    """Battery-side voltage of the contactors."""
    link_voltage_v: float
    """Vehicle-side (DC link) voltage."""
    isolation_resistance_ohm: float
    """Insulation resistance to chassis, from the isolation monitor."""
    contactor_feedback: ContactorFeedbackInput = ContactorFeedbackInput()
    """Auxiliary contacts of the three contactors."""
    vehicle: VehicleCommandInput = VehicleCommandInput()
    """Decoded vehicle command of this step."""
    fresh: FreshFlags = FreshFlags()
    """Freshness of each sensor group (debounces count fresh samples only)."""
