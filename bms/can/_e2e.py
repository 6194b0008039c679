"""End-to-end protection of CAN frames: CRC-8 and alive counter, sender and receiver.

ASIL: D. Requirements: SWR_CAN_002, SWR_CAN_003, SWR_CAN_004, SWR_CAN_005,
SWR_CAN_006, SWR_CAN_007, SWR_CAN_008.

Layout as in AUTOSAR E2E Profile 1: byte 0 holds the CRC-8 SAE J1850 over
the data id and bytes 1.., the low nibble of byte 1 holds the alive
counter, which counts 0..14 and wraps (15 is never sent, Profile 1).

The receiver is the project's state-machine recipe: a frozen
:class:`E2eReceiver` (one per message) and a pure :func:`receive` with the
time as input. Each step reports exactly one :class:`E2eStatus`; every
status but ``OK`` and ``NO_NEW_DATA`` is a fault, each with its own reason,
for the protection to debounce and latch. Only an ``OK`` result carries
data. The receiver never raises.

Receiver rules, checked in this order for a frame with the message's id:

1. length differs from the DBC -> ``WRONG_LENGTH``;
2. CRC differs -> ``WRONG_CRC``;
3. counter 15 -> ``INVALID_COUNTER``;
4. first frame (or first after a timeout) -> ``OK``, counter taken as reference;
5. counter equal to the last -> ``REPEATED_COUNTER`` (the frame is not fresh);
6. counter more than one ahead -> ``SKIPPED_COUNTER`` (reference moves to it);
7. otherwise ``OK``.

Without a frame (``None``, or one with another id), the status is
``TIMEOUT`` when more than three periods have passed since the last ``OK``
frame (or since the first call) or time went backwards, else ``NO_NEW_DATA``.
A timeout drops the counter reference, so the next valid frame resynchronises.
"""

from dataclasses import dataclass, replace
from enum import Enum

from bms.can._crc import e2e_crc
from bms.can._dbc import ProtectedMessage

__all__ = [
    "COUNTER_MODULO",
    "CanFrame",
    "E2eReceiver",
    "E2eResult",
    "E2eStatus",
    "next_counter",
    "protect",
    "receive",
]

COUNTER_MODULO = 15
"""The alive counter runs 0..14 (AUTOSAR E2E Profile 1); 15 is invalid."""


@dataclass(frozen=True)
class CanFrame:
    """One classic CAN data frame."""

    arbitration_id: int
    """11-bit identifier."""
    data: bytes
    """Payload, 0 to 8 bytes."""


class E2eStatus(Enum):
    """Outcome of one receive step; every value but ``OK`` and ``NO_NEW_DATA`` is a fault."""

    OK = "ok"
    NO_NEW_DATA = "no_new_data"
    TIMEOUT = "timeout"
    WRONG_LENGTH = "wrong_length"
    WRONG_CRC = "wrong_crc"
    INVALID_COUNTER = "invalid_counter"
    REPEATED_COUNTER = "repeated_counter"
    SKIPPED_COUNTER = "skipped_counter"

    @property
    def is_fault(self) -> bool:
        """Whether this outcome is a communication fault."""
        return self not in (E2eStatus.OK, E2eStatus.NO_NEW_DATA)


@dataclass(frozen=True)
class E2eResult:
    """One receive step's outcome."""

    status: E2eStatus
    """What the receiver found."""
    data: bytes | None = None
    """The frame's payload, only when ``status`` is ``OK``."""


@dataclass(frozen=True)
class E2eReceiver:
    """Receiver state of one protected message."""

    message: ProtectedMessage
    """The message this receiver checks."""
    last_counter: int | None = None
    """Alive counter of the last accepted frame; ``None`` until synchronised."""
    reference_ms: int | None = None
    """Time of the last ``OK`` frame, or of the first call; the timeout counts from it."""


def next_counter(counter: int) -> int:
    """The alive counter after ``counter``: 0..14, wrapping to 0 (any int is reduced first).

    Implements: SWR_CAN_003

    post: 0 <= __return__ < COUNTER_MODULO
    post: not 0 <= counter < COUNTER_MODULO or __return__ == (counter + 1) % COUNTER_MODULO
    """
    return (counter % COUNTER_MODULO + 1) % COUNTER_MODULO


