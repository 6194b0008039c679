"""Open telemetry: the versioned record of what the BMS logs and reports.

ASIL: D (SWR_TEL_001 to SWR_TEL_003 are ASIL D: they serve TSR_FAULT_MEMORY; the
control path never reads telemetry). Requirements:
SWR_TEL_001, SWR_TEL_002.

Two kinds of JSON-lines record, told apart by ``kind``:

* :class:`PeriodicRecord` (``"periodic"``), written at a fixed period: the
  estimates with their bounds, the limits, the faults, counters,
  temperatures, capacity and resistance, and the plating margin when an
  estimator gives one;
* :class:`SessionRecord` (``"session"``), one per drive or charge session
  (a span with the main contactors closed), written when it ends.

Every record carries ``schema_version`` (:data:`TELEMETRY_SCHEMA_VERSION`)
and every model forbids unknown keys, so nothing is logged that the schema
does not name. :func:`telemetry_json_schema` gives the JSON Schema that
``bms schema telemetry`` prints and ``docs/_schemas/telemetry.schema.json``
publishes.

Version history of :data:`TELEMETRY_SCHEMA_VERSION`:

* 1: first published shape (issue 9, item 5).
* 2: what set the charge limit (``limits.charge_limited_by``), where the SoC
  filter started (``soc_started_from``), and per session how long the
  plating cap set the charge limit (``plating_limited_s``): why a charge
  was slow, and whether the SoC rests on a kept memory. A version 1 line is
  read as version 2 with these fields ``null`` (not recorded).
* 3: the weakest cell's State of Health (``state_of_health``): its capacity
  over the configured one, with a sigma that bounds the true capacity
  (``capacity_ah`` is the capacity the current sensor counts, its gain in
  it). A version 1 or 2 line is read as version 3 with it ``null``.
"""

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "RECORD_ADAPTER",
    "TELEMETRY_SCHEMA_VERSION",
    "Bounded",
    "CellRange",
    "Counters",
    "Limits",
    "LoggedFault",
    "PeriodicRecord",
    "SessionRecord",
    "TelemetryRecord",
    "telemetry_json_schema",
]

TELEMETRY_SCHEMA_VERSION: Final = 3
"""Version of the record shape; bumped (with a line in the module docstring) on any change."""

_Version = Annotated[
    Literal[3], Field(description="Telemetry schema version this record follows (3).")
]
_NonNegative = Annotated[float, Field(ge=0.0)]


