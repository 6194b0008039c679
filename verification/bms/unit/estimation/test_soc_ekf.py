"""Tests of bms/estimation/_soc_ekf.py: the vectorised SoC filter.

Covers (SWR_SOC_001..005): convergence from a 30-point wrong initial SoC on
the equivalent-circuit plant with issue 3's sensor errors, the truth inside
the 3-sigma bound, and coulomb counting from the same guess clearly worse;
the covariance symmetric positive definite after many steps; SoC within
[0, 1] under voltages that push it out; the bound shrinks with information
and, without the correlated offset and resistance states, grows without;
with them it shrinks with information too; non-finite current or step rejects the step (state
unchanged, flag set), and so does an implausible one (above the maximum
current or step); a non-finite or out-of-range voltage skips that cell's
update, a non-finite or out-of-range temperature uses the last valid one
(an int initial temperature too), and no NaN enters the state;
the offset and resistance states stay at zero when switched off; the
vectorised step equals the same filter run one cell at a time; the step rewritten for speed equals
the step it replaced (kept in ``soc_ekf_reference.py``) to 1e-12 on recorded
runs with bad samples, on a uniform and a non-uniform SoC grid, with the fit
floor, per-cell scales and a switched-off state, and at the tables' edges (SoC
0 and 1, the secant's ends clamped or closer than the tangent threshold,
temperatures at, beyond and between the breakpoints, a one-temperature
chemistry), where the fast step reads edge segments the reference clamps
into, and with the particles' surface lag, a capacity pair's anchor
covariance carried along; a cell's bleed current
discharges that cell alone in the prediction (zero bleed is no bleed); a
non-finite or implausible bleed current rejects the step; on a plant whose
circuit adds the surface lag (SWR_CELL_007), without sensor errors, the
filter that adds it too is exact while the one that leaves it out is not;
the lag's filters' carried derivative in the current sensor's offset is
their finite difference between two held offsets, and an update of the
offset moves them by it; on an LFP charge whose filters' capacities are up to 2.5 sigma off, the
lag's slope in H (``surface_lag_slope``) keeps every cell inside its
bound where the OCV's slope alone does not; by default the slope is in H
on the flat LFP OCV and not on the steep NMC one, and a threshold above
the NMC cell's slope puts it in there too.
"""

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest

from bms.cell import Chemistry, cell_model, load_chemistry
from bms.estimation import (
    EkfState,
    SocEstimate,
    SocEstimator,
    SocFilterTuning,
    ekf_step,
    initial_ekf_state,
)
from bms.plant import PackSimulator, PackSpread, SensorModel
from verification.bms.unit.cell.chemistry_fixture import (
    charge_section,
    chemistry_data,
    electrodes_section,
    kinetic_tables,
    lagged_electrodes_section,
    synthetic_chemistry,
)
from verification.bms.unit.estimation.scenario import drive_current, run
from verification.bms.unit.estimation.soc_ekf_reference import reference_ekf_step

CHEMISTRY = synthetic_chemistry()
CONVERGED_AFTER = 600  # steps of 0.2 s: two minutes


@pytest.fixture(scope="module")
def closed_loop() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    result = run(CHEMISTRY, cells=8, steps=2000, dt_s=0.2, true_soc=0.8, guess_soc=0.5)
    return result.truth, result.estimate, result.sigma, result.coulomb


