"""Tests of bms/controller/_receive.py: the controller's E2E receiver stage.

Covers: accepted command and crash frames are decoded; a wrong CRC, a wrong
length, a repeated or an invalid counter deliver nothing and mark the
message corrupted until its next accepted frame (with the reason naming the
message and the check); a single skipped counter marks it for one frame;
frames of other identifiers are ignored; several frames in one step are
checked in order; no frame for more than three periods is a receiver
timeout that resynchronises on the next valid frame.
"""

import pytest

from bms.can import (
    CrashSignal,
    E2eStatus,
    VehicleCommand,
    encode_crash,
    encode_vehicle_command,
)
from bms.controller import CanFrameInput, VehicleReceiver, receive_vehicle


def command(counter: int, *, close: bool = True) -> CanFrameInput:
    frame = encode_vehicle_command(
        VehicleCommand(close_request=close, reset_request=False), counter
    )
    return CanFrameInput(arbitration_id=frame.arbitration_id, data_hex=frame.data.hex())


def crash(counter: int, *, detected: bool = False) -> CanFrameInput:
    frame = encode_crash(CrashSignal(crash_detected=detected), counter)
    return CanFrameInput(arbitration_id=frame.arbitration_id, data_hex=frame.data.hex())


def corrupt_crc(frame: CanFrameInput) -> CanFrameInput:
    crc = int(frame.data_hex[:2], 16) ^ 0x01
    return frame.model_copy(update={"data_hex": f"{crc:02x}{frame.data_hex[2:]}"})


@pytest.mark.verifies("SWR_CTRL_RX_001")
def test_accepted_frames_are_decoded() -> None:
    state, reception = receive_vehicle(VehicleReceiver(), (command(0), crash(0, detected=True)), 0)
    assert reception.command == VehicleCommand(close_request=True, reset_request=False)
    assert reception.crash == CrashSignal(crash_detected=True)
    assert reception.corrupt == ""
    assert reception.statuses == (E2eStatus.OK, E2eStatus.OK)
    state, reception = receive_vehicle(state, (command(1, close=False), crash(1)), 10)
    assert reception.command == VehicleCommand(close_request=False, reset_request=False)


@pytest.mark.verifies("SWR_CTRL_RX_001", method="fault_injection")
@pytest.mark.parametrize(
    ("bad", "status"),
    [
        (corrupt_crc(command(1)), "wrong_crc"),
        (command(1).model_copy(update={"data_hex": command(1).data_hex[:6]}), "wrong_length"),
        (command(0), "repeated_counter"),
    ],
    ids=["crc", "length", "repeated"],
)
def test_rejected_frames_mark_the_message_corrupted(bad: CanFrameInput, status: str) -> None:
    state, _ = receive_vehicle(VehicleReceiver(), (command(0), crash(0)), 0)
    state, reception = receive_vehicle(state, (bad, crash(1)), 10)
    assert reception.command is None
    assert reception.crash is not None
    assert reception.corrupt == f"VCU_Command: {status}"
    state, reception = receive_vehicle(state, (crash(2),), 20)
    assert reception.corrupt == f"VCU_Command: {status}", "stays corrupted without a new frame"
    state, reception = receive_vehicle(state, (command(1),), 30)
    assert reception.command is not None
    assert "VCU_Command" not in reception.corrupt


@pytest.mark.verifies("SWR_CTRL_RX_001")
def test_skipped_counter_is_corrupt_for_one_frame_only() -> None:
    state, _ = receive_vehicle(VehicleReceiver(), (command(0), crash(0)), 0)
    state, reception = receive_vehicle(state, (command(2), crash(1)), 10)
    assert reception.corrupt == "VCU_Command: skipped_counter"
    state, reception = receive_vehicle(state, (command(3), crash(2)), 20)
    assert reception.corrupt == ""
    assert reception.command is not None


@pytest.mark.verifies("SWR_CTRL_RX_001")
def test_other_identifiers_are_ignored_and_frames_run_in_order() -> None:
    other = CanFrameInput(arbitration_id=0x123, data_hex="00")
    state, reception = receive_vehicle(VehicleReceiver(), (other,), 0)
    assert reception.command is None
    assert reception.corrupt == ""
    state, reception = receive_vehicle(state, (command(0), command(1, close=False)), 10)
    assert reception.command == VehicleCommand(close_request=False, reset_request=False)
    assert state.command.last_counter == 1


@pytest.mark.verifies("SWR_CTRL_RX_001")
def test_timeout_then_resynchronisation() -> None:
    state, _ = receive_vehicle(VehicleReceiver(), (command(0), crash(0)), 0)
    reception = None
    for time_ms in range(10, 320, 10):
        state, reception = receive_vehicle(state, (crash(time_ms // 10 % 15),), time_ms)
    assert reception is not None
    assert E2eStatus.TIMEOUT in reception.statuses
    state, reception = receive_vehicle(state, (command(9), crash(2)), 320)
    assert reception.command is not None
