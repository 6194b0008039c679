"""Tests of bms/estimation/_resistance.py: resistance by RLS at current steps, SWR_SOH_003.

Covers: the resistance factor of a plant cell aged to 130 % (with 5 %
spread) converges to within 3 %, truth inside 3 sigma, from sample-to-sample
changes measured with issue 3's sensor errors; the bound shrinks with each
informative step while the reported
bound keeps its systematic floor; steps below ``min_step_a`` and non-finite inputs change
nothing; argument validation.
"""

import math

import numpy as np
import pytest

from bms.cell import lookup
from bms.estimation import initial_resistance_state, resistance_update, step_resistance_ohm
from bms.plant import PackSimulator, PackSpread, SensorModel
from verification.bms.unit.cell.chemistry_fixture import kinetic_tables, synthetic_chemistry

CHEMISTRY = synthetic_chemistry()
DT = 0.1


@pytest.mark.verifies("SWR_SOH_003")
def test_converges_on_an_aged_cell() -> None:
    sim = PackSimulator(
        CHEMISTRY, 4, spread=PackSpread(resistance_pct=5.0), initial_soc=0.7, seed=2,
        resistance_factor=1.3,
    )  # fmt: skip
    sensors = SensorModel(seed=3)
    rng = np.random.default_rng(4)
    state = initial_resistance_state(4, forgetting=0.999)
    previous = sensors.measure(sim.measure(0.0))
    variances = [state.variance]
    for step in range(3000):
        current = float(rng.uniform(-6.0, 15.0)) if step % 50 == 0 else previous.current_a
        measured = sensors.measure(sim.step(current, DT))
        parameters = lookup(sim.model.tables, measured.cell_temperatures_degc, sim.true_soc)
        before = state
        state = resistance_update(
            state,
            measured.cell_voltages_v - previous.cell_voltages_v,
            measured.current_a - previous.current_a,
            step_resistance_ohm(parameters, DT),
            voltage_noise_v=0.002,
        )
        if state is not before:
            variances.append(state.variance)
        previous = measured
    truth = np.asarray(sim.model.resistance_scale)
    sigma = state.sigma
    assert np.all(np.abs(state.factor - truth) <= 0.03 * truth)
    assert np.all(np.abs(state.factor - truth) <= 3 * sigma)
    assert np.all(np.diff(np.array(variances)[:10], axis=0) < 0)
    assert np.all(sigma >= state.systematic_sigma)


@pytest.mark.verifies("SWR_SOH_003", "SWR_CELL_006")
@pytest.mark.parametrize("secant", [True, False])
def test_a_bent_drop_needs_the_secant_between_the_steps_currents(secant: bool) -> None:
    """Cold (0 degC), where the series drop bends: the secant reads a fresh cell as 1.

    With the zero-current slope R0 it would read far below (the linear reading
    of a bent drop).
    """
    chemistry = synthetic_chemistry(**kinetic_tables())
    sim = PackSimulator(chemistry, 2, initial_soc=0.7, ambient_degc=0.0, seed=2)
    sensors = SensorModel(seed=3)
    rng = np.random.default_rng(4)
    state = initial_resistance_state(2, forgetting=0.999)
    previous = sensors.measure(sim.measure(0.0))
    last_current = 0.0
    for step in range(3000):
        current = float(rng.uniform(0.0, 5.0)) if step % 50 == 0 else last_current
        measured = sensors.measure(sim.step(current, DT))
        parameters = lookup(sim.model.tables, measured.cell_temperatures_degc, sim.true_soc)
        table = step_resistance_ohm(
            parameters, DT, currents_a=(last_current, current),
            bend_limit_a=sim.model.tables.bend_limit_a,
        ) if secant else step_resistance_ohm(parameters, DT)  # fmt: skip
        state = resistance_update(
            state,
            measured.cell_voltages_v - previous.cell_voltages_v,
            measured.current_a - previous.current_a,
            table,
            voltage_noise_v=0.002,
        )
        previous, last_current = measured, current
    if secant:  # 5 %: the temperature noise moves the cold tables' R by 1.7 % per 0.5 K
        assert np.all(np.abs(state.factor - 1.0) <= 0.05)
        assert np.all(np.abs(state.factor - 1.0) <= 3 * state.sigma)
    else:
        assert np.all(state.factor < 0.8)


@pytest.mark.verifies("SWR_SOH_003")
@pytest.mark.parametrize("current_change", [0.5, math.nan])
def test_uninformative_or_invalid_step_changes_nothing(current_change: float) -> None:
    state = initial_resistance_state(2, min_step_a=1.0)
    after = resistance_update(
        state, np.array([-0.01, -0.01]), current_change, np.full(2, 0.02), 0.002
    )
    assert after is state


@pytest.mark.verifies("SWR_SOH_003")
def test_non_finite_voltage_skips_that_cell() -> None:
    state = initial_resistance_state(2)
    after = resistance_update(state, np.array([math.nan, -0.2]), 10.0, np.full(2, 0.02), 0.002)
    assert after.factor[0] == 1.0
    assert after.variance[0] == state.variance[0]
    assert after.factor[1] == pytest.approx(1.0, abs=0.001)
    assert after.variance[1] < state.variance[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"initial_sigma": 0.0}, "initial_sigma"), ({"forgetting": 0.0}, "forgetting")],
)
def test_invalid_initialisation(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        initial_resistance_state(2, **kwargs)
