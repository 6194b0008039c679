"""Tests of bms/can/_e2e.py against SWR_CAN_002..008.

Covers: the sender's counter (0..14, wrapping, any int reduced) and CRC
placement; the receiver's distinct fault reasons, each at its boundary:
wrong length (shorter, longer, empty), wrong CRC, invalid counter 15,
repeated and skipped counters, the wrap 14 -> 0 accepted, timeout after
more than three periods (not at exactly three), from the first call when no
frame ever came, time running backwards, resynchronisation after a
timeout, frames of another id ignored; data delivered only with ``OK``.
Fault injection (hypothesis): any single-byte corruption of any protected
frame is detected; random sequences of good, dropped, corrupted, repeated
and skipped frames never yield ``OK`` for a frame that is not the genuine
next one, and a silence longer than the timeout always reports it.
"""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.can import (
    COUNTER_MODULO,
    CanFrame,
    E2eReceiver,
    E2eStatus,
    ProtectedMessage,
    e2e_crc,
    next_counter,
    protect,
    protected_message,
    receive,
)

COMMAND = protected_message("VCU_Command")
PROTECTED = [
    protected_message(name)
    for name in ("BMS_Status", "BMS_Limits", "BMS_Faults", "VCU_Command", "VCU_Crash")
]
PAYLOAD = bytes([0, 0, 0b01, 0])


def frame(counter: int, message: ProtectedMessage = COMMAND, payload: bytes = PAYLOAD) -> CanFrame:
    return protect(message, payload, counter)


def synced(counter: int = 0, time_ms: int = 0) -> E2eReceiver:
    state, result = receive(E2eReceiver(COMMAND), frame(counter), time_ms)
    assert result.status is E2eStatus.OK
    return state


@pytest.mark.verifies("SWR_CAN_003")
@pytest.mark.parametrize(
    ("counter", "after"), [(0, 1), (13, 14), (14, 0), (15, 1), (-1, 0), (31, 2)]
)
def test_next_counter_wraps_at_fifteen(counter: int, after: int) -> None:
    assert next_counter(counter) == after


@pytest.mark.verifies("SWR_CAN_002", "SWR_CAN_003")
def test_protect_places_counter_and_crc() -> None:
    sent = protect(COMMAND, bytes([0xAA, 0xF0, 0x03, 0x00]), 7)
    assert sent.arbitration_id == COMMAND.arbitration_id
    assert sent.data[1] == 0xF7
    assert sent.data[0] == e2e_crc(COMMAND.data_id, sent.data[1:])
    assert protect(COMMAND, b"\x00", 1).data[2:] == b"\x00\x00"
    assert len(protect(COMMAND, bytes(9), 1).data) == COMMAND.length


@pytest.mark.verifies("SWR_CAN_006", "SWR_CAN_008")
def test_in_sequence_frames_are_ok_and_carry_data() -> None:
    state = E2eReceiver(COMMAND)
    counter = 12
    for step in range(40):
        sent = frame(counter)
        state, result = receive(state, sent, step * 100)
        assert result.status is E2eStatus.OK
        assert result.data == sent.data
        counter = next_counter(counter)


@pytest.mark.verifies("SWR_CAN_004")
@pytest.mark.parametrize("length", [0, 1, 2, 3, 5, 8])
def test_wrong_length(length: int) -> None:
    good = frame(1)
    data = (good.data * 3)[:length]
    state, result = receive(synced(), CanFrame(COMMAND.arbitration_id, data), 100)
    assert result.status is E2eStatus.WRONG_LENGTH
    assert result.data is None
    assert state.last_counter == 0


@pytest.mark.verifies("SWR_CAN_005")
def test_wrong_crc() -> None:
    good = frame(1)
    bad = CanFrame(good.arbitration_id, bytes([good.data[0] ^ 0x01]) + good.data[1:])
    state, result = receive(synced(), bad, 100)
    assert result.status is E2eStatus.WRONG_CRC
    assert result.data is None
    _, result = receive(state, good, 110)
    assert result.status is E2eStatus.OK


