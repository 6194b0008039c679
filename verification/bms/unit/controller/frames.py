"""Input frames for the controller tests: a healthy pack and a simple link capacitor.

The vehicle's messages are real E2E-protected CAN frames (``VCU_Command`` and
``VCU_Crash``, encoded with :mod:`bms.can`), one of each per step with the
alive counter derived from the time, so consecutive 10 ms steps count on.
"""

from typing import Any

from bms.can import CrashSignal, VehicleCommand, encode_crash, encode_vehicle_command
from bms.controller import (
    CanFrameInput,
    ContactorFeedbackInput,
    ControllerInputs,
    ControllerOutputs,
)

PACK_V = 96 * 3.7
PERIOD_MS = 10


def vehicle_frames(
    time_ms: int,
    *,
    close: bool = False,
    reset: bool = False,
    crash: bool = False,
    messages: bool = True,
) -> tuple[CanFrameInput, ...]:
    """The vehicle's command and crash frames of the step at ``time_ms`` (none without messages)."""
    if not messages:
        return ()
    counter = (time_ms // PERIOD_MS) % 15
    command = encode_vehicle_command(VehicleCommand(close, reset), counter)
    crash_frame = encode_crash(CrashSignal(crash), counter)
    return tuple(
        CanFrameInput(arbitration_id=f.arbitration_id, data_hex=f.data.hex())
        for f in (command, crash_frame)
    )


def frame(
    time_ms: int = 0,
    *,
    close: bool = False,
    reset: bool = False,
    crash: bool = False,
    messages: bool = True,
    link_v: float = 0.0,
    **changes: Any,
) -> ControllerInputs:
    """A healthy frame; ``changes`` override any field."""
    values: dict[str, Any] = {
        "time_ms": time_ms,
        "cell_voltages_v": tuple(3.7 + 0.0001 * (i % 7) for i in range(96)),
        "cell_temperatures_degc": (25.0,) * 32,
        "current_a": (0.0, 0.0),
        "pack_voltage_v": PACK_V,
        "link_voltage_v": link_v,
        "isolation_resistance_ohm": 2e6,
        "can_rx": vehicle_frames(time_ms, close=close, reset=reset, crash=crash, messages=messages),
    }
    values.update(changes)
    return ControllerInputs(**values)


def follow(outputs: ControllerOutputs) -> dict[str, Any]:
    """Feedback and link voltage of an ideal plant answering ``outputs``."""
    commands = outputs.contactors
    connected = commands.main_negative and (commands.main_positive or commands.precharge)
    return {
        "contactor_feedback": ContactorFeedbackInput(
            main_positive_closed=commands.main_positive,
            main_negative_closed=commands.main_negative,
            precharge_closed=commands.precharge,
        ),
        "link_voltage_v": PACK_V if connected else 0.0,
    }
