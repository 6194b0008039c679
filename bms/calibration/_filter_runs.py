"""The SoC filters a validation runs on one truth: the case's filter, the key-on, the noise runs.

ASIL: QM (offline validation tool; never in the control path). Requirements: SWR_CAL_002.

Split from :mod:`bms.calibration._validation`, which scores what these run:
:func:`case_filter` builds the case's filter (its capacity uncertainty
widened to the prior's while SoH has not run), :func:`key_on` runs the
key-on before a drive or charge and calibrates the current offset as the
controller does (:func:`run_key_on` with a case's settings),
:func:`noise_realisations` runs the Monte-Carlo columns of the NEES test
(:mod:`bms.calibration._consistency`), each a draw of the filter's prior
(:func:`prior_draws`).
"""

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bms.estimation import (
    SocEstimator,
    SocFilterTuning,
    ZeroCurrentOffset,
    ZeroCurrentWindow,
    add_zero_current_sample,
    calibrate_current_offset,
    zero_current_offset,
)
from bms.plant import PackMeasurement, SensorErrors, SensorModel

if TYPE_CHECKING:
    from bms.calibration._validation import ValidationCase

__all__ = ["KEY_ON_S", "case_filter", "key_on", "noise_realisations", "prior_draws", "run_key_on"]

FloatArray = npt.NDArray[np.float64]

KEY_ON_S = 1.0
"""The key-on the validation scripts run before each drive or charge, s.

The controller calibrates the current sensor's offset on every key-on
(SWR_CTRL_EST_002) and its SoC filter runs on the rest samples, so the
validations run the filter as the BMS does: 1 s is 10 samples at their
10 Hz, the fewest that make a calibration.
"""


def case_filter(
    case: "ValidationCase", cells: int, initial_soc: FloatArray | None = None
) -> SocEstimator:
    """The case's SoC filter for ``cells`` columns (cells, or Monte-Carlo runs of one cell).

    ``initial_soc``: each column's guess (default: the case's).
    """
    tuning = SocFilterTuning(**case.tuning)
    if case.estimate_capacity:
        # Until SoH has run, the capacity is known only to the prior's spread.
        tuning = replace(
            tuning,
            capacity_uncertainty_pct=max(
                tuning.capacity_uncertainty_pct, 100.0 * case.capacity_prior_sigma
            ),
        )
    return SocEstimator(
        case.chemistry,
        cells,
        initial_soc=case.soc_guess if initial_soc is None else initial_soc,
        initial_sigma=case.initial_sigma,
        tuning=tuning,
        initial_temperature_degc=case.ambient_degc,
    )


def run_key_on(
    case: "ValidationCase",
    estimator: SocEstimator,
    sensors: SensorModel,
    rest_voltage_v: float,
    temperature_degc: float,
) -> ZeroCurrentOffset | None:
    """The case's key-on (``case.key_on_s`` at ``case.period_s``; see :func:`key_on`)."""
    return key_on(
        estimator,
        sensors,
        rest_voltage_v,
        temperature_degc,
        duration_s=case.key_on_s,
        period_s=case.period_s,
    )


