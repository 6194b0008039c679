"""Tests of bms/calibration/_plating_limits.py, the plating map's table arithmetic: SWR_PLAT_004.

Covers: the potential of a charge read on the SoC grid, NaN beyond its reach;
potentials made non-increasing in current, an unreached point counting as
plating; the current search (linear in log-current, so low on a linear or convex
potential and never below the last good current; 0 when the
smallest current already breaks the margin, the largest current when none
does, the last good current before an unreached point); the limit table
only ever lowered to be monotone (non-increasing in SoC, non-decreasing in
temperature, hypothesis); a limit table whose currents keep a synthetic
cell's potential above the margin; the refinement's arithmetic: each sample's
shortfall below the margin counted at the two grid points around it, limits
lowered only where a charge fell short and by at least the current that
raises the steady potential by the shortfall (hypothesis: never raised, at
most halved).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bms.calibration._plating_limits import (
    REFINE_EXTRA_V,
    REFINE_MAX_CUT,
    limit_current,
    limit_table,
    lowered_limits,
    margin_shortfall,
    monotone_in_current,
    monotone_limits,
    potential_on_grid,
)
from bms.cell import PlatingMap
from verification.hypothesis_profiles import examples

CURRENTS = (1.0, 2.0, 4.0, 8.0)


@pytest.mark.verifies("SWR_PLAT_004")
def test_potential_on_grid_is_nan_beyond_the_charge() -> None:
    soc = np.array([0.0, 0.2, 0.4, 0.5])
    potential = np.array([0.9, 0.3, 0.1, 0.05])
    grid = potential_on_grid(soc, potential, (0.0, 0.1, 0.5, 0.6, 1.0))
    assert grid[:3].tolist() == pytest.approx([0.9, 0.6, 0.05])
    assert np.isnan(grid[3:]).all()


@pytest.mark.verifies("SWR_PLAT_004")
def test_unreached_points_count_as_plating_at_every_higher_current() -> None:
    raw = np.array([0.10, 0.12, np.nan, 0.05])
    assert monotone_in_current(raw).tolist() == [0.10, 0.10, -math.inf, -math.inf]


@pytest.mark.verifies("SWR_PLAT_004")
@pytest.mark.parametrize("resistance", [0.005, 0.01, 0.02, 0.1])
def test_current_search_errs_low_on_a_linear_potential(resistance: float) -> None:
    potentials = np.array([0.1 - resistance * current for current in CURRENTS])
    exact = (0.1 - 0.01) / resistance
    limit = limit_current(CURRENTS, potentials, 0.01)
    if exact < CURRENTS[0]:
        assert limit == 0.0  # below the smallest simulated current: nothing is known
    elif exact >= CURRENTS[-1]:
        assert limit == CURRENTS[-1]
    else:
        lower = max(c for c in CURRENTS if c <= exact)
        assert lower <= limit <= exact
        upper = min(c for c in CURRENTS if c > exact)
        share = (exact - lower) / (upper - lower)
        assert limit == pytest.approx(lower * (upper / lower) ** share)


@pytest.mark.verifies("SWR_PLAT_004")
def test_current_search_errs_low_on_a_convex_potential() -> None:
    # Butler-Volmer-like: an overpotential growing as asinh of the current
    currents = (1.0, 2.0, 4.0, 8.0, 16.0)
    potentials = np.array([0.2 - 0.03 * math.asinh(current / 0.5) for current in currents])
    limit = limit_current(currents, potentials, 0.01)
    exact = 0.5 * math.sinh((0.2 - 0.01) / 0.03)
    assert 8.0 <= limit <= exact


@pytest.mark.verifies("SWR_PLAT_004")
def test_current_search_edges() -> None:
    assert limit_current(CURRENTS, np.array([0.005, 0.0, -0.1, -0.2]), 0.01) == 0.0
    assert limit_current(CURRENTS, np.array([0.5, 0.4, 0.3, 0.2]), 0.01) == CURRENTS[-1]
    unreached = np.array([0.05, 0.03, -math.inf, -math.inf])
    assert limit_current(CURRENTS, unreached, 0.01) == CURRENTS[1]
    flat = np.array([0.05, 0.0, 0.0, 0.0])
    assert limit_current(CURRENTS, flat, 0.01) == pytest.approx(2.0**0.8)


@pytest.mark.verifies("SWR_PLAT_004")
@settings(max_examples=examples(100), deadline=None)
@given(arrays(np.float64, (4, 6), elements=st.floats(0.0, 20.0)))
def test_monotone_limits_only_lower_and_are_monotone(table: np.ndarray) -> None:
    result = monotone_limits(table)
    assert np.all(result <= table)
    assert np.all(np.diff(result, axis=1) <= 0.0)
    assert np.all(np.diff(result, axis=0) >= 0.0)
    # a monotone table needs no further lowering
    assert np.array_equal(monotone_limits(result), result)


def _synthetic_potential(temperature: float, soc: float, current: float) -> float:
    return 0.15 - 0.1 * soc - current * 0.01 * math.exp(0.03 * (25.0 - temperature))


@pytest.mark.verifies("SWR_PLAT_004")
def test_limit_table_keeps_the_synthetic_cell_above_the_margin() -> None:
    temperatures, socs = (-20.0, 0.0, 25.0), (0.0, 0.5, 1.0)
    cube = np.array(
        [[[_synthetic_potential(t, s, i) for i in CURRENTS] for s in socs] for t in temperatures]
    )
    cube[0, 2, 3] = np.nan  # a point the highest current never reached
    limits = limit_table(CURRENTS, cube, 0.01)
    for t_index, temperature in enumerate(temperatures):
        for s_index, soc in enumerate(socs):
            limit = limits[t_index, s_index]
            assert 0.0 <= limit <= CURRENTS[-1]
            assert _synthetic_potential(temperature, soc, limit) >= 0.01 - 1e-12
    assert limits[2, 0] == CURRENTS[-1]
    assert 0.0 < limits[0, 2] < limits[0, 0]  # -20 degC: the limit falls as SoC rises
    assert limits[0, 2] <= CURRENTS[2]  # the unreached point caps it below 8 A
    PlatingMap.model_validate(
        {
            "margin_v": 0.01,
            "temperature_breakpoints_degc": temperatures,
            "soc_breakpoints": socs,
            "current_breakpoints_a": CURRENTS,
            "max_charge_current_a": tuple(tuple(row) for row in limits.tolist()),
            "anode_potential_v": tuple(
                tuple(tuple(row) for row in table)
                for table in np.nan_to_num(monotone_in_current(cube), neginf=-1.0).tolist()
            ),
            "source": "test",
        }
    )


@pytest.mark.verifies("SWR_PLAT_004")
def test_shortfall_counts_at_both_grid_points_around_a_sample() -> None:
    grid = (0.0, 0.5, 1.0)
    soc = np.array([0.1, 0.6, 0.7, 1.0])
    potential = np.array([0.05, 0.004, 0.008, 0.02])
    shortfall = margin_shortfall(grid, soc, potential, 0.01)
    assert shortfall.tolist() == pytest.approx([0.0, 0.006, 0.006])
    assert not margin_shortfall(grid, soc, potential + 0.01, 0.01).any()


def _linear_row(socs: tuple[float, ...]) -> np.ndarray:
    return np.array([[0.15 - 0.1 * s - 0.01 * i for i in CURRENTS] for s in socs])


@pytest.mark.verifies("SWR_PLAT_004")
def test_lowered_limit_raises_the_steady_potential_by_the_shortfall() -> None:
    socs = (0.0, 0.5, 1.0)
    row = _linear_row(socs)
    limits = np.array([8.0, 7.0, 4.0])
    shortfall = np.array([0.0, 0.0, 0.015])
    lowered = lowered_limits(CURRENTS, row, shortfall, limits)
    assert lowered[:2].tolist() == limits[:2].tolist()  # no shortfall: unchanged
    steady_before = 0.15 - 0.1 - 0.01 * 4.0
    steady_after = 0.15 - 0.1 - 0.01 * lowered[2]
    # the chord in log-current errs low, so the potential rises at least this much
    assert steady_after >= steady_before + 0.015 + REFINE_EXTRA_V - 1e-12
    assert lowered[2] < limits[2]


@pytest.mark.verifies("SWR_PLAT_004")
@settings(max_examples=examples(100), deadline=None)
@given(
    arrays(np.float64, (3,), elements=st.floats(0.0, 8.0)),
    arrays(np.float64, (3,), elements=st.floats(0.0, 0.2)),
)
def test_lowered_limits_never_raise_a_limit(limits: np.ndarray, shortfall: np.ndarray) -> None:
    lowered = lowered_limits(CURRENTS, _linear_row((0.0, 0.5, 1.0)), shortfall, limits)
    assert np.all(lowered <= limits)
    assert np.all(lowered >= REFINE_MAX_CUT * limits)  # at most halved per pass
    assert np.array_equal(lowered[shortfall <= 0.0], limits[shortfall <= 0.0])


@pytest.mark.verifies("SWR_PLAT_004")
def test_a_pass_at_most_halves_a_limit() -> None:
    row = _linear_row((0.0, 0.5, 1.0))
    limits = np.array([8.0, 6.0, 4.0])
    lowered = lowered_limits(CURRENTS, row, np.array([0.0, 0.0, 0.5]), limits)
    assert lowered[2] == REFINE_MAX_CUT * limits[2]  # the chord alone would ask for 0 A
