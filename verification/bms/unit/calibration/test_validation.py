"""Tests of bms.calibration._validation: scores, coulomb counting, cycle scaling.

Covers: the metrics on hand-made traces (RMSE and maximum after the window,
coverage of +-3 sigma, NEES, convergence time including "never"); coulomb
counting against the closed form; the shipped cycles scaled to another
chemistry's capacity (same C-rate) while user CSVs pass unchanged; argument
validation; cycles concatenated back to back; a stored truth reused
without a PyBaMM run and keyed by its inputs only; the shipped matrix
(``docs/validation/results.json``) scored by the present filter, every row's
digest of what its estimate rests on the one the code gives now (a change
to the filter fails here until ``nox -s validation -- --fresh`` rescores
it). The PyBaMM run itself is exercised by ``nox -s validation`` and
``bms validate``.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from bms.calibration._validation import (
    ValidationCase,
    cached_truth,
    concatenate_cycles,
    coulomb_count,
    cycle_for_chemistry,
    soc_metrics,
    truth_key,
)
from bms.cell import load_chemistry
from bms.cycles import DriveCycle, load_cycle
from verification.bms.unit.calibration.ecm_truth_fixture import ecm_truth
from verification.scripts.validation_matrix import _estimator_version

SHIPPED_MATRIX = Path(__file__).resolve().parents[4] / "docs" / "validation" / "results.json"


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


def test_cycles_concatenate_back_to_back() -> None:
    udds, hwfet = load_cycle("udds"), load_cycle("hwfet")
    both = concatenate_cycles([udds, hwfet])
    assert both.name == "udds-hwfet"
    assert both.time_s.size == udds.time_s.size + hwfet.time_s.size
    assert np.all(np.diff(both.time_s) > 0.0)
    assert both.duration_s == pytest.approx(udds.duration_s + hwfet.duration_s + 1.0)
    assert np.array_equal(both.current_a[udds.time_s.size :], hwfet.current_a)
    with pytest.raises(ValueError, match="no cycle"):
        concatenate_cycles([])


def test_a_stored_truth_is_reused_and_keyed_by_its_inputs(tmp_path: Path) -> None:
    chemistry = load_chemistry("NMC_Chen2020")
    case = ValidationCase(
        parameter_set="Chen2020", chemistry=chemistry, cycle=load_cycle("udds"),
        ambient_degc=25.0, initial_soc=0.8, soc_guess=0.5,
    )  # fmt: skip
    stored = ecm_truth(chemistry, DriveCycle("udds", np.arange(5.0), np.ones(5)), 1.0)
    np.savez(tmp_path / f"{truth_key(case)}.npz", **stored.__dict__)
    loaded = cached_truth(case, tmp_path)  # no PyBaMM run: the file is found
    assert np.array_equal(loaded.voltage_v, stored.voltage_v)
    aged = ValidationCase(**{**case.__dict__, "capacity_fraction": 0.85})
    assert truth_key(aged) != truth_key(case)
    assert truth_key(ValidationCase(**{**case.__dict__, "soc_guess": 0.2})) == truth_key(case)


@pytest.mark.verifies("SWR_CAL_002")
def test_the_shipped_validation_matrix_was_scored_by_the_present_filter() -> None:
    # The matrix is opt-in (PyBaMM, minutes): without this a change to the filter left the
    # committed table silently out of date, each row marked (older filter) only on a rerun.
    rows = json.loads(SHIPPED_MATRIX.read_text(encoding="utf-8"))
    assert len(rows) == 24
    stale = [
        row["id"]
        for row in rows
        if row["estimator_version"] != _estimator_version(row["chemistry"])
    ]
    assert not stale, f"rescore with: nox -s validation -- --fresh ({len(stale)} rows: {stale[:3]})"