@pytest.mark.verifies("SWR_CAN_002", "SWR_CAN_005", method="fault_injection")
def test_data_id_of_another_message_is_detected() -> None:
    foreign = protect(replace(COMMAND, data_id=COMMAND.data_id + 1), PAYLOAD, 1)
    _, result = receive(synced(), foreign, 100)
    assert result.status is E2eStatus.WRONG_CRC


@pytest.mark.verifies("SWR_CAN_003", "SWR_CAN_006", method="fault_injection")
def test_counter_fifteen_is_invalid() -> None:
    data = bytearray(frame(0).data)
    data[1] |= 0x0F
    data[0] = e2e_crc(COMMAND.data_id, bytes(data[1:]))
    _, result = receive(synced(14), CanFrame(COMMAND.arbitration_id, bytes(data)), 100)
    assert result.status is E2eStatus.INVALID_COUNTER


@pytest.mark.verifies("SWR_CAN_006", method="fault_injection")
def test_repeated_counter() -> None:
    state = synced(5)
    state, result = receive(state, frame(5), 100)
    assert result.status is E2eStatus.REPEATED_COUNTER
    assert result.data is None
    _, result = receive(state, frame(6), 200)
    assert result.status is E2eStatus.OK


@pytest.mark.verifies("SWR_CAN_006", method="fault_injection")
@pytest.mark.parametrize(("last", "received"), [(5, 7), (5, 4), (14, 1), (0, 14)])
def test_skipped_counter_then_resynchronised(last: int, received: int) -> None:
    state, result = receive(synced(last), frame(received), 100)
    assert result.status is E2eStatus.SKIPPED_COUNTER
    assert result.data is None
    _, result = receive(state, frame(next_counter(received)), 200)
    assert result.status is E2eStatus.OK


@pytest.mark.verifies("SWR_CAN_006")
def test_wrap_from_fourteen_to_zero_is_ok() -> None:
    _, result = receive(synced(14), frame(0), 100)
    assert result.status is E2eStatus.OK


@pytest.mark.verifies("SWR_CAN_007", method="fault_injection")
def test_timeout_after_more_than_three_periods() -> None:
    state = synced(0, time_ms=1000)
    state, result = receive(state, None, 1000 + COMMAND.timeout_ms)
    assert result.status is E2eStatus.NO_NEW_DATA
    state, result = receive(state, None, 1000 + COMMAND.timeout_ms + 1)
    assert result.status is E2eStatus.TIMEOUT
    assert result.status.is_fault
    assert state.last_counter is None
    state, result = receive(state, None, 1000 + COMMAND.timeout_ms + 10)
    assert result.status is E2eStatus.TIMEOUT
    _, result = receive(state, frame(9), 1000 + COMMAND.timeout_ms + 20)
    assert result.status is E2eStatus.OK


@pytest.mark.verifies("SWR_CAN_007", method="fault_injection")
def test_timeout_when_nothing_ever_arrives() -> None:
    state, result = receive(E2eReceiver(COMMAND), None, 5000)
    assert result.status is E2eStatus.NO_NEW_DATA
    _, result = receive(state, None, 5000 + COMMAND.timeout_ms + 1)
    assert result.status is E2eStatus.TIMEOUT


@pytest.mark.verifies("SWR_CAN_007", method="fault_injection")
def test_time_running_backwards_is_a_timeout() -> None:
    _, result = receive(synced(0, time_ms=1000), None, 990)
    assert result.status is E2eStatus.TIMEOUT


@pytest.mark.verifies("SWR_CAN_007")
def test_frame_of_another_id_counts_as_no_frame() -> None:
    other = frame(1, protected_message("VCU_Crash"), bytes(4))
    state = synced(0)
    after, result = receive(state, other, 10)
    assert result.status is E2eStatus.NO_NEW_DATA
    assert after == state


