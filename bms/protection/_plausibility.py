"""Sensor plausibility: what no healthy sensor can report.

ASIL: D. Requirements: SWR_PROT_PLAUS_001, SWR_PROT_PLAUS_002,
SWR_PROT_PLAUS_003, SWR_PROT_PLAUS_004, SWR_PROT_PLAUS_005, SWR_PROT_PLAUS_006.

Checks, each classified per sample and debounced by the monitor:

* voltage, temperature and current sensors: missing or extra channels,
  NaN or infinity, outside the sensor's range, a change faster than
  physics allows between two fresh samples (the previous value kept is the
  last plausible one, so a single glitch fails one sample only), and a stuck
  reading (bit-identical while it must move: a cell voltage under load, a
  current sensor while the other one moves by more than their combined
  accuracy);
* open sense wire: a cell below ``open_wire_v``, or the pattern of a broken
  line between two cells (one reads low and its neighbour high, each by more
  than ``open_wire_drop_v`` against the median cell);
* the two current sensors disagreeing beyond their combined accuracy;
* a frozen stream: a group without a fresh sample for ``max_stale_periods``.

Hand-written: no library does sensor plausibility for a BMS.
"""

from dataclasses import dataclass, field

import numpy as np

from bms.config import BmsConfig
from bms.protection._classify import Classified, FloatArray
from bms.protection._debounce import Level
from bms.protection._faults import FaultId

__all__ = ["PlausibilitySample", "PlausibilityState", "step_plausibility"]

_NORMAL: Classified = (Level.NORMAL, "")
_EMPTY = np.zeros(0)
_EMPTY_COUNTS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class PlausibilitySample:
    """The readings of one protection period and whether each group is fresh."""

    cell_voltages_v: FloatArray
    """One reading per series cell."""
    cell_temperatures_degc: FloatArray
    """One reading per temperature sensor."""
    currents_a: FloatArray
    """One reading per current sensor, in configuration order (+ discharges)."""
    cells_fresh: bool
    """Whether the cell voltages are a new sample."""
    temperatures_fresh: bool
    """Whether the temperatures are a new sample."""
    current_fresh: bool
    """Whether the currents are a new sample."""


@dataclass(frozen=True)
class PlausibilityState:
    """Memory of the plausibility checks between periods (arrays are never mutated)."""

    previous_cell_v: FloatArray = field(default_factory=lambda: _EMPTY)
    """Last plausible reading of each cell (empty before the first fresh sample)."""
    previous_temperature_degc: FloatArray = field(default_factory=lambda: _EMPTY)
    """Last plausible reading of each temperature sensor."""
    cell_unchanged_ms: "np.ndarray[tuple[int], np.dtype[np.int64]]" = field(
        default_factory=lambda: _EMPTY_COUNTS
    )
    """Time under load each cell's reading has been bit-identical."""
    last_current_a: tuple[float, float] = (0.0, 0.0)
    """Last reading of each current sensor."""
    current_unchanged_ms: tuple[int, int] = (0, 0)
    """Time each current sensor's reading has been bit-identical."""
    other_span_a: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.0), (0.0, 0.0))
    """For each current sensor, the (min, max) of the other one since its last change."""
    stale_periods: tuple[int, int, int] = (0, 0, 0)
    """Periods since the last fresh sample of cells, temperatures and current."""
    started: bool = False
    """Whether any sample has been seen (the rate check needs a previous one)."""