class _TelemetryModel(BaseModel):
    """Frozen, strict, no unknown keys; NaN and infinity written as JSON constants."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        strict=True,
        use_attribute_docstrings=True,
        ser_json_inf_nan="constants",
    )


class Bounded(_TelemetryModel):
    """An estimate and its standard deviation (the 3-sigma bound is three times ``sigma``)."""

    value: float
    """The estimate, in the unit of the field that holds it."""
    sigma: float
    """Its standard deviation, same unit (infinite when nothing is known)."""


class CellRange(_TelemetryModel):
    """Lowest and highest value over the cells (or sensors), with where they are."""

    min: float
    """Lowest value."""
    max: float
    """Highest value."""
    min_index: Annotated[int, Field(ge=0)]
    """Index (0-based) of the cell or sensor with the lowest value."""
    max_index: Annotated[int, Field(ge=0)]
    """Index (0-based) of the cell or sensor with the highest value."""


class Limits(_TelemetryModel):
    """The limits the BMS reported to the vehicle."""

    charge_current_a: _NonNegative
    """Allowed charge current magnitude."""
    discharge_current_a: _NonNegative
    """Allowed discharge current magnitude."""
    charge_power_w: _NonNegative
    """Allowed charge power."""
    discharge_power_w: _NonNegative
    """Allowed discharge power."""
    derating: bool
    """A warning tier has reduced the limits."""
    charge_limited_by: Literal["protection", "plating", "derating", "fault"] | None
    """What set the charge current limit: the protection's limit (the configured maximum or
    a warning tier's reduction), the plating cap, the SoC and temperature derating, or a
    latched fault; ``None``: not recorded (a version 1 record)."""


class LoggedFault(_TelemetryModel):
    """One fault that is not normal, as the controller reported it."""

    fault: str
    """Fault name (``bms.protection.FaultId`` value or a controller fault)."""
    level: Literal["warning", "fault"]
    """Tier of the last fresh sample."""
    latched: bool
    """Latched: contactors held open until reset."""
    reaction: str
    """``warn``, ``derate`` or ``open_contactors``."""
    reason: str
    """Why, with the value and the threshold."""


class Counters(_TelemetryModel):
    """Running counters since the recorder started."""

    steps: Annotated[int, Field(ge=0)]
    """Controller steps run."""
    charge_in_ah: _NonNegative
    """Charge that flowed into the pack (measured current, first sensor)."""
    charge_out_ah: _NonNegative
    """Charge that flowed out of the pack."""
    fault_onsets: Annotated[int, Field(ge=0)]
    """Times a fault went from normal to warning or fault."""
    latch_onsets: Annotated[int, Field(ge=0)]
    """Times a fault latched."""
    contactor_events: Annotated[int, Field(ge=0)]
    """Contactor events (opening, emergency opening, weld found, ...)."""
    sessions: Annotated[int, Field(ge=0)]
    """Drive and charge sessions started."""
    balancing_s: _NonNegative
    """Time during which at least one cell bled."""


class PeriodicRecord(_TelemetryModel):
    """What the BMS logs at a fixed period."""

    schema_version: _Version
    kind: Literal["periodic"]
    """Record kind."""
    time_ms: Annotated[int, Field(ge=0)]
    """Time stamp of the controller step this record reports."""
    status: Literal["standby", "precharging", "connected", "opening", "fault"]
    """Operating state as the vehicle sees it."""
    contactor_state: str
    """State of the contactor sequence."""
    pack_current_a: float
    """Measured pack current, first sensor, positive on discharge."""
    pack_voltage_v: float
    """Battery-side voltage of the contactors."""
    cell_voltage_v: CellRange | None
    """Lowest and highest cell voltage (``None`` when no reading is finite)."""
    temperature_degc: CellRange | None
    """Coldest and hottest temperature sensor (``None`` when no reading is finite)."""
    soc: Bounded | None
    """Mean cell State of Charge (fraction) with the largest cell sigma; ``None`` without
    an estimator."""
    soc_started_from: Literal["memory", "unknown"] | None
    """Where the SoC filter started this power cycle: the SoC kept at the last key-off, or
    unknown (none kept, or the rest voltage refuted it); ``None`` without an estimate, or not
    recorded (a version 1 record)."""
    cell_soc: CellRange | None
    """Lowest and highest cell SoC estimate (fraction), when per-cell estimates exist."""
    capacity_ah: Bounded | None
    """Capacity of the weakest cell and its sigma, when a capacity estimator runs. It is the
    capacity as the current sensor counts it (what the SoC's coulomb count needs): the
    sensor's gain error, a fixed factor, is in it, and the sigma does not bound it as one
    (``state_of_health`` does)."""
    state_of_health: Bounded | None
    """The weakest cell's capacity as a fraction of the configured cell capacity, with a
    sigma that bounds its true capacity: the estimate's sigma and the current sensor's gain
    error (a fixed factor every counted capacity holds) in quadrature; ``None`` without a
    capacity estimator, or not recorded (a version 1 or 2 record)."""
    resistance_factor: Bounded | None
    """Largest cell resistance relative to the chemistry tables, with its sigma."""
    plating_margin_v: Bounded | None = None
    """Smallest cell's lithium-plating margin (negative-electrode potential against Li at the
    separator), when an estimator gives one."""
    limits: Limits
    """Reported current and power limits."""
    faults: tuple[LoggedFault, ...]
    """Every fault at warning or fault level, or latched."""
    balancing_cells: Annotated[int, Field(ge=0)]
    """Cells bleeding now."""
    thermal_request: Literal["off", "heat", "cool"]
    """Thermal management request."""
    counters: Counters
    """Running counters."""


class SessionRecord(_TelemetryModel):
    """Summary of one drive or charge session (main contactors closed), written at its end."""

    schema_version: _Version
    kind: Literal["session"]
    """Record kind."""
    session: Literal["drive", "charge"]
    """``charge`` when more charge went in than out, else ``drive``."""
    start_ms: Annotated[int, Field(ge=0)]
    """Time stamp of the first step with the contactors connected."""
    end_ms: Annotated[int, Field(ge=0)]
    """Time stamp of the last step of the session."""
    charge_in_ah: _NonNegative
    """Charge into the pack during the session."""
    charge_out_ah: _NonNegative
    """Charge out of the pack during the session."""
    max_charge_current_a: _NonNegative
    """Largest charge current magnitude measured."""
    max_discharge_current_a: _NonNegative
    """Largest discharge current measured."""
    soc_start: float | None
    """Mean SoC estimate at the start (``None`` without an estimator)."""
    soc_end: float | None
    """Mean SoC estimate at the end."""
    cell_voltage_min_v: float | None
    """Lowest cell voltage seen."""
    cell_voltage_max_v: float | None
    """Highest cell voltage seen."""
    temperature_min_degc: float | None
    """Coldest temperature seen."""
    temperature_max_degc: float | None
    """Hottest temperature seen."""
    plating_limited_s: _NonNegative | None
    """Time in the session during which the plating cap set the charge current limit;
    ``None``: not recorded (a version 1 record)."""
    faults_seen: tuple[str, ...]
    """Names of every fault at warning level or above during the session, sorted."""
    ended_by_fault: bool
    """The session ended with a latched fault."""


TelemetryRecord = Annotated[PeriodicRecord | SessionRecord, Field(discriminator="kind")]
"""One line of a telemetry file."""

RECORD_ADAPTER: Final[TypeAdapter[PeriodicRecord | SessionRecord]] = TypeAdapter(TelemetryRecord)
"""Validator and serialiser of one telemetry line."""


def telemetry_json_schema() -> dict[str, Any]:
    """The JSON Schema of one telemetry line (published in ``docs/_schemas``).

    Implements: SWR_TEL_001
    """
    schema = RECORD_ADAPTER.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"BMS telemetry record, schema version {TELEMETRY_SCHEMA_VERSION}",
        **schema,
    }
