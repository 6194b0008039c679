"""Tests of bms/estimation/_zero_current.py: key-on zero-current offset calibration (SWR_SOC_007).

Covers: the running mean and spread equal numpy's over any readings, a non-
finite reading is skipped; fewer than ten samples or a mean beyond the
sensor's accuracy give no offset and say why (with the value); a usable
offset's standard error is the spread over sqrt(n), floored for a sensor
that reads one quantised value; calibrating the filter sets every cell's
offset state and variance, clears its covariances and keeps the covariance
symmetric positive definite, and refuses a non-finite offset or a sigma <=
0; on a running filter with the surface lag, calibrating moves the lag's
filters to those of a filter that held the new offset all along; on the
circuit plant with a sensor of 50 mA offset and 10 mA white noise, ten
seconds at key-on give the offset to within 3 sigma, and the filter started
there ends a one-hour discharge with a smaller SoC error than the filter
left to learn the offset while driving.
"""

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.cell import cell_model
from bms.estimation import (
    SocEstimator,
    SocFilterTuning,
    ZeroCurrentWindow,
    add_zero_current_sample,
    calibrate_current_offset,
    ekf_step,
    initial_ekf_state,
    zero_current_offset,
)
from bms.plant import PackMeasurement, PackSimulator, SensorErrors, SensorModel
from verification.bms.unit.cell.chemistry_fixture import (
    lagged_electrodes_section,
    synthetic_chemistry,
)

_READINGS = st.lists(
    st.floats(min_value=-5.0, max_value=5.0, allow_nan=False), min_size=2, max_size=200
)


def _window(readings: list[float]) -> ZeroCurrentWindow:
    window = ZeroCurrentWindow()
    for value in readings:
        window = add_zero_current_sample(window, value)
    return window


@pytest.mark.verifies("SWR_SOC_007")
@given(_READINGS)
def test_running_mean_and_spread_equal_numpy(readings: list[float]) -> None:
    window = _window([*readings[:1], math.nan, *readings[1:], math.inf])
    assert window.samples == len(readings)
    assert window.mean_a == pytest.approx(np.mean(readings), abs=1e-9)
    spread = math.sqrt(window.sum_squares_a2 / (len(readings) - 1))
    assert spread == pytest.approx(np.std(readings, ddof=1), abs=1e-7)


@pytest.mark.verifies("SWR_SOC_007")
def test_too_few_samples_and_an_implausible_mean_are_refused() -> None:
    short = zero_current_offset(_window([0.01] * 9), accuracy_a=0.1, noise_floor_a=0.01)
    assert short.reason is not None
    assert "9 current samples" in short.reason
    large = zero_current_offset(_window([0.25, 0.27] * 10), accuracy_a=0.1, noise_floor_a=0.01)
    assert large.reason is not None
    assert "+0.260 A" in large.reason
    assert "0.100 A" in large.reason
    negative = zero_current_offset(_window([-0.2] * 20), accuracy_a=0.1, noise_floor_a=0.01)
    assert negative.reason is not None
    for readings in ([], [0.01]):  # no spread from fewer than two: the floor alone
        few = zero_current_offset(_window(readings), accuracy_a=0.1, noise_floor_a=0.01)
        assert (
            few.reason == f"{len(readings)} current samples with the contactors open, fewer than 10"
        )
        assert few.sigma_a == pytest.approx(0.01)


@pytest.mark.verifies("SWR_SOC_007")
def test_standard_error_of_a_usable_offset() -> None:
    readings = [0.05 + 0.01 * ((-1) ** k) for k in range(100)]
    offset = zero_current_offset(_window(readings), accuracy_a=0.3, noise_floor_a=0.001)
    assert offset.reason is None
    assert offset.offset_a == pytest.approx(0.05)
    assert offset.sigma_a == pytest.approx(np.std(readings, ddof=1) / 10.0)
    quantised = zero_current_offset(_window([0.05] * 100), accuracy_a=0.3, noise_floor_a=0.01)
    assert quantised.reason is None
    assert quantised.sigma_a == pytest.approx(0.001)


