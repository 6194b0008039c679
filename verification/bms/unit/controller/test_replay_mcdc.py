"""MC/DC tests of bms/controller/_replay.py (SWR_CTRL_REPLAY_001).

Covers the condition the main tests leave without independent effect: the
reason of a malformed line names the first bad field when the problem is a
pydantic validation error and is the error's own text (cut to the reason
length) for any other ``ValueError``.
"""

import pytest
from pydantic import ValidationError

import bms.controller._replay as replay_module
from bms.controller import ControllerInputs


@pytest.mark.verifies("SWR_CTRL_REPLAY_001")
def test_reason_of_a_validation_error_and_of_another_value_error() -> None:
    with pytest.raises(ValidationError) as caught:
        ControllerInputs.model_validate_json('{"time_ms": "soon"}')
    described = replay_module._describe(caught.value)
    assert described.startswith("time_ms: ")
    assert "more)" in described
    assert replay_module._describe(ValueError("not a frame")) == "not a frame"
    assert len(replay_module._describe(ValueError("x" * 1000))) < 1000