@pytest.mark.verifies("SWR_SOC_005")
def test_converges_from_a_30_point_error(
    closed_loop: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    truth, estimate, _, _ = closed_loop
    assert np.all(np.abs(estimate[0] - truth[0]) > 0.0)
    error = estimate[CONVERGED_AFTER:] - truth[CONVERGED_AFTER:]
    assert np.sqrt(np.mean(error**2)) <= 0.01
    assert np.max(np.abs(error)) <= 0.025


@pytest.mark.verifies("SWR_SOC_005")
def test_truth_stays_inside_three_sigma(
    closed_loop: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    truth, estimate, sigma, _ = closed_loop
    inside = np.abs(estimate - truth) <= 3.0 * sigma
    assert np.mean(inside) >= 0.95
    assert np.mean(inside[CONVERGED_AFTER:]) >= 0.95


@pytest.mark.verifies("SWR_SOC_005")
def test_coulomb_counting_from_the_same_guess_is_worse(
    closed_loop: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    truth, estimate, _, coulomb = closed_loop
    ekf = np.abs(estimate[CONVERGED_AFTER:] - truth[CONVERGED_AFTER:]).max()
    counted = np.abs(coulomb[CONVERGED_AFTER:] - truth[CONVERGED_AFTER:]).max()
    assert counted > 10 * ekf


def _random_inputs(steps: int, cells: int, seed: int) -> list[tuple[np.ndarray, float, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (rng.uniform(2.5, 4.2, cells), float(rng.uniform(-10, 20)), rng.uniform(-10, 45, cells))
        for _ in range(steps)
    ]


def _is_spd(p: np.ndarray) -> bool:
    matrices = np.moveaxis(p, -1, 0)
    if not np.allclose(matrices, matrices.transpose(0, 2, 1), rtol=0, atol=0):
        return False
    return bool(np.all(np.linalg.eigvalsh(matrices) > 0.0))


@pytest.mark.verifies("SWR_SOC_002")
def test_covariance_stays_symmetric_positive_definite() -> None:
    estimator = SocEstimator(CHEMISTRY, 6, initial_soc=0.5, initial_sigma=0.3)
    for voltages, current, temperatures in _random_inputs(1500, 6, seed=5):
        estimator.step(voltages, current, temperatures, 0.1)
    assert _is_spd(estimator.state.p)


@pytest.mark.verifies("SWR_SOC_003")
@pytest.mark.parametrize("voltage", [0.5, 9.0])
def test_soc_stays_in_unit_interval(voltage: float) -> None:
    estimator = SocEstimator(CHEMISTRY, 3, initial_soc=0.5, initial_sigma=0.3)
    for _ in range(200):
        out = estimator.step(np.full(3, voltage), 0.0, np.full(3, 25.0), 0.1)
        assert np.all((out.soc >= 0.0) & (out.soc <= 1.0))


@pytest.mark.verifies("SWR_SOC_001")
def test_bound_shrinks_with_information_and_grows_without() -> None:
    # Without the offset and resistance states, nothing correlated with SoC can make a
    # prediction shrink the SoC variance, so "grows without information" is strict.
    tuning = SocFilterTuning(estimate_current_bias=False, estimate_resistance=False)
    estimator = SocEstimator(CHEMISTRY, 2, initial_soc=0.5, initial_sigma=0.2, tuning=tuning)
    first = estimator.step(np.full(2, 3.6), 1.0, np.full(2, 25.0), 0.1).soc_sigma
    assert np.all(first < 0.2)
    informed = first
    for _ in range(100):
        informed = estimator.step(np.full(2, 3.6), 1.0, np.full(2, 25.0), 0.1).soc_sigma
    assert np.all(informed < first)
    blind = informed
    for _ in range(100):
        blind = estimator.step(np.full(2, math.nan), 5.0, np.full(2, 25.0), 0.1).soc_sigma
    assert np.all(blind > informed)


@pytest.mark.verifies("SWR_SOC_001")
def test_bound_shrinks_with_information_with_every_state() -> None:
    estimator = SocEstimator(CHEMISTRY, 2, initial_soc=0.5, initial_sigma=0.2)
    sigmas = [
        estimator.step(np.full(2, 3.6), 1.0, np.full(2, 25.0), 0.1).soc_sigma for _ in range(50)
    ]
    assert np.all(sigmas[-1] < sigmas[0])
    assert np.all(sigmas[0] < 0.2)


@pytest.mark.verifies("SWR_SOC_004", method="fault_injection")
@pytest.mark.parametrize(
    ("current", "dt"),
    [(math.nan, 0.1), (math.inf, 0.1), (2000.0, 0.1), (1.0, math.nan), (1.0, 0.0), (1.0, 100.0)],
)
def test_non_finite_current_or_step_rejects_the_step(current: float, dt: float) -> None:
    estimator = SocEstimator(CHEMISTRY, 3, initial_soc=0.4, initial_sigma=0.1)
    estimator.step(np.full(3, 3.6), 1.0, np.full(3, 25.0), 0.1)
    before = estimator.state
    out = estimator.step(np.full(3, 3.6), current, np.full(3, 25.0), dt)
    assert out.rejected
    assert estimator.state is before
    assert np.array_equal(out.soc, before.x[0])


@pytest.mark.verifies("SWR_SOC_004", method="fault_injection")
def test_non_finite_voltage_skips_only_that_cells_update() -> None:
    estimator = SocEstimator(CHEMISTRY, 3, initial_soc=0.4, initial_sigma=0.1)
    out = estimator.step(np.array([3.9, math.nan, 50.0]), 2.0, np.full(3, 25.0), 0.1)
    assert not out.rejected
    assert out.voltage_rejected.tolist() == [False, True, True]
    assert out.innovation_v[1] == 0.0
    assert out.soc_sigma[1] > out.soc_sigma[0]
    assert np.all(np.isfinite(estimator.state.x))
    assert np.all(np.isfinite(estimator.state.p))


@pytest.mark.verifies("SWR_SOC_004")
def test_non_finite_temperature_uses_the_last_valid_one() -> None:
    estimator = SocEstimator(CHEMISTRY, 2, initial_soc=0.4, initial_sigma=0.1)
    estimator.step(np.full(2, 3.6), 0.0, np.array([10.0, 30.0]), 0.1)
    estimator.step(np.full(2, 3.6), 0.0, np.array([math.nan, 31.0]), 0.1)
    assert estimator.state.temperature_degc.tolist() == [10.0, 31.0]
    estimator.step(np.full(2, 3.6), 0.0, np.array([32.0, 1e6]), 0.1)
    assert estimator.state.temperature_degc.tolist() == [32.0, 31.0]
    assert np.all(np.isfinite(estimator.state.x))


@pytest.mark.verifies("SWR_SOC_004")
def test_an_integer_initial_temperature_takes_measured_fractions() -> None:
    # An ambient given as an int (25, not 25.0) once made the kept temperatures an int
    # array, into which the next measured float could not be copied.
    estimator = SocEstimator(CHEMISTRY, 2, initial_sigma=0.1, initial_temperature_degc=25)
    estimator.step(np.full(2, 3.6), 0.0, np.array([10.5, math.nan]), 0.1)
    assert estimator.state.temperature_degc.tolist() == [10.5, 25.0]


@pytest.mark.verifies("SWR_SOC_001")
def test_switched_off_states_stay_zero() -> None:
    tuning = SocFilterTuning(estimate_current_bias=False, estimate_resistance=False)
    estimator = SocEstimator(CHEMISTRY, 2, initial_soc=0.5, initial_sigma=0.2, tuning=tuning)
    for voltages, current, temperatures in _random_inputs(200, 2, seed=9):
        out = estimator.step(voltages, current, temperatures, 0.1)
    assert np.all(out.current_bias_a == 0.0)
    assert np.all(out.resistance_deviation == 0.0)


@pytest.mark.verifies("SWR_SOC_001")
def test_vectorised_step_equals_one_cell_at_a_time() -> None:
    tuning = SocFilterTuning()
    model = SocEstimator(CHEMISTRY, 1).model
    inputs = _random_inputs(50, 4, seed=2)
    socs, sigmas = np.array([0.2, 0.4, 0.6, 0.8]), np.array([0.1, 0.02, 0.3, 0.005])
    pack = initial_ekf_state(4, socs, sigmas, tuning)
    single = [
        initial_ekf_state(1, soc, sigma, tuning) for soc, sigma in zip(socs, sigmas, strict=True)
    ]
    assert np.array_equal(pack.p[0, 0], sigmas**2)  # a sigma per cell, not one for all
    for voltages, current, temperatures in inputs:
        pack, _ = ekf_step(
            model, tuning, pack, cell_voltages_v=voltages, current_a=current,
            cell_temperatures_degc=temperatures, dt_s=0.1,
        )  # fmt: skip
        single = [
            ekf_step(
                model, tuning, state, cell_voltages_v=voltages[i : i + 1], current_a=current,
                cell_temperatures_degc=temperatures[i : i + 1], dt_s=0.1,
            )[0]
            for i, state in enumerate(single)
        ]  # fmt: skip
    assert np.allclose(pack.x, np.concatenate([s.x for s in single], axis=1), rtol=1e-12)
    assert np.allclose(pack.p, np.concatenate([s.p for s in single], axis=2), rtol=1e-12)


def _rest_with_bias(tuning: SocFilterTuning, bias_v: float, steps: int) -> tuple[float, float]:
    """SoC error and the filter's own sigma after ``steps`` at rest with a constant voltage error.

    The filter's, not the reported one: the start is unsure enough for the plateau's floor
    (SWR_SOC_010), which would hide the covariance this measures.
    """
    from bms.cell import ocv  # noqa: PLC0415

    model = SocEstimator(CHEMISTRY, 1).model
    state = initial_ekf_state(1, 0.5, 0.05, tuning)
    voltage = float(ocv(model.tables, np.array([25.0]), np.array([0.5]))[0]) + bias_v
    for _ in range(steps):
        state, out = ekf_step(
            model, tuning, state, cell_voltages_v=np.array([voltage]), current_a=0.0,
            cell_temperatures_degc=np.array([25.0]), dt_s=0.1,
        )  # fmt: skip
    return float(abs(out.soc[0] - 0.5)), float(np.sqrt(state.p[0, 0, 0]))


@pytest.mark.verifies("SWR_SOC_005")
def test_a_correlated_model_error_keeps_the_bound_honest() -> None:
    # A voltage error of the circuit's rest size held for a minute and for five: it moves
    # the estimate, and the bound still covers it; the correlation inflation makes the
    # filter take longer to believe the voltage than if the error were white.
    bias = SocFilterTuning().model_error_v
    for steps in (600, 3000):
        error, sigma = _rest_with_bias(SocFilterTuning(), bias, steps)
        assert error > 0.003  # the bias does move the estimate ...
        assert error <= 3.0 * sigma  # ... but not outside its bound
    _, correlated = _rest_with_bias(SocFilterTuning(), bias, 100)
    _, white = _rest_with_bias(SocFilterTuning(model_error_correlation_s=0.0), bias, 100)
    assert correlated > 1.5 * white


@pytest.mark.verifies("SWR_SOC_005", "SWR_SOC_009")
@pytest.mark.parametrize("current_a", [0.0, -3.0])
def test_one_samples_sigma_leaves_out_the_correlation_inflation(current_a: float) -> None:
    # The weighted sigma grows with the correlation time over the period; one sample's
    # does not (the key-on gate's), and it is the weighted one with no inflation.
    model = cell_model(synthetic_chemistry())
    start = initial_ekf_state(2, np.array([0.4, 0.6]), 0.01, SocFilterTuning())
    sigmas = {}
    for correlation_s, dt_s in ((0.0, 0.1), (10.0, 0.1), (30.0, 0.1), (30.0, 1.0)):
        tuning = SocFilterTuning(model_error_correlation_s=correlation_s)
        _, out = ekf_step(
            model, tuning, start, cell_voltages_v=np.array([3.6, 3.8]), current_a=current_a,
            cell_temperatures_degc=np.full(2, 25.0), dt_s=dt_s,
        )  # fmt: skip
        sigmas[correlation_s, dt_s] = (out.innovation_sigma_v, out.innovation_sample_sigma_v)
    white, weighted = sigmas[0.0, 0.1]
    assert np.array_equal(white, weighted)
    assert np.all(sigmas[10.0, 0.1][0] > 2.0 * white)
    assert np.all(sigmas[30.0, 0.1][0] > sigmas[10.0, 0.1][0])
    for (_, dt_s), (inflated, sample) in sigmas.items():
        assert np.all(sample <= inflated)
        # the same step: the same sigma; a step ten times longer: a little more noise in P
        assert sample == pytest.approx(white, rel=1e-12 if dt_s == 0.1 else 0.05)


def _recorded_run(
    chemistry: Chemistry, cells: int, steps: int, seed: int
) -> list[tuple[np.ndarray, float, np.ndarray, float]]:
    """Plant and sensors under a random drive, with bad samples injected (a recorded run)."""
    sim = PackSimulator(
        chemistry, cells, spread=PackSpread(3.0, 5.0, 5.0), initial_soc=0.7, seed=seed
    )
    sensors = SensorModel(seed=seed + 1)
    rng = np.random.default_rng(seed + 2)
    samples = []
    for step, current in enumerate(drive_current(steps, seed + 3, hold=40)):
        measured = sensors.measure(sim.step(float(current), 0.5))
        voltages = measured.cell_voltages_v.copy()
        temperatures = measured.cell_temperatures_degc.copy()
        if step % 37 == 5:
            voltages[rng.integers(cells)] = np.nan
        if step % 53 == 7:
            temperatures[rng.integers(cells)] = np.inf
        measured_current = float("nan") if step % 97 == 11 else measured.current_a
        samples.append((voltages, measured_current, temperatures, 0.5))
    return samples


@pytest.mark.verifies("SWR_SOC_001", "SWR_SOC_004", "SWR_SOC_005")
@pytest.mark.parametrize(
    ("chemistry_name", "tuning", "scaled"),
    [
        ("NMC_Chen2020", SocFilterTuning(), False),  # uniform SoC grid from 0 to 1
        ("synthetic", SocFilterTuning(fit_residual_floor=True), True),  # non-uniform grid
        ("synthetic", SocFilterTuning(estimate_current_bias=False), False),
        ("synthetic_charge", SocFilterTuning(), True),  # direction-dependent tables
        ("synthetic_kinetic", SocFilterTuning(fit_residual_floor=True), True),  # bent drop
        ("synthetic_lag", SocFilterTuning(), True),  # the surface lag added
    ],
)
def test_fast_step_equals_the_reference_step_on_a_recorded_run(
    chemistry_name: str, tuning: SocFilterTuning, scaled: bool
) -> None:
    """The step rewritten for speed computes the filter it replaced (to 1e-12)."""
    tuning = replace(tuning, plateau_voltage_v=0.0)  # the reported floor: test_soc_plateau.py
    chemistry = _chemistry(chemistry_name)
    cells = 8
    estimator = SocEstimator(chemistry, cells, initial_soc=0.5, initial_sigma=0.2, tuning=tuning)
    if scaled:
        estimator.set_cell_scales(np.linspace(0.9, 1.05, cells), np.linspace(1.2, 0.95, cells))
    start = estimator.state  # a capacity pair anchored here (the tracker's covariance)
    fast = reference = replace(start, anchor_cross=start.p[:, 0].copy())
    compared = 0
    directions: set[bool] = set()
    for voltages, current, temperatures, dt in _recorded_run(chemistry, cells, 400, seed=4):
        fast, out = ekf_step(
            estimator.model, tuning, fast, cell_voltages_v=voltages, current_a=current,
            cell_temperatures_degc=temperatures, dt_s=dt,
        )  # fmt: skip
        reference, ref = reference_ekf_step(
            estimator.model, tuning, reference, cell_voltages_v=voltages, current_a=current,
            cell_temperatures_degc=temperatures, dt_s=dt,
        )  # fmt: skip
        assert out.rejected == ref.rejected
        assert np.array_equal(out.voltage_rejected, ref.voltage_rejected)
        directions.add(bool(current < 0.0))  # a charge reads the charge resistances
        for mine, theirs in (
            (fast.x, reference.x),
            (fast.p, reference.p),
            (fast.temperature_degc, reference.temperature_degc),
            (out.soc_sigma, ref.soc_sigma),
            (out.innovation_v, ref.innovation_v),
            (out.innovation_sigma_v, ref.innovation_sigma_v),
            (out.innovation_sample_sigma_v, ref.innovation_sample_sigma_v),
        ):
            assert np.max(np.abs(mine - theirs)) <= 1e-12
        assert fast.anchor_cross is not None
        assert reference.anchor_cross is not None
        assert np.max(np.abs(fast.anchor_cross - reference.anchor_cross)) <= 1e-12
        for lag, reference_lag in (
            (fast.surface_lag, reference.surface_lag),
            (fast.lag_bias_sensitivity, reference.lag_bias_sensitivity),
        ):
            assert (lag is None) == (reference_lag is None)
            if lag is not None and reference_lag is not None:
                assert np.max(np.abs(lag - reference_lag)) <= 1e-12
        compared += not out.rejected
    assert compared > 350
    assert directions == {False, True}  # both directions' tables were read
    assert np.all(np.isfinite(fast.x))
    assert np.ptp(fast.x[0]) > 0.01  # the cells went their own ways: a real comparison
    if chemistry_name == "synthetic_lag":  # the offset reaches the lag: a real comparison
        assert fast.lag_bias_sensitivity is not None
        assert np.max(np.abs(fast.lag_bias_sensitivity)) > 0.0


def _chemistry(name: str) -> Chemistry:
    """A shipped chemistry by name, or the synthetic one, with variants.

    ``synthetic_charge``: with charge tables; ``synthetic_kinetic``: with them
    and kinetic currents; ``synthetic_lag``: with the surface lag added.
    """
    if name == "synthetic":
        return CHEMISTRY
    if name == "synthetic_charge":
        return synthetic_chemistry(charge=charge_section())
    if name == "synthetic_kinetic":
        return synthetic_chemistry(**kinetic_tables())
    if name == "synthetic_lag":
        return synthetic_chemistry(electrodes=lagged_electrodes_section())
    return load_chemistry(name)


def _one_temperature_chemistry() -> Chemistry:
    """The synthetic chemistry with its 25 degC row only (a single temperature segment)."""
    data = chemistry_data()
    row = data["temperature_breakpoints_degc"].index(25.0)
    tables = ("ocv_v", "r0_ohm", "r1_ohm", "tau1_s", "r2_ohm", "tau2_s")
    overrides = {name: [data[name][row]] for name in tables}
    return synthetic_chemistry(
        temperature_breakpoints_degc=[25.0],
        capacity_ah_by_temperature=[data["capacity_ah_by_temperature"][row]],
        **overrides,
    )


@pytest.mark.verifies("SWR_SOC_001", "SWR_SOC_004")
@pytest.mark.parametrize(
    ("chemistry_name", "tuning"),
    [
        ("NMC_Chen2020", SocFilterTuning()),  # uniform SoC grid: bracketed by arithmetic
        ("synthetic", SocFilterTuning(fit_residual_floor=True)),  # non-uniform: np.interp
        ("one_temperature", SocFilterTuning()),
        ("synthetic_charge", SocFilterTuning()),
        ("synthetic_kinetic", SocFilterTuning()),
        ("synthetic_lag", SocFilterTuning()),
    ],
)
def test_fast_step_equals_the_reference_step_at_the_table_edges(
    chemistry_name: str, tuning: SocFilterTuning
) -> None:
    """SoC 0 and 1 (secant ends clamped), tangent-narrow spreads, temperatures off the grid."""
    tuning = replace(tuning, plateau_voltage_v=0.0)  # the reported floor: test_soc_plateau.py
    chemistry = (
        _one_temperature_chemistry()
        if chemistry_name == "one_temperature"
        else _chemistry(chemistry_name)
    )
    soc = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-9, 1.0 - 1e-9, 0.05, 0.95, 1.0, 0.0, 0.3])
    temperatures = np.array(
        [-40.0, -10.0, 45.0, 80.0, 25.0, -10.0, 45.0, 0.0, 10.0, 60.0, 0.0, 7.5]
    )
    cells = soc.size
    model = SocEstimator(chemistry, cells).model
    start = initial_ekf_state(cells, soc, 0.1, tuning)
    variance = start.p[0, 0]
    variance[2::3] = 1e-16  # a secant narrower than the 1e-6 threshold: the tangent
    bounds = chemistry.min_voltage_v, chemistry.max_voltage_v
    for current, voltage in ((0.0, bounds[1] + 0.1), (3.0, bounds[0] - 0.1), (-3.0, 3.7)):
        state, out = ekf_step(
            model, tuning, start, cell_voltages_v=np.full(cells, voltage), current_a=current,
            cell_temperatures_degc=temperatures, dt_s=1.0,
        )  # fmt: skip
        reference, ref = reference_ekf_step(
            model, tuning, start, cell_voltages_v=np.full(cells, voltage), current_a=current,
            cell_temperatures_degc=temperatures, dt_s=1.0,
        )  # fmt: skip
        for mine, theirs in (
            (state.x, reference.x),
            (state.p, reference.p),
            (out.innovation_v, ref.innovation_v),
            (out.innovation_sigma_v, ref.innovation_sigma_v),
            (out.innovation_sample_sigma_v, ref.innovation_sample_sigma_v),
            (out.soc_sigma, ref.soc_sigma),
        ):
            assert np.max(np.abs(mine - theirs)) <= 1e-12
        assert np.any(out.innovation_v != 0.0)


def _bleed_step(
    bleed: np.ndarray | None, current: float = 2.0, voltage: float = float("nan")
) -> tuple[EkfState, EkfState, SocEstimate]:
    """The initial state, the state after one 10 s step with ``bleed``, and the estimate."""
    tuning = SocFilterTuning()
    estimator = SocEstimator(CHEMISTRY, 4, initial_soc=0.6, initial_sigma=0.1)
    state, out = ekf_step(
        estimator.model, tuning, estimator.state, cell_voltages_v=np.full(4, voltage),
        current_a=current, cell_temperatures_degc=np.full(4, 25.0), dt_s=10.0,
        bleed_current_a=bleed,
    )  # fmt: skip
    return estimator.state, state, out


@pytest.mark.verifies("SWR_SOC_001")
def test_bleed_current_discharges_each_bled_cell_in_the_prediction() -> None:
    """A cell's balancing current adds to the string current in its own filter only."""
    bleed = np.array([0.5, 0.0, 0.25, 0.0])
    _, plain, _ = _bleed_step(None)
    _, bled, out = _bleed_step(bleed)  # NaN voltages: prediction only
    assert not out.rejected
    capacity_ah = CHEMISTRY.capacity_ah_by_temperature[
        CHEMISTRY.temperature_breakpoints_degc.index(25.0)
    ]
    expected = bleed * 10.0 / (3600.0 * capacity_ah)
    assert plain.x[0] - bled.x[0] == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert np.all(bled.x[1:3, 1::2] == plain.x[1:3, 1::2])  # unbled cells unchanged
    assert np.all(bled.x[1:3, ::2] > plain.x[1:3, ::2])  # RC voltages follow the bleed
    _, zero, _ = _bleed_step(np.zeros(4))
    assert np.allclose(zero.x, plain.x, rtol=0, atol=1e-15)
    assert np.allclose(zero.p, plain.p, rtol=0, atol=1e-18)


@pytest.mark.verifies("SWR_SOC_004")
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 5000.0])
def test_bad_bleed_current_rejects_the_step(bad: float) -> None:
    initial, state, out = _bleed_step(np.array([0.1, bad, 0.0, 0.0]), voltage=3.7)
    assert out.rejected
    assert state is initial


