"""The BMS controller: inputs, outputs and the deterministic 10 ms step.

ASIL: D. Requirements: SWR_CTRL_* (``requirements/swr/controller.rst``).

    from bms.controller import BmsController, ControllerInputs
    controller = BmsController(config, chemistry=None)   # chemistry: SoC filter, plating cap
    outputs = controller.step(ControllerInputs(...))     # never raises
"""

from bms.controller._capacity import FilterCapacity, new_pack_capacity
from bms.controller._chemistry_match import (
    check_chemistry_matches,
    chemistry_mismatches,
    shipped_chemistry_for,
)
from bms.controller._controller import (
    BmsController,
    ControllerContext,
    ControllerState,
    PlatingCap,
    controller_step,
)
from bms.controller._estimating import key_off_soc
from bms.controller._inputs import (
    MAX_RX_FRAMES,
    CanFrameInput,
    ContactorFeedbackInput,
    ControllerInputs,
    FreshFlags,
)
from bms.controller._outputs import (
    CanFrameOutput,
    ContactorCommandOutput,
    ControllerOutputs,
    ControllerStatus,
    DtcEventOutput,
    FaultReport,
)
from bms.controller._receive import (
    COMMAND_MESSAGE,
    CRASH_MESSAGE,
    Reception,
    VehicleReceiver,
    receive_vehicle,
)
from bms.controller._replay import ReplayStep, fault_event, replay_lines, stale_frame
from bms.controller._transmit import FAULT_FLAGS, can_frames, fault_flags

__all__ = [
    "COMMAND_MESSAGE",
    "CRASH_MESSAGE",
    "FAULT_FLAGS",
    "MAX_RX_FRAMES",
    "BmsController",
    "CanFrameInput",
    "CanFrameOutput",
    "ContactorCommandOutput",
    "ContactorFeedbackInput",
    "ControllerContext",
    "ControllerInputs",
    "ControllerOutputs",
    "ControllerState",
    "ControllerStatus",
    "DtcEventOutput",
    "FaultReport",
    "FilterCapacity",
    "FreshFlags",
    "PlatingCap",
    "Reception",
    "ReplayStep",
    "VehicleReceiver",
    "can_frames",
    "check_chemistry_matches",
    "chemistry_mismatches",
    "controller_step",
    "fault_event",
    "fault_flags",
    "key_off_soc",
    "new_pack_capacity",
    "receive_vehicle",
    "replay_lines",
    "shipped_chemistry_for",
    "stale_frame",
]