def _checked_cells(
    state: PlausibilityState, sample: PlausibilitySample, config: BmsConfig, dt_s: float
) -> tuple[Classified, Classified, FloatArray, "np.ndarray[tuple[int], np.dtype[np.int64]]"]:
    """Voltage-sensor and open-wire levels, the new plausible values and stuck timers."""
    limits = config.protection.plausibility
    volts = sample.cell_voltages_v
    expected = config.pack.series_count
    if volts.size != expected:
        reason = f"{volts.size} cell voltages received, {expected} expected"
        return ((Level.FAULT, reason), _NORMAL, state.previous_cell_v, state.cell_unchanged_ms)
    finite = np.isfinite(volts)
    in_range = finite & (volts >= limits.cell_voltage_min_v) & (volts <= limits.cell_voltage_max_v)
    previous = state.previous_cell_v if state.previous_cell_v.size == expected else volts
    with np.errstate(invalid="ignore"):
        rate_ok = np.abs(volts - previous) <= limits.max_cell_voltage_rate_v_per_s * dt_s
    plausible = in_range & rate_ok
    sensor: Classified = _NORMAL
    if not bool(plausible.all()):
        cell = int(plausible.argmin())
        what = "out of range or not finite" if not in_range[cell] else "changed too fast"
        sensor = (Level.FAULT, f"cell {cell}: voltage {float(volts[cell]):.4f} V {what}")
    unchanged = (
        state.cell_unchanged_ms
        if state.cell_unchanged_ms.size == expected
        else np.zeros(expected, dtype=np.int64)
    )
    loaded = bool(np.abs(sample.currents_a).max(initial=0.0) >= limits.stuck_min_current_a)
    same = volts == state.previous_cell_v if state.previous_cell_v.size == expected else False
    step_ms = config.pack.protection_period_ms if loaded else 0
    unchanged = np.where(same, unchanged + step_ms, 0)
    if sensor[0] is Level.NORMAL and bool((unchanged >= limits.stuck_time_ms).any()):
        cell = int(unchanged.argmax())
        sensor = (Level.FAULT, f"cell {cell}: voltage stuck at {float(volts[cell]):.4f} V")
    open_wire: Classified = _NORMAL
    low = in_range & (volts < limits.open_wire_v)
    if bool(low.any()):
        cell = int(low.argmax())
        open_wire = (Level.FAULT, f"cell {cell}: {float(volts[cell]):.3f} V reads as an open wire")
    elif (
        bool(in_range.all())
        and expected > 1
        and float(volts.max() - volts.min()) > 2.0 * limits.open_wire_drop_v
    ):  # the spread test is necessary for the pattern and far cheaper than a median
        median_v = float(np.median(volts))
        deviation = volts - median_v
        falls = deviation < -limits.open_wire_drop_v
        rises = deviation > limits.open_wire_drop_v
        high_neighbour = np.zeros(expected, dtype=bool)
        high_neighbour[1:] |= rises[:-1]
        high_neighbour[:-1] |= rises[1:]
        pattern = falls & high_neighbour
        if bool(pattern.any()):
            cell = int(pattern.argmax())
            open_wire = (Level.FAULT, f"cell {cell}: low with a high neighbour (open wire)")
    kept = np.where(plausible, volts, previous)
    return (sensor, open_wire, kept, unchanged)


def _checked_temperatures(
    state: PlausibilityState, sample: PlausibilitySample, config: BmsConfig, dt_s: float
) -> tuple[Classified, FloatArray]:
    """Temperature-sensor level and the new plausible values."""
    limits = config.protection.plausibility
    temps = sample.cell_temperatures_degc
    expected = config.pack.temperature_sensor_count
    if temps.size != expected:
        reason = f"{temps.size} temperatures received, {expected} expected"
        return ((Level.FAULT, reason), state.previous_temperature_degc)
    in_range = (
        np.isfinite(temps)
        & (temps >= limits.temperature_min_degc)
        & (temps <= limits.temperature_max_degc)
    )
    previous = (
        state.previous_temperature_degc
        if state.previous_temperature_degc.size == expected
        else temps
    )
    with np.errstate(invalid="ignore"):
        rate_ok = np.abs(temps - previous) <= limits.max_temperature_rate_degc_per_s * dt_s
    plausible = in_range & rate_ok
    level: Classified = _NORMAL
    if not bool(plausible.all()):
        sensor = int(plausible.argmin())
        what = "out of range or not finite" if not in_range[sensor] else "changed too fast"
        level = (Level.FAULT, f"temperature sensor {sensor}: {float(temps[sensor]):.2f} C {what}")
    return (level, np.where(plausible, temps, previous))