@pytest.mark.verifies("SWR_SOC_001", "SWR_CELL_007")
def test_the_filter_adds_the_surface_lag_its_circuit_was_fitted_without() -> None:
    """Through the negative's stage step, no sensor error: only the lag's model is exact."""
    lagged = synthetic_chemistry(electrodes=lagged_electrodes_section())
    plain = synthetic_chemistry(electrodes=electrodes_section())  # lag folded away, not added
    plant = PackSimulator(lagged, 1, spread=PackSpread(0.0, 0.0, 0.0), initial_soc=0.66)
    tuning = SocFilterTuning(estimate_current_bias=False, estimate_resistance=False)
    estimators = {
        name: SocEstimator(chemistry, 1, initial_soc=0.66, initial_sigma=0.02, tuning=tuning)
        for name, chemistry in (("lag", lagged), ("plain", plain))
    }
    errors: dict[str, list[float]] = {name: [] for name in estimators}
    for current in np.clip(drive_current(5000, seed=7), 0.0, 8.0):
        measured = plant.step(float(current), 0.5)
        for name, estimator in estimators.items():
            out = estimator.step(
                measured.cell_voltages_v, measured.current_a, measured.cell_temperatures_degc, 0.5
            )
            errors[name].append(float(out.soc[0] - plant.true_soc[0]))
    assert plant.true_soc[0] < 0.45  # the run crossed the step (SoC 0.56)
    lag_error, plain_error = (np.max(np.abs(errors[name])) for name in ("lag", "plain"))
    assert lag_error < 1e-5
    assert plain_error > 100.0 * lag_error


