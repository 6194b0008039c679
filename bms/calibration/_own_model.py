"""The SoC filter on its own circuit: Bar-Shalom's consistency test where the filter's model holds.

ASIL: QM (offline validation tool; never in the control path). Requirements: SWR_CAL_004.

The validation matrix's NEES runs (:mod:`._consistency`) share one DFN truth,
and with it the equivalent circuit's error against the physics: a bias no
number of runs averages away, which the filter's model-error allowance
covers, so those runs cannot tell a pessimistic allowance from a filter
whose covariance arithmetic is wrong. Here the plant *is* the filter's
circuit (:func:`bms.cell.ecm_step`, the same tables, bent series drop and
surface lag), and every run draws, from the filter's own noise model, all
that the filter takes as random:

* the true initial SoC from its initial sigma around its guess;
* the cell's capacity from the considered scale error (the capacity's and
  the current gain's variances together: the gain's effect on the count is
  the capacity's, so it is drawn in the capacity and the sensor has none);
* the resistance deviation and the current sensor's offset from their
  priors, each run with its own offset and its own current noise (the true
  cell current is the measured one less the run's offset and noise);
* the random walks of the SoC, the two RC voltages and the offset;
* the voltage sensor's white noise.

Left out: the resistance's random walk (1e-6 per square root of a second,
under 1e-4 over an hour) and the temperature sensor's noise (the filter
takes the temperature as exact). The filter starts from its priors without
a key-on. With the model-error allowance switched off (the default here:
the plant has no model error), an honest filter keeps the runs' average NEES
inside its chi-square band about 95 % of the time; with the shipped
allowance it should lie below the band (the allowance is model error the
plant does not have), never above it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bms.calibration._consistency import NeesConsistency, nees_consistency
from bms.cell import Chemistry, EcmState, cell_model, ecm_step, terminal_voltage
from bms.cycles import DriveCycle
from bms.estimation import SocEstimator, SocFilterTuning

__all__ = [
    "MODEL_ERROR_OFF",
    "OwnModelCase",
    "OwnModelRuns",
    "SocFilterUnderTest",
    "case_estimator",
    "own_model_runs",
]

FloatArray = npt.NDArray[np.float64]

MODEL_ERROR_OFF: Mapping[str, Any] = MappingProxyType(
    {
        "model_error_v": 0.0,
        "overpotential_error_pct": 0.0,
        "slow_overpotential_error_pct": 0.0,
        "surface_lag_error_pct": 0.0,
        "fit_residual_floor": False,
        "plateau_voltage_v": 0.0,
    }
)
"""The tuning overrides that switch the filter's model-error allowance off.

The plateau's floor under an unsure start's reported sigma (SWR_SOC_010) too: it
allows for the one Gaussian's error on a flat OCV, and without any allowance the
score is of the filter's own covariance against the noise model it shares with
the plant."""


@dataclass(frozen=True)
class OwnModelCase:
    """One row: a chemistry, a cycle and a start, run ``runs`` times on the filter's circuit."""

    chemistry: Chemistry
    """The cell, of both the plant and the filter."""
    cycle: DriveCycle
    """The measured cell current (positive on discharge); 1 s samples, interpolated."""
    ambient_degc: float
    """Ambient and initial cell temperature."""
    soc_guess: float
    """The filter's initial SoC; each run's truth is drawn around it."""
    initial_sigma: float = 0.1
    """The filter's initial SoC sigma, from which the truths are drawn."""
    runs: int = 40
    """Monte-Carlo runs (columns of one vectorised filter)."""
    period_s: float = 0.1
    """Sample period (the BMS's 10 Hz)."""
    window_s: float = 600.0
    """Convergence window, not scored."""
    seed: int = 1
    """Seed of every draw."""
    model_error_allowance: bool = False
    """Keep the filter's shipped model-error allowance (else :data:`MODEL_ERROR_OFF`)."""
    tuning: dict[str, Any] = field(default_factory=dict)
    """Further :class:`SocFilterTuning` overrides of the filter and the plant (applied last)."""
    plant_tuning: dict[str, Any] = field(default_factory=dict)
    """Overrides of the noise model the plant draws from, the filter's unchanged: a plant
    noisier than the filter believes, to show that the test can fail."""

    def filter_tuning(self) -> SocFilterTuning:
        """The filter's tuning in this case."""
        allowance = {} if self.model_error_allowance else MODEL_ERROR_OFF
        return SocFilterTuning(**{**allowance, **self.tuning})

    def plant_noise(self) -> SocFilterTuning:
        """The noise model the plant draws from: the filter's, with ``plant_tuning``."""
        return replace(self.filter_tuning(), **self.plant_tuning)


