"""Tests of bms/calibration/_filter_runs.py: the filters a validation runs on one truth.

Covers: a key-on before the cycle finds issue 3's 50 mA offset within 3
sigma and starts the filter's offset state there, and refuses a 0.5 A one
(beyond three times the filter's prior on the offset), leaving the filter
to learn it; the shared key-on (``key_on``, which the plating closed loop
runs too) takes the fewest samples that make a calibration at 10 Hz and does
nothing when shorter than one period; the case's filter widens its capacity uncertainty to the
prior's when the case estimates capacity; the Monte-Carlo columns of the
NEES test draw the filter's prior (the initial guess around the truth, the
capacity and, when estimated, the resistance deviation; guesses clipped to
[0, 1]) and start from their own guesses.
"""

import numpy as np
import pytest

from bms.calibration._filter_runs import (
    KEY_ON_S,
    case_filter,
    key_on,
    noise_realisations,
    prior_draws,
)
from bms.calibration._validation import ValidationCase, cycle_for_chemistry, evaluate_on_truth
from bms.cell import load_chemistry
from bms.estimation import ZERO_CURRENT_MIN_SAMPLES
from bms.plant import SensorErrors, SensorModel
from verification.bms.unit.calibration.ecm_truth_fixture import ecm_truth

CHEMISTRY = load_chemistry("NMC_Chen2020")
CYCLE = cycle_for_chemistry("udds", CHEMISTRY)


def _case(**changes: object) -> ValidationCase:
    base = {
        "parameter_set": "circuit plant", "chemistry": CHEMISTRY, "cycle": CYCLE,
        "ambient_degc": 25.0, "initial_soc": 0.9, "soc_guess": 0.9, "period_s": 1.0,
        "nees_runs": 0,
    }  # fmt: skip
    return ValidationCase(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.verifies("SWR_CAL_002", "SWR_SOC_007")
@pytest.mark.parametrize("offset_a", [0.05, 0.5])
def test_key_on_calibrates_a_plausible_offset_and_refuses_a_large_one(offset_a: float) -> None:
    case = _case(key_on_s=20.0, sensor={"current_offset_a": offset_a, "current_noise_a": 0.01})
    summary = evaluate_on_truth(case, ecm_truth(CHEMISTRY, CYCLE, 1.0)).summary()
    assert summary["key_on_s"] == 20.0
    found = float(summary["key_on_offset_a"])  # type: ignore[arg-type]
    sigma = float(summary["key_on_offset_sigma_a"])  # type: ignore[arg-type]
    assert abs(found - offset_a) <= 3.0 * sigma
    if offset_a < 0.3:
        assert summary["key_on_refused"] is None
    else:
        assert "beyond the sensor's accuracy of 0.300 A" in str(summary["key_on_refused"])


@pytest.mark.verifies("SWR_CAL_002", "SWR_SOC_007")
def test_the_validations_key_on_is_the_shortest_that_calibrates_at_10_hz() -> None:
    estimator = case_filter(_case(), 1)
    sensors = SensorModel(SensorErrors(current_offset_a=0.05), seed=3)
    found = key_on(estimator, sensors, 3.9, 25.0, duration_s=KEY_ON_S, period_s=0.1)
    assert found is not None
    assert found.samples == ZERO_CURRENT_MIN_SAMPLES
    assert found.reason is None
    assert estimator.state.x[3, 0] == pytest.approx(0.05)
    assert np.sqrt(estimator.state.p[3, 3, 0]) == pytest.approx(found.sigma_a)
    before = case_filter(_case(), 1)
    state = before.state
    assert key_on(before, sensors, 3.9, 25.0, duration_s=0.04, period_s=0.1) is None
    assert before.state is state


@pytest.mark.verifies("SWR_CAL_002")
def test_the_case_filter_knows_the_capacity_only_to_the_prior_until_soh_runs() -> None:
    assert case_filter(_case(), 1).tuning.capacity_uncertainty_pct == 3.0
    soh = _case(estimate_capacity=True, capacity_prior_sigma=0.1)
    assert case_filter(soh, 1).tuning.capacity_uncertainty_pct == pytest.approx(10.0)


@pytest.mark.verifies("SWR_CAL_002")
def test_the_runs_draw_the_filters_prior() -> None:
    """Guesses around the truth with the initial sigma; capacity, resistance with their priors."""
    case = _case(initial_soc=0.6, initial_sigma=0.1)
    tuning = case_filter(case, 1).tuning
    guesses, capacity, resistance = prior_draws(case, tuning, 4000)
    assert np.mean(guesses) == pytest.approx(0.6, abs=0.01)
    assert np.std(guesses) == pytest.approx(0.1, rel=0.05)
    assert np.std(1.0 / capacity - 1.0) == pytest.approx(
        tuning.capacity_uncertainty_pct / 100, rel=0.05
    )
    deviation = np.std(1.0 / resistance - 1.0)
    assert deviation == pytest.approx(tuning.initial_resistance_sigma_pct / 100, rel=0.05)
    fixed = _case(tuning={"estimate_resistance": False})
    _, _, kept = prior_draws(fixed, case_filter(fixed, 1).tuning, 10)
    assert np.all(kept == 1.0)
    clipped, _, _ = prior_draws(_case(initial_soc=0.99, initial_sigma=0.2), tuning, 1000)
    assert clipped.max() == 1.0
    assert clipped.min() >= 0.0


@pytest.mark.verifies("SWR_CAL_002")
def test_noise_runs_start_from_their_draws_and_differ() -> None:
    time_s = np.arange(0.0, 60.0, 1.0)
    voltage = np.full(time_s.size, 4.0)
    current = np.full(time_s.size, 1.0)
    temperature = np.full(time_s.size, 25.0)
    case = _case(nees_runs=4, initial_sigma=0.1)
    soc, sigma = noise_realisations(case, time_s, voltage, current, temperature)
    assert soc.shape == sigma.shape == (4, time_s.size)
    assert len({round(float(v), 12) for v in soc[:, -1]}) == 4
    guesses, _, _ = prior_draws(case, case_filter(case, 1).tuning, 4)
    # without a usable voltage the first step only predicts: 1 A for 1 s moves the SoC 6e-5
    blind = np.full(time_s.size, np.nan)
    soc, _ = noise_realisations(case, time_s, blind, current, temperature)
    assert soc[:, 0] == pytest.approx(guesses, abs=1e-4)