@pytest.mark.verifies("SWR_SOC_005")
def test_the_lags_offset_derivative_is_its_finite_difference_between_two_offsets() -> None:
    """The lag is driven by ``I - b``: its filters' carried derivative in ``b`` is exact.

    No voltage is read (NaN), so no update moves ``b`` and both filters hold
    their offsets; the lag is linear in the current, so the central
    difference is exact up to rounding.
    """
    lagged = synthetic_chemistry(electrodes=lagged_electrodes_section())
    model = cell_model(lagged)
    tuning = SocFilterTuning()
    start = initial_ekf_state(2, 0.6, 0.05, tuning)
    held = 0.3  # A, b of the first filter; the second holds -0.3
    x = start.x.copy()
    x[3] = (held, -held)
    state = replace(start, x=x)
    for current in drive_current(600, seed=5, hold=40):
        state, _ = ekf_step(
            model, tuning, state, cell_voltages_v=np.full(2, np.nan), current_a=float(current),
            cell_temperatures_degc=np.full(2, 25.0), dt_s=1.0,
        )  # fmt: skip
    assert state.surface_lag is not None
    assert state.lag_bias_sensitivity is not None
    difference = (state.surface_lag[..., 0] - state.surface_lag[..., 1]) / (2.0 * held)
    assert np.max(np.abs(difference)) > 1e-6  # the offset moved the lag
    for cell in range(2):
        assert state.lag_bias_sensitivity[..., cell] == pytest.approx(difference, abs=1e-12)


