"""State of Health, resistance: recursive least squares on the voltage jump at current steps.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOH_003.

Over one sample period a current step ``dI`` changes each cell's voltage by
``dV = -R_step dI`` (the RC voltages and the OCV barely move in 0.1 s), where
``R_step = (R0 + R1 (1 - a1) + R2 (1 - a2))`` of the chemistry's tables times
the cell's resistance factor ``f``. For a chemistry whose series drop is bent
by kinetics (:mod:`bms.cell._kinetics`) the ``R0`` term is the drop's secant
between the two currents, ``(eta(I2) - eta(I1)) / (I2 - I1)``, which the
caller gets by passing the step's currents. The estimator fits ``f`` per cell by
scalar recursive least squares with a forgetting factor (a fading-memory
Kalman filter on a constant), weighting each step by its noise
(``2 sigma_v^2`` of the voltage difference). Its bound is
``sqrt(P + s^2)``: the RLS variance ``P`` shrinks with every step, but
errors that do not average out (the current sensor's gain error, the RC
relaxation left over from earlier steps) do not, so a systematic floor ``s``
(1 % by default) is added. Only steps with ``|dI|`` at least ``min_step_a`` are used, so the
regressor is informative.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell import CellParameters, series_overpotential_v

__all__ = [
    "ResistanceState",
    "initial_resistance_state",
    "resistance_update",
    "step_resistance_ohm",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""


@dataclass(frozen=True)
class ResistanceState:
    """Resistance factor estimate of every cell."""

    factor: FloatArray
    """Each cell's resistance relative to the chemistry's tables, shape (cells,)."""
    variance: FloatArray
    """Variance of each factor."""
    forgetting: float
    """Forgetting factor in (0, 1]."""
    min_step_a: float
    """Smallest current step used."""
    systematic_sigma: float = 0.01
    """Relative error that does not average out, added to the bound."""

    @property
    def sigma(self) -> FloatArray:
        """Standard deviation of each factor: ``sqrt(variance + systematic_sigma^2)``."""
        result: FloatArray = np.sqrt(self.variance + self.systematic_sigma**2)
        return result


def initial_resistance_state(
    series_count: int,
    initial_sigma: float = 0.3,
    forgetting: float = 0.999,
    min_step_a: float = 1.0,
    systematic_sigma: float = 0.01,
) -> ResistanceState:
    """Prior: factor 1 with standard deviation ``initial_sigma``.

    Implements: SWR_SOH_003

    Raises:
        ValueError: on a non-positive sigma or step, or forgetting outside (0, 1].
    """
    if not (initial_sigma > 0.0 and min_step_a > 0.0 and systematic_sigma >= 0.0):
        raise ValueError(
            f"initial_sigma={initial_sigma} and min_step_a={min_step_a} must be > 0, "
            f"systematic_sigma={systematic_sigma} >= 0"
        )
    if not 0.0 < forgetting <= 1.0:
        raise ValueError(f"forgetting={forgetting} must be in (0, 1]")
    return ResistanceState(
        factor=np.ones(series_count),
        variance=np.full(series_count, initial_sigma**2),
        forgetting=forgetting,
        min_step_a=min_step_a,
        systematic_sigma=systematic_sigma,
    )


def step_resistance_ohm(
    parameters: CellParameters,
    dt_s: float,
    *,
    currents_a: tuple[float, float] | None = None,
    bend_limit_a: float = math.inf,
) -> FloatArray:
    """Resistance seen by a current step after ``dt_s``: R0 + R1 (1 - a1) + R2 (1 - a2).

    Implements: SWR_SOH_003, SWR_CELL_006

    ``currents_a`` (before, after) replaces R0 by the series drop's secant
    between them, bent by the parameters' kinetic curvature up to
    ``bend_limit_a`` (the tables' ``bend_limit_a``); ``None``, or a step of
    no current, reads R0 (the secant's limit at zero current).
    """
    series = parameters.r0_ohm
    if currents_a is not None and currents_a[1] != currents_a[0]:
        before, after = (
            series_overpotential_v(series, parameters.kinetic_curvature_per_a, i, bend_limit_a)
            for i in currents_a
        )
        series = (after - before) / (currents_a[1] - currents_a[0])
    result: FloatArray = (
        series
        + parameters.r1_ohm * (1.0 - np.exp(-dt_s / parameters.tau1_s))
        + parameters.r2_ohm * (1.0 - np.exp(-dt_s / parameters.tau2_s))
    )
    return result


def resistance_update(
    state: ResistanceState,
    voltage_change_v: FloatArray,
    current_change_a: float,
    table_resistance_ohm: FloatArray,
    voltage_noise_v: float,
) -> ResistanceState:
    """Use one sample-to-sample change if the current stepped enough.

    Implements: SWR_SOH_003

    Args:
        state: the state after the previous update.
        voltage_change_v: each cell's voltage now minus one sample before.
        current_change_a: current now minus one sample before (discharge positive).
        table_resistance_ohm: each cell's :func:`step_resistance_ohm` from the tables.
        voltage_noise_v: rms noise of one voltage sample.

    Returns:
        The new state; unchanged for a step below ``min_step_a`` or a
        non-finite input (per cell for the voltages).
    """
    if not (np.isfinite(current_change_a) and abs(current_change_a) >= state.min_step_a):
        return state
    dv = np.asarray(voltage_change_v, dtype=np.float64)
    regressor = np.asarray(table_resistance_ohm, dtype=np.float64) * current_change_a
    usable = np.isfinite(dv) & np.isfinite(regressor)
    regressor = np.where(usable, regressor, 0.0)
    observed = np.where(usable, -dv, 0.0)
    prior = state.variance / state.forgetting
    noise = 2.0 * voltage_noise_v**2
    gain = prior * regressor / (regressor * regressor * prior + noise)
    factor = state.factor + gain * (observed - regressor * state.factor)
    variance = np.where(usable, (1.0 - gain * regressor) * prior, state.variance)
    return ResistanceState(
        factor=np.where(usable, factor, state.factor),
        variance=variance,
        forgetting=state.forgetting,
        min_step_a=state.min_step_a,
        systematic_sigma=state.systematic_sigma,
    )