def key_on(  # noqa: PLR0913 - the rest the key-on samples and how
    estimator: SocEstimator,
    sensors: SensorModel,
    rest_voltage_v: float,
    temperature_degc: float,
    *,
    duration_s: float,
    period_s: float,
) -> ZeroCurrentOffset | None:
    """Key-on: ``duration_s`` of samples at zero current, then the offset calibration.

    The contactors are open, so the true current is zero and each cell rests
    at ``rest_voltage_v``; the filter runs on these samples as the
    controller's does (SWR_CTRL_EST_002) and its offset state then starts at
    their mean current, if usable (:func:`bms.estimation.zero_current_offset`
    with the tuning's white noise as floor and three times the filter's prior
    on the offset as the sensor's accuracy). ``None`` when ``duration_s`` is
    shorter than one period.
    """
    steps = round(duration_s / period_s)
    if steps <= 0:
        return None
    cells = estimator.series_count
    window = ZeroCurrentWindow()
    for index in range(steps):
        seen = sensors.measure(
            PackMeasurement(
                time_s=(index - steps) * period_s,
                cell_voltages_v=np.full(cells, rest_voltage_v),
                cell_temperatures_degc=np.full(cells, temperature_degc),
                current_a=0.0,
            )
        )
        window = add_zero_current_sample(window, seen.current_a)
        estimator.step(seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, period_s)
    tuning = estimator.tuning
    offset = zero_current_offset(
        window,
        accuracy_a=3.0 * tuning.initial_bias_sigma_a,
        noise_floor_a=tuning.current_noise_a,
    )
    if offset.reason is None:
        estimator.state = calibrate_current_offset(estimator.state, offset.offset_a, offset.sigma_a)
    return offset


def prior_draws(
    case: "ValidationCase", tuning: SocFilterTuning, runs: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each Monte-Carlo run's initial SoC guess, capacity scale and resistance scale.

    Drawn from what the filter takes as uncertain, so that the runs realise
    its own random variables (Bar-Shalom's test draws each run's initial
    error from the filter's initial covariance): the guess is the truth's
    initial SoC plus ``initial_sigma`` times a standard normal (clipped to
    [0, 1]); the true cell's capacity and resistance deviate from the
    filter's by ``capacity_uncertainty_pct`` and, when the filter estimates
    it, ``initial_resistance_sigma_pct`` (the scales are the filter's
    relative to a true cell of the chemistry's values, ``1 / (1 + e)``).
    """
    rng = np.random.default_rng(case.seed + 2)
    guesses = np.clip(case.initial_soc + case.initial_sigma * rng.standard_normal(runs), 0.0, 1.0)
    capacity = 1.0 + tuning.capacity_uncertainty_pct / 100.0 * rng.standard_normal(runs)
    resistance = np.ones(runs)
    if tuning.estimate_resistance:
        resistance += tuning.initial_resistance_sigma_pct / 100.0 * rng.standard_normal(runs)
    return guesses, 1.0 / capacity, 1.0 / resistance


def noise_realisations(
    case: "ValidationCase",
    bms_time: FloatArray,
    voltage: FloatArray,
    current: FloatArray,
    temperature: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """SoC and sigma of ``case.nees_runs`` filters on one truth, each a draw of the filter's prior.

    One vectorised filter, one column per run: each run starts from its own
    guess, with its own capacity and resistance deviation
    (:func:`prior_draws`) and its own voltage and temperature noise (the
    sensor seed differs from the main run's). The runs share the truth, and
    with it the circuit's error against the physics, and the pack's one
    current sensor (see :mod:`._consistency`).
    """
    runs = case.nees_runs
    tuning = case_filter(case, 1).tuning
    guesses, capacity_scale, resistance_scale = prior_draws(case, tuning, runs)
    sensors = SensorModel(SensorErrors(**case.sensor), seed=case.seed + 1)
    estimator = case_filter(case, runs, initial_soc=guesses)
    estimator.set_cell_scales(capacity_scale, resistance_scale)
    run_key_on(case, estimator, sensors, voltage[0], temperature[0])
    soc = np.empty((runs, bms_time.size))
    sigma = np.empty((runs, bms_time.size))
    for index, moment in enumerate(bms_time):
        seen = sensors.measure(
            PackMeasurement(
                time_s=float(moment),
                cell_voltages_v=np.full(runs, voltage[index]),
                cell_temperatures_degc=np.full(runs, temperature[index]),
                current_a=float(current[index]),
            )
        )
        out = estimator.step(
            seen.cell_voltages_v, seen.current_a, seen.cell_temperatures_degc, case.period_s
        )
        soc[:, index] = out.soc
        sigma[:, index] = out.soc_sigma
    return soc, sigma
