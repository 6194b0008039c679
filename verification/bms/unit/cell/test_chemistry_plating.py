"""Tests of the ``plating`` section of bms/cell/_chemistry.py (PlatingMap): SWR_PLAT_001.

Covers: a chemistry with a valid map loads and one without it loads with
``plating`` None; every malformed map is rejected with a ConfigError naming
``plating.<field>`` and the file: breakpoints not strictly increasing, SoC
outside [0, 1], a non-positive current breakpoint, a limit table of the wrong
shape, a negative limit or one above the largest current, a limit rising in
SoC or falling with temperature, a potential table of the wrong shape or
rising with current, a non-finite value, a margin out of range, a missing
key and an unknown key; both shipped chemistry files carry a valid map.
"""

import json
import math
from typing import Any

import pytest

from bms.cell import chemistry_names, load_chemistry, parse_chemistry
from bms.errors import ConfigError
from verification.bms.unit.cell.chemistry_fixture import chemistry_text
from verification.bms.unit.estimation.plating_fixture import plating_data


@pytest.mark.verifies("SWR_PLAT_001")
def test_a_valid_map_loads_and_a_missing_one_is_none() -> None:
    chemistry = parse_chemistry(chemistry_text(plating=plating_data()), "mine.json")
    assert chemistry.plating is not None
    assert chemistry.plating.margin_v == 0.01
    assert parse_chemistry(chemistry_text(), "mine.json").plating is None


def _table(**changes: Any) -> dict[str, Any]:
    data = plating_data()
    data.update(changes)
    return data


def _bumped(table: list[list[float]], row: int, column: int, value: float) -> list[list[float]]:
    copy = [list(r) for r in table]
    copy[row][column] = value
    return copy


BASE = plating_data()
LIMITS = BASE["max_charge_current_a"]
CUBE = BASE["anode_potential_v"]
RISING_CUBE = json.loads(json.dumps(CUBE))
RISING_CUBE[1][2][3] = RISING_CUBE[1][2][2] + 0.01
BAD_MAPS = {
    "unsorted temperatures": (
        _table(temperature_breakpoints_degc=[-20.0, 25.0, 0.0, 45.0]),
        "plating.temperature_breakpoints_degc",
        "strictly increasing",
    ),
    "soc above 1": (
        _table(soc_breakpoints=[0.0, 0.25, 0.5, 0.75, 1.2]),
        "plating.soc_breakpoints",
        "[0, 1]",
    ),
    "zero current": (
        _table(current_breakpoints_a=[0.0, 1.0, 2.0, 4.0, 8.0]),
        "plating.current_breakpoints_a",
        "must be > 0",
    ),
    "limit shape": (
        _table(max_charge_current_a=LIMITS[:-1]),
        "plating.max_charge_current_a",
        "shape (4, 5)",
    ),
    "negative limit": (
        _table(max_charge_current_a=_bumped(LIMITS, 0, 4, -0.1)),
        "plating.max_charge_current_a",
        "must lie in [0, 8.0]",
    ),
    "limit above the currents": (
        _table(max_charge_current_a=_bumped(LIMITS, 3, 0, 9.0)),
        "plating.max_charge_current_a",
        "largest current breakpoint",
    ),
    "limit rising in soc": (
        _table(max_charge_current_a=_bumped(LIMITS, 1, 3, LIMITS[1][2] + 0.5)),
        "plating.max_charge_current_a",
        "non-increasing in SoC",
    ),
    "limit falling with temperature": (
        _table(max_charge_current_a=_bumped(LIMITS, 1, 4, LIMITS[0][4] - 0.5)),
        "plating.max_charge_current_a",
        "non-decreasing in temperature",
    ),
    "potential shape": (
        _table(anode_potential_v=CUBE[:-1]),
        "plating.anode_potential_v",
        "shape (4, 5, 5)",
    ),
    "potential rising with current": (
        _table(anode_potential_v=RISING_CUBE),
        "plating.anode_potential_v",
        "non-increasing in current",
    ),
    "margin out of range": (_table(margin_v=-0.01), "plating.margin_v", "greater than or equal"),
}


@pytest.mark.verifies("SWR_PLAT_001")
@pytest.mark.parametrize("case", sorted(BAD_MAPS))
def test_a_malformed_map_names_the_field(case: str) -> None:
    data, field, words = BAD_MAPS[case]
    with pytest.raises(ConfigError) as error:
        parse_chemistry(chemistry_text(plating=data), "cell.json")
    message = str(error.value)
    assert "cell.json" in message
    assert f"{field}:" in message
    assert words in message


@pytest.mark.verifies("SWR_PLAT_001")
def test_non_finite_missing_and_unknown_keys_are_named() -> None:
    text = chemistry_text(plating=_table(margin_v=math.nan))
    with pytest.raises(ConfigError) as error:
        parse_chemistry(text, "cell.json")
    assert "plating.margin_v" in str(error.value)
    data = plating_data()
    del data["source"]
    with pytest.raises(ConfigError) as error:
        parse_chemistry(chemistry_text(plating=data), "cell.json")
    assert "plating.source: is required but missing" in str(error.value)
    with pytest.raises(ConfigError) as error:
        parse_chemistry(chemistry_text(plating=_table(extra_key=1.0)), "cell.json")
    assert "plating.extra_key" in str(error.value)


@pytest.mark.verifies("SWR_PLAT_001")
@pytest.mark.parametrize("name", chemistry_names())
def test_shipped_chemistries_carry_a_plating_map(name: str) -> None:
    plating = load_chemistry(name).plating
    assert plating is not None
    assert plating.margin_v == pytest.approx(0.010)
    assert plating.temperature_breakpoints_degc[0] <= -20.0
    assert plating.temperature_breakpoints_degc[-1] >= 45.0
