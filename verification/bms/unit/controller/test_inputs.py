"""Tests of bms/controller/_inputs.py: the replay and vehicle input contract.

Covers: a JSON frame with NaN and infinity parses; defaults of the
optional groups (fresh, received CAN frames, feedback); unknown keys, wrong
types, a negative time, non-hex or over-long payloads, 29-bit identifiers and
the retired decoded ``vehicle`` object are rejected naming the field; a
payload of the wrong length parses (the E2E receiver judges it); the JSON
Schema lists every field.
"""

import json
import math

import pytest
from pydantic import ValidationError

from bms.controller import ControllerInputs
from verification.bms.unit.controller.frames import frame

MINIMAL = {
    "time_ms": 0,
    "cell_voltages_v": [3.7, "NaN"],
    "cell_temperatures_degc": [25.0],
    "current_a": [1.0, 1.0],
    "pack_voltage_v": 355.0,
    "link_voltage_v": 0.0,
    "isolation_resistance_ohm": 1e6,
}


@pytest.mark.verifies("SWR_CTRL_IN_001", method="interface_test")
@pytest.mark.verifies("SWR_CTRL_IN_001")
def test_json_frame_with_non_finite_values_parses() -> None:
    text = json.dumps(MINIMAL).replace('"NaN"', "NaN").replace("1000000.0", "Infinity")
    inputs = ControllerInputs.model_validate_json(text)
    assert math.isnan(inputs.cell_voltages_v[1])
    assert inputs.isolation_resistance_ohm == math.inf
    assert inputs.fresh.cells
    assert inputs.can_rx == ()
    assert not inputs.contactor_feedback.main_positive_closed


@pytest.mark.verifies("SWR_CTRL_IN_001")
def test_round_trip() -> None:
    inputs = frame(120, close=True)
    assert ControllerInputs.model_validate_json(inputs.model_dump_json()) == inputs


@pytest.mark.verifies("SWR_CTRL_IN_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_IN_001")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_ms": -1}, "time_ms"),
        ({"pack_voltage": 1.0}, "pack_voltage"),
        ({"pack_voltage_v": "high"}, "pack_voltage_v"),
        ({"fresh": {"close": True}}, "fresh.close"),
        ({"fresh": {"cells": 1}}, "fresh.cells"),
        ({"can_rx": [{"arbitration_id": 512, "data_hex": "0g"}]}, "can_rx.0.data_hex"),
        ({"can_rx": [{"arbitration_id": 512, "data_hex": "00" * 9}]}, "can_rx.0.data_hex"),
        ({"can_rx": [{"arbitration_id": 2048, "data_hex": ""}]}, "can_rx.0.arbitration_id"),
        ({"vehicle": {"close_request": True}}, "vehicle"),
    ],
    ids=[
        "negative-time",
        "unknown-key",
        "wrong-type",
        "unknown-nested",
        "int-for-bool",
        "not-hex",
        "nine-bytes",
        "29-bit-id",
        "decoded-command-no-longer-accepted",
    ],
)
def test_invalid_frames(change: dict[str, object], field: str) -> None:
    data = {**MINIMAL, "cell_voltages_v": [3.7], **change}
    with pytest.raises(ValidationError) as caught:
        ControllerInputs.model_validate_json(json.dumps(data))
    assert field in str(caught.value).replace("\n  ", ".")


@pytest.mark.verifies("SWR_CTRL_IN_001")
def test_wrong_length_frames_parse_for_the_receiver_to_judge() -> None:
    """A 3-byte command is not a parse error: the E2E receiver reports WRONG_LENGTH."""
    data = {
        **MINIMAL,
        "cell_voltages_v": [3.7],
        "can_rx": [{"arbitration_id": 512, "data_hex": "a1b2c3"}],
    }
    inputs = ControllerInputs.model_validate_json(json.dumps(data))
    assert inputs.can_rx[0].data_hex == "a1b2c3"


@pytest.mark.verifies("SWR_CTRL_IN_001")
def test_schema_lists_every_field() -> None:
    schema = ControllerInputs.model_json_schema()
    assert set(schema["properties"]) == set(ControllerInputs.model_fields)
    assert set(schema["required"]) >= {"time_ms", "cell_voltages_v", "current_a"}
