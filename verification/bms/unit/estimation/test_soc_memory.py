"""Tests of bms/estimation/_soc_memory.py: the key-off SoC, parked, for the next filter's start.

Covers SWR_SOC_008: the SoC is kept and its sigma grows by the
self-discharge bound of the days parked (``sqrt(sigma^2 + (0.002 d)^2)``);
no days keep it as it was; a clock set back, a non-finite or negative time
parked, a SoC outside [0, 1] or non-finite, or a sigma that is not > 0 give
no start (the filter starts unknown).
"""

import math

import numpy as np
import pytest

from bms.estimation import SELF_DISCHARGE_PER_DAY, parked_soc

SOC = np.array([0.2, 0.55, 0.9])
SIGMA = np.array([0.01, 0.02, 0.005])


@pytest.mark.verifies("SWR_SOC_008")
def test_the_parked_soc_keeps_its_value_and_grows_its_sigma_by_the_self_discharge_bound() -> None:
    start = parked_soc(SOC, SIGMA, 10.0)
    assert start is not None
    assert SELF_DISCHARGE_PER_DAY == 0.002
    assert np.array_equal(start.soc, SOC)
    assert start.sigma == pytest.approx(np.sqrt(SIGMA**2 + 0.02**2))
    same = parked_soc(SOC, SIGMA, 0.0)
    assert same is not None
    assert np.array_equal(same.sigma, SIGMA)
    longer = parked_soc(SOC, SIGMA, 30.0)
    assert longer is not None
    assert np.all(longer.sigma > start.sigma)


@pytest.mark.verifies("SWR_SOC_008", method="fault_injection")
@pytest.mark.parametrize(
    ("soc", "sigma", "days"),
    [
        (SOC, SIGMA, -0.5),  # a clock set back: how long it stood is unknown
        (SOC, SIGMA, math.nan),
        (SOC, SIGMA, math.inf),
        (np.array([0.2, math.nan, 0.9]), SIGMA, 1.0),
        (np.array([0.2, 1.2, 0.9]), SIGMA, 1.0),
        (np.array([-0.1, 0.5, 0.9]), SIGMA, 1.0),
        (SOC, np.array([0.01, 0.0, 0.01]), 1.0),
        (SOC, np.array([0.01, math.inf, 0.01]), 1.0),
    ],
)
def test_a_start_that_cannot_be_trusted_is_none(
    soc: np.ndarray, sigma: np.ndarray, days: float
) -> None:
    assert parked_soc(soc, sigma, days) is None
