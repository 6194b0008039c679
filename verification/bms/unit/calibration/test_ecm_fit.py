"""Tests of bms.calibration._ecm_fit: the two-RC response and its least-squares fit.

Covers: the closed-form RC response against a direct Euler integration at a
fine step; the uniform-step (lfilter) and general (loop) paths agree;
step-boundary duplicates change nothing; the fit recovers known parameters
from a record made by the circuit itself, with and without 2 mV noise, its
series drop's kinetic current too; and
argument validation (shape, NaN, time going back, no current).
"""

import numpy as np
import pytest

from bms.calibration import EcmParameters, fit_ecm, simulate_ecm_voltage

TRUE = EcmParameters(r0_ohm=0.025, r1_ohm=0.012, tau1_s=9.0, r2_ohm=0.018, tau2_s=420.0)


def _hppc_record() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    time_s = np.arange(0.0, 2400.0)
    current = np.zeros_like(time_s)
    current[10:20] = 5.0
    current[60:70] = -3.75
    current[120:840] = 2.5
    ocv = 3.9 - 0.1 * np.cumsum(current) / 3600.0 / 5.0
    return time_s, current, ocv


def test_response_matches_a_fine_euler_integration() -> None:
    time_s, current, ocv = _hppc_record()
    model = simulate_ecm_voltage(time_s, current, ocv, TRUE)
    fine_dt = 0.001
    v1 = v2 = 0.0
    checks = {}
    for k in range(1, 200):
        for _ in range(int(1.0 / fine_dt)):
            i = current[k]
            v1 += fine_dt * (-v1 / TRUE.tau1_s + i * TRUE.r1_ohm / TRUE.tau1_s)
            v2 += fine_dt * (-v2 / TRUE.tau2_s + i * TRUE.r2_ohm / TRUE.tau2_s)
        checks[k] = ocv[k] - TRUE.r0_ohm * current[k] - v1 - v2
    for k, expected in checks.items():
        assert model[k] == pytest.approx(expected, abs=2e-5)


def test_uniform_and_irregular_paths_agree() -> None:
    time_s, current, ocv = _hppc_record()
    uniform = simulate_ecm_voltage(time_s, current, ocv, TRUE)
    # a zero-length interval at a step boundary (as PyBaMM's experiments give) changes nothing
    doubled_t = np.insert(time_s, 20, time_s[19])
    doubled_i = np.insert(current, 20, 0.0)
    doubled = simulate_ecm_voltage(doubled_t, doubled_i, np.insert(ocv, 20, ocv[19]), TRUE)
    np.testing.assert_allclose(np.delete(doubled, 20), uniform, atol=1e-12)
    # a record that is not uniformly sampled takes the loop and agrees on the shared samples
    keep = np.ones(time_s.size, dtype=bool)
    keep[1000:1400:2] = False
    irregular = simulate_ecm_voltage(time_s[keep], current[keep], ocv[keep], TRUE)
    np.testing.assert_allclose(irregular[:1000], uniform[:1000], atol=1e-12)


@pytest.mark.verifies("SWR_CAL_001")
@pytest.mark.parametrize("noise_v", [0.0, 0.002])
def test_fit_recovers_the_parameters_of_its_own_circuit(noise_v: float) -> None:
    pytest.importorskip("scipy")
    time_s, current, ocv = _hppc_record()
    voltage = simulate_ecm_voltage(time_s, current, ocv, TRUE)
    voltage = voltage + noise_v * np.random.default_rng(3).standard_normal(voltage.size)
    fit = fit_ecm(time_s, current, voltage, ocv)
    tolerance = 0.02 if noise_v == 0.0 else 0.10
    np.testing.assert_allclose(fit.parameters.as_array(), TRUE.as_array(), rtol=tolerance)
    assert fit.rmse_v == pytest.approx(noise_v, abs=2e-4)
    assert fit.samples == time_s.size
    assert fit.parameters.tau1_s < fit.parameters.tau2_s


@pytest.mark.verifies("SWR_CAL_001", "SWR_CELL_006")
@pytest.mark.parametrize("noise_v", [0.0, 0.002])
def test_fit_recovers_a_kinetic_current_from_pulses_at_two_currents(noise_v: float) -> None:
    """C/5 and 1C pulses tell the drop's bend from its slope; a linear fit cannot follow it."""
    pytest.importorskip("scipy")
    time_s, current, ocv = _hppc_record()
    current[2400 - 60 : 2400 - 50] = 1.0  # a C/5 pulse near the end (the record rests there)
    bent = EcmParameters(
        r0_ohm=0.06, r1_ohm=0.012, tau1_s=9.0, r2_ohm=0.018, tau2_s=420.0, kinetic_current_a=0.8
    )
    voltage = simulate_ecm_voltage(time_s, current, ocv, bent)
    voltage = voltage + noise_v * np.random.default_rng(5).standard_normal(voltage.size)
    fit = fit_ecm(time_s, current, voltage, ocv, kinetic=True)
    tolerance = 0.02 if noise_v == 0.0 else 0.10
    np.testing.assert_allclose(fit.parameters.as_array(), bent.as_array(), rtol=tolerance)
    assert fit.rmse_v == pytest.approx(noise_v, abs=2e-4)
    linear = fit_ecm(time_s, current, voltage, ocv)
    assert linear.parameters.kinetic_current_a == np.inf
    assert linear.rmse_v > fit.rmse_v + 1e-3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param("shape", "match", id="shape"),
        pytest.param("nan", "NaN", id="nan"),
        pytest.param("back", "non-decreasing", id="time-back"),
        pytest.param("short", "at least 2", id="one-sample"),
    ],
)
def test_bad_records_are_rejected(change: str, message: str) -> None:
    time_s, current, ocv = _hppc_record()
    voltage = simulate_ecm_voltage(time_s, current, ocv, TRUE)
    if change == "shape":
        current = current[:-1]
    elif change == "nan":
        voltage[5] = np.nan
    elif change == "back":
        time_s = time_s.copy()
        time_s[7] = 0.0
    else:
        time_s, current, voltage, ocv = time_s[:1], current[:1], voltage[:1], ocv[:1]
    with pytest.raises(ValueError, match=message):
        fit_ecm(time_s, current, voltage, ocv)


def test_a_record_without_current_has_nothing_to_fit() -> None:
    pytest.importorskip("scipy")
    time_s = np.arange(10.0)
    flat = np.full(10, 3.7)
    with pytest.raises(ValueError, match="no current"):
        fit_ecm(time_s, np.zeros(10), flat, flat)
