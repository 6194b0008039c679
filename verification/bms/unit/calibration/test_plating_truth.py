"""Tests of bms/calibration/_plating_truth.py's pure part (no PyBaMM): SWR_PLAT_004.

Covers: the lowest anode potential while charging of a drive cycle looks at
the charging samples only (discharge and rest samples, however low, do not
count), and is None when the cell never charges. The DFN runs themselves
(:class:`ChargeTruth`, :func:`case_plating_margin`) are exercised by
``verification/scripts/plating_validation.py`` and ``bms validate``.
"""

import numpy as np
import pytest

from bms.calibration._plating_truth import min_charge_margin


@pytest.mark.verifies("SWR_PLAT_004")
def test_min_charge_margin_looks_at_charging_samples_only() -> None:
    current = np.array([5.0, -2.0, 0.0, -1.0, 3.0])
    potential = np.array([-0.5, 0.04, -0.3, 0.02, -0.9])
    assert min_charge_margin(current, potential) == 0.02


@pytest.mark.verifies("SWR_PLAT_004")
def test_min_charge_margin_is_none_without_a_charge() -> None:
    assert min_charge_margin(np.array([1.0, 0.0]), np.array([0.1, 0.1])) is None
