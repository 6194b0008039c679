"""The BMS's CAN messages as typed values, encoded and decoded with cantools.

ASIL: D. Requirements: SWR_CAN_001, SWR_CAN_002, SWR_CAN_003, SWR_CAN_008.

Encoding never raises: every value is saturated into its signal's range
from ``bms.dbc`` before cantools encodes it, a NaN or infinite value is
sent as 0 (or the range end nearest 0), and the current and power limits
are rounded down to the signal resolution so the vehicle never sees more
than the BMS allows. Decoding of vehicle messages is meant for payloads
the E2E receiver accepted (``E2eStatus.OK``); a payload of the wrong length
decodes as the safe side instead of raising.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from types import MappingProxyType

from cantools.database.can import Message

from bms.can._dbc import can_database, protected_message
from bms.can._e2e import CanFrame, next_counter, protect
from bms.control import ThermalRequest
from bms.units import Amperes, DegreesC, Fraction, Volts, Watts

__all__ = [
    "FAULT_SIGNALS",
    "BmsLimits",
    "BmsMode",
    "BmsStatus",
    "BmsTxCounters",
    "CellStatistics",
    "CrashSignal",
    "FaultFlag",
    "VehicleCommand",
    "bms_frames",
    "cell_statistics",
    "decode_crash",
    "decode_signals",
    "decode_vehicle_command",
    "encode_cell_statistics",
    "encode_crash",
    "encode_faults",
    "encode_limits",
    "encode_status",
    "encode_vehicle_command",
]


class BmsMode(IntEnum):
    """The BMS operating mode as sent in ``BMS_Status.Mode``."""

    INIT = 0
    STANDBY = 1
    PRECHARGE = 2
    CLOSED = 3
    SAFE_STATE = 4


class FaultFlag(IntFlag):
    """Faults reported in ``BMS_Faults``; bit ``i`` is the signal at start bit ``16 + i``."""

    NONE = 0
    CELL_OVER_VOLTAGE = 1 << 0
    CELL_UNDER_VOLTAGE = 1 << 1
    CHARGE_OVER_CURRENT = 1 << 2
    DISCHARGE_OVER_CURRENT = 1 << 3
    CHARGE_OVER_TEMPERATURE = 1 << 4
    CHARGE_UNDER_TEMPERATURE = 1 << 5
    DISCHARGE_OVER_TEMPERATURE = 1 << 6
    DISCHARGE_UNDER_TEMPERATURE = 1 << 7
    SENSOR_IMPLAUSIBLE = 1 << 8
    CURRENT_SENSOR_MISMATCH = 1 << 9
    OPEN_WIRE = 1 << 10
    FROZEN_SAMPLES = 1 << 11
    ISOLATION_FAULT = 1 << 12
    COMMUNICATION_LOSS = 1 << 13
    COMMUNICATION_CORRUPT = 1 << 14
    PRECHARGE_FAILURE = 1 << 15
    CONTACTOR_WELDED = 1 << 16
    CRASH_DISCONNECT = 1 << 17
    EMERGENCY_OPENING = 1 << 18
    INTERNAL_ERROR = 1 << 19
    CONTACTOR_FEEDBACK = 1 << 20


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


FAULT_SIGNALS: Mapping[FaultFlag, str] = MappingProxyType(
    {flag: _camel(flag.name or "") for flag in FaultFlag if flag is not FaultFlag.NONE}
)
"""Each fault flag and the name of its one-bit signal in ``BMS_Faults``."""


@dataclass(frozen=True)
class BmsStatus:
    """Content of ``BMS_Status``."""

    mode: BmsMode
    """Operating mode."""
    main_positive_closed: bool
    """Main positive contactor closed (feedback)."""
    main_negative_closed: bool
    """Main negative contactor closed (feedback)."""
    precharge_closed: bool
    """Precharge contactor closed (feedback)."""
    balancing_active: bool
    """Any cell bleeding."""
    thermal_request: ThermalRequest
    """Heating or cooling request."""
    warning_active: bool
    """Any warning (derating) active."""
    fault_active: bool
    """Any latched fault."""
    pack_voltage_v: Volts
    """Pack voltage, 0.1 V resolution, 0..6553.5 V."""
    pack_current_a: Amperes
    """Pack current, positive discharging, 0.1 A resolution."""
    soc: Fraction
    """Pack State of Charge in [0, 1], sent in 0.5 % steps."""


@dataclass(frozen=True)
class BmsLimits:
    """Content of ``BMS_Limits``: what the vehicle may draw or feed, as magnitudes."""

    charge_current_a: Amperes
    """Charge current limit, rounded down to 0.1 A."""
    discharge_current_a: Amperes
    """Discharge current limit, rounded down to 0.1 A."""
    charge_power_w: Watts
    """Charge power limit, rounded down to 0.1 kW."""
    discharge_power_w: Watts
    """Discharge power limit, rounded down to 0.1 kW."""


@dataclass(frozen=True)
class CellStatistics:
    """Content of ``BMS_CellVoltages`` and ``BMS_CellTemperatures`` (0-based indices)."""

    min_voltage_v: Volts
    """Lowest cell voltage."""
    min_voltage_index: int
    """Series position of the lowest cell."""
    max_voltage_v: Volts
    """Highest cell voltage."""
    max_voltage_index: int
    """Series position of the highest cell."""
    avg_voltage_v: Volts
    """Mean cell voltage."""
    min_temperature_degc: DegreesC
    """Lowest sensor temperature."""
    min_temperature_index: int
    """Index of the coldest sensor."""
    max_temperature_degc: DegreesC
    """Highest sensor temperature."""
    max_temperature_index: int
    """Index of the hottest sensor."""
    avg_temperature_degc: DegreesC
    """Mean sensor temperature."""


@dataclass(frozen=True)
class VehicleCommand:
    """Content of ``VCU_Command``."""

    close_request: bool
    """The vehicle asks for the contactors to close (drive or charge)."""
    reset_request: bool
    """The vehicle asks to reset latched faults (honoured only when their reset condition holds)."""


@dataclass(frozen=True)
class CrashSignal:
    """Content of ``VCU_Crash``."""

    crash_detected: bool
    """The airbag controller detected a crash: open the contactors."""


def _saturate(message: Message, signal_name: str, value: float, *, floor: bool = False) -> float:
    """``value`` clamped into the signal's range; non-finite gives 0 (or the nearest end)."""
    signal = message.get_signal_by_name(signal_name)
    low = float(signal.minimum) if signal.minimum is not None else 0.0
    high = float(signal.maximum) if signal.maximum is not None else 0.0
    value = min(max(value, low), high) if math.isfinite(value) else min(max(0.0, low), high)
    if floor:
        scale, offset = float(signal.scale), float(signal.offset)
        value = max(math.floor((value - offset) / scale + 1e-9) * scale + offset, low)
    return value


