"""Tests of bms/estimation/_plating.py and its use by the State of Function: SWR_PLAT_002/003.

Covers, on the synthetic plating map of ``plating_fixture`` (a linear anode
potential, so the true potential of any state is known): the plating-limited
charge current never exceeds the map (against scipy's interpolation of the
table) and keeps the true potential at or above the margin for every true
SoC up to the estimate plus three sigma (hypothesis); an uncertain SoC or a
warmer cell never raises the limit beyond the certain or colder case; the
margin estimate is exact at the breakpoints and its lower bound is below the
true potential, taking the smaller of the two SoC breakpoints' potentials;
the State of Function's charge current never exceeds the map's limit times
the parallel count (hypothesis) and leaves the discharge limit alone; a
chemistry without a map, a temperature outside the map and a non-finite
input give the most conservative charge limit with the reason, never an
exception; a second SoC upper bound (the coulomb-counted one) only ever
lowers the limit and is used when it is the higher bound, in the estimate
and in the State of Function; the coulomb-counted bound contains the true SoC
for any current within the sensor's gain and offset bounds (hypothesis); the
map converted once to arrays gives exactly what the map gives (hypothesis).
"""

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import RegularGridInterpolator

from bms.cell import cell_model
from bms.config import load_config
from bms.estimation import (
    coulomb_soc_upper,
    plating_limits,
    plating_tables,
    sof_limits,
    state_of_function,
)
from bms.estimation._sof import PowerLimits
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry
from verification.bms.unit.estimation.plating_fixture import (
    CURRENTS,
    MARGIN_V,
    SOC,
    TEMPERATURES,
    plating_data,
    potential_v,
    synthetic_plating,
)
from verification.hypothesis_profiles import examples

MAP = synthetic_plating()
TABLE = np.asarray(MAP.max_charge_current_a)
REFERENCE = RegularGridInterpolator((TEMPERATURES, SOC), TABLE)
CHEMISTRY = synthetic_chemistry(plating=plating_data())
BARE_CHEMISTRY = synthetic_chemistry()
CONFIG = load_config()
# The reference pack's 55 A charge maximum (the LG M50's 0.7C) lies below most of the map:
# these tests raise it so that the map, their subject, is what binds.
LIMITS = replace(sof_limits(CONFIG), max_charge_current_a=400.0)
MODEL = cell_model(CHEMISTRY)
CELLS = 3

temperatures = st.floats(min_value=TEMPERATURES[0], max_value=TEMPERATURES[-1])
socs = st.floats(min_value=0.0, max_value=1.0)
sigmas = st.floats(min_value=0.0, max_value=0.1)


def _one(soc: float, sigma: float, temperature: float, current: float = 0.0) -> tuple[float, ...]:
    result = plating_limits(
        MAP,
        soc=np.array([soc]),
        soc_sigma=np.array([sigma]),
        temperature_degc=np.array([temperature]),
        charge_current_a=current,
    )
    assert result.fallback_reason is None
    return (
        float(result.cell_charge_current_a[0]),
        float(result.margin_v[0]),
        float(result.margin_lower_v[0]),
    )


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(200), deadline=None)
@given(soc=socs, sigma=sigmas, temperature=temperatures, share=st.floats(0.0, 1.0))
def test_limit_never_exceeds_the_map_and_keeps_the_true_margin(
    soc: float, sigma: float, temperature: float, share: float
) -> None:
    limit, _, _ = _one(soc, sigma, temperature)
    assert 0.0 <= limit <= float(REFERENCE([[temperature, soc]])[0]) + 1e-9
    true_soc = min(soc + 3.0 * sigma * share, 1.0)  # any truth inside the bound's upper side
    assert potential_v(temperature, true_soc, limit) >= MARGIN_V - 1e-9


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(100), deadline=None)
@given(soc=socs, sigma=sigmas, temperature=temperatures, warmer=st.floats(0.0, 20.0))
def test_uncertainty_and_cold_never_raise_the_limit(
    soc: float, sigma: float, temperature: float, warmer: float
) -> None:
    certain, _, _ = _one(soc, 0.0, temperature)
    uncertain, _, _ = _one(soc, sigma, temperature)
    assert uncertain <= certain + 1e-12
    hot, _, _ = _one(soc, sigma, min(temperature + warmer, TEMPERATURES[-1]))
    assert uncertain <= hot + 1e-12


