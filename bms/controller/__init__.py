"""The BMS controller: inputs, outputs and the deterministic 10 ms step.

ASIL: D. Requirements: SWR_CTRL_* (``requirements/swr/controller.rst``).

    from bms.controller import BmsController, ControllerInputs
    controller = BmsController(config, chemistry=None)   # chemistry enables SoC estimation
    outputs = controller.step(ControllerInputs(...))     # never raises
"""

from bms.controller._controller import (
    BmsController,
    ControllerContext,
    ControllerState,
    controller_step,
)
from bms.controller._inputs import (
    ContactorFeedbackInput,
    ControllerInputs,
    FreshFlags,
    VehicleCommandInput,
)
from bms.controller._outputs import (
    CanFrameOutput,
    ContactorCommandOutput,
    ControllerOutputs,
    ControllerStatus,
    FaultReport,
)
from bms.controller._replay import ReplayStep, replay_lines, stale_frame
from bms.controller._transmit import FAULT_FLAGS, can_frames, fault_flags

__all__ = [
    "FAULT_FLAGS",
    "BmsController",
    "CanFrameOutput",
    "ContactorCommandOutput",
    "ContactorFeedbackInput",
    "ControllerContext",
    "ControllerInputs",
    "ControllerOutputs",
    "ControllerState",
    "ControllerStatus",
    "FaultReport",
    "FreshFlags",
    "ReplayStep",
    "VehicleCommandInput",
    "can_frames",
    "controller_step",
    "fault_flags",
    "replay_lines",
    "stale_frame",
]
