"""Tests of bms/cell/_ecm.py: the two-RC equivalent circuit against SWR_CELL_003, SWR_CELL_004.

Covers: terminal voltage at rest equals the OCV and drops by R0 I at once
under load; the RC pairs follow the exact discretisation (one long step
equals many short ones at constant parameters, steady state R I); coulomb
counting against the temperature-dependent capacity, scaled per cell; SoC
clamped to [0, 1]; Joule heating warms a loaded cell; the functions are
pure (the input state is not changed).
"""

import numpy as np
import pytest

from bms.cell import EcmState, cell_model, cell_tables, ecm_step, lookup, terminal_voltage
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

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