@pytest.mark.verifies("SWR_SOC_005")
def test_an_update_of_the_offset_moves_the_lags_filters_by_their_derivative() -> None:
    """A step that reads the voltage: the lag's filters are those of the updated offset."""
    lagged = synthetic_chemistry(electrodes=lagged_electrodes_section())
    model = cell_model(lagged)
    tuning = SocFilterTuning()
    state = initial_ekf_state(1, 0.6, 0.05, tuning)
    for current in drive_current(300, seed=6, hold=40):
        state, _ = ekf_step(
            model, tuning, state, cell_voltages_v=np.full(1, np.nan), current_a=float(current),
            cell_temperatures_degc=np.full(1, 25.0), dt_s=1.0,
        )  # fmt: skip
    read = {}
    for voltage in (np.nan, 3.0):  # the same step without and with the voltage's update
        read[voltage] = ekf_step(
            model, tuning, state, cell_voltages_v=np.full(1, voltage), current_a=5.0,
            cell_temperatures_degc=np.full(1, 25.0), dt_s=1.0,
        )[0]  # fmt: skip
    blind, updated = read[np.nan], read[3.0]
    moved = updated.x[3] - blind.x[3]
    assert abs(moved[0]) > 1e-6  # the voltage moved the offset estimate
    assert blind.surface_lag is not None
    assert updated.surface_lag is not None
    assert updated.lag_bias_sensitivity is not None
    expected = blind.surface_lag + updated.lag_bias_sensitivity * moved
    assert updated.surface_lag == pytest.approx(expected, abs=1e-15)
    assert np.max(np.abs(updated.surface_lag - blind.surface_lag)) > 0.0


