"""Tests of bms.calibration._ocv: pseudo-OCV from C/20 branches, capacity at a cut-off.

Covers: symmetric branches around a known OCV average back to it; the ends
covered by the discharge branch only get the nearest half-gap; points beyond
the discharge branch stay NaN; the cut-off crossing is interpolated, and the
last charge is returned when the voltage never reaches the cut-off.
"""

import numpy as np
import pytest

from bms.calibration._ocv import average_branches, charge_at_voltage


def _ocv(charge_ah: np.ndarray) -> np.ndarray:
    result: np.ndarray = 4.2 - 0.25 * charge_ah - 0.05 * np.sin(charge_ah)
    return result


@pytest.mark.verifies("SWR_CAL_001")
def test_symmetric_branches_average_to_the_ocv() -> None:
    q = np.linspace(0.0, 5.0, 400)
    grid = np.linspace(0.0, 5.0, 21)
    ocv, both = average_branches(q, _ocv(q) - 0.03, q[::-1], _ocv(q[::-1]) + 0.03, grid)
    assert both.all()
    np.testing.assert_allclose(ocv, _ocv(grid), atol=2e-4)


def test_ends_reached_by_discharge_only_use_the_nearest_half_gap() -> None:
    q_d = np.linspace(0.0, 5.0, 400)
    q_c = np.linspace(0.5, 4.5, 300)[::-1]
    grid = np.linspace(0.0, 5.5, 12)
    ocv, both = average_branches(q_d, _ocv(q_d) - 0.03, q_c, _ocv(q_c) + 0.03, grid)
    assert both.tolist() == [False] + [True] * 9 + [False, False]
    np.testing.assert_allclose(ocv[:11], _ocv(grid[:11]), atol=2e-4)
    assert np.isnan(ocv[-1])


def test_charge_at_voltage_interpolates_the_crossing() -> None:
    q = np.array([0.0, 1.0, 2.0, 3.0])
    v = np.array([4.0, 3.5, 3.0, 2.5])
    assert charge_at_voltage(q, v, 3.25) == pytest.approx(1.5)
    assert charge_at_voltage(q, v, 2.0) == 3.0
    assert charge_at_voltage(q, v, 4.5) == 0.0
