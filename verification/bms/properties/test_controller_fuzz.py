"""Fuzzing: the controller step and the replay never raise, whatever the input.

Covers: arbitrary frames (any lengths, NaN, infinities, signed zeros,
subnormals and huge values in every reading, any flags) give outputs, and a
latched fault never coexists with a closed contactor; arbitrary text lines
(including JSON-looking fragments of valid frames) replay without raising,
one output per line, every malformed line reported.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bms.config import load_config
from bms.controller import (
    BmsController,
    CanFrameInput,
    ContactorFeedbackInput,
    ControllerInputs,
    FreshFlags,
    replay_lines,
)
from verification.bms.unit.controller.frames import frame, vehicle_frames
from verification.hypothesis_profiles import examples

CONFIG = load_config()
PERIOD = CONFIG.pack.protection_period_ms

readings = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.sampled_from([0.0, -0.0, 3.7, 4.3, 2.5, 1e308, -1e308, 5e-324]),
)
frames = st.builds(
    ControllerInputs,
    time_ms=st.integers(min_value=0, max_value=2**40),
    cell_voltages_v=st.lists(readings, max_size=100).map(tuple),
    cell_temperatures_degc=st.lists(readings, max_size=40).map(tuple),
    current_a=st.lists(readings, max_size=3).map(tuple),
    pack_voltage_v=readings,
    link_voltage_v=readings,
    isolation_resistance_ohm=readings,
    contactor_feedback=st.builds(
        ContactorFeedbackInput,
        main_positive_closed=st.booleans(),
        main_negative_closed=st.booleans(),
        precharge_closed=st.booleans(),
    ),
    can_rx=st.lists(
        st.one_of(
            st.builds(
                CanFrameInput,
                arbitration_id=st.sampled_from([80, 512, 0, 0x7FF]),
                data_hex=st.binary(max_size=8).map(bytes.hex),
            ),
            st.sampled_from(vehicle_frames(0, close=True) + vehicle_frames(10, crash=True)),
        ),
        max_size=4,
    ).map(tuple),
    fresh=st.builds(
        FreshFlags,
        cells=st.booleans(),
        temperatures=st.booleans(),
        current=st.booleans(),
        isolation=st.booleans(),
    ),
)


@pytest.mark.verifies("SWR_CTRL_STEP_001", "SWR_CTRL_SAFE_001", method="fault_injection")
@settings(max_examples=examples(40), deadline=None)
@given(st.lists(frames, min_size=1, max_size=6))
def test_controller_step_never_raises(inputs: list[ControllerInputs]) -> None:
    controller = BmsController(CONFIG)
    for one in inputs:
        outputs = controller.step(one)
        assert "internal_error" not in outputs.latched_faults
        if outputs.latched_faults:
            assert not outputs.contactors.main_positive
            assert not outputs.contactors.main_negative
            assert not outputs.contactors.precharge


good = frame().model_dump_json()
lines = st.one_of(
    st.text(max_size=200),
    st.integers(0, len(good)).map(lambda cut: good[:cut]),
    st.just(good),
    st.sampled_from(["{}", "[]", "null", "NaN", '{"time_ms": -1}', good.replace("3.7", "NaN")]),
)


@pytest.mark.verifies("SWR_CTRL_REPLAY_001", method="fault_injection")
@settings(max_examples=examples(40), deadline=None)
@given(st.lists(lines, max_size=8))
def test_replay_never_raises(text: list[str]) -> None:
    steps = list(replay_lines(text, BmsController(CONFIG), period_ms=PERIOD))
    assert len(steps) == len(text)
    for step, line in zip(steps, text, strict=True):
        if line == good:
            assert step.error is None
        assert "internal_error" not in step.outputs.latched_faults
