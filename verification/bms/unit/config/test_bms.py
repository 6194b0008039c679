"""Tests of bms/config/_bms.py: rules that span pack, cell and protection.

Covers: every fault tier inside the cell's envelope (voltage, current,
temperature in both directions), the reaction budget (debounce + period +
contactor opening <= FTTI) for every limit, several problems reported
together; the default configuration satisfies all of them.
"""

from typing import Any

import pytest
from pydantic import ValidationError

from bms.config import BmsConfig, load_config

BASE = load_config().model_dump()


def _with(path: str, value: Any) -> dict[str, Any]:
    data = load_config().model_dump()
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[leaf] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("cell.absolute_max_voltage_v", 4.25, "over_fault_v=4.25 must be < cell.absolute_max"),
        ("cell.absolute_min_voltage_v", 2.6, "under_fault_v=2.6 must be > cell.absolute_min"),
        ("cell.absolute_max_charge_current_a", 3.0, "charge_current.fault_a=65.0 must be <="),
        ("cell.absolute_max_discharge_current_a", 6.5, "discharge_current.fault_a=140.0"),
        ("cell.absolute_max_temperature_degc", 55.0, "discharge_temperature.over_fault_degc=60.0"),
        ("cell.absolute_min_temperature_degc", -25.0, "discharge_temperature.under_fault_degc"),
        ("pack.contactors.opening_time_ms", 95, "protection.cell_voltage.timing: debounce_ms=200"),
    ],
    ids=[
        "ov-beyond-cell",
        "uv-beyond-cell",
        "charge-current",
        "discharge-current",
        "over-temperature",
        "under-temperature",
        "reaction-budget",
    ],
)
def test_cross_model_rules(path: str, value: Any, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        BmsConfig.model_validate(_with(path, value))


def test_several_problems_reported_together() -> None:
    data = _with("cell.absolute_max_voltage_v", 4.25)
    data["cell"]["absolute_max_temperature_degc"] = 55.0
    with pytest.raises(ValidationError) as caught:
        BmsConfig.model_validate(data)
    message = str(caught.value)
    assert "over_fault_v" in message
    assert "over_fault_degc" in message


def test_default_configuration_is_valid() -> None:
    assert BmsConfig.model_validate(BASE) == load_config()
