"""Tests of bms/calibration/_own_model.py: the SoC filter's NEES on its own circuit.

Covers: on the NMC cell's UDDS (1 Hz to keep it fast), with the model-error
allowance off, the runs' average NEES lies inside its chi-square band
nearly all the time, as it must where the filter's model and noise model
hold; a plant whose voltage noise is three times what the filter believes
drives it above the band, so the test can fail; the shipped allowance,
model error the plant does not have, lowers it and never puts it above
the band; each run draws its own truth; another filter (here the BMS's
reporting a third of its sigma) is scored on the same draws, its NEES
nine times as large; a truth per run of the wrong shape is rejected by the score;
on the LFP cell's steep graphite end (kept SoC at 15 %, sigma 1 %), the
shipped filter keeps the truth inside its 3-sigma bound, which it did in
0.938 of the samples before the current sensor's offset reached the
voltage through the surface lag in its Jacobian; from the controller's
unknown start on the LFP cell's UDDS at 0 degC the reported bound, the
plateau's floor under it, holds the truth in 99 % of the samples or more and
the NEES never goes above its band, where the filter's own sigma (the floor
switched off) holds it in 93 % and is above the band all the time.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from bms.calibration._consistency import nees_consistency
from bms.calibration._own_model import OwnModelCase, OwnModelRuns, case_estimator, own_model_runs
from bms.calibration._validation import cycle_for_chemistry
from bms.cell import load_chemistry
from bms.estimation import UNKNOWN_SOC, UNKNOWN_SOC_SIGMA, SocFilterTuning

_NMC = load_chemistry("NMC_Chen2020")


def _case(**settings: Any) -> OwnModelCase:
    return OwnModelCase(
        _NMC, cycle_for_chemistry("udds", _NMC), 25.0, 0.7, period_s=1.0, **settings
    )


def _runs(**settings: Any) -> OwnModelRuns:
    return own_model_runs(_case(**settings))


@pytest.mark.verifies("SWR_CAL_004")
def test_honest_on_its_own_circuit() -> None:
    result = _runs()
    score = result.consistency
    assert score.inside_fraction >= 0.9
    assert score.above_fraction <= 0.05
    assert score.band[0] <= score.mean_nees <= score.band[1]
    assert score.bound_coverage >= 0.97
    assert np.std(result.true_soc[:, 0]) > 0.05  # each run draws its own truth


@pytest.mark.verifies("SWR_CAL_004")
def test_a_noisier_plant_than_the_filter_believes_is_caught() -> None:
    score = _runs(plant_tuning={"voltage_noise_v": 0.006}).consistency
    assert score.above_fraction >= 0.5
    assert score.mean_nees > score.band[1]


@pytest.mark.verifies("SWR_CAL_004")
def test_the_shipped_allowance_is_pessimistic_never_over_confident() -> None:
    score = _runs(model_error_allowance=True).consistency
    assert score.above_fraction == 0.0
    assert score.bound_coverage == 1.0
    assert score.mean_nees < 0.8 * _runs().consistency.mean_nees


@dataclass(frozen=True)
class _Shrunk:
    soc: np.ndarray
    soc_sigma: np.ndarray


class _OverConfident:
    """The BMS's filter reporting a third of its sigma."""

    def __init__(self, case: OwnModelCase) -> None:
        self.inner = case_estimator(case)

    def step(
        self, voltages: np.ndarray, current: float, temperatures: np.ndarray, dt: float
    ) -> _Shrunk:
        out = self.inner.step(voltages, current, temperatures, dt)
        return _Shrunk(out.soc, out.soc_sigma / 3.0)


@pytest.mark.verifies("SWR_CAL_004")
def test_another_filter_is_scored_on_the_same_draws() -> None:
    honest, shrunk = _runs(), own_model_runs(_case(), _OverConfident)
    assert np.array_equal(honest.true_soc, shrunk.true_soc)
    assert np.array_equal(honest.estimated_soc, shrunk.estimated_soc)
    assert shrunk.consistency.mean_nees == pytest.approx(9.0 * honest.consistency.mean_nees)
    assert shrunk.consistency.above_fraction >= 0.9


@pytest.mark.verifies("SWR_CAL_004")
def test_a_truth_per_run_must_match_the_runs() -> None:
    time = np.arange(10.0)
    estimates = np.zeros((3, 10))
    with pytest.raises(ValueError, match="one length"):
        nees_consistency(time, np.zeros((2, 10)), estimates, np.ones((3, 10)), window_s=0.0)
    per_run = nees_consistency(
        time, np.full((3, 10), 0.1), estimates, np.full((3, 10), 0.1), window_s=0.0
    )
    assert per_run.mean_nees == pytest.approx(1.0)


@pytest.mark.verifies("SWR_SOC_005", "SWR_CAL_004")
def test_the_lfp_filter_is_honest_at_its_steep_graphite_end() -> None:
    lfp = load_chemistry("LFP_Prada2013")
    case = OwnModelCase(
        lfp, cycle_for_chemistry("udds", lfp), 25.0, 0.15, initial_sigma=0.01,
        model_error_allowance=True,
    )  # fmt: skip
    score = own_model_runs(case).consistency
    assert score.bound_coverage >= 0.99
    assert score.above_fraction == 0.0


@pytest.mark.verifies("SWR_SOC_010", "SWR_CAL_004")
def test_the_plateau_floor_keeps_the_unknown_lfp_start_honest_in_the_cold() -> None:
    lfp = load_chemistry("LFP_Prada2013")

    def score(plateau_voltage_v: float) -> Any:
        case = OwnModelCase(
            lfp, cycle_for_chemistry("udds", lfp), 0.0, UNKNOWN_SOC,
            initial_sigma=UNKNOWN_SOC_SIGMA, model_error_allowance=True,
            tuning={"plateau_voltage_v": plateau_voltage_v},
        )  # fmt: skip
        return own_model_runs(case).consistency

    floored = score(SocFilterTuning().plateau_voltage_v)
    assert floored.bound_coverage >= 0.99
    assert floored.above_fraction == 0.0
    bare = score(0.0)  # the same draws, the filter's own sigma: one Gaussian on a plateau
    assert bare.bound_coverage < 0.99
    assert bare.above_fraction > 0.5