class SocOutput(Protocol):
    """What the test reads of a filter's step: each column's SoC and sigma."""

    @property
    def soc(self) -> FloatArray: ...

    @property
    def soc_sigma(self) -> FloatArray: ...


class SocFilterUnderTest(Protocol):
    """A SoC filter over the runs' columns, stepped as :meth:`bms.estimation.SocEstimator.step`."""

    def step(
        self,
        cell_voltages_v: FloatArray,
        current_a: float,
        cell_temperatures_degc: FloatArray,
        dt_s: float,
    ) -> SocOutput: ...


def case_estimator(case: "OwnModelCase") -> SocFilterUnderTest:
    """The BMS's own SoC filter for the case: one column per run, from the case's guess."""
    return SocEstimator(
        case.chemistry,
        case.runs,
        initial_soc=np.full(case.runs, case.soc_guess),
        initial_sigma=case.initial_sigma,
        tuning=case.filter_tuning(),
        initial_temperature_degc=case.ambient_degc,
    )


@dataclass(frozen=True)
class OwnModelRuns:
    """The runs' truths, estimates and sigmas, shape (runs, samples), and their NEES score."""

    time_s: FloatArray
    true_soc: FloatArray
    estimated_soc: FloatArray
    sigma: FloatArray
    consistency: NeesConsistency


def own_model_runs(
    case: OwnModelCase,
    make_filter: Callable[[OwnModelCase], SocFilterUnderTest] = case_estimator,
) -> OwnModelRuns:
    """Run ``case.runs`` plants and filters side by side and score them (see the module doc).

    Implements: SWR_CAL_004

    ``make_filter``: the filter under test (default: the BMS's); another
    estimator, one column per run, is scored on the same draws.
    """
    noise = case.plant_noise()
    rng = np.random.default_rng(case.seed)
    runs = case.runs
    scale = np.sqrt(noise.scale_variance) * rng.standard_normal(runs)
    resistance = noise.initial_resistance_sigma_pct / 100.0 * rng.standard_normal(runs)
    if not noise.estimate_resistance:
        resistance[:] = 0.0
    offset = noise.initial_bias_sigma_a * rng.standard_normal(runs)
    if not noise.estimate_current_bias:
        offset[:] = 0.0
    true_soc0 = np.clip(case.soc_guess + case.initial_sigma * rng.standard_normal(runs), 0.0, 1.0)
    # The filter counts charge / C; the true count is (1 + c) times that.
    plant = cell_model(case.chemistry, 1.0 / (1.0 + scale), 1.0 + resistance)
    zeros = np.zeros(runs)
    state = EcmState(true_soc0, zeros, zeros.copy(), np.full(runs, case.ambient_degc))
    estimator = make_filter(case)
    cycle_time = case.cycle.time_s - case.cycle.time_s[0]
    time = np.arange(0.0, float(cycle_time[-1]), case.period_s)
    measured = np.interp(time, cycle_time, case.cycle.current_a)
    walk = np.sqrt(case.period_s)
    shape = (runs, time.size)
    truth, estimate, sigma = np.empty(shape), np.empty(shape), np.empty(shape)
    for index, current in enumerate(measured):
        cell_current = current - offset - noise.current_noise_a * rng.standard_normal(runs)
        state = ecm_step(plant, state, cell_current, case.period_s, case.ambient_degc)
        state = replace(
            state,
            soc=np.clip(
                state.soc + noise.soc_random_walk_per_sqrt_s * walk * rng.standard_normal(runs),
                0.0,
                1.0,
            ),
            v_rc1_v=state.v_rc1_v
            + noise.rc_random_walk_v_per_sqrt_s * walk * rng.standard_normal(runs),
            v_rc2_v=state.v_rc2_v
            + noise.rc_random_walk_v_per_sqrt_s * walk * rng.standard_normal(runs),
        )
        if noise.estimate_current_bias:
            offset = offset + noise.bias_random_walk_a_per_sqrt_s * walk * rng.standard_normal(runs)
        voltage = terminal_voltage(plant, state, cell_current)
        seen = voltage + noise.voltage_noise_v * rng.standard_normal(runs)
        out = estimator.step(seen, float(current), state.temperature_degc, case.period_s)
        truth[:, index], estimate[:, index], sigma[:, index] = state.soc, out.soc, out.soc_sigma
    consistency = nees_consistency(time, truth, estimate, sigma, case.window_s)
    return OwnModelRuns(time, truth, estimate, sigma, consistency)
