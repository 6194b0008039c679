"""The faults the campaign injects, where each applies, and how it is injected.

ASIL: QM (a verification tool). Requirements: SWR_CTRL_FAULTS_001.

Each :class:`FaultCase` changes what the controller reads (sensor faults,
communication), what the plant does (over-current, a welded contactor) or
the vehicle's messages (crash, loss), from its onset on. Values that must
cross a threshold approach it first at a physically plausible rate, so that
the onset is the moment the threshold is crossed and not an implausible jump
(which the plausibility checks would catch first, and earlier).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bms.can import protected_message
from bms.config import BmsConfig
from bms.controller import COMMAND_MESSAGE, CanFrameInput, ControllerInputs, FreshFlags
from bms.faults._rig import OperatingPoint, PackRig
from bms.protection import current_scale

__all__ = ["FaultCase", "Injection", "fault_cases"]

_CELL = 41
"""The cell (and its neighbour) that the cell-level faults hit."""
_SENSOR = 7
"""The temperature sensor that the temperature faults hit."""
_RAMP_MS = 8000
"""Temperature faults approach their threshold over this long (a few kelvin per second)."""

Injection = Callable[[ControllerInputs, PackRig, int], ControllerInputs]
"""Changes one frame, given the rig and the time since onset (negative before it)."""


@dataclass(frozen=True)
class FaultCase:
    """One fault type of the campaign."""

    name: str
    """Fault type, such as ``cell_over_voltage``."""
    expected: frozenset[str]
    """Controller faults that count as detecting it (the first listed is the intended one)."""
    primary: str
    """The fault the injection is designed to trip."""
    ftti_ms: int
    """Time from onset by which the safe state (contacts open) must be reached."""
    applies: Callable[[OperatingPoint], bool]
    """Whether the fault makes sense at an operating point."""
    inject: Injection
    """The sensor- or message-level injection (identity for plant-level faults)."""
    plant: Callable[[PackRig, int], None] | None = None
    """The plant-level injection, called before each step with the time since onset."""
    opens_contactors: bool = True
    """Whether the reaction is to open (a weld cannot be opened: detection only)."""
    welded: frozenset[str] = frozenset()
    """Contactors that weld (stay closed once closed) from the onset on."""


def _replace_cell(frame: ControllerInputs, values: dict[int, float]) -> ControllerInputs:
    cells = list(frame.cell_voltages_v)
    for index, value in values.items():
        cells[index] = value
    return frame.model_copy(update={"cell_voltages_v": tuple(cells)})


def _replace_temperature(frame: ControllerInputs, value: float) -> ControllerInputs:
    temps = list(frame.cell_temperatures_degc)
    temps[_SENSOR] = value
    return frame.model_copy(update={"cell_temperatures_degc": tuple(temps)})


def _staged_cell(stages: tuple[tuple[int, float], ...]) -> Injection:
    """Cell ``_CELL`` reads each stage's value from the stage's start (ms since onset)."""

    def inject(frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
        del rig
        value = None
        for start_ms, stage_value in stages:
            if since_ms >= start_ms:
                value = stage_value
        return frame if value is None else _replace_cell(frame, {_CELL: value})

    return inject


def _temperature_ramp(before_v: float, after_v: float) -> Injection:
    """Sensor ``_SENSOR`` ramps to ``before_v`` over ``_RAMP_MS`` and reads ``after_v`` at onset."""

    def inject(frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
        del rig
        if since_ms < -_RAMP_MS:
            return frame
        if since_ms >= 0:
            return _replace_temperature(frame, after_v)
        start = frame.cell_temperatures_degc[_SENSOR]
        share = (since_ms + _RAMP_MS) / _RAMP_MS
        return _replace_temperature(frame, start + share * (before_v - start))

    return inject


def _after_onset(change: Callable[[ControllerInputs], ControllerInputs]) -> Injection:
    def inject(frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
        del rig
        return change(frame) if since_ms >= 0 else frame

    return inject


def _identity(frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
    del rig, since_ms
    return frame


def _charger_ignores_limits(current_a: float) -> Callable[[PackRig, int], None]:
    """From the start of the temperature ramp the charger keeps charging (the fault).

    The BMS forbids charging outside the charge window's warning tier; a
    charger that ignores it keeps ``current_a`` (kept below the temperature-
    scaled over-current tiers, so that the temperature fault is the one hit).
    """

    def plant(rig: PackRig, since_ms: int) -> None:
        rig.override_current_a = current_a if since_ms >= -_RAMP_MS else None

    return plant


def _current_override(amperes: Callable[[OperatingPoint], float]) -> Callable[[PackRig, int], None]:
    def plant(rig: PackRig, since_ms: int) -> None:
        rig.override_current_a = amperes(rig.point) if since_ms >= 0 else None

    return plant


def _crash_flag(rig: PackRig, since_ms: int) -> None:
    """From the onset on, the vehicle reports a crash."""
    rig.crash_detected = since_ms >= 0


def _close_refused(rig: PackRig, since_ms: int) -> None:
    """From the onset on, the vehicle stops asking for the contactors to close."""
    rig.close_override = False if since_ms >= 0 else None


def _main_positive_dropped(rig: PackRig, since_ms: int) -> None:
    """From the onset on, the main positive contactor drops out whatever its coil command."""
    rig.dropped = frozenset({"main_positive"}) if since_ms >= 0 else frozenset()


def _spoil_command(spoil: Callable[[str], str]) -> Injection:
    """From the onset on, every ``VCU_Command`` frame's payload (hex) is changed by ``spoil``."""
    command_id = protected_message(COMMAND_MESSAGE).arbitration_id

    def inject(frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
        del rig
        if since_ms < 0:
            return frame
        frames = tuple(
            f.model_copy(update={"data_hex": spoil(f.data_hex)})
            if f.arbitration_id == command_id
            else f
            for f in frame.can_rx
        )
        return frame.model_copy(update={"can_rx": frames})

    return inject


def _flip_crc(data_hex: str) -> str:
    return f"{int(data_hex[:2], 16) ^ 0x5A:02x}{data_hex[2:]}"


class _Repeated:
    """From the onset on, the vehicle repeats its first ``VCU_Command`` frame (counter stuck)."""

    def __init__(self) -> None:
        self.held: CanFrameInput | None = None
        self.command_id = protected_message(COMMAND_MESSAGE).arbitration_id

    def __call__(self, frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
        del rig
        if since_ms < 0:
            self.held = None
            return frame
        frames = []
        for one in frame.can_rx:
            if one.arbitration_id == self.command_id:
                self.held = self.held if self.held is not None else one
            frames.append(self.held if one.arbitration_id == self.command_id else one)
        return frame.model_copy(update={"can_rx": tuple(frames)})


class _Frozen:
    """Repeats the frame of the onset with nothing fresh (a frozen sample stream)."""

    def __init__(self) -> None:
        self.held: ControllerInputs | None = None

    def __call__(self, frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
        del rig
        if since_ms < 0:
            self.held = None
            return frame
        if self.held is None:
            self.held = frame
        stale = FreshFlags(cells=False, temperatures=False, current=False, isolation=False)
        return self.held.model_copy(
            update={
                "time_ms": frame.time_ms,
                "fresh": stale,
                "can_rx": frame.can_rx,
                "contactor_feedback": frame.contactor_feedback,
                "link_voltage_v": frame.link_voltage_v,
            }
        )


class _Stuck:
    """Cell ``_CELL`` keeps the reading it had at onset."""

    def __init__(self) -> None:
        self.held: float | None = None

    def __call__(self, frame: ControllerInputs, rig: PackRig, since_ms: int) -> ControllerInputs:
        del rig
        if since_ms < 0:
            self.held = None
            return frame
        if self.held is None:
            self.held = frame.cell_voltages_v[_CELL]
        return _replace_cell(frame, {_CELL: self.held})


def fault_cases(config: BmsConfig) -> tuple[FaultCase, ...]:
    """Every fault type, with thresholds taken from ``config``.

    Implements: SWR_CTRL_FAULTS_001
    """
    protection = config.protection
    volts = protection.cell_voltage
    plausibility = protection.plausibility
    sensor_ftti = plausibility.timing.fault_tolerant_time_ms
    derating = protection.current_temperature_derating
    sequence = protection.contactor_sequence
    period = config.pack.protection_period_ms

    def scale(point: OperatingPoint, *, charge: bool) -> float:
        return current_scale(np.array([point.ambient_degc]), derating, charge=charge)

    charging: Callable[[OperatingPoint], bool] = lambda p: p.name == "charging"  # noqa: E731
    standstill: Callable[[OperatingPoint], bool] = lambda p: p.name == "standstill"  # noqa: E731
    anywhere: Callable[[OperatingPoint], bool] = lambda p: True  # noqa: E731, ARG005
    hall_offset_a = 2.0 * sum(s.accuracy_a for s in config.pack.current_sensors)
    stubborn_charger_a = -0.9 * protection.charge_current.warning_a * min(derating.charge_scale)
    return (
        FaultCase(
            "cell_over_voltage",
            frozenset({"cell_over_voltage"}),
            "cell_over_voltage",
            volts.timing.fault_tolerant_time_ms,
            anywhere,
            _staged_cell(
                ((-200, 4.0), (-100, volts.over_fault_v - 0.02), (0, volts.over_fault_v + 0.02))
            ),
        ),
        FaultCase(
            "cell_under_voltage",
            frozenset({"cell_under_voltage"}),
            "cell_under_voltage",
            volts.timing.fault_tolerant_time_ms,
            anywhere,
            _staged_cell(
                ((-200, 3.1), (-100, volts.under_fault_v + 0.02), (0, volts.under_fault_v - 0.02))
            ),
        ),
        FaultCase(
            "charge_over_current",
            frozenset({"charge_over_current"}),
            "charge_over_current",
            protection.charge_current.timing.fault_tolerant_time_ms,
            charging,
            _identity,
            _current_override(
                lambda p: -(protection.charge_current.fault_a * scale(p, charge=True) + 15.0)
            ),
        ),
        FaultCase(
            "discharge_over_current",
            frozenset({"discharge_over_current"}),
            "discharge_over_current",
            protection.discharge_current.timing.fault_tolerant_time_ms,
            lambda p: p.name in {"driving", "standstill"},
            _identity,
            _current_override(
                lambda p: protection.discharge_current.fault_a * scale(p, charge=False) + 20.0
            ),
        ),
        FaultCase(
            "discharge_over_temperature",
            frozenset({"discharge_over_temperature"}),
            "discharge_over_temperature",
            protection.discharge_temperature.timing.fault_tolerant_time_ms,
            lambda p: p.name != "charging",
            _temperature_ramp(
                protection.discharge_temperature.over_fault_degc - 0.05,
                protection.discharge_temperature.over_fault_degc + 0.04,
            ),
        ),
        FaultCase(
            "charge_over_temperature",
            frozenset({"charge_over_temperature"}),
            "charge_over_temperature",
            protection.charge_temperature.timing.fault_tolerant_time_ms,
            charging,
            _temperature_ramp(
                protection.charge_temperature.over_fault_degc - 0.05,
                protection.charge_temperature.over_fault_degc + 0.04,
            ),
            _charger_ignores_limits(stubborn_charger_a),
        ),
        FaultCase(
            "charge_under_temperature",
            frozenset({"charge_under_temperature"}),
            "charge_under_temperature",
            protection.charge_temperature.timing.fault_tolerant_time_ms,
            lambda p: p.name == "charging" and p.ambient_degc < 20.0,
            _temperature_ramp(
                protection.charge_temperature.under_fault_degc + 0.05,
                protection.charge_temperature.under_fault_degc - 0.04,
            ),
            _charger_ignores_limits(stubborn_charger_a),
        ),
        FaultCase(
            "discharge_under_temperature",
            frozenset({"discharge_under_temperature"}),
            "discharge_under_temperature",
            protection.discharge_temperature.timing.fault_tolerant_time_ms,
            lambda p: p.name == "driving" and p.ambient_degc < 0.0,
            _temperature_ramp(
                protection.discharge_temperature.under_fault_degc + 0.05,
                protection.discharge_temperature.under_fault_degc - 0.04,
            ),
        ),
        FaultCase(
            "cell_voltage_nan",
            frozenset({"voltage_sensor", "cell_over_voltage", "cell_under_voltage"}),
            "voltage_sensor",
            sensor_ftti,
            anywhere,
            _after_onset(lambda f: _replace_cell(f, {_CELL: math.nan})),
        ),
        FaultCase(
            "temperature_sensor_nan",
            frozenset(
                {
                    "temperature_sensor",
                    "discharge_over_temperature",
                    "discharge_under_temperature",
                    "charge_over_temperature",
                    "charge_under_temperature",
                }
            ),
            "temperature_sensor",
            sensor_ftti,
            anywhere,
            _after_onset(lambda f: _replace_temperature(f, math.nan)),
        ),
        FaultCase(
            "current_sensor_nan",
            frozenset(
                {
                    "current_sensor",
                    "current_sensor_mismatch",
                    "charge_over_current",
                    "discharge_over_current",
                }
            ),
            "current_sensor",
            sensor_ftti,
            anywhere,
            _after_onset(lambda f: f.model_copy(update={"current_a": (math.nan, f.current_a[1])})),
        ),
        FaultCase(
            "current_sensor_offset",
            frozenset({"current_sensor_mismatch"}),
            "current_sensor_mismatch",
            plausibility.current_mismatch_timing.fault_tolerant_time_ms,
            anywhere,
            _after_onset(
                lambda f: f.model_copy(
                    update={"current_a": (f.current_a[0], f.current_a[1] + hall_offset_a)}
                )
            ),
        ),
        FaultCase(
            "cell_voltage_stuck",
            frozenset({"voltage_sensor"}),
            "voltage_sensor",
            plausibility.stuck_fault_tolerant_time_ms,
            charging,
            _Stuck(),
        ),
        FaultCase(
            "open_wire",
            frozenset({"open_wire", "voltage_sensor", "cell_over_voltage", "cell_under_voltage"}),
            "open_wire",
            sensor_ftti,
            anywhere,
            _after_onset(
                lambda f: _replace_cell(
                    f,
                    {
                        _CELL: f.cell_voltages_v[_CELL] - 1.4 * plausibility.open_wire_drop_v,
                        _CELL + 1: f.cell_voltages_v[_CELL + 1]
                        + 1.4 * plausibility.open_wire_drop_v,
                    },
                )
            ),
        ),
        FaultCase(
            "isolation_loss",
            frozenset({"isolation"}),
            "isolation",
            protection.isolation.timing.fault_tolerant_time_ms,
            anywhere,
            _after_onset(
                lambda f: f.model_copy(
                    update={
                        "isolation_resistance_ohm": 0.5
                        * protection.isolation.fault_ohm_per_v
                        * f.pack_voltage_v
                    }
                )
            ),
        ),
        FaultCase(
            "communication_loss",
            frozenset({"communication_timeout"}),
            "communication_timeout",
            protection.communication.timing.fault_tolerant_time_ms,
            anywhere,
            _after_onset(lambda f: f.model_copy(update={"can_rx": ()})),
        ),
        FaultCase(
            "communication_crc",
            frozenset({"communication_corrupt", "communication_timeout"}),
            "communication_corrupt",
            protection.communication.corruption_timing.fault_tolerant_time_ms,
            anywhere,
            _spoil_command(_flip_crc),
        ),
        FaultCase(
            "communication_length",
            frozenset({"communication_corrupt", "communication_timeout"}),
            "communication_corrupt",
            protection.communication.corruption_timing.fault_tolerant_time_ms,
            anywhere,
            _spoil_command(lambda data: data[:-2]),
        ),
        FaultCase(
            "communication_counter",
            frozenset({"communication_corrupt", "communication_timeout"}),
            "communication_corrupt",
            protection.communication.corruption_timing.fault_tolerant_time_ms,
            anywhere,
            _Repeated(),
        ),
        FaultCase(
            "frozen_stream",
            frozenset({"stale_data"}),
            "stale_data",
            min(
                volts.timing.fault_tolerant_time_ms,
                protection.discharge_current.timing.fault_tolerant_time_ms,
            ),
            anywhere,
            _Frozen(),
        ),
        FaultCase(
            "crash",
            frozenset({"crash"}),
            "crash",
            protection.crash.fault_tolerant_time_ms,
            anywhere,
            _identity,
            _crash_flag,
        ),
        FaultCase(
            "welded_main_positive",
            frozenset({"contactor_welded"}),
            "contactor_welded",
            # the open request reaches the BMS with the next VCU_Command (one message period)
            sequence.weld_check_ms + protected_message(COMMAND_MESSAGE).period_ms + 2 * period,
            standstill,
            _identity,
            _close_refused,
            opens_contactors=False,
            welded=frozenset({"main_positive"}),
        ),
        FaultCase(
            "main_positive_dropout",
            frozenset({"contactor_feedback"}),
            "contactor_feedback",
            sequence.feedback_timing.fault_tolerant_time_ms,
            lambda p: p.name in {"driving", "charging"},
            _identity,
            _main_positive_dropped,
        ),
    )
