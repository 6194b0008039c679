"""Hypothesis properties of the estimators (bms/estimation).

Covers, for arbitrary input sequences including NaN, infinities, -0.0 and
extreme values (asked for explicitly, since the default float strategy
seldom produces them):

* SWR_SOC_002: the covariance stays symmetric positive definite;
* SWR_SOC_003: every SoC estimate stays in [0, 1];
* SWR_SOC_004: no NaN or infinity ever enters the filter state;
* SWR_SOC_006: pack SoC for discharge <= displayed <= for charge, all in [0, 1];
* SWR_SOF_002, SWR_SOF_003: limits are never negative nor above the
  configured maxima, and the temperature derating is monotone (non-decreasing
  below the window, non-increasing above it).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.cell import cell_model
from bms.config import load_config
from bms.estimation import (
    SocEstimator,
    pack_soc,
    sof_limits,
    state_of_function,
    temperature_derating,
)
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

CHEMISTRY = synthetic_chemistry()
LIMITS = sof_limits(load_config())
MODEL = cell_model(CHEMISTRY)
CELLS = 3

special = st.sampled_from([float("nan"), float("inf"), -float("inf"), -0.0, 0.0, 1e300, -1e300])
voltages = st.one_of(st.floats(2.0, 4.5), special)
currents = st.one_of(st.floats(-50.0, 50.0), special)
temperatures = st.one_of(st.floats(-40.0, 80.0), special)
steps = st.lists(
    st.tuples(
        st.lists(voltages, min_size=CELLS, max_size=CELLS),
        currents,
        st.lists(temperatures, min_size=CELLS, max_size=CELLS),
        st.one_of(st.floats(0.01, 100.0), special),
    ),
    min_size=1,
    max_size=20,
)


@pytest.mark.verifies("SWR_SOC_002", "SWR_SOC_003", "SWR_SOC_004")
@given(steps=steps, initial=st.floats(0.0, 1.0), sigma=st.floats(0.001, 0.5))
def test_filter_state_stays_valid(
    steps: list[tuple[list[float], float, list[float], float]], initial: float, sigma: float
) -> None:
    estimator = SocEstimator(CHEMISTRY, CELLS, initial_soc=initial, initial_sigma=sigma)
    for cell_voltages, current, cell_temperatures, dt in steps:
        out = estimator.step(np.array(cell_voltages), current, np.array(cell_temperatures), dt)
        assert np.all((out.soc >= 0.0) & (out.soc <= 1.0))
        state = estimator.state
        assert np.all(np.isfinite(state.x))
        assert np.all(np.isfinite(state.p))
        matrices = np.moveaxis(state.p, -1, 0)
        assert np.array_equal(matrices, matrices.transpose(0, 2, 1))
        assert np.all(np.linalg.eigvalsh(matrices) > 0.0)


@pytest.mark.verifies("SWR_SOC_006")
@given(cells=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=96))
def test_pack_soc_is_ordered(cells: list[float]) -> None:
    result = pack_soc(np.array(cells), np.zeros(len(cells)))
    assert 0.0 <= result.for_discharge <= result.displayed <= result.for_charge <= 1.0


@pytest.mark.verifies("SWR_SOF_002")
@given(
    soc=st.lists(st.floats(0.0, 1.0), min_size=CELLS, max_size=CELLS),
    sigma=st.floats(0.0, 0.2),
    temperature=st.lists(st.floats(-40.0, 80.0), min_size=CELLS, max_size=CELLS),
    rc=st.floats(-0.2, 0.2),
)
def test_limits_never_exceed_the_maxima(
    soc: list[float], sigma: float, temperature: list[float], rc: float
) -> None:
    limits = state_of_function(
        MODEL,
        LIMITS,
        soc=np.array(soc),
        soc_sigma=np.full(CELLS, sigma),
        rc_voltages_v=(np.full(CELLS, rc), np.full(CELLS, rc)),
        temperature_degc=np.array(temperature),
    )
    assert 0.0 <= limits.discharge_current_a <= LIMITS.max_discharge_current_a
    assert 0.0 <= limits.charge_current_a <= LIMITS.max_charge_current_a
    assert limits.discharge_power_w >= 0.0
    assert limits.charge_power_w >= 0.0


@pytest.mark.verifies("SWR_SOF_003")
@given(a=st.floats(-60.0, 100.0), b=st.floats(-60.0, 100.0), charge=st.booleans())
def test_derating_is_monotone_in_temperature(a: float, b: float, charge: bool) -> None:
    window = LIMITS.charge_temperature if charge else LIMITS.discharge_temperature
    low, high = min(a, b), max(a, b)
    low_factor = temperature_derating(np.array([low]), window)
    high_factor = temperature_derating(np.array([high]), window)
    if high <= window.under_warning_degc:
        assert low_factor <= high_factor
    if low >= window.over_warning_degc:
        assert low_factor >= high_factor
    assert 0.0 <= low_factor <= 1.0


@pytest.mark.verifies("SWR_SOF_003")
@given(
    temperature=st.floats(-60.0, 100.0),
    warmer=st.floats(0.0, 30.0),
    soc=st.floats(0.0, 1.0),
)
def test_limit_cap_follows_the_derating(temperature: float, warmer: float, soc: float) -> None:
    def limits(t: float) -> tuple[float, float]:
        result = state_of_function(
            MODEL,
            LIMITS,
            soc=np.full(CELLS, soc),
            soc_sigma=np.zeros(CELLS),
            rc_voltages_v=(np.zeros(CELLS), np.zeros(CELLS)),
            temperature_degc=np.full(CELLS, t),
        )
        return result.charge_current_a, result.discharge_current_a

    charge, discharge = limits(temperature)
    window = LIMITS.charge_temperature
    assert charge <= LIMITS.max_charge_current_a * temperature_derating(
        np.array([temperature]), window
    )
    assert discharge <= LIMITS.max_discharge_current_a * temperature_derating(
        np.array([temperature]), LIMITS.discharge_temperature
    )
    hotter = temperature + warmer
    if temperature >= window.over_warning_degc:
        assert limits(hotter)[0] <= charge + 1e-9