@pytest.mark.verifies("SWR_SOC_005")
def test_a_start_above_the_truth_on_a_flat_plateau_keeps_an_honest_bound() -> None:
    """LFP (shipped file) 8 to 16 points above the truth, on the plateau under its top knee.

    A prior that straddles the knee must not read the knee's slope as
    information at the estimate: the filter without the regression's
    expected OCV and residual variance (module docstring) settled at a
    1.5-point bound with a 13-point error on the DFN. On the circuit plant
    the truth stays inside three sigma and the estimates converge.
    """
    lfp = load_chemistry("LFP_Prada2013")
    guesses = np.linspace(0.88, 0.96, 8)
    result = run(lfp, cells=8, steps=3000, dt_s=0.2, true_soc=0.8, guess_soc=guesses)
    error = np.abs(result.estimate - result.truth)
    assert np.all(error[0] > 0.05)
    assert np.mean(error <= 3.0 * result.sigma) >= 0.99
    assert np.max(error[-1]) <= 0.02


@pytest.mark.verifies("SWR_SOC_005")
def test_the_bound_grows_with_the_coulomb_counts_considered_scale_error() -> None:
    """An hour's 0.5C charge with no usable voltage: each filter's capacity 0 to 2 sigma off.

    The coulomb count's scale error (the tuning's 3 % capacity and 0.5 %
    gain, 3.04 % together) is a bias: its SoC error grows with the charge,
    so the bound must too. Taken as white input noise it integrated to
    almost nothing and a cell 2 sigma off ended 3 points out at a 0.6-point
    bound (the SoC's random walk); considered, every cell ends inside 3 sigma, and the bound's share
    of the charge is the scale's sigma.
    """
    sim = PackSimulator(CHEMISTRY, 1, initial_soc=0.2, seed=4)
    scale_sigma = math.hypot(3.0, 0.5) / 100.0
    offsets = np.linspace(-2.0, 2.0, 9) * scale_sigma
    known_offset = SocFilterTuning(estimate_current_bias=False)  # else its 0.1 A prior dominates
    estimator = SocEstimator(
        CHEMISTRY, offsets.size, initial_soc=0.2, initial_sigma=0.001, tuning=known_offset
    )
    estimator.set_cell_scales(1.0 / (1.0 + offsets), 1.0)
    current = -0.5 * CHEMISTRY.nominal_capacity_ah
    blind = np.full(offsets.size, np.nan)  # a voltage sensor fault: prediction only
    for _ in range(360):
        truth = sim.step(current, 10.0)
        out = estimator.step(
            blind, current, np.full(offsets.size, truth.cell_temperatures_degc[0]), 10.0
        )
    charged = sim.true_soc[0] - 0.2
    error = np.abs(out.soc - sim.true_soc[0])
    assert charged == pytest.approx(0.5, abs=0.01)
    assert error.max() >= 0.025
    assert np.all(error <= 3.0 * out.soc_sigma)
    assert out.soc_sigma.min() >= scale_sigma * charged


