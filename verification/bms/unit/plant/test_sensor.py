"""Tests of bms/plant/_sensor.py: the sensor model (a verification tool, no SWR).

Covers: issue 3's defaults; gain error and offset applied exactly; noise of
the configured rms; zero noise reproduces the truth; seeded; negative noise
rejected.
"""

import numpy as np
import pytest

from bms.plant import PackMeasurement, SensorErrors, SensorModel

TRUTH = PackMeasurement(
    time_s=1.0,
    cell_voltages_v=np.full(20000, 3.7),
    cell_temperatures_degc=np.full(20000, 25.0),
    current_a=10.0,
)


def test_defaults_are_issue_3s() -> None:
    errors = SensorErrors()
    assert (errors.voltage_noise_v, errors.current_gain_error_pct) == (0.002, 0.5)
    assert (errors.current_offset_a, errors.temperature_noise_k) == (0.05, 0.5)


def test_errors_have_the_configured_size() -> None:
    measured = SensorModel(seed=1).measure(TRUTH)
    assert measured.current_a == pytest.approx(10.0 * 1.005 + 0.05)
    assert np.std(measured.cell_voltages_v - 3.7) == pytest.approx(0.002, rel=0.05)
    assert np.std(measured.cell_temperatures_degc - 25.0) == pytest.approx(0.5, rel=0.05)
    assert abs(np.mean(measured.cell_voltages_v - 3.7)) < 1e-4


def test_no_errors_is_the_truth() -> None:
    errors = SensorErrors(0.0, 0.0, 0.0, 0.0, 0.0)
    measured = SensorModel(errors).measure(TRUTH)
    assert np.array_equal(measured.cell_voltages_v, TRUTH.cell_voltages_v)
    assert measured.current_a == TRUTH.current_a


def test_seeded() -> None:
    a = SensorModel(seed=5).measure(TRUTH).cell_voltages_v
    b = SensorModel(seed=5).measure(TRUTH).cell_voltages_v
    assert np.array_equal(a, b)


def test_negative_noise_is_rejected() -> None:
    with pytest.raises(ValueError, match="voltage_noise_v"):
        SensorErrors(voltage_noise_v=-1.0)
