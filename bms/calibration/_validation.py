"""Back-to-back validation: PyBaMM's DFN as the truth, the BMS's SoC estimator against it.

ASIL: QM (offline validation tool; never in the control path). Requirements: SWR_CAL_002,
SWR_PLAT_004.

One run (:func:`run_validation`):

1. the truth: the DFN (lumped thermal) of the named PyBaMM set runs the cycle
   (cell current, 1 s samples, ``repeat`` times) from rest at the true initial
   SoC, at the ambient temperature (:meth:`PhysicsCell.drive_cycle`);
2. the truth is resampled to the BMS's period (10 Hz; linear between the
   DFN's 1 s outputs, like the current the DFN was given) and passed through
   :class:`bms.plant.SensorModel` (issue 3's defaults: 2 mV rms, 0.5 % gain,
   50 mA offset, 0.5 K);
3. :class:`bms.estimation.SocEstimator` and plain coulomb counting (with the
   measured current and the chemistry's nominal capacity) both start from the
   SoC guess;
4. :func:`soc_metrics` scores both after the convergence window; with
   ``estimate_capacity``, the capacity estimator runs beside the filter and
   feeds it back (:class:`bms.calibration._capacity_loop.CapacityLoop`);
5. the truth's lowest anode potential against lithium at the separator while
   the cell charges (regeneration), ``plating_min_margin_v``
   (:func:`bms.calibration._plating_truth.case_plating_margin`: a second DFN run
   of the same truth, cached beside it);
6. the NEES consistency test: ``nees_runs`` more filters on the same truth,
   each with its own sensor noise, their average NEES against its
   chi-square band (:mod:`bms.calibration._consistency`).

The true SoC is ``initial_soc - charge / nominal_capacity_ah``, the chemistry
file's own definition (:mod:`bms.calibration._calibrate`). matplotlib is
imported inside :func:`plot_validation` only.
"""

import hashlib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from bms.calibration._capacity_loop import CapacityLoop
from bms.calibration._consistency import NeesConsistency, nees_consistency
from bms.calibration._filter_runs import case_filter, noise_realisations, run_key_on
from bms.calibration._physics import CellTestRecord
from bms.cell import Chemistry
from bms.cycles import DriveCycle

if TYPE_CHECKING:
    from bms.estimation import ZeroCurrentOffset

__all__ = [
    "SocMetrics",
    "ValidationCase",
    "ValidationResult",
    "cached_truth",
    "concatenate_cycles",
    "constant_current_charge",
    "coulomb_count",
    "cycle_for_chemistry",
    "ecm_voltage_error",
    "evaluate_on_truth",
    "plot_validation",
    "run_validation",
    "simulate_truth",
    "soc_metrics",
    "truth_key",
]

FloatArray = npt.NDArray[np.float64]
CONVERGED_ERROR = 0.02
"""|SoC error| below which the estimate counts as converged (for ``convergence_time_s``)."""


@dataclass(frozen=True)
class SocMetrics:
    """Scores of one SoC trace against the truth, after the convergence window."""

    soc_rmse: float
    """Root-mean-square SoC error (fraction)."""
    soc_max_abs_error: float
    """Largest absolute SoC error (fraction)."""
    bound_coverage: float | None
    """Share of samples with the truth inside +-3 sigma (None without a bound)."""
    nees_mean: float | None
    """Mean normalised estimation error squared (1 for an honest scalar bound)."""
    convergence_time_s: float | None
    """Time after which |error| stays below 2 % to the end (None if it never does)."""
    samples: int
    """Samples scored."""

    def as_dict(self) -> dict[str, float | int | None]:
        """The metrics as JSON-ready values."""
        return {
            "soc_rmse": self.soc_rmse,
            "soc_max_abs_error": self.soc_max_abs_error,
            "bound_coverage": self.bound_coverage,
            "nees_mean": self.nees_mean,
            "convergence_time_s": self.convergence_time_s,
            "samples": self.samples,
        }