@pytest.mark.verifies("SWR_SOC_005")
def test_the_lag_slope_keeps_an_lfp_charge_honest_under_a_capacity_error() -> None:
    """LFP (shipped file), a 0.7C charge from 10 to 80 %, each filter's capacity 0 to 2.5 sigma off.

    On the circuit plant, which adds the surface lag exactly, the lag's bump
    at the graphite's stage step is steeper than the plateau's OCV: a filter
    whose H carries the OCV's slope alone reads the bump, met at a SoC its
    wrong capacity misplaces, as SoC information and leaves the cells
    2.5 sigma off outside their bound; with ``surface_lag_slope`` every
    cell stays inside it (the DFN's prior-drawn charges do the same,
    docs/validation). The filters hold no offset state here: under a held
    current a capacity error is an offset to the coulomb count, and the
    offset state, which reaches the voltage through the lag too, takes up
    part of it (with it, the slope halves the largest error: 3.9 to 1.6 %).
    """
    lfp = load_chemistry("LFP_Prada2013")
    offsets = np.linspace(-2.5, 2.5, 11) * math.hypot(3.0, 0.5) / 100.0
    current = -0.7 * lfp.nominal_capacity_ah
    coverage, worst = {}, {}
    for slope in (False, True):
        plant = PackSimulator(lfp, 1, initial_soc=0.1, seed=4)
        estimator = SocEstimator(
            lfp,
            offsets.size,
            initial_soc=0.1,
            initial_sigma=0.01,
            tuning=SocFilterTuning(surface_lag_slope=slope, estimate_current_bias=False),
        )
        estimator.set_cell_scales(1.0 / (1.0 + offsets), 1.0)
        inside, largest = [], 0.0
        for _ in range(3600):
            seen = plant.step(current, 1.0)
            out = estimator.step(
                np.full(offsets.size, seen.cell_voltages_v[0]),
                seen.current_a,
                np.full(offsets.size, seen.cell_temperatures_degc[0]),
                1.0,
            )
            error = np.abs(out.soc - plant.true_soc[0])
            inside.append(error <= 3.0 * out.soc_sigma)
            largest = max(largest, float(error.max()))
        coverage[slope], worst[slope] = np.mean(inside, axis=0), largest
    assert plant.true_soc[0] == pytest.approx(0.8, abs=0.01)
    assert coverage[False].min() < 0.95  # the OCV's slope alone: over-confident
    assert coverage[True].min() >= 0.99
    assert worst[True] < 0.5 * worst[False]


