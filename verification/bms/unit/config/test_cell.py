"""Tests of bms/config/_cell.py: the cell's absolute envelope.

Covers: voltage and temperature limits out of order, non-positive
capacity and currents; the default cell.
"""

from typing import Any

import pytest
from pydantic import ValidationError

from bms.config import CellLimits, load_config

CELL = load_config().cell.model_dump()


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"absolute_min_voltage_v": 4.4}, "absolute_min_voltage_v=4.4 must be <"),
        ({"nominal_capacity_ah": 0.0}, "nominal_capacity_ah"),
        ({"absolute_max_charge_current_a": -1.0}, "absolute_max_charge_current_a"),
        ({"absolute_max_temperature_degc": 20.0}, "absolute_max_temperature_degc"),
        ({"chemistry": ""}, "chemistry"),
    ],
    ids=[
        "voltage-order",
        "zero-capacity",
        "negative-current",
        "max-temperature-too-low",
        "empty-chemistry",
    ],
)
def test_invalid_cell(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        CellLimits.model_validate({**CELL, **changes})


def test_default_cell() -> None:
    cell = CellLimits.model_validate(CELL)
    assert cell.absolute_min_voltage_v < cell.absolute_max_voltage_v