def soc_metrics(
    time_s: FloatArray,
    truth: FloatArray,
    estimate: FloatArray,
    sigma: FloatArray | None,
    window_s: float,
) -> SocMetrics:
    """Score an SoC trace: errors after ``window_s`` from the start, coverage of +-3 sigma.

    Implements: SWR_CAL_002

    Raises:
        ValueError: if no sample lies after the window or the arrays differ in shape.
    """
    if truth.shape != time_s.shape or estimate.shape != time_s.shape:
        raise ValueError("time_s, truth and estimate must have one shape")
    error = estimate - truth
    scored = time_s - time_s[0] >= window_s
    if not scored.any():
        raise ValueError(f"no sample after the {window_s:g} s convergence window")
    outside = np.nonzero(np.abs(error) >= CONVERGED_ERROR)[0]
    if outside.size == 0:
        converged: float | None = 0.0
    elif outside[-1] == error.size - 1:
        converged = None
    else:
        converged = float(time_s[outside[-1] + 1] - time_s[0])
    coverage = nees = None
    if sigma is not None:
        inside = np.abs(error[scored]) <= 3.0 * sigma[scored]
        coverage = float(np.mean(inside))
        nees = float(np.mean((error[scored] / np.maximum(sigma[scored], 1e-12)) ** 2))
    return SocMetrics(
        soc_rmse=float(np.sqrt(np.mean(error[scored] ** 2))),
        soc_max_abs_error=float(np.max(np.abs(error[scored]))),
        bound_coverage=coverage,
        nees_mean=nees,
        convergence_time_s=converged,
        samples=int(scored.sum()),
    )


def coulomb_count(
    time_s: FloatArray, current_a: FloatArray, initial_soc: float, capacity_ah: float
) -> FloatArray:
    """SoC by integrating the current (held over each step), clamped to [0, 1].

    Implements: SWR_CAL_002
    """
    charge = np.concatenate([[0.0], np.cumsum(current_a[:-1] * np.diff(time_s))]) / 3600.0
    result: FloatArray = np.clip(initial_soc - charge / capacity_ah, 0.0, 1.0)
    return result


@dataclass(frozen=True)
class ValidationCase:
    """What one validation run simulates and how the BMS sees it."""

    parameter_set: str
    """PyBaMM parameter set of the truth."""
    chemistry: Chemistry
    """The BMS's chemistry file (normally calibrated from the same set)."""
    cycle: DriveCycle
    """Cell current profile, 1 s samples."""
    ambient_degc: float
    """Ambient and initial cell temperature."""
    initial_soc: float
    """True initial SoC (chemistry-file definition)."""
    soc_guess: float
    """The estimators' initial SoC."""
    repeat: int = 1
    """Times the cycle runs back to back."""
    initial_sigma: float = 0.15
    """The filter's initial SoC standard deviation."""
    period_s: float = 0.1
    """BMS sample period (10 Hz)."""
    window_s: float = 600.0
    """Convergence window excluded from the scores."""
    seed: int = 1
    """Seed of the sensor noise."""
    sensor: dict[str, float] = field(default_factory=dict)
    """Overrides of :class:`bms.plant.SensorErrors` fields."""
    tuning: dict[str, Any] = field(default_factory=dict)
    """Overrides of :class:`bms.estimation.SocFilterTuning` fields."""
    capacity_fraction: float = 1.0
    """The truth cell's capacity relative to the fresh cell's (:meth:`PhysicsCell.age`)."""
    estimate_capacity: bool = False
    """Run the capacity estimator (AWTLS) beside the SoC filter and feed it back."""
    capacity_segment_s: float = 300.0
    """Shortest (SoC change, charge) pair of the capacity estimator, s."""
    capacity_start_s: float | None = None
    """Time from which rest points may anchor a capacity pair, s (None: ``window_s``)."""
    capacity_pair_soc: float = 0.3
    """SoC span at which an open capacity pair is committed and a new one anchored."""
    capacity_feedback: bool = True
    """Feed the capacity estimate back to the SoC filter (capacity scale and uncertainty)."""
    capacity_pair_covariance: bool = True
    """Give the estimator the covariance of a pair's SoC-change and charge errors."""
    capacity_self_consistent: bool = True
    """Correct each pair for its lean towards the filter's capacity (a twin filter measures it)."""
    capacity_prior_sigma: float = 0.1
    """Standard deviation of the capacity prior (the chemistry's), relative."""
    nees_runs: int = 20
    """Monte-Carlo runs of the NEES consistency test (0: none; :mod:`._consistency`).

    Not run when the case estimates capacity: the runs would not share the
    capacity loop's feedback to the filter."""
    key_on_s: float = 0.0
    """Key-on before the cycle, s (0: none): the BMS samples the truth's first (rest) values
    with the contactors open and calibrates the current offset (``_filter_runs.run_key_on``)."""