def _charge_socs(name: str, tuning: SocFilterTuning) -> npt.NDArray[np.float64]:
    """The filter's SoC over 10 minutes of a 0.7C charge from 10 % on the circuit plant."""
    chemistry = load_chemistry(name)
    plant = PackSimulator(chemistry, 1, initial_soc=0.1, seed=4)
    estimator = SocEstimator(chemistry, 1, initial_soc=0.1, initial_sigma=0.01, tuning=tuning)
    socs = []
    for _ in range(600):
        seen = plant.step(-0.7 * chemistry.nominal_capacity_ah, 1.0)
        out = estimator.step(seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, 1.0)
        socs.append(out.soc[0])
    return np.array(socs)


@pytest.mark.verifies("SWR_SOC_005")
@pytest.mark.parametrize(("name", "flat"), [("LFP_Prada2013", True), ("NMC_Chen2020", False)])
def test_by_default_the_lag_slope_follows_the_flatness_of_the_ocv(name: str, flat: bool) -> None:
    default = _charge_socs(name, SocFilterTuning())
    forced = {
        slope: _charge_socs(name, SocFilterTuning(surface_lag_slope=slope))
        for slope in (True, False)
    }
    assert not np.array_equal(forced[True], forced[False])  # the slope matters on this charge
    np.testing.assert_array_equal(default, forced[flat])
    # a threshold above the NMC cell's 0.92 V per unit SoC counts its OCV as flat too
    steep_counts_as_flat = _charge_socs(name, SocFilterTuning(flat_ocv_slope_v=1.0))
    np.testing.assert_array_equal(steep_counts_as_flat, forced[True])