@pytest.mark.verifies("SWR_CAN_002", "SWR_CAN_005", method="fault_injection")
@given(
    st.sampled_from(PROTECTED),
    st.integers(min_value=0, max_value=14),
    st.binary(min_size=8, max_size=8),
    st.integers(min_value=0, max_value=7),
    st.integers(min_value=1, max_value=255),
)
def test_any_single_byte_corruption_is_detected(
    message: ProtectedMessage, counter: int, payload: bytes, index: int, mask: int
) -> None:
    good = protect(message, payload, counter)
    index %= message.length
    data = bytearray(good.data)
    data[index] ^= mask
    state = E2eReceiver(message)
    _, result = receive(state, CanFrame(good.arbitration_id, bytes(data)), 0)
    assert result.status in (E2eStatus.WRONG_CRC, E2eStatus.INVALID_COUNTER)
    assert result.data is None
    _, clean = receive(state, good, 0)
    assert clean.status is E2eStatus.OK


@pytest.mark.verifies("SWR_CAN_004", method="fault_injection")
@given(
    st.sampled_from(PROTECTED),
    st.integers(min_value=0, max_value=14),
    st.binary(max_size=16),
)
def test_any_wrong_length_is_detected(message: ProtectedMessage, counter: int, data: bytes) -> None:
    if len(data) == message.length:
        data += b"\x00"
    state = receive(E2eReceiver(message), protect(message, bytes(8), counter), 0)[0]
    _, result = receive(state, CanFrame(message.arbitration_id, data), 10)
    assert result.status is E2eStatus.WRONG_LENGTH
    assert result.data is None


actions = st.lists(
    st.one_of(
        st.just(("send", 0)),
        st.just(("silent", 0)),
        st.just(("repeat", 0)),
        st.tuples(st.just("skip"), st.integers(min_value=1, max_value=13)),
        st.tuples(st.just("corrupt"), st.integers(min_value=1, max_value=255)),
    ),
    max_size=60,
)


def _transmit(
    action: str, argument: int, counter: int, last_sent: CanFrame | None
) -> tuple[CanFrame | None, int, CanFrame | None]:
    """The sender's side of one step: (frame on the bus, next counter, last genuine frame)."""
    sent: CanFrame | None = None
    if action in ("send", "skip"):
        counter = (counter + (argument if action == "skip" else 0)) % COUNTER_MODULO
        sent = last_sent = frame(counter)
        counter = next_counter(counter)
    elif action == "repeat":
        sent = last_sent
    elif action == "corrupt":
        data = bytearray(frame(counter).data)
        data[argument % COMMAND.length] ^= argument
        sent = CanFrame(COMMAND.arbitration_id, bytes(data))
    return sent, counter, last_sent


@pytest.mark.verifies(
    "SWR_CAN_003", "SWR_CAN_006", "SWR_CAN_007", "SWR_CAN_008", method="fault_injection"
)
@given(actions)
def test_receiver_invariants_over_random_traffic(steps: list[tuple[str, int]]) -> None:
    state = E2eReceiver(COMMAND)
    counter, last_sent, last_ok_ms = 0, None, 0
    accepted: int | None = None
    for step, (action, argument) in enumerate(steps):
        time_ms = step * 50
        genuine_next = action == "send" and (accepted is None or counter == next_counter(accepted))
        sent, counter, last_sent = _transmit(action, argument, counter, last_sent)
        state, result = receive(state, sent, time_ms)
        if action == "corrupt":
            assert result.status.is_fault
        if result.status is E2eStatus.OK:
            assert sent is not None
            assert result.data == sent.data
            # Only the genuine next frame, or any intact first frame while unsynchronised.
            assert genuine_next if accepted is not None else action != "corrupt"
            last_ok_ms = time_ms
        if sent is None and time_ms - last_ok_ms > COMMAND.timeout_ms:
            assert result.status is E2eStatus.TIMEOUT
        accepted = state.last_counter