@dataclass(frozen=True)
class ValidationResult:
    """A run's traces and scores."""

    case: ValidationCase
    """What ran."""
    time_s: FloatArray
    """BMS sample times."""
    true_soc: FloatArray
    """Truth."""
    estimated_soc: FloatArray
    """The filter's SoC."""
    sigma: FloatArray
    """The filter's SoC standard deviation."""
    coulomb_soc: FloatArray
    """Coulomb counting from the guess."""
    true_temperature_degc: FloatArray
    """The DFN's cell temperature."""
    estimator: SocMetrics
    """The filter's scores."""
    coulomb: SocMetrics
    """Coulomb counting's scores."""
    truth_ended_early: bool
    """The DFN stopped at a voltage limit before the end of the profile."""
    ecm_voltage_rmse_v: float
    """RMS of the chemistry circuit's voltage (at the true SoC) minus the DFN's."""
    ecm_voltage_max_abs_error_v: float
    """Largest absolute value of that difference."""
    ecm_voltage_mean_error_v: float = 0.0
    """Mean of that difference (a bias points at the OCV table, a spread at the dynamics)."""
    capacity: dict[str, object] | None = None
    """Capacity estimate against the plant's (when the case estimates capacity)."""
    plating_min_margin_v: float | None = None
    """Truth's lowest anode potential vs lithium while charging (None: never charged)."""
    consistency: NeesConsistency | None = None
    """NEES of ``case.nees_runs`` noise realisations against its chi-square band."""
    key_on: "ZeroCurrentOffset | None" = None
    """What the key-on calibration found (None: no key-on)."""

    def summary(self) -> dict[str, object]:
        """The JSON document ``bms validate`` writes."""
        case = self.case
        return {
            "parameter_set": case.parameter_set,
            "chemistry": case.chemistry.name,
            "cycle": case.cycle.name,
            "repeat": case.repeat,
            "ambient_degc": case.ambient_degc,
            "initial_soc": case.initial_soc,
            "soc_guess": case.soc_guess,
            "sensor_overrides": case.sensor,
            "tuning_overrides": case.tuning,
            "key_on_s": case.key_on_s,
            **(
                {}
                if self.key_on is None
                else {
                    "key_on_offset_a": self.key_on.offset_a,
                    "key_on_offset_sigma_a": self.key_on.sigma_a,
                    "key_on_refused": self.key_on.reason,
                }
            ),
            "duration_s": float(self.time_s[-1] - self.time_s[0]),
            "truth_ended_early": self.truth_ended_early,
            "cell_temperature_range_degc": [
                float(self.true_temperature_degc.min()),
                float(self.true_temperature_degc.max()),
            ],
            "convergence_window_s": case.window_s,
            "ecm_voltage_rmse_v": self.ecm_voltage_rmse_v,
            "ecm_voltage_max_abs_error_v": self.ecm_voltage_max_abs_error_v,
            "ecm_voltage_mean_error_v": self.ecm_voltage_mean_error_v,
            **self.estimator.as_dict(),
            "capacity_fraction": case.capacity_fraction,
            **(
                self.capacity
                if self.capacity is not None
                else {
                    "capacity_error": None,
                    "capacity_note": "SoH not run (bms validate --soh or --aged-capacity)",
                }
            ),
            **(
                self.consistency.as_dict()
                if self.consistency is not None
                else {"nees_runs": 0, "nees_inside_band": None}
            ),
            "coulomb_counting": self.coulomb.as_dict(),
            "plating_min_margin_v": self.plating_min_margin_v,
        }


