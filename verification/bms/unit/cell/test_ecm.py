"""Tests of bms/cell/_ecm.py: the two-RC equivalent circuit against SWR_CELL_003, SWR_CELL_004.

Covers: terminal voltage at rest equals the OCV and drops by R0 I at once
under load; the RC pairs follow the exact discretisation (one long step
equals many short ones at constant parameters, steady state R I); coulomb
counting against the temperature-dependent capacity, scaled per cell; SoC
clamped to [0, 1]; Joule heating warms a loaded cell; the functions are
pure (the input state is not changed); a chemistry whose circuit was fitted
with the particles' surface lag held out gets the lag back (SWR_CELL_007):
the same SoC and RC voltages, a terminal voltage lower by the lag under
discharge that relaxes at rest, and its heat.
"""

import numpy as np
import pytest

from bms.cell import (
    EcmState,
    cell_model,
    cell_tables,
    ecm_step,
    heat_generation_w,
    lookup,
    surface_lag_voltage,
    surface_offset,
    terminal_voltage,
)
from verification.bms.unit.cell.chemistry_fixture import (
    electrodes_section,
    lagged_electrodes_section,
    synthetic_chemistry,
)

CHEMISTRY = synthetic_chemistry()


def _state(soc: float, temperature: float = 25.0, cells: int = 1) -> EcmState:
    zeros = np.zeros(cells)
    return EcmState(
        soc=np.full(cells, soc),
        v_rc1_v=zeros,
        v_rc2_v=zeros.copy(),
        temperature_degc=np.full(cells, temperature),
    )


@pytest.mark.verifies("SWR_CELL_003")
def test_voltage_at_rest_is_ocv_and_drops_by_r0_under_load() -> None:
    model = cell_model(CHEMISTRY)
    state = _state(0.6)
    parameters = lookup(model.tables, state.temperature_degc, state.soc)
    assert terminal_voltage(model, state, 0.0) == pytest.approx(parameters.ocv_v)
    assert terminal_voltage(model, state, 10.0) == pytest.approx(
        parameters.ocv_v - 10.0 * parameters.r0_ohm
    )


@pytest.mark.verifies("SWR_CELL_003")
def test_rc_pairs_follow_the_exact_discretisation() -> None:
    # Zero heat transfer variation aside, at constant SoC and temperature the RC voltage
    # after t is R I (1 - exp(-t / tau)); a tiny current keeps SoC and T constant.
    model = cell_model(CHEMISTRY)
    state = _state(0.5)
    current = 1e-3
    parameters = lookup(model.tables, state.temperature_degc, state.soc)
    one = ecm_step(model, state, current, 30.0, 25.0)
    expected = parameters.r1_ohm * current * (1.0 - np.exp(-30.0 / parameters.tau1_s))
    assert one.v_rc1_v == pytest.approx(expected, rel=1e-6)
    many = state
    for _ in range(300):
        many = ecm_step(model, many, current, 0.1, 25.0)
    assert many.v_rc1_v == pytest.approx(one.v_rc1_v, rel=1e-4)
    assert many.v_rc2_v == pytest.approx(one.v_rc2_v, rel=1e-4)


@pytest.mark.verifies("SWR_CELL_003")
def test_coulomb_counting_uses_the_capacity_at_temperature_and_scale() -> None:
    tables = cell_tables(CHEMISTRY)
    model = cell_model(CHEMISTRY, capacity_scale=np.array([1.0, 0.85]))
    state = EcmState(
        soc=np.array([0.8, 0.8]),
        v_rc1_v=np.zeros(2),
        v_rc2_v=np.zeros(2),
        temperature_degc=np.array([10.0, 25.0]),
    )
    after = ecm_step(model, state, 5.0, 36.0, np.array([10.0, 25.0]))
    capacity = lookup(tables, state.temperature_degc, state.soc).capacity_ah * [1.0, 0.85]
    assert after.soc == pytest.approx(0.8 - 5.0 * 36.0 / 3600.0 / capacity)


