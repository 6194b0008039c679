"""MC/DC tests of bms/controller/_transmit.py (SWR_CTRL_CAN_001).

Covers the condition the main tests leave without independent effect: the
``EmergencyOpening`` bit of ``BMS_Faults`` is set exactly when this step's
contactor events hold ``emergency_open``, with the same latched faults.
"""

import pytest

from bms.can import FaultFlag
from bms.config import load_config
from bms.controller import BmsController, fault_flags
from verification.bms.unit.controller.frames import frame

CONFIG = load_config()


@pytest.mark.verifies("SWR_CTRL_CAN_001")
def test_emergency_opening_bit_follows_the_event() -> None:
    outputs = BmsController(CONFIG).step(frame(0))
    quiet = outputs.model_copy(update={"events": ("weld_detected",)})
    emergency = outputs.model_copy(update={"events": ("weld_detected", "emergency_open")})
    assert FaultFlag.EMERGENCY_OPENING not in fault_flags(quiet)
    assert fault_flags(emergency) == fault_flags(quiet) | FaultFlag.EMERGENCY_OPENING