def ecm_voltage_error(
    chemistry: Chemistry, truth: CellTestRecord, true_soc: FloatArray
) -> FloatArray:
    """The chemistry's circuit, run at the true SoC and temperature, minus the truth's voltage.

    Separates model error (calibration) from estimator error: a filter cannot
    beat the circuit it runs. Tables from :func:`bms.cell.lookup`; the RC
    pairs advance exactly for the current held over each interval; the
    particles' surface lag is added where the circuit was fitted without it.
    """
    from bms.cell import (  # noqa: PLC0415
        cell_model,
        lookup,
        series_overpotential_v,
        surface_lag_along,
    )

    time_s, current_a, voltage_v = truth.time_s, truth.current_a, truth.voltage_v
    temperature_degc = truth.temperature_degc
    circuit = cell_model(chemistry)
    tables = circuit.tables
    parameters = lookup(tables, temperature_degc, np.clip(true_soc, 0.0, 1.0), current_a < 0.0)
    dt = np.diff(time_s, prepend=time_s[0])
    series = series_overpotential_v(
        parameters.r0_ohm, parameters.kinetic_curvature_per_a, current_a, tables.bend_limit_a
    )
    v1 = v2 = 0.0
    model = np.empty_like(voltage_v)
    for index in range(time_s.size):
        a1 = math.exp(-dt[index] / parameters.tau1_s[index])
        a2 = math.exp(-dt[index] / parameters.tau2_s[index])
        v1 = a1 * v1 + parameters.r1_ohm[index] * (1.0 - a1) * current_a[index]
        v2 = a2 * v2 + parameters.r2_ohm[index] * (1.0 - a2) * current_a[index]
        model[index] = parameters.ocv_v[index] - series[index] - v1 - v2
    if circuit.surface_lag is not None:
        model += surface_lag_along(
            circuit.surface_lag,
            time_s=time_s,
            current_a=current_a,
            temperature_degc=temperature_degc,
            soc=true_soc,
            capacity_ah=chemistry.nominal_capacity_ah,
        )
    result: FloatArray = model - voltage_v
    return result


def simulate_truth(case: ValidationCase) -> CellTestRecord:
    """The truth of a case: PyBaMM's DFN (lumped thermal) over the repeated cycle."""
    from bms.calibration._physics import PhysicsCell  # noqa: PLC0415 - needs PyBaMM

    cycle = case.cycle.repeated(case.repeat)
    time_s = cycle.time_s - cycle.time_s[0]
    cell = PhysicsCell(case.parameter_set)
    if case.capacity_fraction != 1.0:
        cell.age(case.capacity_fraction)
    start = cell.initial_state_for_soc(
        case.initial_soc, case.chemistry.nominal_capacity_ah * case.capacity_fraction
    )
    return cell.drive_cycle(time_s, cycle.current_a, case.ambient_degc, start)


def truth_key(case: ValidationCase) -> str:
    """A digest of everything the truth depends on (set, profile, ambient, SoC, ageing)."""
    digest = hashlib.sha256()
    cycle = case.cycle.repeated(case.repeat)
    for part in (
        case.parameter_set,
        repr((case.ambient_degc, case.initial_soc, case.capacity_fraction)),
        repr(case.chemistry.nominal_capacity_ah),
    ):
        digest.update(part.encode())
    digest.update(np.ascontiguousarray(cycle.time_s).tobytes())
    digest.update(np.ascontiguousarray(cycle.current_a).tobytes())
    return digest.hexdigest()[:20]