@pytest.mark.verifies("SWR_PLAT_002")
@pytest.mark.parametrize("t_index", range(len(TEMPERATURES)))
@pytest.mark.parametrize("s_index", range(len(SOC)))
def test_margin_is_exact_at_the_breakpoints(t_index: int, s_index: int) -> None:
    for current in CURRENTS:
        limit, margin, lower = _one(SOC[s_index], 0.0, TEMPERATURES[t_index], current)
        expected = potential_v(TEMPERATURES[t_index], SOC[s_index], current)
        assert margin == pytest.approx(expected, abs=1e-12)
        assert lower == pytest.approx(expected, abs=1e-12)
        assert limit == pytest.approx(TABLE[t_index, s_index], abs=1e-12)


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(200), deadline=None)
@given(
    soc=socs,
    sigma=sigmas,
    temperature=temperatures,
    current=st.floats(0.0, 12.0),
    share=st.floats(-1.0, 1.0),
)
def test_margin_bound_is_below_the_truth(
    soc: float, sigma: float, temperature: float, current: float, share: float
) -> None:
    _, margin, lower = _one(soc, sigma, temperature, current)
    assert lower <= margin + 1e-12
    true_soc = float(np.clip(soc + 3.0 * sigma * share, 0.0, 1.0))
    assert lower <= potential_v(temperature, true_soc, current) + 1e-9


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(100), deadline=None)
@given(
    t_index=st.integers(0, len(TEMPERATURES) - 1),
    soc=socs,
    current=st.sampled_from(CURRENTS),
)
def test_margin_bound_takes_the_smaller_soc_breakpoint(
    t_index: int, soc: float, current: float
) -> None:
    temperature = TEMPERATURES[t_index]
    _, _, lower = _one(soc, 0.0, temperature, current)
    right = int(np.searchsorted(SOC, soc, side="left"))
    neighbours = {SOC[max(right - 1, 0)], SOC[min(right, len(SOC) - 1)]}
    expected = min(potential_v(temperature, s, current) for s in neighbours)
    if soc in SOC:
        expected = potential_v(temperature, soc, current)
    assert lower == pytest.approx(expected, abs=1e-12)


def _sof(
    temperature: float | np.ndarray, soc: float = 0.5, chemistry: object = CHEMISTRY
) -> PowerLimits:
    return state_of_function(
        MODEL,
        LIMITS,
        soc=np.full(CELLS, soc),
        soc_sigma=np.full(CELLS, 0.01),
        rc_voltages_v=(np.zeros(CELLS), np.zeros(CELLS)),
        temperature_degc=np.broadcast_to(np.asarray(temperature, dtype=float), (CELLS,)).copy(),
        plating_chemistry=chemistry,  # type: ignore[arg-type]
    )


@pytest.mark.verifies("SWR_PLAT_003")
@settings(max_examples=examples(100), deadline=None)
@given(soc=socs, temperature=st.floats(10.0, 45.0))
def test_sof_charge_current_never_exceeds_the_map(soc: float, temperature: float) -> None:
    capped = _sof(temperature, soc)
    plain = _sof(temperature, soc, chemistry=None)
    parallel = CONFIG.pack.parallel_count
    assert capped.charge_current_a <= float(REFERENCE([[temperature, soc]])[0]) * parallel + 1e-9
    assert capped.charge_current_a <= plain.charge_current_a + 1e-9
    assert capped.discharge_current_a == plain.discharge_current_a
    assert capped.charge_limit_reason is None
    assert capped.plating_margin_lower_v is not None
    assert capped.plating_margin_v is not None
    assert capped.plating_margin_lower_v <= capped.plating_margin_v
    assert plain.charge_limit_reason is None
    assert plain.plating_margin_v is None


@pytest.mark.verifies("SWR_PLAT_003")
def test_sof_plating_cap_binds_on_the_colder_row() -> None:
    # 10 degC lies between the 0 and 25 degC rows: the colder row's limit applies,
    # at the SoC estimate plus 3 sigma (0.5 + 0.03)
    limits = _sof(10.0, 0.5)
    expected = float(np.interp(0.53, SOC, TABLE[TEMPERATURES.index(0.0)]))
    assert limits.charge_current_a == pytest.approx(expected * CONFIG.pack.parallel_count)
    assert limits.charge_current_a < _sof(10.0, 0.5, chemistry=None).charge_current_a


@pytest.mark.verifies("SWR_PLAT_003", method="fault_injection")
def test_missing_map_falls_back_to_zero_with_the_reason() -> None:
    result = plating_limits(
        None, soc=np.full(2, 0.5), soc_sigma=np.zeros(2), temperature_degc=np.full(2, 25.0)
    )
    assert np.all(result.cell_charge_current_a == 0.0)
    assert np.all(np.isnan(result.margin_v))
    assert result.fallback_reason is not None
    assert "no plating map" in result.fallback_reason
    limits = _sof(25.0, chemistry=BARE_CHEMISTRY)
    assert limits.charge_current_a == 0.0
    assert limits.charge_limit_reason == result.fallback_reason
    assert limits.discharge_current_a == _sof(25.0, chemistry=None).discharge_current_a
    assert limits.plating_margin_v is None