@pytest.mark.verifies("SWR_CELL_003")
@pytest.mark.parametrize(("soc", "current", "bound"), [(0.0001, 50.0, 0.0), (0.9999, -50.0, 1.0)])
def test_soc_is_clamped(soc: float, current: float, bound: float) -> None:
    after = ecm_step(cell_model(CHEMISTRY), _state(soc), current, 60.0, 25.0)
    assert after.soc[0] == bound


@pytest.mark.verifies("SWR_CELL_004")
def test_load_heats_the_cell_and_rest_does_not() -> None:
    model = cell_model(CHEMISTRY)
    loaded = rest = _state(0.7)
    for _ in range(60):
        loaded = ecm_step(model, loaded, 15.0, 1.0, 25.0)
        rest = ecm_step(model, rest, 0.0, 1.0, 25.0)
    assert loaded.temperature_degc[0] > 25.5
    assert rest.temperature_degc[0] == pytest.approx(25.0)


@pytest.mark.verifies("SWR_CELL_003")
def test_step_is_pure() -> None:
    state = _state(0.5, cells=3)
    before = state.soc.copy()
    ecm_step(cell_model(CHEMISTRY), state, 5.0, 1.0, 25.0)
    assert np.array_equal(state.soc, before)


@pytest.mark.verifies("SWR_CELL_007")
def test_only_a_circuit_fitted_without_the_lag_adds_it() -> None:
    assert cell_model(CHEMISTRY).surface_lag is None
    assert cell_model(synthetic_chemistry(electrodes=electrodes_section())).surface_lag is None
    lagged = synthetic_chemistry(electrodes=lagged_electrodes_section())
    assert cell_model(lagged).surface_lag is not None


@pytest.mark.verifies("SWR_CELL_007", "SWR_CELL_003", "SWR_CELL_004")
def test_the_lag_lowers_the_voltage_under_discharge_and_relaxes_at_rest() -> None:
    """Across the negative's stage step (SoC 0.56): the lag added to the same circuit."""
    plain = cell_model(synthetic_chemistry(electrodes=electrodes_section()))
    lagged = cell_model(synthetic_chemistry(electrodes=lagged_electrodes_section()))
    with_lag = without = _state(0.62)
    for _ in range(600):  # 1C for 10 min: into the step
        with_lag = ecm_step(lagged, with_lag, 5.0, 1.0, 25.0)
        without = ecm_step(plain, without, 5.0, 1.0, 25.0)
    assert with_lag.surface_lag is not None
    assert without.surface_lag is None
    # the same coulombs and RC pairs but for the lag's heat (capacity and resistances at T)
    assert with_lag.temperature_degc[0] > without.temperature_degc[0]
    np.testing.assert_allclose(with_lag.soc, without.soc, rtol=0, atol=1e-4)
    np.testing.assert_allclose(with_lag.v_rc2_v, without.v_rc2_v, rtol=1e-2)
    assert lagged.surface_lag is not None
    lag = surface_lag_voltage(
        lagged.surface_lag, with_lag.soc, surface_offset(with_lag.surface_lag)
    )
    assert lag[0] < -5e-3  # the surfaces run ahead into the step: millivolts, not microvolts
    difference = terminal_voltage(lagged, with_lag, 5.0) - terminal_voltage(plain, with_lag, 5.0)
    np.testing.assert_allclose(difference, lag, rtol=0, atol=1e-12)
    parameters = lookup(lagged.tables, with_lag.temperature_degc, with_lag.soc)
    extra_heat = heat_generation_w(lagged, parameters, with_lag, 5.0) - heat_generation_w(
        plain, parameters, with_lag, 5.0
    )
    np.testing.assert_allclose(extra_heat, -5.0 * lag, rtol=1e-12)
    for _ in range(3600):  # an hour at rest: the surfaces catch up with the bulk
        with_lag = ecm_step(lagged, with_lag, 0.0, 1.0, 25.0)
    rested = terminal_voltage(lagged, with_lag, 0.0) - terminal_voltage(plain, with_lag, 0.0)
    assert abs(rested[0]) < 1e-4