def cached_truth(case: ValidationCase, directory: Path | None) -> CellTestRecord:
    """:func:`simulate_truth`, reusing ``directory/<truth_key>.npz`` when it exists.

    The DFN run dominates a validation (minutes); the estimators take
    seconds, so a changed estimator is re-validated on the stored truth.
    The key covers every input of the truth, so a stale file is never reused.
    """
    if directory is None:
        return simulate_truth(case)
    path = directory / f"{truth_key(case)}.npz"
    if path.is_file():
        with np.load(path) as data:
            return CellTestRecord(
                time_s=data["time_s"],
                current_a=data["current_a"],
                voltage_v=data["voltage_v"],
                temperature_degc=data["temperature_degc"],
                discharged_ah=data["discharged_ah"],
                step=data["step"],
            )
    truth = simulate_truth(case)
    directory.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        time_s=truth.time_s,
        current_a=truth.current_a,
        voltage_v=truth.voltage_v,
        temperature_degc=truth.temperature_degc,
        discharged_ah=truth.discharged_ah,
        step=truth.step,
    )
    return truth


def run_validation(case: ValidationCase, truth_cache: Path | None = None) -> ValidationResult:
    """Run the truth, the sensors and both estimators; score them (see the module doc)."""
    from bms.calibration._plating_truth import case_plating_margin  # noqa: PLC0415 - PyBaMM

    result = evaluate_on_truth(case, cached_truth(case, truth_cache))
    return replace(result, plating_min_margin_v=case_plating_margin(case, truth_cache))


def evaluate_on_truth(case: ValidationCase, truth: CellTestRecord) -> ValidationResult:
    """Sensors, the SoC filter and coulomb counting on a recorded truth; their scores.

    Split from :func:`run_validation` so that one (slow) DFN run can serve
    several estimator settings.
    """
    from bms.plant import PackMeasurement, SensorErrors, SensorModel  # noqa: PLC0415

    chemistry = case.chemistry
    nominal = chemistry.nominal_capacity_ah
    true_capacity = nominal * case.capacity_fraction
    cycle = case.cycle.repeated(case.repeat)
    end = float(truth.time_s[-1])
    ended_early = end < float(cycle.time_s[-1] - cycle.time_s[0]) - 1.0
    bms_time = np.arange(0.0, end + 1e-9, case.period_s)
    current = np.interp(bms_time, truth.time_s, truth.current_a)
    voltage = np.interp(bms_time, truth.time_s, truth.voltage_v)
    temperature = np.interp(bms_time, truth.time_s, truth.temperature_degc)
    charge = np.interp(bms_time, truth.time_s, truth.discharged_ah - truth.discharged_ah[0])
    true_soc = case.initial_soc - charge / true_capacity
    truth_soc_1s = case.initial_soc - (truth.discharged_ah - truth.discharged_ah[0]) / true_capacity
    model_error = ecm_voltage_error(chemistry, truth, truth_soc_1s)
    sensors = SensorModel(SensorErrors(**case.sensor), seed=case.seed)
    estimator = case_filter(case, 1)
    key_on = run_key_on(case, estimator, sensors, voltage[0], temperature[0])
    soh = CapacityLoop(case, estimator) if case.estimate_capacity else None
    estimate = np.empty_like(bms_time)
    sigma = np.empty_like(bms_time)
    measured_current = np.empty_like(bms_time)
    for index, moment in enumerate(bms_time):
        seen = sensors.measure(
            PackMeasurement(
                time_s=float(moment),
                cell_voltages_v=np.array([voltage[index]]),
                cell_temperatures_degc=np.array([temperature[index]]),
                current_a=float(current[index]),
            )
        )
        measured_current[index] = seen.current_a
        out = estimator.step(
            seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, case.period_s
        )
        estimate[index] = float(out.soc[0])
        sigma[index] = float(out.soc_sigma[0])
        if soh is not None:
            soh.step(float(moment), seen, out)
    coulomb = coulomb_count(bms_time, measured_current, case.soc_guess, nominal)
    consistency = None
    if case.nees_runs > 0 and not case.estimate_capacity:
        runs_soc, runs_sigma = noise_realisations(case, bms_time, voltage, current, temperature)
        consistency = nees_consistency(bms_time, true_soc, runs_soc, runs_sigma, case.window_s)
    return ValidationResult(
        case=case,
        time_s=bms_time,
        true_soc=true_soc,
        estimated_soc=estimate,
        sigma=sigma,
        coulomb_soc=coulomb,
        true_temperature_degc=temperature,
        estimator=soc_metrics(bms_time, true_soc, estimate, sigma, case.window_s),
        coulomb=soc_metrics(bms_time, true_soc, coulomb, None, case.window_s),
        truth_ended_early=ended_early,
        ecm_voltage_rmse_v=float(np.sqrt(np.mean(model_error**2))),
        ecm_voltage_max_abs_error_v=float(np.max(np.abs(model_error))),
        ecm_voltage_mean_error_v=float(np.mean(model_error)),
        capacity=None if soh is None else soh.result(true_capacity),
        consistency=consistency,
        key_on=key_on,
    )


