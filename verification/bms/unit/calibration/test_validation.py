"""Tests of bms.calibration._validation: scores, coulomb counting, cycle scaling.

Covers: the metrics on hand-made traces (RMSE and maximum after the window,
coverage of +-3 sigma, NEES, convergence time including "never"); coulomb
counting against the closed form; the shipped cycles scaled to another
chemistry's capacity (same C-rate) while user CSVs pass unchanged; argument
validation; the capacity estimator run beside the SoC filter (the
equivalent-circuit plant as truth, issue 3's sensor model, one
UDDS-HWFET-UDDS, a 13-point SoC swing) on NMC cells aged to 85 % and 90 %
and an LFP cell aged to 85 %: one rest-to-rest pair across the sequence,
the truth inside the 3-sigma bound of every estimate fed back on the way
and of the last, the pair's measured lean towards the
filter's capacity between 0.2 and 0.95, the SoC bound honest meanwhile
(NMC); with a zero-calibrated current sensor and the sequence three times,
within 3 % and a sigma of at most 3 %; the plot with its capacity panel;
cycles concatenated back to back; a stored truth reused
without a PyBaMM run and keyed by its inputs only. The PyBaMM run itself is
exercised by ``nox -s validation`` and ``bms validate``.
"""

import functools
from pathlib import Path

import numpy as np
import pytest

from bms.calibration._physics import CellTestRecord
from bms.calibration._validation import (
    ValidationCase,
    ValidationResult,
    cached_truth,
    concatenate_cycles,
    coulomb_count,
    cycle_for_chemistry,
    evaluate_on_truth,
    plot_validation,
    soc_metrics,
    truth_key,
)
from bms.cell import Chemistry, load_chemistry
from bms.cycles import DriveCycle, load_cycle
from bms.plant import PackSimulator


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


def _ecm_truth(chemistry: Chemistry, cycle: DriveCycle, fraction: float) -> CellTestRecord:
    """The truth of a case from the equivalent-circuit plant (1 s), aged like the DFN's age()."""
    sim = PackSimulator(
        chemistry, 1, initial_soc=0.9, seed=1, capacity_fraction=fraction,
        resistance_factor=1.0 / fraction,
    )  # fmt: skip
    time_s = cycle.time_s - cycle.time_s[0]
    voltage, temperature = [sim.measure().cell_voltages_v[0]], [25.0]
    for index in range(1, time_s.size):
        seen = sim.step(float(cycle.current_a[index - 1]), float(time_s[index] - time_s[index - 1]))
        voltage.append(seen.cell_voltages_v[0])
        temperature.append(seen.cell_temperatures_degc[0])
    charge = np.concatenate([[0.0], np.cumsum(cycle.current_a[:-1] * np.diff(time_s))]) / 3600
    return CellTestRecord(
        time_s=time_s, current_a=cycle.current_a, voltage_v=np.array(voltage),
        temperature_degc=np.array(temperature), discharged_ah=charge,
        step=np.full(time_s.size, -1, dtype=np.int64),
    )  # fmt: skip


@functools.cache
def _capacity_run(
    name: str, fraction: float, repeat: int = 1, known_offset: bool = False
) -> tuple[ValidationResult, dict[str, object]]:
    """The capacity estimator beside the SoC filter on the circuit plant (0.5 Hz for speed)."""
    chemistry = load_chemistry(name)
    cycle = cycle_for_chemistry("udds,hwfet,udds", chemistry)
    case = ValidationCase(
        parameter_set="circuit plant", chemistry=chemistry, cycle=cycle, ambient_degc=25.0,
        initial_soc=0.9, soc_guess=0.6, period_s=2.0, capacity_fraction=fraction,
        estimate_capacity=True, repeat=repeat,
        sensor={"current_offset_a": 0.0} if known_offset else {},
        tuning={"estimate_current_bias": False} if known_offset else {},
    )  # fmt: skip
    result = evaluate_on_truth(case, _ecm_truth(chemistry, cycle.repeated(repeat), fraction))
    assert result.capacity is not None
    return result, result.capacity


