"""Tests of bms/calibration/_consistency.py: the NEES consistency test against its chi-square band.

Covers: the band against Bar-Shalom's worked figures (50 runs of a 2-state
error: 1.5 to 2.6) and the single-run band; synthetic runs whose errors
are as large as, twice and a third of their sigma land inside, above and
below the band, with their largest error and 3-sigma coverage as drawn;
shape and window errors are rejected; on the
equivalent-circuit plant (no model error) the validation's Monte-Carlo
runs of the SoC filter are never over-confident and the summary carries
the band's figures, or none when the runs are switched off.
"""

import math
from dataclasses import replace

import numpy as np
import pytest

from bms.calibration._consistency import nees_band, nees_consistency
from bms.calibration._validation import ValidationCase, cycle_for_chemistry, evaluate_on_truth
from bms.cell import load_chemistry
from verification.bms.unit.calibration.ecm_truth_fixture import ecm_truth

_SAMPLES = 4000
_TIME = np.arange(_SAMPLES, dtype=float)


def _runs(error_scale: float, runs: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Estimates whose errors are ``error_scale`` times the sigma they report."""
    rng = np.random.default_rng(7)
    sigma = np.full((runs, _SAMPLES), 0.01)
    return error_scale * sigma * rng.standard_normal((runs, _SAMPLES)), sigma


@pytest.mark.verifies("SWR_CAL_002")
def test_band_matches_bar_shalom() -> None:
    """Bar-Shalom et al. (2001), 5.4.2: 50 runs of a 2-state error, 95 %: [1.5, 2.6]."""
    low, high = nees_band(50, dimension=2)
    assert (round(low, 2), round(high, 2)) == (1.48, 2.59)
    single = nees_band(1)
    assert single[0] == pytest.approx(0.000982, rel=1e-3)
    assert single[1] == pytest.approx(5.024, rel=1e-3)
    with pytest.raises(ValueError, match="runs=0"):
        nees_band(0)


@pytest.mark.verifies("SWR_CAL_002")
@pytest.mark.parametrize(
    ("scale", "verdict"), [(1.0, "inside"), (2.0, "above"), (0.33, "below")]
)  # fmt: skip
def test_honest_over_confident_and_pessimistic_runs(scale: float, verdict: str) -> None:
    estimates, sigmas = _runs(scale)
    result = nees_consistency(_TIME, np.zeros(_SAMPLES), estimates, sigmas, window_s=100.0)
    shares = {
        "inside": result.inside_fraction,
        "above": result.above_fraction,
        "below": result.below_fraction,
    }
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares[verdict] >= 0.9
    assert result.mean_nees == pytest.approx(scale**2, rel=0.1)
    scored = estimates[:, _TIME >= 100.0]
    assert result.max_abs_error == pytest.approx(np.max(np.abs(scored)))
    # an error of `scale` sigmas (Gaussian) is inside 3 sigma with probability erf(3/scale/sqrt 2)
    inside_3_sigma = math.erf(3.0 / scale / math.sqrt(2.0))
    assert result.bound_coverage == pytest.approx(inside_3_sigma, abs=0.01)
    if verdict == "inside":
        assert shares["inside"] <= 0.99  # about 95 %, not all: a band, not a bound


@pytest.mark.verifies("SWR_CAL_002")
def test_bad_shapes_and_windows_are_rejected() -> None:
    estimates, sigmas = _runs(1.0, runs=3)
    truth = np.zeros(_SAMPLES)
    with pytest.raises(ValueError, match="one shape"):
        nees_consistency(_TIME, truth, estimates, sigmas[:2], window_s=0.0)
    with pytest.raises(ValueError, match="one length"):
        nees_consistency(_TIME[:-1], truth[:-1], estimates, sigmas, window_s=0.0)
    with pytest.raises(ValueError, match="window"):
        nees_consistency(_TIME, truth, estimates, sigmas, window_s=1e6)


@pytest.mark.verifies("SWR_CAL_002")
def test_filter_on_its_own_circuit_is_never_over_confident() -> None:
    chemistry = load_chemistry("NMC_Chen2020")
    cycle = cycle_for_chemistry("udds", chemistry)
    truth = ecm_truth(chemistry, cycle, 1.0)
    case = ValidationCase(
        parameter_set="circuit plant", chemistry=chemistry, cycle=cycle, ambient_degc=25.0,
        initial_soc=0.9, soc_guess=0.6, period_s=2.0, nees_runs=8,
    )  # fmt: skip
    summary = evaluate_on_truth(case, truth).summary()
    assert summary["nees_runs"] == 8
    band = summary["nees_band"]
    assert isinstance(band, list)
    assert band == pytest.approx(list(nees_band(8)))
    shares = {key: float(summary[f"nees_{key}_band"]) for key in ("inside", "below", "above")}  # type: ignore[arg-type]
    assert shares["above"] <= 0.05
    assert sum(shares.values()) == pytest.approx(1.0)
    off = evaluate_on_truth(replace(case, nees_runs=0), truth)
    assert off.summary()["nees_inside_band"] is None