def plot_validation(result: ValidationResult, path: Path) -> None:
    """Truth, estimate with its +-3 sigma bound, coulomb counting, and the errors, as a PNG."""
    import matplotlib as mpl  # noqa: PLC0415 - plant extra only

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    minutes = result.time_s / 60.0
    raw = None if result.capacity is None else result.capacity.get("capacity_history")
    history: list[dict[str, float]] = raw if isinstance(raw, list) else []
    rows = 3 if history else 2
    figure, axes = plt.subplots(rows, 1, figsize=(9, 3 * rows), sharex=True)
    top, bottom = axes[0], axes[1]
    top.plot(minutes, result.true_soc * 100, "k", label="truth (DFN)")
    top.plot(minutes, result.estimated_soc * 100, "C0", label="EKF")
    top.fill_between(
        minutes,
        (result.estimated_soc - 3 * result.sigma) * 100,
        (result.estimated_soc + 3 * result.sigma) * 100,
        color="C0",
        alpha=0.2,
        label="EKF +-3 sigma",
    )
    top.plot(minutes, result.coulomb_soc * 100, "C3--", label="coulomb counting")
    top.set_ylabel("SoC (%)")
    top.legend(loc="best", fontsize="small")
    case = result.case
    top.set_title(
        f"{case.chemistry.name} / {case.parameter_set}, {case.cycle.name} x{case.repeat}, "
        f"{case.ambient_degc:g} degC"
    )
    error = (result.estimated_soc - result.true_soc) * 100
    bottom.plot(minutes, error, "C0", label="EKF error")
    bottom.fill_between(
        minutes,
        -3 * result.sigma * 100,
        3 * result.sigma * 100,
        color="C0",
        alpha=0.2,
        label="+-3 sigma",
    )
    bottom.plot(
        minutes,
        (result.coulomb_soc - result.true_soc) * 100,
        "C3--",
        label="coulomb counting error",
    )
    bottom.axvline(case.window_s / 60.0, color="grey", lw=0.8, ls=":")
    limit = max(
        5.0,
        min(
            40.0,
            1.2
            * float(
                np.max(np.abs(error[result.time_s >= case.window_s]))
                if np.any(result.time_s >= case.window_s)
                else 5.0
            ),
        ),
    )
    bottom.set_ylim(-limit, limit)
    cc_error = float(np.max(np.abs(result.coulomb_soc - result.true_soc))) * 100
    if cc_error > limit:
        bottom.text(
            0.01,
            0.03,
            f"coulomb counting error up to {cc_error:.1f} points (off scale)",
            transform=bottom.transAxes,
            color="C3",
            fontsize="small",
        )
    bottom.set_ylabel("SoC error (points)")
    bottom.set_xlabel("time (min)")
    bottom.legend(loc="best", fontsize="small")
    if history and result.capacity is not None:
        _plot_capacity(axes[2], history, float(result.capacity["capacity_true_ah"]))  # type: ignore[arg-type]
        axes[2].set_xlabel("time (min)")
        bottom.set_xlabel("")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)


