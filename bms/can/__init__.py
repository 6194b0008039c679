"""CAN communication: the DBC, typed messages and end-to-end (E2E) protection.

ASIL: D. Requirements: SWR_CAN_* (``requirements/swr/can.rst``).

The database ``bms.dbc`` ships in this package (``can_database()``). The
BMS sends ``BMS_Status``, ``BMS_Limits`` and ``BMS_Faults`` with a CRC-8
SAE J1850 and an alive counter (AUTOSAR E2E Profile 1 layout), and the
cell statistics unprotected; it receives ``VCU_Command`` and ``VCU_Crash``,
both protected. Everything here is pure and never raises on data. Use::

    from bms.can import (E2eReceiver, E2eStatus, encode_status, next_counter,
                         protected_message, receive, decode_vehicle_command)

    frames, counters = bms_frames(counters, status, limits, faults, statistics)
    # or one message at a time, one counter per message:
    frame = encode_status(status, counter)      # -> CanFrame(arbitration_id, data)
    counter = next_counter(counter)

    command_rx = E2eReceiver(protected_message("VCU_Command"))
    command_rx, result = receive(command_rx, frame_or_none, time_ms)
    if result.status is E2eStatus.OK:
        command = decode_vehicle_command(result.data)
    elif result.status.is_fault:
        ...  # WRONG_LENGTH, WRONG_CRC, INVALID_COUNTER, REPEATED_COUNTER,
             # SKIPPED_COUNTER or TIMEOUT (no valid frame for 3 periods)
"""

from bms.can._crc import crc8_sae_j1850, e2e_crc
from bms.can._dbc import (
    DBC_NAME,
    TIMEOUT_PERIODS,
    ProtectedMessage,
    can_database,
    protected_message,
)
from bms.can._e2e import (
    COUNTER_MODULO,
    CanFrame,
    E2eReceiver,
    E2eResult,
    E2eStatus,
    next_counter,
    protect,
    receive,
)
from bms.can._messages import (
    FAULT_SIGNALS,
    BmsLimits,
    BmsMode,
    BmsStatus,
    BmsTxCounters,
    CellStatistics,
    CrashSignal,
    FaultFlag,
    VehicleCommand,
    bms_frames,
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
)

__all__ = [
    "COUNTER_MODULO",
    "DBC_NAME",
    "FAULT_SIGNALS",
    "TIMEOUT_PERIODS",
    "BmsLimits",
    "BmsMode",
    "BmsStatus",
    "BmsTxCounters",
    "CanFrame",
    "CellStatistics",
    "CrashSignal",
    "E2eReceiver",
    "E2eResult",
    "E2eStatus",
    "FaultFlag",
    "ProtectedMessage",
    "VehicleCommand",
    "bms_frames",
    "can_database",
    "cell_statistics",
    "crc8_sae_j1850",
    "decode_crash",
    "decode_signals",
    "decode_vehicle_command",
    "e2e_crc",
    "encode_cell_statistics",
    "encode_crash",
    "encode_faults",
    "encode_limits",
    "encode_status",
    "encode_vehicle_command",
    "next_counter",
    "protect",
    "protected_message",
    "receive",
]