def _encode(name: str, values: Mapping[str, float]) -> bytes:
    message = can_database().get_message_by_name(name)
    signals = {key: _saturate(message, key, value) for key, value in values.items()}
    return bytes(message.encode(signals, scaling=True, strict=True))


def _protected(name: str, values: Mapping[str, float], counter: int) -> CanFrame:
    payload = _encode(name, {"CRC": 0, "AliveCounter": 0, **values})
    return protect(protected_message(name), payload, counter)


def encode_status(status: BmsStatus, counter: int) -> CanFrame:
    """``BMS_Status``, E2E protected.

    Implements: SWR_CAN_001, SWR_CAN_002, SWR_CAN_003
    """
    values = {
        "Mode": float(status.mode),
        "MainPositiveClosed": float(status.main_positive_closed),
        "MainNegativeClosed": float(status.main_negative_closed),
        "PrechargeClosed": float(status.precharge_closed),
        "BalancingActive": float(status.balancing_active),
        "ThermalRequest": float(status.thermal_request),
        "WarningActive": float(status.warning_active),
        "FaultActive": float(status.fault_active),
        "PackVoltage": status.pack_voltage_v,
        "PackCurrent": status.pack_current_a,
        "StateOfCharge": status.soc * 100.0,
    }
    return _protected("BMS_Status", values, counter)


