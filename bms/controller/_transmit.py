"""What the controller sends on CAN every 100 ms: status, limits, cell statistics, faults.

ASIL: D. Requirements: SWR_CTRL_CAN_001.

Maps the controller's outputs onto the messages of :mod:`bms.can` (the DBC,
cantools encoding, CRC-8 SAE J1850 and alive counter of the protected
messages). The encoding itself belongs to :mod:`bms.can`; this module only
chooses the values.
"""

import math
from collections.abc import Sequence
from types import MappingProxyType
from typing import cast

from bms.can import (
    BmsLimits,
    BmsMode,
    BmsStatus,
    BmsTxCounters,
    FaultFlag,
    bms_frames,
    cell_statistics,
)
from bms.control import ThermalRequest
from bms.controller._inputs import ControllerInputs
from bms.controller._outputs import CanFrameOutput, ControllerOutputs, ControllerStatus
from bms.units import Amperes, DegreesC, Fraction, Volts, Watts

__all__ = ["FAULT_FLAGS", "can_frames", "fault_flags"]

FAULT_FLAGS = MappingProxyType(
    {
        "cell_over_voltage": FaultFlag.CELL_OVER_VOLTAGE,
        "cell_under_voltage": FaultFlag.CELL_UNDER_VOLTAGE,
        "charge_over_current": FaultFlag.CHARGE_OVER_CURRENT,
        "discharge_over_current": FaultFlag.DISCHARGE_OVER_CURRENT,
        "charge_over_temperature": FaultFlag.CHARGE_OVER_TEMPERATURE,
        "charge_under_temperature": FaultFlag.CHARGE_UNDER_TEMPERATURE,
        "discharge_over_temperature": FaultFlag.DISCHARGE_OVER_TEMPERATURE,
        "discharge_under_temperature": FaultFlag.DISCHARGE_UNDER_TEMPERATURE,
        "voltage_sensor": FaultFlag.SENSOR_IMPLAUSIBLE,
        "temperature_sensor": FaultFlag.SENSOR_IMPLAUSIBLE,
        "current_sensor": FaultFlag.SENSOR_IMPLAUSIBLE,
        "current_sensor_mismatch": FaultFlag.CURRENT_SENSOR_MISMATCH,
        "open_wire": FaultFlag.OPEN_WIRE,
        "stale_data": FaultFlag.FROZEN_SAMPLES,
        "isolation": FaultFlag.ISOLATION_FAULT,
        "communication_timeout": FaultFlag.COMMUNICATION_LOSS,
        "communication_corrupt": FaultFlag.COMMUNICATION_CORRUPT,
        "contactor_feedback": FaultFlag.CONTACTOR_FEEDBACK,
        "crash": FaultFlag.CRASH_DISCONNECT,
        "contactor_welded": FaultFlag.CONTACTOR_WELDED,
        "precharge_lockout": FaultFlag.PRECHARGE_FAILURE,
        "internal_error": FaultFlag.INTERNAL_ERROR,
    }
)
"""The ``BMS_Faults`` bit of each latched fault name."""

_MODES = MappingProxyType(
    {
        ControllerStatus.STANDBY: BmsMode.STANDBY,
        ControllerStatus.PRECHARGING: BmsMode.PRECHARGE,
        ControllerStatus.CONNECTED: BmsMode.CLOSED,
        ControllerStatus.OPENING: BmsMode.STANDBY,
        ControllerStatus.FAULT: BmsMode.SAFE_STATE,
    }
)


def fault_flags(outputs: ControllerOutputs) -> FaultFlag:
    """The ``BMS_Faults`` bits of the latched faults and of an emergency opening this step.

    Implements: SWR_CTRL_CAN_001
    """
    flags = FaultFlag.NONE
    for name in outputs.latched_faults:
        flags |= FAULT_FLAGS.get(name, FaultFlag.NONE)
    if "emergency_open" in outputs.events:
        flags |= FaultFlag.EMERGENCY_OPENING
    return flags


def _finite(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else 0.0


def can_frames(
    outputs: ControllerOutputs, inputs: ControllerInputs, current_a: float, counters: BmsTxCounters
) -> tuple[tuple[CanFrameOutput, ...], BmsTxCounters]:
    """The frames of one 100 ms transmission cycle, and the counters for the next.

    Implements: SWR_CTRL_CAN_001

    Unknown values (no SoC estimate, non-finite current or voltage) are sent
    as 0; the fault flags and the mode say why.
    """
    feedback = inputs.contactor_feedback
    status = BmsStatus(
        mode=_MODES[outputs.status],
        main_positive_closed=feedback.main_positive_closed,
        main_negative_closed=feedback.main_negative_closed,
        precharge_closed=feedback.precharge_closed,
        balancing_active=any(outputs.balancing),
        thermal_request=ThermalRequest[outputs.thermal_request.upper()],
        warning_active=any(not fault.latched for fault in outputs.faults),
        fault_active=bool(outputs.latched_faults),
        pack_voltage_v=Volts(_finite(inputs.pack_voltage_v)),
        pack_current_a=Amperes(_finite(current_a)),
        soc=Fraction(_finite(outputs.soc)),
    )
    limits = BmsLimits(
        charge_current_a=Amperes(outputs.charge_current_limit_a),
        discharge_current_a=Amperes(outputs.discharge_current_limit_a),
        charge_power_w=Watts(outputs.charge_power_limit_w),
        discharge_power_w=Watts(outputs.discharge_power_limit_w),
    )
    statistics = cell_statistics(  # the unit types are NewTypes: the same floats, no copy
        cast("Sequence[Volts]", inputs.cell_voltages_v),
        cast("Sequence[DegreesC]", inputs.cell_temperatures_degc),
    )
    frames, advanced = bms_frames(counters, status, limits, fault_flags(outputs), statistics)
    encoded = tuple(
        CanFrameOutput(arbitration_id=frame.arbitration_id, data_hex=frame.data.hex())
        for frame in frames
    )
    return (encoded, advanced)
