"""Tests of bms/estimation/_soc_tuning.py: the SoC filter's noise model.

Covers: the measurement variance is the sensor's plus the circuit's rest
error at rest, grows with the load error, is inflated by the error's
correlation, and takes the chemistry's fit residual as a floor when asked;
every tuning default is a finite number (or, for the lag's slope, left to
the chemistry) that a filter accepts (a tuning that broke the step would
show here before the matrix).
"""

import math
from dataclasses import fields

import numpy as np
import pytest

from bms.estimation import SocEstimator, SocFilterTuning, measurement_variance
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry


@pytest.mark.verifies("SWR_SOC_005")
def test_measurement_noise_grows_with_load_correlation_and_fit_floor() -> None:
    tuning = SocFilterTuning()
    fit = np.array([0.02, 0.02])
    rest, loaded = measurement_variance(tuning, fit, np.array([0.0, 0.02]), 1.0)
    assert rest == pytest.approx(tuning.voltage_noise_v**2 + tuning.model_error_v**2)
    assert loaded == pytest.approx(rest + 0.02**2)
    inflated = measurement_variance(tuning, fit, np.array([0.0, 0.2]), 100.0)
    assert inflated[0] == pytest.approx(tuning.voltage_noise_v**2 + 100 * tuning.model_error_v**2)
    floored = measurement_variance(
        SocFilterTuning(fit_residual_floor=True), fit, np.array([0.0, 0.0]), 1.0
    )
    assert floored[0] == pytest.approx(tuning.voltage_noise_v**2 + 0.02**2)


@pytest.mark.verifies("SWR_SOC_005")
def test_the_defaults_are_finite_and_drive_a_filter() -> None:
    tuning = SocFilterTuning()
    for item in fields(tuning):
        value = getattr(tuning, item.name)
        if value is None:  # decided by the chemistry: the OCV's flatness
            assert item.name in {"surface_lag_slope", "plateau_floor"}
            continue
        for number in value if isinstance(value, tuple) else (value,):
            assert math.isfinite(float(number)), item.name
    estimator = SocEstimator(synthetic_chemistry(), 3, initial_sigma=0.1, tuning=tuning)
    out = estimator.step(np.full(3, 3.7), 5.0, np.full(3, 25.0), 0.1)
    assert not out.rejected
    assert np.all(np.isfinite(out.soc_sigma))
    assert np.all(out.soc_sigma > 0.0)