def encode_limits(limits: BmsLimits, counter: int) -> CanFrame:
    """``BMS_Limits``, E2E protected; every limit rounded down to its resolution.

    Implements: SWR_CAN_001, SWR_CAN_002, SWR_CAN_003
    """
    message = can_database().get_message_by_name("BMS_Limits")
    raw = {
        "ChargeCurrentLimit": limits.charge_current_a,
        "DischargeCurrentLimit": limits.discharge_current_a,
        "ChargePowerLimit": limits.charge_power_w / 1000.0,
        "DischargePowerLimit": limits.discharge_power_w / 1000.0,
    }
    values = {name: _saturate(message, name, value, floor=True) for name, value in raw.items()}
    return _protected("BMS_Limits", values, counter)


def encode_faults(faults: FaultFlag, counter: int) -> CanFrame:
    """``BMS_Faults``, E2E protected: one bit per fault flag.

    Implements: SWR_CAN_001, SWR_CAN_002, SWR_CAN_003
    """
    values = {signal: float(flag in faults) for flag, signal in FAULT_SIGNALS.items()}
    return _protected("BMS_Faults", values, counter)


def _extreme_indices(values: Sequence[float]) -> tuple[float, int, float, int, float]:
    finite = [(value, index) for index, value in enumerate(values) if math.isfinite(value)]
    if not finite:
        return math.nan, 0, math.nan, 0, math.nan
    low, low_index = min(finite)
    high, high_index = max(finite, key=lambda pair: (pair[0], -pair[1]))
    return low, low_index, high, high_index, math.fsum(v for v, _ in finite) / len(finite)


def cell_statistics(
    cell_voltages_v: Sequence[Volts], cell_temperatures_degc: Sequence[DegreesC]
) -> CellStatistics:
    """Minimum, maximum (with the first index of each) and mean over the finite values.

    Implements: SWR_CAN_001

    Values that are not finite are left out; with none left the statistic
    is NaN (sent as 0) and its index 0.
    """
    v_min, v_min_i, v_max, v_max_i, v_avg = _extreme_indices(cell_voltages_v)
    t_min, t_min_i, t_max, t_max_i, t_avg = _extreme_indices(cell_temperatures_degc)
    return CellStatistics(
        min_voltage_v=Volts(v_min),
        min_voltage_index=v_min_i,
        max_voltage_v=Volts(v_max),
        max_voltage_index=v_max_i,
        avg_voltage_v=Volts(v_avg),
        min_temperature_degc=DegreesC(t_min),
        min_temperature_index=t_min_i,
        max_temperature_degc=DegreesC(t_max),
        max_temperature_index=t_max_i,
        avg_temperature_degc=DegreesC(t_avg),
    )


def encode_cell_statistics(statistics: CellStatistics) -> tuple[CanFrame, CanFrame]:
    """``BMS_CellVoltages`` and ``BMS_CellTemperatures`` (not E2E protected: information only).

    Implements: SWR_CAN_001
    """
    database = can_database()
    voltages = _encode(
        "BMS_CellVoltages",
        {
            "MinCellVoltage": statistics.min_voltage_v,
            "MaxCellVoltage": statistics.max_voltage_v,
            "AvgCellVoltage": statistics.avg_voltage_v,
            "MinCellVoltageIndex": statistics.min_voltage_index,
            "MaxCellVoltageIndex": statistics.max_voltage_index,
        },
    )
    temperatures = _encode(
        "BMS_CellTemperatures",
        {
            "MinCellTemperature": statistics.min_temperature_degc,
            "MaxCellTemperature": statistics.max_temperature_degc,
            "AvgCellTemperature": statistics.avg_temperature_degc,
            "MinCellTemperatureIndex": statistics.min_temperature_index,
            "MaxCellTemperatureIndex": statistics.max_temperature_index,
        },
    )
    return (
        CanFrame(database.get_message_by_name("BMS_CellVoltages").frame_id, voltages),
        CanFrame(database.get_message_by_name("BMS_CellTemperatures").frame_id, temperatures),
    )