def protect(message: ProtectedMessage, payload: bytes, counter: int) -> CanFrame:
    """Put the alive counter and the CRC into an encoded payload.

    Implements: SWR_CAN_002, SWR_CAN_003

    Args:
        message: the protected message.
        payload: the encoded data, ``message.length`` bytes (byte 0 and the
            low nibble of byte 1 are overwritten); shorter data is padded
            with zeros, longer data cut.
        counter: the alive counter, reduced modulo 15.

    Returns:
        The frame to send.
    """
    data = bytearray(payload[: message.length].ljust(message.length, b"\x00"))
    data[1] = (data[1] & 0xF0) | (counter % COUNTER_MODULO)
    data[0] = e2e_crc(message.data_id, bytes(data[1:]))
    return CanFrame(message.arbitration_id, bytes(data))


def _without_frame(state: E2eReceiver, time_ms: int) -> tuple[E2eReceiver, E2eResult]:
    reference = state.reference_ms if state.reference_ms is not None else time_ms
    elapsed = time_ms - reference
    if elapsed < 0 or elapsed > state.message.timeout_ms:
        return replace(state, last_counter=None, reference_ms=reference), E2eResult(
            E2eStatus.TIMEOUT
        )
    return replace(state, reference_ms=reference), E2eResult(E2eStatus.NO_NEW_DATA)


def _check_frame(state: E2eReceiver, data: bytes, time_ms: int) -> tuple[E2eReceiver, E2eResult]:
    message = state.message
    counter = data[1] & 0x0F if len(data) > 1 else 0
    status = E2eStatus.OK
    if len(data) != message.length or len(data) < 2:
        status = E2eStatus.WRONG_LENGTH
    elif data[0] != e2e_crc(message.data_id, data[1:]):
        status = E2eStatus.WRONG_CRC
    elif counter >= COUNTER_MODULO:
        status = E2eStatus.INVALID_COUNTER
    elif state.last_counter is not None:
        delta = (counter - state.last_counter) % COUNTER_MODULO
        if delta == 0:
            status = E2eStatus.REPEATED_COUNTER
        elif delta > 1:
            status = E2eStatus.SKIPPED_COUNTER
    reference = state.reference_ms if state.reference_ms is not None else time_ms
    if status is E2eStatus.OK:
        return replace(state, last_counter=counter, reference_ms=time_ms), E2eResult(
            status, bytes(data)
        )
    if status is E2eStatus.SKIPPED_COUNTER:
        return replace(state, last_counter=counter, reference_ms=reference), E2eResult(status)
    return replace(state, reference_ms=reference), E2eResult(status)


def receive(
    state: E2eReceiver, frame: CanFrame | None, time_ms: int
) -> tuple[E2eReceiver, E2eResult]:
    """Check one step's frame (or its absence) for the receiver's message.

    Implements: SWR_CAN_004, SWR_CAN_005, SWR_CAN_006, SWR_CAN_007, SWR_CAN_008

    Args:
        state: the receiver.
        frame: the frame received in this step, or ``None``; a frame with
            another identifier counts as no frame.
        time_ms: the current time.

    Returns:
        The new receiver state and the step's result.

    Contracts (PEP 316, checked by CrossHair; ``_`` is the returned pair):

    post:
        (_[1].data is None) == (_[1].status is not E2eStatus.OK)
        _[1].status is not E2eStatus.OK or len(frame.data) == state.message.length
        _[1].status is not E2eStatus.OK or frame.data[1] & 0x0F < COUNTER_MODULO
        _[1].status is not E2eStatus.OK or _[0].last_counter == frame.data[1] & 0x0F
        _[1].status is not E2eStatus.OK or frame.data[0] == e2e_crc(state.message.data_id, frame.data[1:])
        _[1].status is not E2eStatus.OK or state.last_counter is None or _[0].last_counter == next_counter(state.last_counter)
        _[1].status is not E2eStatus.TIMEOUT or _[0].last_counter is None
        frame is not None or _[1].status in (E2eStatus.TIMEOUT, E2eStatus.NO_NEW_DATA)
        frame is not None or state.reference_ms is None or (_[1].status is E2eStatus.TIMEOUT) == (not 0 <= time_ms - state.reference_ms <= 3 * state.message.period_ms)
    """  # noqa: E501 - one contract per line, as PEP 316 reads them
    if frame is None or frame.arbitration_id != state.message.arbitration_id:
        return _without_frame(state, time_ms)
    return _check_frame(state, frame.data, time_ms)