def _checked_currents(
    state: PlausibilityState, sample: PlausibilitySample, config: BmsConfig
) -> tuple[Classified, Classified, PlausibilityState]:
    """Current-sensor and mismatch levels, and the updated stuck memory."""
    sensors = config.pack.current_sensors
    currents = sample.currents_a
    if currents.size != len(sensors):
        reason = f"{currents.size} current readings received, {len(sensors)} expected"
        return ((Level.FAULT, reason), (Level.FAULT, reason), state)
    combined_a = sensors[0].accuracy_a + sensors[1].accuracy_a
    limits = config.protection.plausibility
    values = (float(currents[0]), float(currents[1]))
    sensor: Classified = _NORMAL
    for value_a, config_sensor in zip(values, sensors, strict=True):
        if not np.isfinite(value_a) or abs(value_a) > config_sensor.range_a:
            sensor = (Level.FAULT, f"current sensor {config_sensor.name}: {value_a} A out of range")
    unchanged = list(state.current_unchanged_ms)
    spans = [state.other_span_a[0], state.other_span_a[1]]
    for index in (0, 1):
        other_a = values[1 - index]
        if values[index] == state.last_current_a[index] and state.started:
            unchanged[index] += config.pack.protection_period_ms
            low, high = spans[index]
            spans[index] = (min(low, other_a), max(high, other_a))
        else:
            unchanged[index] = 0
            spans[index] = (other_a, other_a)
        low, high = spans[index]
        if (
            sensor[0] is Level.NORMAL
            and unchanged[index] >= limits.stuck_time_ms
            and high - low > combined_a
        ):
            sensor = (
                Level.FAULT,
                f"current sensor {sensors[index].name}: stuck at {values[index]} A",
            )
    difference_a = abs(values[0] - values[1])
    mismatch: Classified = _NORMAL
    if not np.isfinite(difference_a) or difference_a > combined_a:
        mismatch = (Level.FAULT, f"current sensors differ by {difference_a:.2f} A > {combined_a} A")
    elif difference_a > combined_a * limits.current_mismatch_warning_fraction:
        mismatch = (Level.WARNING, f"current sensors differ by {difference_a:.2f} A")
    new_state = PlausibilityState(
        previous_cell_v=state.previous_cell_v,
        previous_temperature_degc=state.previous_temperature_degc,
        cell_unchanged_ms=state.cell_unchanged_ms,
        last_current_a=values,
        current_unchanged_ms=(unchanged[0], unchanged[1]),
        other_span_a=(spans[0], spans[1]),
        stale_periods=state.stale_periods,
        started=state.started,
    )
    return (sensor, mismatch, new_state)


def step_plausibility(
    state: PlausibilityState, sample: PlausibilitySample, config: BmsConfig
) -> tuple[PlausibilityState, dict[FaultId, Classified]]:
    """Check one period's readings; return the new memory and a level per plausibility fault.

    Implements: SWR_PROT_PLAUS_001, SWR_PROT_PLAUS_002, SWR_PROT_PLAUS_003,
    SWR_PROT_PLAUS_004, SWR_PROT_PLAUS_005, SWR_PROT_PLAUS_006

    Groups that are not fresh keep their memory and report ``NORMAL`` for
    their sensor checks (the monitor ignores stale samples anyway); the
    stale-stream check counts periods for every group.
    """
    period_ms = config.pack.protection_period_ms
    stale = tuple(
        0 if fresh else count + 1
        for fresh, count in zip(
            (sample.cells_fresh, sample.temperatures_fresh, sample.current_fresh),
            state.stale_periods,
            strict=True,
        )
    )
    levels: dict[FaultId, Classified] = {
        FaultId.VOLTAGE_SENSOR: _NORMAL,
        FaultId.OPEN_WIRE: _NORMAL,
        FaultId.TEMPERATURE_SENSOR: _NORMAL,
        FaultId.CURRENT_SENSOR: _NORMAL,
        FaultId.CURRENT_SENSOR_MISMATCH: _NORMAL,
        FaultId.STALE_DATA: _NORMAL,
    }
    previous_cell_v, unchanged = state.previous_cell_v, state.cell_unchanged_ms
    previous_temperature = state.previous_temperature_degc
    if sample.cells_fresh:
        dt_s = (state.stale_periods[0] + 1) * period_ms / 1000.0
        sensor, open_wire, previous_cell_v, unchanged = _checked_cells(state, sample, config, dt_s)
        levels[FaultId.VOLTAGE_SENSOR] = sensor
        levels[FaultId.OPEN_WIRE] = open_wire
    if sample.temperatures_fresh:
        dt_s = (state.stale_periods[1] + 1) * period_ms / 1000.0
        levels[FaultId.TEMPERATURE_SENSOR], previous_temperature = _checked_temperatures(
            state, sample, config, dt_s
        )
    current_state = state
    if sample.current_fresh:
        current_sensor, mismatch, current_state = _checked_currents(state, sample, config)
        levels[FaultId.CURRENT_SENSOR] = current_sensor
        levels[FaultId.CURRENT_SENSOR_MISMATCH] = mismatch
    worst = max(stale)
    if worst >= config.protection.plausibility.max_stale_periods:
        group = ("cell voltages", "temperatures", "currents")[stale.index(worst)]
        levels[FaultId.STALE_DATA] = (Level.FAULT, f"no fresh {group} for {worst} periods")
    new_state = PlausibilityState(
        previous_cell_v=previous_cell_v,
        previous_temperature_degc=previous_temperature,
        cell_unchanged_ms=unchanged,
        last_current_a=current_state.last_current_a,
        current_unchanged_ms=current_state.current_unchanged_ms,
        other_span_a=current_state.other_span_a,
        stale_periods=(stale[0], stale[1], stale[2]),
        started=state.started or sample.current_fresh,
    )
    return (new_state, levels)
