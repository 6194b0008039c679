"""Tests of the direction-dependent circuit (SWR_CELL_005): the chemistry's ``charge`` section.

Covers: the section is validated like the top-level tables and its problems
name ``charge.<field>``; a lookup reads the charge resistances for charging
cells only and the same OCV, slope, time constants and capacity both ways; a
chemistry without the section reads the same tables both ways; the plant's
circuit charges through the charge resistances, its voltage is continuous
through zero current and a rest relaxes with the shared time constants; a
State-of-Function charge limit reads the charge resistances and a discharge
limit does not.
"""

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pydantic
import pytest

from bms.cell import (
    Chemistry,
    EcmState,
    cell_model,
    cell_tables,
    ecm_step,
    lookup,
    terminal_voltage,
)
from verification.bms.unit.cell.chemistry_fixture import (
    SOC,
    TEMPERATURES,
    charge_section,
    chemistry_data,
    synthetic_chemistry,
)

WITH_CHARGE = synthetic_chemistry(charge=charge_section())
WITHOUT = synthetic_chemistry()


def _charge_with(**fields: Any) -> dict[str, Any]:
    return {**charge_section(), **fields}


@pytest.mark.verifies("SWR_CELL_005")
@pytest.mark.parametrize(
    ("section", "field"),
    [
        pytest.param(_charge_with(r0_ohm=[[0.01] * len(SOC)]), "charge.r0_ohm", id="shape"),
        pytest.param(
            _charge_with(r2_ohm=[[0.0] * len(SOC)] * len(TEMPERATURES)),
            "charge.r2_ohm",
            id="zero",
        ),
        pytest.param(
            {k: v for k, v in charge_section().items() if k != "r1_ohm"}, "r1_ohm", id="missing"
        ),
        pytest.param(
            _charge_with(tau2_s=[[300.0] * len(SOC)] * len(TEMPERATURES)),
            "tau2_s",
            id="time-constants-are-shared",
        ),
    ],
)
def test_a_malformed_charge_section_names_its_field(section: dict[str, Any], field: str) -> None:
    with pytest.raises(pydantic.ValidationError) as error:
        Chemistry.model_validate_json(json.dumps(chemistry_data(charge=section)))
    assert field in str(error.value)


@pytest.mark.verifies("SWR_CELL_005")
def test_lookup_reads_the_charge_resistances_for_charging_cells_only() -> None:
    tables = cell_tables(WITH_CHARGE)
    rng = np.random.default_rng(7)
    t = rng.uniform(-10.0, 45.0, 50)
    s = rng.uniform(0.0, 1.0, 50)
    charging = rng.random(50) < 0.5
    mixed = lookup(tables, t, s, charging)
    discharge = lookup(tables, t, s)
    charge_only = lookup(cell_tables(synthetic_chemistry(**_charge_as_top_level())), t, s)
    for name in ("r0_ohm", "r1_ohm", "r2_ohm"):
        expected = np.where(charging, getattr(charge_only, name), getattr(discharge, name))
        assert np.allclose(getattr(mixed, name), expected, rtol=1e-12, atol=0.0), name
        assert not np.allclose(getattr(charge_only, name), getattr(discharge, name)), name
    for name in ("ocv_v", "docv_dsoc_v", "tau1_s", "tau2_s", "capacity_ah"):
        assert np.array_equal(getattr(mixed, name), getattr(discharge, name)), name


def _charge_as_top_level() -> dict[str, Any]:
    """The charge section's tables put in the top-level fields (an independent reading)."""
    return {k: v for k, v in charge_section().items() if k != "pulse_rmse_v_by_temperature"}


@pytest.mark.verifies("SWR_CELL_005")
def test_without_a_charge_section_both_directions_read_the_same_tables() -> None:
    tables = cell_tables(WITHOUT)
    t, s = np.full(4, 10.0), np.linspace(0.1, 0.9, 4)
    charging = lookup(tables, t, s, np.ones(4, dtype=np.bool_))
    discharging = lookup(tables, t, s, np.zeros(4, dtype=np.bool_))
    assert np.array_equal(charging.r2_ohm, discharging.r2_ohm)
    assert not tables.has_charge_tables


def _rest_state(soc: float) -> EcmState:
    return EcmState(
        soc=np.array([soc]),
        v_rc1_v=np.zeros(1),
        v_rc2_v=np.zeros(1),
        temperature_degc=np.array([25.0]),
    )


@pytest.mark.verifies("SWR_CELL_005")
def test_the_plant_charges_through_the_charge_resistances_and_relaxes_alike() -> None:
    model = cell_model(WITH_CHARGE)
    state = _rest_state(0.5)
    tables = model.tables
    charge = lookup(tables, state.temperature_degc, state.soc, np.ones(1, dtype=np.bool_))
    discharge = lookup(tables, state.temperature_degc, state.soc)
    assert terminal_voltage(model, state, -2.0) == pytest.approx(
        charge.ocv_v + 2.0 * charge.r0_ohm, rel=1e-12
    )
    assert terminal_voltage(model, state, 2.0) == pytest.approx(
        discharge.ocv_v - 2.0 * discharge.r0_ohm, rel=1e-12
    )
    # continuous through zero current: no step between a tiny charge and a tiny discharge
    tiny = 1e-9
    jump = terminal_voltage(model, state, -tiny) - terminal_voltage(model, state, tiny)
    assert abs(float(jump[0])) < 1e-9
    charged = ecm_step(model, state, -2.0, 30.0, 25.0)
    decay = np.exp(-30.0 / charge.tau1_s)
    assert charged.v_rc1_v == pytest.approx(-2.0 * charge.r1_ohm * (1.0 - decay), rel=1e-12)
    assert charged.v_rc1_v != pytest.approx(-2.0 * discharge.r1_ohm * (1.0 - decay), rel=1e-3)
    rested = ecm_step(model, charged, 0.0, 30.0, 25.0)
    after = lookup(tables, charged.temperature_degc, charged.soc)
    assert rested.v_rc1_v == pytest.approx(
        charged.v_rc1_v * np.exp(-30.0 / after.tau1_s), rel=1e-12
    )


@pytest.mark.verifies("SWR_CELL_005", "SWR_SOF_001")
def test_a_charge_limit_reads_the_charge_tables_and_a_discharge_limit_does_not() -> None:
    from bms.config import load_config  # noqa: PLC0415
    from bms.estimation import sof_limits, state_of_function  # noqa: PLC0415

    # maxima above the voltage's limit, which is the subject here
    limits = replace(sof_limits(load_config()), max_charge_current_a=400.0)
    cells = 3

    def power_limits(chemistry: Chemistry, soc: float) -> tuple[float, float]:
        result = state_of_function(
            cell_model(chemistry),
            limits,
            soc=np.full(cells, soc),
            soc_sigma=np.zeros(cells),
            rc_voltages_v=(np.zeros(cells), np.zeros(cells)),
            temperature_degc=np.full(cells, 25.0),
        )
        return result.discharge_current_a, result.charge_current_a

    charge_as_top = synthetic_chemistry(**_charge_as_top_level())
    # near full, where the charge limit is the voltage's, not the configured maximum
    with_charge, without, reference = (
        power_limits(chemistry, 0.97) for chemistry in (WITH_CHARGE, WITHOUT, charge_as_top)
    )
    assert with_charge[1] == pytest.approx(reference[1], rel=1e-12)
    assert with_charge[1] != pytest.approx(without[1], rel=1e-3)
    low_with, low_without = power_limits(WITH_CHARGE, 0.15), power_limits(WITHOUT, 0.15)
    assert low_with[0] == pytest.approx(low_without[0], rel=1e-12)
