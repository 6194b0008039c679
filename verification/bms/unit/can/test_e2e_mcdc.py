"""MC/DC tests of bms/can/_e2e.py (SWR_CAN_004).

Covers the condition the main tests leave without independent effect: a
frame of exactly its message's declared length is still rejected as
``WRONG_LENGTH`` when that length is below two bytes (no room for CRC and
alive counter), while a two-byte message of the right length is checked
further and accepted. No message of the shipped DBC is that short, so the
short message is built here.
"""

from dataclasses import replace

import pytest

from bms.can import CanFrame, E2eReceiver, E2eStatus, protect, protected_message, receive

COMMAND = protected_message("VCU_Command")


@pytest.mark.verifies("SWR_CAN_004")
@pytest.mark.parametrize("length", [0, 1])
def test_declared_length_below_two_bytes_is_wrong_length(length: int) -> None:
    tiny = replace(COMMAND, length=length)
    data = bytes([0x55] * length)
    state, result = receive(E2eReceiver(tiny), CanFrame(tiny.arbitration_id, data), 0)
    assert result.status is E2eStatus.WRONG_LENGTH
    assert result.data is None
    assert state.last_counter is None


@pytest.mark.verifies("SWR_CAN_004")
def test_two_byte_message_of_its_length_is_accepted() -> None:
    short = replace(COMMAND, length=2)
    frame = protect(short, b"\x00", 0)
    assert len(frame.data) == 2
    state, result = receive(E2eReceiver(short), frame, 0)
    assert result.status is E2eStatus.OK
    assert state.last_counter == 0