@pytest.mark.verifies("SWR_SOC_007")
@given(
    st.floats(min_value=-0.5, max_value=0.5, allow_nan=False),
    st.floats(min_value=1e-5, max_value=0.2, allow_nan=False),
)
def test_calibration_sets_the_offset_state_and_keeps_the_covariance_valid(
    offset: float, sigma: float
) -> None:
    state = initial_ekf_state(4, 0.5, 0.1, SocFilterTuning())
    state.p[0, 3] = state.p[3, 0] = 1e-4  # a correlation the calibration must clear
    assert state.capacity_cross is not None
    state.capacity_cross[[0, 3]] = 1e-5  # and the offset's with the considered scale error
    calibrated = calibrate_current_offset(state, offset, sigma)
    assert calibrated.capacity_cross is not None
    assert np.all(calibrated.capacity_cross[3] == 0.0)
    assert np.all(calibrated.capacity_cross[0] == 1e-5)
    assert np.all(calibrated.x[3] == offset)
    assert np.array_equal(calibrated.x[[0, 1, 2, 4]], state.x[[0, 1, 2, 4]])
    assert np.all(calibrated.p[3, 3] == sigma**2)
    assert np.all(calibrated.p[3, [0, 1, 2, 4]] == 0.0)
    for cell in range(4):
        matrix = calibrated.p[:, :, cell]
        assert np.array_equal(matrix, matrix.T)
        assert np.linalg.eigvalsh(matrix).min() > 0.0
    assert state.p[0, 3, 0] == 1e-4  # the input state is not changed
    assert state.capacity_cross[3, 0] == 1e-5


@pytest.mark.verifies("SWR_SOC_007")
def test_calibration_moves_the_lags_filters_with_the_offset() -> None:
    """The lag is driven by ``I - b``: after a calibration it is the new offset's lag.

    No voltage is read (NaN), so nothing else moves ``b``; the lag is linear
    in the current, so the moved filters equal those driven with the new
    offset from the start.
    """
    model = cell_model(synthetic_chemistry(electrodes=lagged_electrodes_section()))
    tuning = SocFilterTuning()
    start = initial_ekf_state(1, 0.6, 0.05, tuning)
    runs = {}
    for held in (0.0, 0.2):
        x = start.x.copy()
        x[3] = held
        state = replace(start, x=x)
        for current in np.linspace(-6.0, 8.0, 400):
            state, _ = ekf_step(
                model, tuning, state, cell_voltages_v=np.full(1, np.nan),
                current_a=float(current), cell_temperatures_degc=np.full(1, 25.0), dt_s=1.0,
            )  # fmt: skip
        runs[held] = state
    calibrated = calibrate_current_offset(runs[0.0], 0.2, 0.01)
    assert runs[0.0].surface_lag is not None
    assert runs[0.2].surface_lag is not None
    assert calibrated.surface_lag is not None
    assert np.max(np.abs(runs[0.2].surface_lag - runs[0.0].surface_lag)) > 1e-6
    assert calibrated.surface_lag == pytest.approx(runs[0.2].surface_lag, abs=1e-15)


@pytest.mark.verifies("SWR_SOC_007")
@pytest.mark.parametrize(("offset", "sigma"), [(math.nan, 0.01), (0.05, 0.0), (0.05, math.inf)])
def test_calibration_refuses_bad_values(offset: float, sigma: float) -> None:
    state = initial_ekf_state(2, 0.5, 0.1, SocFilterTuning())
    with pytest.raises(ValueError, match="offset_a"):
        calibrate_current_offset(state, offset, sigma)


def _discharge(calibrate: bool) -> tuple[float, float, float]:
    """Key-on then an hour at C/4: (offset found, its sigma, final |SoC error|) on the plant."""
    chemistry = synthetic_chemistry()
    plant = PackSimulator(chemistry, 1, initial_soc=0.9, seed=3)
    sensors = SensorModel(SensorErrors(current_noise_a=0.01), seed=4)
    tuning = SocFilterTuning()
    estimator = SocEstimator(chemistry, 1, initial_soc=0.9, initial_sigma=0.02, tuning=tuning)
    window = ZeroCurrentWindow()
    rest = plant.measure()
    for index in range(100):  # 10 s at 10 Hz, contactors open
        seen = sensors.measure(
            PackMeasurement(
                float(index) / 10, rest.cell_voltages_v, rest.cell_temperatures_degc, 0.0
            )
        )
        window = add_zero_current_sample(window, seen.current_a)
        estimator.step(seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, 0.1)
    found = zero_current_offset(window, accuracy_a=0.3, noise_floor_a=tuning.current_noise_a)
    assert found.reason is None
    if calibrate:
        estimator.state = calibrate_current_offset(estimator.state, found.offset_a, found.sigma_a)
    current = chemistry.nominal_capacity_ah / 4.0
    for _ in range(3600):
        truth = plant.step(current, 1.0)
        seen = sensors.measure(truth)
        out = estimator.step(seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, 1.0)
    error = abs(float(out.soc[0]) - float(plant.true_soc[0]))
    return found.offset_a, found.sigma_a, error


@pytest.mark.verifies("SWR_SOC_007")
def test_key_on_finds_the_offset_and_helps_the_filter() -> None:
    offset, sigma, calibrated_error = _discharge(calibrate=True)
    assert abs(offset - SensorErrors().current_offset_a) <= 3.0 * sigma
    assert sigma < 0.01
    _, _, learned_error = _discharge(calibrate=False)
    assert calibrated_error < learned_error