@pytest.mark.verifies("SWR_PLAT_003", method="fault_injection")
@pytest.mark.parametrize("temperature", [TEMPERATURES[0] - 0.1, TEMPERATURES[-1] + 5.0])
def test_temperature_outside_the_map_falls_back_to_its_smallest_limit(temperature: float) -> None:
    cells = np.array([25.0, temperature, 25.0])
    result = plating_limits(MAP, soc=np.full(3, 0.2), soc_sigma=np.zeros(3), temperature_degc=cells)
    assert np.all(result.cell_charge_current_a == TABLE.min())
    assert result.fallback_reason is not None
    assert "outside the plating map" in result.fallback_reason
    limits = _sof(cells)
    assert limits.charge_current_a <= TABLE.min() * CONFIG.pack.parallel_count
    assert limits.charge_limit_reason == result.fallback_reason


@pytest.mark.verifies("SWR_PLAT_003", method="fault_injection")
@pytest.mark.parametrize(
    ("soc", "sigma", "temperature", "current"),
    [
        (math.nan, 0.0, 25.0, 0.0),
        (0.5, math.inf, 25.0, 0.0),
        (0.5, 0.0, math.nan, 0.0),
        (0.5, 0.0, 25.0, math.nan),
    ],
)
def test_non_finite_input_falls_back_without_raising(
    soc: float, sigma: float, temperature: float, current: float
) -> None:
    result = plating_limits(
        MAP,
        soc=np.array([soc]),
        soc_sigma=np.array([sigma]),
        temperature_degc=np.array([temperature]),
        charge_current_a=current,
    )
    assert result.cell_charge_current_a.tolist() == [TABLE.min()]
    assert result.fallback_reason is not None
    assert "not finite" in result.fallback_reason


@pytest.mark.verifies("SWR_PLAT_003", method="fault_injection")
def test_mismatched_lengths_fall_back_without_raising() -> None:
    result = plating_limits(
        MAP, soc=np.full(2, 0.5), soc_sigma=np.zeros(3), temperature_degc=np.full(2, 25.0)
    )
    assert result.fallback_reason is not None
    assert result.cell_charge_current_a.shape == (2,)
    assert result.min_cell_charge_current_a == TABLE.min()


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(100), deadline=None)
@given(soc=socs, sigma=sigmas, temperature=st.floats(-40.0, 80.0), current=st.floats(0.0, 20.0))
def test_the_map_as_arrays_reads_as_the_map(
    soc: float, sigma: float, temperature: float, current: float
) -> None:
    cells_soc, cells_sigma = np.array([soc, 1.0 - soc]), np.array([sigma, 0.0])
    cells_temperature = np.array([temperature, TEMPERATURES[0]])
    from_map, from_tables = (
        plating_limits(
            plating,
            soc=cells_soc,
            soc_sigma=cells_sigma,
            temperature_degc=cells_temperature,
            charge_current_a=current,
        )
        for plating in (MAP, plating_tables(MAP))
    )
    assert from_tables.fallback_reason == from_map.fallback_reason
    for field in ("cell_charge_current_a", "margin_v", "margin_lower_v"):
        np.testing.assert_array_equal(getattr(from_tables, field), getattr(from_map, field))


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(100), deadline=None)
@given(soc=socs, sigma=sigmas, temperature=temperatures, upper=socs)
def test_a_second_soc_bound_only_lowers_the_limit(
    soc: float, sigma: float, temperature: float, upper: float
) -> None:
    alone, _, lower_alone = _one(soc, sigma, temperature, 1.0)
    both = plating_limits(
        MAP,
        soc=np.array([soc]),
        soc_sigma=np.array([sigma]),
        temperature_degc=np.array([temperature]),
        charge_current_a=1.0,
        soc_upper=np.array([upper]),
    )
    assert both.fallback_reason is None
    assert both.cell_charge_current_a[0] <= alone + 1e-12
    assert both.margin_lower_v[0] <= lower_alone + 1e-12
    high = min(max(soc + 3.0 * sigma, upper), 1.0)
    assert potential_v(temperature, high, float(both.cell_charge_current_a[0])) >= MARGIN_V - 1e-9


@pytest.mark.verifies("SWR_PLAT_003")
def test_sof_uses_the_higher_soc_bound() -> None:
    plain = _sof(10.0, 0.3)
    bounded = state_of_function(
        MODEL,
        LIMITS,
        soc=np.full(CELLS, 0.3),
        soc_sigma=np.full(CELLS, 0.01),
        rc_voltages_v=(np.zeros(CELLS), np.zeros(CELLS)),
        temperature_degc=np.full(CELLS, 10.0),
        plating_chemistry=CHEMISTRY,
        plating_soc_upper=np.full(CELLS, 0.6),
    )
    expected = float(np.interp(0.6, SOC, TABLE[TEMPERATURES.index(0.0)]))
    assert bounded.charge_current_a == pytest.approx(expected * CONFIG.pack.parallel_count)
    assert bounded.charge_current_a < plain.charge_current_a