def _plot_capacity(axis: Any, history: list[dict[str, float]], true_ah: float) -> None:
    """The capacity estimate after each rest point with its +-3 sigma bound, and the truth."""
    minutes = np.array([entry["time_s"] for entry in history]) / 60.0
    estimate = np.array([entry["capacity_ah"] for entry in history])
    sigma = np.array([entry["sigma_ah"] for entry in history])
    axis.axhline(true_ah, color="k", label="truth")
    axis.plot(minutes, estimate, "C2o-", ms=3, label="AWTLS estimate")
    axis.fill_between(
        minutes,
        estimate - 3 * sigma,
        estimate + 3 * sigma,
        color="C2",
        alpha=0.2,
        label="+-3 sigma",
    )
    axis.set_ylabel("capacity (Ah)")
    axis.legend(loc="best", fontsize="small")


def concatenate_cycles(cycles: list[DriveCycle]) -> DriveCycle:
    """Cycles run back to back (each starts one mean sample step after the previous ends).

    Raises:
        ValueError: for an empty list.
    """
    if not cycles:
        raise ValueError("no cycle to concatenate")
    times, currents = [], []
    offset = 0.0
    for cycle in cycles:
        local = cycle.time_s - cycle.time_s[0]
        times.append(local + offset)
        currents.append(cycle.current_a)
        offset += float(local[-1]) + float(np.mean(np.diff(local)))
    return DriveCycle(
        "-".join(cycle.name for cycle in cycles), np.concatenate(times), np.concatenate(currents)
    )


def cycle_for_chemistry(name_or_path: str, chemistry: Chemistry) -> DriveCycle:
    """A shipped cycle at the same C-rate as in the default pack, or a user CSV as it is.

    Several names or paths separated by commas run back to back
    (:func:`concatenate_cycles`), e.g. ``udds,hwfet,udds``.

    The shipped files hold the cell current of the default pack (its cells'
    nominal capacity from ``bms.config``); for another chemistry the current
    is scaled by the capacity ratio, which is the cell current of a pack of
    the same energy made of that chemistry's cells.
    """
    from bms.config import load_config  # noqa: PLC0415
    from bms.cycles import cycle_names, load_cycle  # noqa: PLC0415

    reference_ah = load_config().cell.nominal_capacity_ah
    scale = chemistry.nominal_capacity_ah / reference_ah
    if not math.isfinite(scale) or scale <= 0.0:  # pragma: no cover - both validated > 0
        raise ValueError("capacity ratio must be positive")
    parts = []
    for part in name_or_path.split(","):
        cycle = load_cycle(part.strip())
        if part.strip() in cycle_names():
            cycle = DriveCycle(cycle.name, cycle.time_s, cycle.current_a * scale)
        parts.append(cycle)
    return parts[0] if len(parts) == 1 else concatenate_cycles(parts)


def constant_current_charge(
    chemistry: Chemistry, c_rate: float, duration_s: float, rest_s: float = 10.0
) -> DriveCycle:
    """``rest_s`` of rest, then ``c_rate`` of charge for ``duration_s``; 1 s samples, cell current.

    The sustained load where the circuit's diffusion error shows.
    """
    time_s = np.arange(math.floor(rest_s + duration_s) + 1.0)
    current = np.where(time_s < rest_s, 0.0, -c_rate * chemistry.nominal_capacity_ah)
    return DriveCycle(f"cc-charge {c_rate:g}C", time_s, current)
