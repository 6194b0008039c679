"""Input frames for the controller tests: a healthy pack and a simple link capacitor."""

from typing import Any

from bms.controller import (
    ContactorFeedbackInput,
    ControllerInputs,
    ControllerOutputs,
    VehicleCommandInput,
)

PACK_V = 96 * 3.7


def frame(
    time_ms: int = 0,
    *,
    close: bool = False,
    reset: bool = False,
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
        "vehicle": VehicleCommandInput(close_request=close, reset_request=reset),
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
