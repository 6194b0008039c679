"""Tests of bms.calibration._validation: scores, coulomb counting, cycle scaling.

Covers: the metrics on hand-made traces (RMSE and maximum after the window,
coverage of +-3 sigma, NEES, convergence time including "never"); coulomb
counting against the closed form; the shipped cycles scaled to another
chemistry's capacity (same C-rate) while user CSVs pass unchanged; argument
validation. The PyBaMM run itself is exercised by ``nox -s validation``.
"""

from pathlib import Path

import numpy as np
import pytest

from bms.calibration._validation import coulomb_count, cycle_for_chemistry, soc_metrics
from bms.cell import load_chemistry
from bms.cycles import load_cycle


@pytest.mark.verifies("SWR_CAL_002")
def test_metrics_after_the_window() -> None:
    time_s = np.arange(0.0, 1000.0, 1.0)
    truth = np.full(time_s.size, 0.5)
    estimate = truth.copy()
    estimate[:100] = 0.8  # wrong start, inside the window
    estimate[700:710] = 0.53  # a 3-point excursion after it
    sigma = np.full(time_s.size, 0.005)
    metrics = soc_metrics(time_s, truth, estimate, sigma, 600.0)
    assert metrics.samples == 400
    assert metrics.soc_max_abs_error == pytest.approx(0.03)
    assert metrics.soc_rmse == pytest.approx(np.sqrt(10 * 0.03**2 / 400))
    assert metrics.bound_coverage == pytest.approx(390 / 400)
    assert metrics.nees_mean == pytest.approx(10 * 36.0 / 400)
    assert metrics.convergence_time_s == 710.0


def test_convergence_never_and_at_once() -> None:
    time_s = np.arange(0.0, 700.0)
    truth = np.zeros(700)
    assert soc_metrics(time_s, truth, truth + 0.05, None, 600.0).convergence_time_s is None
    assert soc_metrics(time_s, truth, truth + 0.001, None, 600.0).convergence_time_s == 0.0
    assert soc_metrics(time_s, truth, truth, None, 600.0).bound_coverage is None
    with pytest.raises(ValueError, match="window"):
        soc_metrics(time_s, truth, truth, None, 800.0)
    with pytest.raises(ValueError, match="shape"):
        soc_metrics(time_s, truth[:-1], truth, None, 60.0)


@pytest.mark.verifies("SWR_CAL_002")
def test_coulomb_counting_integrates_the_held_current() -> None:
    time_s = np.arange(0.0, 3601.0)
    soc = coulomb_count(time_s, np.full(time_s.size, 2.5), 0.9, 5.0)
    assert soc[-1] == pytest.approx(0.4)
    assert coulomb_count(time_s, np.full(time_s.size, 10.0), 0.9, 5.0)[-1] == 0.0


def test_shipped_cycles_keep_their_c_rate_for_another_chemistry(tmp_path: Path) -> None:
    lfp = load_chemistry("LFP_Prada2013")
    scaled = cycle_for_chemistry("udds", lfp)
    original = load_cycle("udds")
    np.testing.assert_allclose(
        scaled.current_a, original.current_a * lfp.nominal_capacity_ah / 5.0, rtol=1e-12
    )
    path = tmp_path / "mine.csv"
    path.write_text("time_s,current_a\n0,1\n1,2\n", encoding="utf-8")
    assert cycle_for_chemistry(str(path), lfp).current_a.tolist() == [1.0, 2.0]