def _error_and_sigma(capacity: dict[str, object]) -> tuple[float, float]:
    """Relative error and relative sigma of the final estimate; every estimate inside 3 sigma."""
    true_ah = float(capacity["capacity_true_ah"])  # type: ignore[arg-type]
    history = capacity["capacity_history"]
    assert isinstance(history, list)
    assert history
    for entry in history:  # each estimate fed back on the way, not only the last
        assert abs(entry["capacity_ah"] - true_ah) <= 3.0 * entry["sigma_ah"]
    sigma = float(capacity["capacity_sigma_ah"]) / true_ah  # type: ignore[arg-type]
    return float(capacity["capacity_error"]), sigma  # type: ignore[arg-type]


@pytest.mark.verifies("SWR_CAL_002")
@pytest.mark.parametrize(
    ("name", "fraction"), [("NMC_Chen2020", 0.85), ("NMC_Chen2020", 0.9), ("LFP_Prada2013", 0.85)]
)
def test_capacity_after_one_sequence_is_inside_its_bound(name: str, fraction: float) -> None:
    # The DFN run of the NMC case is `bms validate --aged-capacity 0.85` (needs PyBaMM); here
    # the plant is the equivalent circuit with issue 3's sensor model (50 mA offset). One
    # rest-to-rest pair spans the sequence after the window; the filter's offset state
    # trades off against the capacity on this discharge-only drive (the pair's ratio leans
    # towards the filter's capacity, sensitivity g), so the honest bound stays wide.
    result, capacity = _capacity_run(name, fraction)
    error, sigma = _error_and_sigma(capacity)
    pair = capacity["capacity_last_pair"]
    assert isinstance(pair, dict)
    assert 0.2 <= pair["capacity_sensitivity"] < 0.95
    if name.startswith("NMC"):  # LFP's flat OCV: later pairs lean > 0.9 and are not used
        assert pair["time_s"] - 600.0 >= 2700.0  # one pair across the sequence
    assert abs(error) <= 3.0 * sigma
    assert result.summary()["capacity_error"] == error
    assert result.estimator.bound_coverage is not None
    if name.startswith("NMC"):
        assert result.estimator.bound_coverage >= 0.95


def test_plot_shows_the_capacity_history(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result, capacity = _capacity_run("NMC_Chen2020", 0.85)
    history = capacity["capacity_history"]
    assert isinstance(history, list)
    assert history  # a capacity panel below the two SoC panels
    plot_validation(result, tmp_path / "soh.png")
    assert (tmp_path / "soh.png").stat().st_size > 10_000


@pytest.mark.verifies("SWR_CAL_002")
def test_capacity_within_3_percent_with_a_known_offset_and_a_deep_swing() -> None:
    # What the 2 % target needs: a current sensor whose offset is known (zero-calibrated,
    # the filter's offset state off) and a 38-point SoC swing (the sequence three times).
    _, capacity = _capacity_run("NMC_Chen2020", 0.85, repeat=3, known_offset=True)
    error, sigma = _error_and_sigma(capacity)
    assert sigma <= 0.03
    assert abs(error) <= min(0.03, 3.0 * sigma)  # from a prior 17.6 % too high


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
    stored = _ecm_truth(chemistry, DriveCycle("udds", np.arange(5.0), np.ones(5)), 1.0)
    np.savez(tmp_path / f"{truth_key(case)}.npz", **stored.__dict__)
    loaded = cached_truth(case, tmp_path)  # no PyBaMM run: the file is found
    assert np.array_equal(loaded.voltage_v, stored.voltage_v)
    aged = ValidationCase(**{**case.__dict__, "capacity_fraction": 0.85})
    assert truth_key(aged) != truth_key(case)
    assert truth_key(ValidationCase(**{**case.__dict__, "soc_guess": 0.2})) == truth_key(case)
