"""Tests of bms/cell/_chemistry.py: the chemistry-file model against SWR_CELL_001.

Covers: a valid file; one table of invalid files, each asserting that the
message names the field (strictly increasing and bounded breakpoints, table
shapes, positive resistances and time constants, tau1 < tau2, non-decreasing
OCV, one capacity per temperature, voltage order, non-finite values, unknown
keys, wrong format version); the model is frozen.
"""

import json
from typing import Any

import pydantic
import pytest

from bms.cell import Chemistry
from verification.bms.unit.cell.chemistry_fixture import SOC, TEMPERATURES, chemistry_data


def _table(value: float) -> list[list[float]]:
    return [[value] * len(SOC) for _ in TEMPERATURES]


def _ocv_with_dip() -> list[list[float]]:
    table: list[list[float]] = chemistry_data()["ocv_v"]
    table[2][5] = table[2][4] - 0.01
    return table


INVALID: list[Any] = [
    pytest.param(
        {"soc_breakpoints": [0.0, 0.5, 0.5, *SOC[3:]]}, "soc_breakpoints", id="soc-repeat"
    ),
    pytest.param({"soc_breakpoints": [-0.1, *SOC[1:]]}, "soc_breakpoints", id="soc-below-0"),
    pytest.param({"soc_breakpoints": [0.0]}, "soc_breakpoints", id="soc-one-point"),
    pytest.param(
        {"temperature_breakpoints_degc": [-10.0, 0.0, 0.0, 25.0, 45.0]},
        "temperature_breakpoints_degc",
        id="temperature-not-increasing",
    ),
    pytest.param({"r0_ohm": _table(0.02)[:-1]}, "r0_ohm", id="table-too-few-rows"),
    pytest.param({"r1_ohm": [[0.01] * 3] * len(TEMPERATURES)}, "r1_ohm", id="table-short-rows"),
    pytest.param({"r2_ohm": _table(0.0)}, "r2_ohm", id="zero-resistance"),
    pytest.param({"tau1_s": _table(-1.0)}, "tau1_s", id="negative-tau"),
    pytest.param({"tau1_s": _table(500.0)}, "tau1_s", id="tau1-not-faster"),
    pytest.param({"ocv_v": _ocv_with_dip()}, "ocv_v", id="ocv-decreasing"),
    pytest.param(
        {"capacity_ah_by_temperature": [5.0]}, "capacity_ah_by_temperature", id="cap-count"
    ),
    pytest.param(
        {"capacity_ah_by_temperature": [5.0, 5, 0, 5, 5]}, "capacity_ah_by_temperature", id="cap-0"
    ),
    pytest.param({"min_voltage_v": 4.3}, "min_voltage_v", id="voltage-order"),
    pytest.param({"format_version": 2}, "format_version", id="format-version"),
    pytest.param({"nominal_capacity_ah": "5"}, "nominal_capacity_ah", id="string-for-float"),
    pytest.param({"r0_ohm": [[float("inf")] * len(SOC)] * len(TEMPERATURES)}, "r0_ohm", id="inf"),
    pytest.param({"colour": "red"}, "colour", id="unknown-key"),
]


@pytest.mark.verifies("SWR_CELL_001")
def test_valid_file_loads() -> None:
    chemistry = Chemistry.model_validate_json(json.dumps(chemistry_data()))
    assert chemistry.name == "SYNTHETIC_TEST"
    assert len(chemistry.ocv_v) == len(TEMPERATURES)


@pytest.mark.verifies("SWR_CELL_001")
@pytest.mark.parametrize(("overrides", "field"), INVALID)
def test_invalid_file_names_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(pydantic.ValidationError) as error:
        Chemistry.model_validate_json(json.dumps(chemistry_data(**overrides)))
    assert field in str(error.value)


@pytest.mark.verifies("SWR_CELL_001")
def test_model_is_frozen() -> None:
    chemistry = Chemistry.model_validate_json(json.dumps(chemistry_data()))
    with pytest.raises(pydantic.ValidationError):
        chemistry.name = "other"  # type: ignore[misc]