@pytest.mark.verifies("SWR_PLAT_003", method="fault_injection")
def test_a_bad_second_soc_bound_falls_back() -> None:
    for upper in (np.full(1, 0.5), np.array([0.5, math.nan])):
        result = plating_limits(
            MAP,
            soc=np.full(2, 0.5),
            soc_sigma=np.zeros(2),
            temperature_degc=np.full(2, 25.0),
            soc_upper=upper,
        )
        assert result.fallback_reason is not None
        assert result.min_cell_charge_current_a == TABLE.min()


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(200), deadline=None)
@given(
    start=st.floats(0.0, 0.9),
    true_a=st.floats(-10.0, 10.0),
    gain=st.floats(-0.005, 0.005),
    offset=st.floats(-0.05, 0.05),
    hours=st.floats(0.0, 2.0),
)
def test_coulomb_bound_contains_the_true_soc_whatever_the_sensor_errors(
    start: float, true_a: float, gain: float, offset: float, hours: float
) -> None:
    # A known start and capacity: the sensor's worst cases alone must be covered.
    capacity = 5.0
    measured_in = (true_a * (1.0 + gain) + offset) * hours  # charge positive
    bound = coulomb_soc_upper(
        start,
        start_sigma=0.0,
        charged_ah=measured_in,
        elapsed_s=hours * 3600.0,
        capacity_ah=capacity,
        capacity_lower_ah=capacity,
        gain_error=0.005,
        offset_a=0.05,
    )
    true_soc = start + true_a * hours / capacity
    assert bound.shape == (1,)
    assert bound[0] >= min(max(true_soc, 0.0), 1.0) - 1e-9


def _bound_of(start: float, sigma: float, charge_ah: float, capacity: float, low: float) -> float:
    return float(
        coulomb_soc_upper(
            start,
            start_sigma=sigma,
            charged_ah=charge_ah,
            elapsed_s=0.0,
            capacity_ah=capacity,
            capacity_lower_ah=low,
            gain_error=0.0,
            offset_a=0.0,
        )[0]
    )


@pytest.mark.verifies("SWR_PLAT_002")
@settings(max_examples=examples(200), deadline=None)
@given(
    sigma=st.floats(0.0, 0.1),
    charge_ah=st.floats(0.0, 3.0),
    capacity_sigma=st.floats(0.0, 0.1),
)
def test_coulomb_bound_lies_between_each_error_alone_and_both_at_their_worst(
    sigma: float, charge_ah: float, capacity_sigma: float
) -> None:
    capacity, start = 5.0, 0.1
    low = capacity * (1.0 - 3.0 * capacity_sigma)
    bound = _bound_of(start, sigma, charge_ah, capacity, low)
    start_alone = start + 3.0 * sigma + charge_ah / capacity
    capacity_alone = start + charge_ah / low
    both_at_worst = start + 3.0 * sigma + charge_ah / low
    assert max(start_alone, capacity_alone) - 1e-12 <= bound <= both_at_worst + 1e-12


@pytest.mark.verifies("SWR_PLAT_002")
@pytest.mark.parametrize(
    ("sigma", "capacity_sigma"), [(0.02, 0.03), (0.005, 0.03), (0.02, 0.0), (0.01, 0.092)]
)
def test_coulomb_bound_is_a_3_sigma_bound_of_the_true_soc(
    sigma: float, capacity_sigma: float
) -> None:
    # Start and capacity drawn from the estimates' Gaussians: the true SoC after half the
    # capacity is above the bound in no more than the one-sided 3-sigma share (0.135 %).
    # (Every bound here is below 1, where the clamp would hide an excess.)
    capacity, start, charge_ah = 5.0, 0.1, 2.5
    low = capacity * (1.0 - 3.0 * capacity_sigma)
    bound = _bound_of(start, sigma, charge_ah, capacity, low)
    assert bound < 1.0
    rng = np.random.default_rng(7)
    draws = 400_000
    true_start = start + sigma * rng.standard_normal(draws)
    true_capacity = capacity * (1.0 + capacity_sigma * rng.standard_normal(draws))
    above = float(np.mean(true_start + charge_ah / true_capacity > bound))
    assert above <= 0.00135 + 3.0 * math.sqrt(0.00135 / draws)
    # and the bound is not the joint worst case: it is tighter whenever both errors count
    if sigma > 0.0 and capacity_sigma > 0.0:
        assert bound < start + 3.0 * sigma + charge_ah / low - 1e-3
