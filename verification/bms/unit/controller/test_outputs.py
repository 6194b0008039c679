"""Tests of bms/controller/_outputs.py: the output record.

Covers: an output serialises to JSON (non-finite limits as constants) and
reads back equal; unknown fields are rejected.
"""

import pytest
from pydantic import ValidationError

from bms.controller import BmsController, ControllerOutputs
from verification.bms.unit.controller.frames import frame


@pytest.mark.verifies("SWR_CTRL_OUT_001", method="interface_test")
@pytest.mark.verifies("SWR_CTRL_OUT_001")
def test_outputs_round_trip_through_json() -> None:
    outputs = BmsController().step(frame())
    text = outputs.model_dump_json()
    assert ControllerOutputs.model_validate_json(text) == outputs
    nan = outputs.model_copy(update={"discharge_current_limit_a": float("nan")})
    assert "NaN" in nan.model_dump_json()


@pytest.mark.verifies("SWR_CTRL_OUT_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_OUT_001")
def test_unknown_field_rejected() -> None:
    data = BmsController().step(frame()).model_dump()
    data["extra"] = 1
    with pytest.raises(ValidationError, match="extra"):
        ControllerOutputs.model_validate(data)
