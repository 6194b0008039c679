"""Tests of bms/cell/_thermal.py: the lumped thermal step against SWR_CELL_004.

Covers: no heat and at ambient stays at ambient; the step equals the exact
solution of the ODE for any step length (one long step equals many short
ones); the steady state is ambient + Q / h; cooling towards ambient.
"""

import numpy as np
import pytest

from bms.cell import ThermalParameters, thermal_step

THERMAL = ThermalParameters(
    mass_kg=0.07, specific_heat_j_per_kg_k=1100.0, heat_transfer_w_per_k=0.1
)


@pytest.mark.verifies("SWR_CELL_004")
def test_equilibrium_is_kept() -> None:
    t = thermal_step(THERMAL, np.array([25.0]), np.array([0.0]), 25.0, 10.0)
    assert t[0] == pytest.approx(25.0)


@pytest.mark.verifies("SWR_CELL_004")
def test_one_long_step_equals_many_short_ones() -> None:
    heat = np.array([0.5, 2.0])
    long = thermal_step(THERMAL, np.array([10.0, 30.0]), heat, 20.0, 600.0)
    short = np.array([10.0, 30.0])
    for _ in range(6000):
        short = thermal_step(THERMAL, short, heat, 20.0, 0.1)
    assert np.allclose(long, short, rtol=0, atol=1e-9)


@pytest.mark.verifies("SWR_CELL_004")
def test_exact_solution_and_steady_state() -> None:
    tau_s = 0.07 * 1100.0 / 0.1
    t = thermal_step(THERMAL, np.array([25.0]), np.array([1.0]), 25.0, tau_s)
    assert t[0] == pytest.approx(25.0 + 10.0 * (1.0 - np.exp(-1.0)))
    steady = thermal_step(THERMAL, np.array([25.0]), np.array([1.0]), 25.0, 1e7)
    assert steady[0] == pytest.approx(35.0)


@pytest.mark.verifies("SWR_CELL_004")
def test_cools_towards_ambient() -> None:
    t = thermal_step(THERMAL, np.array([45.0]), np.array([0.0]), 25.0, 60.0)
    assert 25.0 < t[0] < 45.0