def encode_vehicle_command(command: VehicleCommand, counter: int) -> CanFrame:
    """``VCU_Command``, E2E protected (the vehicle's side; for tests and simulation).

    Implements: SWR_CAN_001, SWR_CAN_002, SWR_CAN_003
    """
    values = {
        "CloseRequest": float(command.close_request),
        "ResetRequest": float(command.reset_request),
    }
    return _protected("VCU_Command", values, counter)


def encode_crash(crash: CrashSignal, counter: int) -> CanFrame:
    """``VCU_Crash``, E2E protected (the vehicle's side; for tests and simulation).

    Implements: SWR_CAN_001, SWR_CAN_002, SWR_CAN_003
    """
    return _protected("VCU_Crash", {"CrashDetected": float(crash.crash_detected)}, counter)


def decode_signals(frame: CanFrame) -> dict[str, float]:
    """Every signal of a frame of the database, scaled to physical values.

    Raises:
        KeyError: the identifier is not in the database.
        ValueError: the data is too short for the message (cantools' error).
    """
    message = can_database().get_message_by_frame_id(frame.arbitration_id)
    decoded = message.decode(frame.data, decode_choices=False, scaling=True)
    return {name: float(value) for name, value in decoded.items()}  # type: ignore[arg-type,union-attr]


def decode_vehicle_command(data: bytes) -> VehicleCommand:
    """``VCU_Command`` from a payload the E2E receiver accepted.

    Implements: SWR_CAN_008

    Never raises: a payload of the wrong length (which the receiver never
    accepts) decodes as the safe command, no close and no reset request.
    """
    spec = protected_message("VCU_Command")
    if len(data) != spec.length:
        return VehicleCommand(close_request=False, reset_request=False)
    signals = decode_signals(CanFrame(spec.arbitration_id, data))
    return VehicleCommand(
        close_request=signals["CloseRequest"] == 1.0,
        reset_request=signals["ResetRequest"] == 1.0,
    )


def decode_crash(data: bytes) -> CrashSignal:
    """``VCU_Crash`` from a payload the E2E receiver accepted.

    Implements: SWR_CAN_008

    Never raises: a payload of the wrong length (which the receiver never
    accepts) decodes as a crash, the side that opens the contactors.
    """
    spec = protected_message("VCU_Crash")
    if len(data) != spec.length:
        return CrashSignal(crash_detected=True)
    signals = decode_signals(CanFrame(spec.arbitration_id, data))
    return CrashSignal(crash_detected=signals["CrashDetected"] == 1.0)


@dataclass(frozen=True)
class BmsTxCounters:
    """Alive counters of the three protected BMS messages (each counts on its own)."""

    status: int = 0
    """Counter for the next ``BMS_Status``."""
    limits: int = 0
    """Counter for the next ``BMS_Limits``."""
    faults: int = 0
    """Counter for the next ``BMS_Faults``."""


def bms_frames(
    counters: BmsTxCounters,
    status: BmsStatus,
    limits: BmsLimits,
    faults: FaultFlag,
    statistics: CellStatistics,
) -> tuple[tuple[CanFrame, ...], BmsTxCounters]:
    """Every BMS message of one 100 ms transmission cycle, and the counters for the next.

    Implements: SWR_CAN_001, SWR_CAN_003

    Returns:
        ``BMS_Status``, ``BMS_Limits``, ``BMS_CellVoltages``,
        ``BMS_CellTemperatures`` and ``BMS_Faults`` frames in identifier
        order, and each protected message's counter advanced by one.
    """
    voltages, temperatures = encode_cell_statistics(statistics)
    frames = (
        encode_status(status, counters.status),
        encode_limits(limits, counters.limits),
        voltages,
        temperatures,
        encode_faults(faults, counters.faults),
    )
    advanced = BmsTxCounters(
        status=next_counter(counters.status),
        limits=next_counter(counters.limits),
        faults=next_counter(counters.faults),
    )
    return frames, advanced
