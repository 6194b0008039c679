"""The controller's receiver stage: E2E checks of the vehicle's protected messages.

ASIL: D. Requirements: SWR_CTRL_RX_001.

Every step, each protected message the BMS receives (``VCU_Command`` and
``VCU_Crash``, from ``bms.dbc``) goes through its own
:class:`bms.can.E2eReceiver` with the frames of its identifier received in
that step (in arrival order), or with no frame. Only an ``OK`` frame
delivers data, decoded with cantools. A message whose last frame failed its
check (wrong length, wrong CRC, invalid, repeated or skipped counter) stays
*corrupted* until its next accepted frame: the protection debounces that
condition (``communication_corrupt``). The age of each message's last
accepted frame gives the loss of communication (``communication_timeout``);
the receiver's own 3-period timeout drops its counter reference, so the next
valid frame resynchronises.

Pure (the project's state-machine recipe): frozen state, time as input, no
I/O; nothing here raises on any payload (hex text is validated by
:class:`~bms.controller.CanFrameInput`).
"""

from dataclasses import dataclass, field

from bms.can import (
    CanFrame,
    CrashSignal,
    E2eReceiver,
    E2eStatus,
    VehicleCommand,
    decode_crash,
    decode_vehicle_command,
    protected_message,
    receive,
)
from bms.controller._inputs import CanFrameInput

__all__ = ["COMMAND_MESSAGE", "CRASH_MESSAGE", "Reception", "VehicleReceiver", "receive_vehicle"]

COMMAND_MESSAGE = "VCU_Command"
"""The vehicle's command message (close and reset requests)."""
CRASH_MESSAGE = "VCU_Crash"
"""The airbag controller's crash message."""


@dataclass(frozen=True)
class VehicleReceiver:
    """Receiver state of both protected vehicle messages."""

    command: E2eReceiver = field(
        default_factory=lambda: E2eReceiver(protected_message(COMMAND_MESSAGE))
    )
    """E2E receiver of ``VCU_Command``."""
    crash: E2eReceiver = field(
        default_factory=lambda: E2eReceiver(protected_message(CRASH_MESSAGE))
    )
    """E2E receiver of ``VCU_Crash``."""
    command_corrupt: str = ""
    """Why the last ``VCU_Command`` frame was rejected; empty once one is accepted."""
    crash_corrupt: str = ""
    """Why the last ``VCU_Crash`` frame was rejected; empty once one is accepted."""


@dataclass(frozen=True)
class Reception:
    """What the vehicle's messages delivered in one step."""

    command: VehicleCommand | None
    """The last accepted ``VCU_Command`` of the step (``None``: none accepted)."""
    crash: CrashSignal | None
    """The last accepted ``VCU_Crash`` of the step (``None``: none accepted)."""
    corrupt: str
    """Why a message is corrupted (its last frame failed the E2E check); empty if none is."""
    statuses: tuple[E2eStatus, ...]
    """Every E2E outcome of the step (one per frame, or one per message without a frame)."""


def _run(
    receiver: E2eReceiver, frames: tuple[CanFrameInput, ...], time_ms: int, corrupt: str
) -> tuple[E2eReceiver, bytes | None, str, tuple[E2eStatus, ...]]:
    """One message's receiver over the step's frames of its identifier."""
    mine = [f for f in frames if f.arbitration_id == receiver.message.arbitration_id]
    data: bytes | None = None
    statuses: list[E2eStatus] = []
    candidates: list[CanFrame | None] = [
        CanFrame(f.arbitration_id, bytes.fromhex(f.data_hex)) for f in mine
    ] or [None]
    for frame in candidates:  # loop-bound: at most MAX_RX_FRAMES frames
        receiver, result = receive(receiver, frame, time_ms)
        statuses.append(result.status)
        if result.status is E2eStatus.OK:
            data, corrupt = result.data, ""
        elif result.status.is_fault and result.status is not E2eStatus.TIMEOUT:
            corrupt = f"{receiver.message.name}: {result.status.value}"
    return (receiver, data, corrupt, tuple(statuses))


def receive_vehicle(
    state: VehicleReceiver, frames: tuple[CanFrameInput, ...], time_ms: int
) -> tuple[VehicleReceiver, Reception]:
    """Check and decode the vehicle's protected messages received in one step.

    Implements: SWR_CTRL_RX_001

    Args:
        state: the receivers after the previous step.
        frames: the frames received in this step (other identifiers are ignored).
        time_ms: the controller's own time (steps times the period).

    Returns:
        The new receivers and what the step delivered.
    """
    command_rx, command_data, command_bad, command_statuses = _run(
        state.command, frames, time_ms, state.command_corrupt
    )
    crash_rx, crash_data, crash_bad, crash_statuses = _run(
        state.crash, frames, time_ms, state.crash_corrupt
    )
    reception = Reception(
        command=decode_vehicle_command(command_data) if command_data is not None else None,
        crash=decode_crash(crash_data) if crash_data is not None else None,
        corrupt="; ".join(reason for reason in (command_bad, crash_bad) if reason),
        statuses=command_statuses + crash_statuses,
    )
    return (VehicleReceiver(command_rx, crash_rx, command_bad, crash_bad), reception)
