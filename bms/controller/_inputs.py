"""What the controller reads each 10 ms step: one JSON-serialisable model.

ASIL: D. Requirements: SWR_CTRL_IN_001, SWR_CTRL_RX_001.

:class:`ControllerInputs` is the contract of ``bms replay`` (one JSON object
per line) and of the vehicle integration; ``bms schema inputs`` prints its
JSON Schema. Readings may be NaN or infinite (JSON ``NaN``/``Infinity``):
judging them is the protection's job, not the parser's. Lengths are not
checked here either: a wrong count of cells is a sensor fault the controller
reports, not a parse error. The vehicle's messages arrive as the raw CAN
frames received during the step (``can_rx``): the controller runs the E2E
checks (CRC-8, alive counter, length, timeout) itself, so a frame of the
wrong length or with a bad CRC is a communication fault, not a parse error.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_RX_FRAMES",
    "CanFrameInput",
    "ContactorFeedbackInput",
    "ControllerInputs",
    "FreshFlags",
]

MAX_RX_FRAMES = 32
"""Most CAN frames one step may carry (two protected messages at 20 ms and 100 ms need 1)."""


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


class CanFrameInput(_InputModel):
    """One classic CAN frame received during the step, as the bus delivered it."""

    arbitration_id: Annotated[int, Field(ge=0, le=0x7FF)]
    """11-bit identifier (``VCU_Command`` is 512, ``VCU_Crash`` 80)."""
    data_hex: Annotated[str, Field(pattern=r"^([0-9a-fA-F]{2}){0,8}$")]
    """Payload as hexadecimal, 0 to 8 bytes (the E2E receiver checks the length)."""


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
    can_rx: Annotated[tuple[CanFrameInput, ...], Field(max_length=MAX_RX_FRAMES)] = ()
    """CAN frames received this step, in arrival order (``VCU_Command``, ``VCU_Crash``; frames
    of other identifiers are ignored); none means no frame arrived."""
    fresh: FreshFlags = FreshFlags()
    """Freshness of each sensor group (debounces count fresh samples only)."""
