"""Tests of bms/can/_messages.py against SWR_CAN_001, SWR_CAN_002, SWR_CAN_003, SWR_CAN_008.

Covers: round trips through cantools of status, limits, faults, cell
statistics, command and crash at representable values; every protected
frame accepted by a receiver; limits rounded down, never up; saturation at
the signal ranges and non-finite values sent as 0 (hypothesis: encoders
never raise for any float); each fault flag sets exactly its own DBC bit;
cell statistics with their indices, NaN skipped, all-NaN sent as 0.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.can import (
    FAULT_SIGNALS,
    BmsLimits,
    BmsMode,
    BmsStatus,
    BmsTxCounters,
    CellStatistics,
    CrashSignal,
    E2eReceiver,
    E2eStatus,
    FaultFlag,
    VehicleCommand,
    bms_frames,
    can_database,
    cell_statistics,
    decode_crash,
    decode_signals,
    decode_vehicle_command,
    encode_cell_statistics,
    encode_crash,
    encode_faults,
    encode_limits,
    encode_status,
    encode_vehicle_command,
    protected_message,
    receive,
)
from bms.control import ThermalRequest
from bms.units import Amperes, DegreesC, Fraction, Volts, Watts

STATUS = BmsStatus(
    mode=BmsMode.CLOSED,
    main_positive_closed=True,
    main_negative_closed=True,
    precharge_closed=False,
    balancing_active=True,
    thermal_request=ThermalRequest.COOL,
    warning_active=False,
    fault_active=True,
    pack_voltage_v=Volts(355.4),
    pack_current_a=Amperes(-120.3),
    soc=Fraction(0.625),
)


def limits(charge_a: float, discharge_a: float, charge_w: float, discharge_w: float) -> BmsLimits:
    return BmsLimits(Amperes(charge_a), Amperes(discharge_a), Watts(charge_w), Watts(discharge_w))


@pytest.mark.verifies("SWR_CAN_001")
def test_status_round_trip() -> None:
    signals = decode_signals(encode_status(STATUS, 3))
    assert signals["Mode"] == BmsMode.CLOSED
    assert signals["MainPositiveClosed"] == 1
    assert signals["PrechargeClosed"] == 0
    assert signals["BalancingActive"] == 1
    assert signals["ThermalRequest"] == ThermalRequest.COOL
    assert signals["FaultActive"] == 1
    assert signals["WarningActive"] == 0
    assert signals["PackVoltage"] == pytest.approx(355.4)
    assert signals["PackCurrent"] == pytest.approx(-120.3)
    assert signals["StateOfCharge"] == pytest.approx(62.5)
    assert signals["AliveCounter"] == 3


@pytest.mark.verifies("SWR_CAN_001")
def test_limits_round_down_to_resolution() -> None:
    signals = decode_signals(encode_limits(limits(99.99, 200.0, 40_049.0, 80_000.0), 0))
    assert signals["ChargeCurrentLimit"] == pytest.approx(99.9)
    assert signals["DischargeCurrentLimit"] == pytest.approx(200.0)
    assert signals["ChargePowerLimit"] == pytest.approx(40.0)
    assert signals["DischargePowerLimit"] == pytest.approx(80.0)


@pytest.mark.verifies("SWR_CAN_001", method="fault_injection")
@pytest.mark.parametrize(
    ("value", "sent"),
    [(math.nan, 0.0), (math.inf, 0.0), (-math.inf, 0.0), (-5.0, 0.0), (1e9, 409.5)],
)
def test_limits_saturate_and_non_finite_is_zero(value: float, sent: float) -> None:
    signals = decode_signals(encode_limits(limits(value, value, value * 1000, 0.0), 0))
    assert signals["ChargeCurrentLimit"] == pytest.approx(sent)
    assert signals["DischargeCurrentLimit"] == pytest.approx(sent)
    assert signals["ChargePowerLimit"] == pytest.approx(sent)


floats = st.floats(allow_nan=True, allow_infinity=True)


@pytest.mark.verifies("SWR_CAN_001", method="fault_injection")
@given(floats, floats, floats, floats, st.integers(min_value=-100, max_value=100))
def test_encoders_never_raise_and_stay_in_range(
    voltage: float, current: float, soc: float, limit: float, counter: int
) -> None:
    status = BmsStatus(
        **{
            **STATUS.__dict__,
            "pack_voltage_v": Volts(voltage),
            "pack_current_a": Amperes(current),
            "soc": Fraction(soc),
        }
    )
    for sent in (
        encode_status(status, counter),
        encode_limits(limits(limit, limit, limit, limit), counter),
    ):
        assert len(sent.data) == 8
        decoded = decode_signals(sent)
        message = can_database().get_message_by_frame_id(sent.arbitration_id)
        for signal in message.signals:
            assert signal.minimum is not None
            assert signal.maximum is not None
            # 1e-6 V/A/kW slack: decoding multiplies by 0.1, e.g. 32767 * 0.1 = 3276.7000000000003
            assert signal.minimum - 1e-6 <= decoded[signal.name] <= signal.maximum + 1e-6


@pytest.mark.verifies("SWR_CAN_001")
def test_each_fault_flag_sets_only_its_own_bit() -> None:
    message = can_database().get_message_by_name("BMS_Faults")
    assert set(FAULT_SIGNALS.values()) == {s.name for s in message.signals} - {
        "CRC",
        "AliveCounter",
    }
    for flag, name in FAULT_SIGNALS.items():
        assert message.get_signal_by_name(name).start == 16 + flag.bit_length() - 1
        signals = decode_signals(encode_faults(flag, 0))
        assert {
            key for key, value in signals.items() if value and key in FAULT_SIGNALS.values()
        } == {name}
    none = decode_signals(encode_faults(FaultFlag.NONE, 0))
    assert not any(none[name] for name in FAULT_SIGNALS.values())


@pytest.mark.verifies("SWR_CAN_002", "SWR_CAN_003")
@pytest.mark.parametrize(
    "encode",
    [
        lambda c: encode_status(STATUS, c),
        lambda c: encode_limits(limits(1.0, 2.0, 3.0, 4.0), c),
        lambda c: encode_faults(FaultFlag.CELL_OVER_VOLTAGE | FaultFlag.CRASH_DISCONNECT, c),
        lambda c: encode_vehicle_command(VehicleCommand(True, False), c),
        lambda c: encode_crash(CrashSignal(True), c),
    ],
    ids=["status", "limits", "faults", "command", "crash"],
)
def test_every_protected_frame_passes_its_receiver(encode: object) -> None:
    assert callable(encode)
    first = encode(0)
    message = can_database().get_message_by_frame_id(first.arbitration_id)
    state = E2eReceiver(protected_message(message.name))
    for step in range(20):
        state, result = receive(state, encode(step % 15), step * 10)
        assert result.status is E2eStatus.OK


@pytest.mark.verifies("SWR_CAN_008")
@pytest.mark.parametrize("close", [True, False])
@pytest.mark.parametrize("reset", [True, False])
def test_vehicle_command_and_crash_round_trip(close: bool, reset: bool) -> None:
    command = VehicleCommand(close_request=close, reset_request=reset)
    assert decode_vehicle_command(encode_vehicle_command(command, 4).data) == command
    assert decode_crash(encode_crash(CrashSignal(close), 4).data) == CrashSignal(close)


@pytest.mark.verifies("SWR_CAN_008", method="fault_injection")
@pytest.mark.parametrize("length", [0, 3, 5, 8])
def test_decoders_of_wrong_length_give_the_safe_side(length: int) -> None:
    assert decode_vehicle_command(bytes([0xFF] * length)) == VehicleCommand(False, False)
    assert decode_crash(bytes(length)) == CrashSignal(crash_detected=True)


@pytest.mark.verifies("SWR_CAN_001")
def test_cell_statistics_with_indices() -> None:
    stats = cell_statistics(
        [Volts(v) for v in (3.70, 3.65, math.nan, 3.80, 3.65)],
        [DegreesC(t) for t in (25.0, 31.5, -3.2)],
    )
    assert (stats.min_voltage_v, stats.min_voltage_index) == (3.65, 1)
    assert (stats.max_voltage_v, stats.max_voltage_index) == (3.80, 3)
    assert stats.avg_voltage_v == pytest.approx(3.70)
    assert (stats.min_temperature_degc, stats.min_temperature_index) == (-3.2, 2)
    assert (stats.max_temperature_degc, stats.max_temperature_index) == (31.5, 1)
    voltages, temperatures = encode_cell_statistics(stats)
    v_signals, t_signals = decode_signals(voltages), decode_signals(temperatures)
    assert v_signals["MinCellVoltage"] == pytest.approx(3.65)
    assert v_signals["MaxCellVoltageIndex"] == 3
    assert t_signals["MinCellTemperature"] == pytest.approx(-3.2)
    assert t_signals["MaxCellTemperatureIndex"] == 1


@pytest.mark.verifies("SWR_CAN_001", method="fault_injection")
def test_cell_statistics_without_finite_values_are_sent_as_zero() -> None:
    stats = cell_statistics([Volts(math.nan)], [])
    assert isinstance(stats, CellStatistics)
    assert math.isnan(stats.min_voltage_v)
    voltages, temperatures = encode_cell_statistics(stats)
    assert voltages.data == bytes(8)
    assert temperatures.data == bytes(8)


@pytest.mark.verifies("SWR_CAN_001", "SWR_CAN_003")
def test_one_cycle_of_bms_frames_and_counters() -> None:
    stats = cell_statistics([Volts(3.7)], [DegreesC(25.0)])
    counters = BmsTxCounters(status=14, limits=0, faults=7)
    frames, after = bms_frames(counters, STATUS, limits(1.0, 2.0, 3.0, 4.0), FaultFlag.NONE, stats)
    assert [f.arbitration_id for f in frames] == [0x100, 0x101, 0x102, 0x103, 0x104]
    assert after == BmsTxCounters(status=0, limits=1, faults=8)
    assert [frames[i].data[1] & 0x0F for i in (0, 1, 4)] == [14, 0, 7]
