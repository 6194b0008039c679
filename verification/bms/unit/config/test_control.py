"""Tests of bms/config/_control.py: balancing, derating and thermal thresholds.

Covers: the shipped pack's control section is valid; one table of invalid
inputs per model (hysteresis order, table shapes, monotone SoC tables,
temperature tables rising then falling with 0 at both ends); the cross
checks against protection (each control limit acts inside its protection
threshold), each naming the blamed field so the loader can point at its line.
"""

from typing import Any

import pytest
from pydantic import ValidationError

from bms.config import (
    BalancingConfig,
    BmsConfig,
    DeratingConfig,
    DeratingTable,
    ThermalConfig,
    load_config,
    parse_config,
)
from bms.config import default_pack_path as pack_path
from bms.errors import ConfigError

CONTROL = load_config().control


def test_shipped_pack_has_a_valid_control_section() -> None:
    assert CONTROL.balancing.stop_delta_v < CONTROL.balancing.start_delta_v
    assert CONTROL.derating.charge_soc.is_non_increasing()
    assert CONTROL.derating.discharge_soc.is_non_decreasing()


def _derating(**changes: Any) -> dict[str, Any]:
    return {**CONTROL.derating.model_dump(), **changes}


@pytest.mark.parametrize(
    ("model", "data", "fragment"),
    [
        (
            BalancingConfig,
            {**CONTROL.balancing.model_dump(), "stop_delta_v": 0.02},
            "stop_delta_v=0.02 must be < start_delta_v=0.01",
        ),
        (BalancingConfig, {**CONTROL.balancing.model_dump(), "max_bleeding_cells": 0}, "max_"),
        (BalancingConfig, {**CONTROL.balancing.model_dump(), "resistance_ohm": 0.0}, "resistance"),
        (
            DeratingTable,
            {"breakpoints": (0.0, 1.0), "factors": (1.0,)},
            "must have the same length",
        ),
        (DeratingTable, {"breakpoints": (1.0, 1.0), "factors": (1.0, 1.0)}, "strictly increasing"),
        (DeratingTable, {"breakpoints": (0.0, float("nan")), "factors": (1.0, 1.0)}, "finite"),
        (DeratingTable, {"breakpoints": (0.0, 1.0), "factors": (1.0, 1.5)}, "less than or equal"),
        (
            DeratingConfig,
            _derating(charge_soc={"breakpoints": (0.0, 1.0), "factors": (0.5, 1.0)}),
            "charge_soc.factors=(0.5, 1.0) must never rise",
        ),
        (
            DeratingConfig,
            _derating(discharge_soc={"breakpoints": (0.0, 1.0), "factors": (1.0, 0.5)}),
            "discharge_soc.factors=(1.0, 0.5) must never fall",
        ),
        (
            DeratingConfig,
            _derating(
                charge_temperature={"breakpoints": (0.0, 10.0, 20.0), "factors": (0.0, 1.0, 0.5)}
            ),
            "charge_temperature.factors=(0.0, 1.0, 0.5) must rise, then fall, and be 0",
        ),
        (
            DeratingConfig,
            _derating(
                discharge_temperature={
                    "breakpoints": (0.0, 10.0, 20.0, 30.0),
                    "factors": (0.0, 1.0, 0.5, 1.0),
                }
            ),
            "discharge_temperature.factors",
        ),
        (
            DeratingConfig,
            _derating(charge_taper_end_v=4.0),
            "charge_taper_start_v=4.1 must be < charge_taper_end_v=4.0",
        ),
        (
            DeratingConfig,
            _derating(discharge_taper_start_v=2.8),
            "discharge_taper_end_v=2.9 must be < discharge_taper_start_v=2.8",
        ),
        (
            ThermalConfig,
            {**CONTROL.thermal.model_dump(), "heat_off_degc": 31.0},
            "heat_off_degc=31.0 must be < cool_off_degc=30.0",
        ),
    ],
    ids=[
        "balancing-hysteresis",
        "balancing-zero-cells",
        "balancing-zero-resistance",
        "table-lengths",
        "table-order",
        "table-nan",
        "table-factor-range",
        "charge-soc-rises",
        "discharge-soc-falls",
        "charge-temperature-end",
        "discharge-temperature-two-peaks",
        "charge-taper-order",
        "discharge-taper-order",
        "thermal-bands-overlap",
    ],
)
def test_invalid_control_models(model: type[Any], data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        model.model_validate(data)


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
        ("control.balancing.min_cell_voltage_v", 2.7, "control.balancing.min_cell_voltage_v=2.7"),
        ("control.derating.charge_taper_end_v", 4.23, "control.derating.charge_taper_end_v=4.23"),
        ("control.derating.discharge_taper_end_v", 2.75, "discharge_taper_end_v=2.75 must be >="),
        ("control.derating.max_charge_current_a", 120.0, "max_charge_current_a=120.0 must be <="),
        ("control.derating.max_discharge_current_a", 230.0, "max_discharge_current_a=230.0"),
        ("control.thermal.cool_on_degc", 46.0, "control.thermal.cool_on_degc=46.0 must be <="),
        ("control.thermal.heat_on_degc", -21.0, "control.thermal.heat_on_degc=-21.0 must be >="),
        (
            "control.derating.charge_temperature",
            {"breakpoints": (-5.0, 20.0, 50.0), "factors": (0.0, 1.0, 0.0)},
            "control.derating.charge_temperature.breakpoints: -5.0 .. 50.0 must lie inside",
        ),
        (
            "control.derating.discharge_temperature",
            {"breakpoints": (-25.0, 20.0, 61.0), "factors": (0.0, 1.0, 0.0)},
            "control.derating.discharge_temperature.breakpoints",
        ),
    ],
    ids=[
        "balancing-below-uv-warning",
        "charge-taper-past-ov-warning",
        "discharge-taper-past-uv-warning",
        "charge-max-above-warning",
        "discharge-max-above-warning",
        "cooling-after-warning",
        "heating-below-warning",
        "charge-table-outside-window",
        "discharge-table-outside-window",
    ],
)
def test_control_inside_protection(path: str, value: Any, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        BmsConfig.model_validate(_with(path, value))


def test_loader_points_at_the_control_line() -> None:
    text = (
        pack_path()
        .read_text(encoding="utf-8")
        .replace("max_charge_current_a = 50.0", "max_charge_current_a = 60.0")
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "pack.toml")
    line = next(
        number
        for number, content in enumerate(text.splitlines(), start=1)
        if content.startswith("max_charge_current_a")
    )
    assert f"pack.toml:{line}: control.derating.max_charge_current_a" in caught.value.render()


def test_requirement_numbers_match_the_reference_pack() -> None:
    """requirements/swr/control.rst quotes these values; change both together."""
    balancing, derating, thermal = CONTROL.balancing, CONTROL.derating, CONTROL.thermal
    assert (balancing.start_delta_v, balancing.stop_delta_v) == (0.010, 0.003)
    assert (balancing.min_cell_voltage_v, balancing.max_temperature_degc) == (3.0, 45.0)
    assert balancing.max_bleeding_cells == 48
    assert balancing.resistance_ohm == 20.0
    assert (derating.max_charge_current_a, derating.max_discharge_current_a) == (50.0, 110.0)
    assert (derating.charge_taper_start_v, derating.charge_taper_end_v) == (4.10, 4.20)
    assert (derating.discharge_taper_start_v, derating.discharge_taper_end_v) == (3.20, 2.90)
    assert derating.charge_soc.breakpoints == (0.0, 0.8, 0.95, 1.0)
    assert derating.charge_soc.factors == (1.0, 1.0, 0.3, 0.0)
    assert derating.discharge_soc.breakpoints == (0.0, 0.05, 0.2, 1.0)
    assert derating.discharge_soc.factors == (0.0, 0.3, 1.0, 1.0)
    assert derating.charge_temperature.breakpoints[::5] == (0.0, 50.0)
    assert derating.charge_temperature.breakpoints[2:4] == (15.0, 35.0)
    assert derating.discharge_temperature.breakpoints[::5] == (-25.0, 60.0)
    assert derating.discharge_temperature.breakpoints[2:4] == (0.0, 45.0)
    assert (thermal.heat_on_degc, thermal.heat_off_degc) == (8.0, 12.0)
    assert (thermal.cool_off_degc, thermal.cool_on_degc) == (30.0, 35.0)
