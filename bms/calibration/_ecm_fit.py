"""Fit a two-RC equivalent circuit to a terminal-voltage record (pulse and relaxation).

ASIL: QM (calibration tool; runs offline, never in the control path).
Requirements: SWR_CAL_001.

The model is the one the BMS runs (``bms.cell``): terminal voltage
``v = ocv - eta(i) - v1 - v2``, the series drop ``eta(i) = r0 * i`` or, fitted
with its kinetic current ``ik``, ``r0 * ik * asinh(i / ik)``
(:mod:`bms.cell._kinetics`), with ``dv_k/dt = -v_k / tau_k + i * r_k / tau_k``
(current positive on discharge). For a current held constant over a sample
interval ``dt`` the RC states advance exactly as
``v_k <- v_k * exp(-dt / tau_k) + r_k * i * (1 - exp(-dt / tau_k))``, so the
fit needs no ODE solver. The five (six with ``ik``) parameters are fitted with
``scipy.optimize.least_squares`` (trust-region reflective, bounds in log
space so every parameter stays positive and the fast pair stays faster than
the slow one); scipy is imported inside :func:`fit_ecm` because it belongs to
the ``plant`` extra, not to the BMS.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell import series_overpotential_v

__all__ = ["EcmParameters", "PulseFit", "fit_ecm", "simulate_ecm_voltage"]

FloatArray = npt.NDArray[np.float64]

TAU1_BOUNDS_S = (0.5, 60.0)
"""Range searched for the fast time constant (charge transfer, double layer)."""
TAU2_BOUNDS_S = (60.0, 5000.0)
"""Range searched for the slow time constant (solid diffusion); starts where tau1's ends."""
RESISTANCE_BOUNDS_OHM = (1e-6, 10.0)
"""Range searched for each resistance."""
KINETIC_CURRENT_BOUNDS_A = (1e-3, 1e5)
"""Range searched for the kinetic current; at the top the drop is linear to 1e-8 at 1 kA."""


@dataclass(frozen=True)
class EcmParameters:
    """The five dynamic parameters of a two-RC equivalent circuit at one (T, SoC)."""

    r0_ohm: float
    """Series resistance."""
    r1_ohm: float
    """Resistance of the fast RC pair."""
    tau1_s: float
    """Time constant of the fast RC pair."""
    r2_ohm: float
    """Resistance of the slow RC pair."""
    tau2_s: float
    """Time constant of the slow RC pair."""
    kinetic_current_a: float = math.inf
    """Kinetic current of the series drop; ``inf``: the linear ``r0 * i``."""

    def as_array(self) -> FloatArray:
        """``[r0, r1, tau1, r2, tau2, ik]``."""
        return np.array(
            [
                self.r0_ohm,
                self.r1_ohm,
                self.tau1_s,
                self.r2_ohm,
                self.tau2_s,
                self.kinetic_current_a,
            ]
        )


@dataclass(frozen=True)
class PulseFit:
    """A fitted parameter set with its residuals against the record it was fitted to."""

    parameters: EcmParameters
    """The fitted parameters."""
    rmse_v: float
    """Root-mean-square terminal-voltage residual."""
    max_abs_error_v: float
    """Largest absolute terminal-voltage residual."""
    samples: int
    """Number of voltage samples fitted."""


def _check_record(time_s: FloatArray, *columns: FloatArray) -> None:
    """Raise ``ValueError`` unless the record is finite, aligned and time non-decreasing."""
    if time_s.ndim != 1 or time_s.size < 2:
        raise ValueError(f"time_s must be 1-D with at least 2 samples, got shape {time_s.shape}")
    for column in columns:
        if column.shape != time_s.shape:
            raise ValueError(
                f"columns must match time_s's shape {time_s.shape}, got {column.shape}"
            )
        if not np.all(np.isfinite(column)):
            raise ValueError("record contains NaN or infinite values")
    if np.any(np.diff(time_s) < 0.0):
        raise ValueError("time_s must be non-decreasing")


def simulate_ecm_voltage(
    time_s: FloatArray, current_a: FloatArray, ocv_v: FloatArray, parameters: EcmParameters
) -> FloatArray:
    """Terminal voltage of the two-RC circuit over a record, both RC pairs relaxed at start.

    The current of sample ``n + 1`` is taken as held over ``(t_n, t_n+1]``
    (the value PyBaMM reports at the end of an interval belongs to the step
    that interval lies in); zero-length intervals (step boundaries) change no state.

    Args:
        time_s: sample times, non-decreasing.
        current_a: current at each sample, positive on discharge.
        ocv_v: open-circuit voltage at each sample.
        parameters: the circuit.

    Returns:
        The terminal voltage at each sample.
    """
    _check_record(time_s, current_a, ocv_v)
    dt = np.diff(time_s)
    held = current_a[1:]
    rc_voltage = np.zeros_like(time_s)
    for resistance, tau in (
        (parameters.r1_ohm, parameters.tau1_s),
        (parameters.r2_ohm, parameters.tau2_s),
    ):
        rc_voltage[1:] += _rc_response(dt, held, resistance, tau)
    # the pulses stay within the bend's limit (1C), so the fit needs none
    series = series_overpotential_v(
        parameters.r0_ohm, 1.0 / parameters.kinetic_current_a, current_a, math.inf
    )
    result: FloatArray = ocv_v - series - rc_voltage
    return result


def _rc_response(dt: FloatArray, held: FloatArray, resistance: float, tau: float) -> FloatArray:
    """Voltage of one RC pair at the end of each interval, starting relaxed.

    A uniform step (the usual case: PyBaMM output every second, zero-length
    boundary intervals aside) runs as one ``scipy.signal.lfilter`` call; any
    other record runs the same recursion in a loop.
    """
    decay = np.exp(-dt / tau)
    gain = resistance * (1.0 - decay)
    moving = dt > 0.0
    uniform = not moving.any() or float(np.ptp(dt[moving])) < 1e-9 * max(float(dt.max()), 1.0)
    if uniform:
        from scipy.signal import lfilter  # noqa: PLC0415 - plant extra only

        a = float(decay[moving][0]) if moving.any() else 1.0
        out = np.zeros_like(dt)
        out[moving] = lfilter([1.0 - a], [1.0, -a], resistance * held[moving])
        # a zero-length interval holds the state of the interval before it
        index = np.maximum.accumulate(np.where(moving, np.arange(dt.size), -1))
        filled: FloatArray = np.where(index >= 0, out[np.maximum(index, 0)], 0.0)
        return filled
    state = 0.0
    result = np.zeros_like(dt)
    for position in range(dt.size):
        state = state * decay[position] + gain[position] * held[position]
        result[position] = state
    return result


def _initial_guess(current_a: FloatArray, voltage_v: FloatArray) -> FloatArray:
    """A start point from the data: R0 from the largest current step, R1 = R2 = R0."""
    steps = np.abs(np.diff(current_a))
    index = int(np.argmax(steps))
    r0 = 1e-3
    if steps[index] > 0.0:
        r0 = abs(float(voltage_v[index + 1] - voltage_v[index])) / float(steps[index])
    r0 = float(np.clip(r0, 2e-6, 5.0))
    kinetic = float(np.clip(np.max(np.abs(current_a)), *KINETIC_CURRENT_BOUNDS_A))
    start: FloatArray = np.log(np.array([r0, r0, 5.0, r0, 400.0, kinetic]))
    return start


def _free_parameters(time_constants_s: tuple[float, float] | None, *, kinetic: bool) -> list[int]:
    """Indices (in :meth:`EcmParameters.as_array`) of the parameters a fit moves."""
    free = [0, 1, 2, 3, 4] if time_constants_s is None else [0, 1, 3]
    return [*free, 5] if kinetic else free


def fit_ecm(  # noqa: PLR0913 - the record's four columns and what the fit holds
    time_s: FloatArray,
    current_a: FloatArray,
    voltage_v: FloatArray,
    ocv_v: FloatArray,
    time_constants_s: tuple[float, float] | None = None,
    *,
    kinetic: bool = False,
) -> PulseFit:
    """Least-squares fit of R0, R1, tau1, R2, tau2 (and ik) to a terminal-voltage record.

    Implements: SWR_CAL_001

    Args:
        time_s: sample times, non-decreasing (duplicated times at step boundaries allowed).
        current_a: current at each sample, positive on discharge.
        voltage_v: measured terminal voltage at each sample.
        ocv_v: open-circuit voltage at each sample (from the OCV table at the
            coulomb-counted SoC); the RC pairs are taken as relaxed at the start.
        time_constants_s: ``(tau1, tau2)`` held fixed, so that only the three
            resistances are fitted (the charge tables share the discharge
            tables' time constants); ``None`` fits all five.
        kinetic: fit the series drop's kinetic current too (the record must
            hold pulses at several currents to tell the bend from R0);
            otherwise the drop is linear (``kinetic_current_a`` is ``inf``).

    Returns:
        The fitted parameters and the residuals.

    Raises:
        ValueError: if the record is malformed or carries no current.
    """
    from scipy.optimize import least_squares  # noqa: PLC0415 - plant extra only

    _check_record(time_s, current_a, voltage_v, ocv_v)
    if not np.any(current_a != 0.0):
        raise ValueError("the record carries no current: nothing to fit")
    r_low, r_high = RESISTANCE_BOUNDS_OHM
    k_low, k_high = KINETIC_CURRENT_BOUNDS_A
    lower = np.log([r_low, r_low, TAU1_BOUNDS_S[0], r_low, TAU2_BOUNDS_S[0], k_low])
    upper = np.log([r_high, r_high, TAU1_BOUNDS_S[1], r_high, TAU2_BOUNDS_S[1], k_high])
    free = _free_parameters(time_constants_s, kinetic=kinetic)
    starts: tuple[tuple[float, float], ...] = ((5.0, 400.0), (1.5, 150.0), (20.0, 1500.0))
    if time_constants_s is not None:
        starts = (time_constants_s,)

    def parameters(log_free: FloatArray, start: FloatArray) -> EcmParameters:
        log_theta = start.copy()
        log_theta[free] = log_free
        theta = np.exp(log_theta)
        if time_constants_s is not None:  # exactly the values held, not exp(log(tau))
            theta[2], theta[4] = time_constants_s
        if not kinetic:
            theta[5] = math.inf
        return EcmParameters(*map(float, theta))

    best = None
    for tau1_start, tau2_start in starts:
        start = _initial_guess(current_a, voltage_v)
        start[2], start[4] = math.log(tau1_start), math.log(tau2_start)
        start[free] = np.clip(start[free], lower[free] + 1e-9, upper[free] - 1e-9)

        def residual(log_free: FloatArray, start: FloatArray = start) -> FloatArray:
            model = simulate_ecm_voltage(time_s, current_a, ocv_v, parameters(log_free, start))
            return model - voltage_v

        result = least_squares(
            residual,
            start[free],
            bounds=(lower[free], upper[free]),
            x_scale=1.0,
            method="trf",
        )
        if best is None or result.cost < best[0].cost:
            best = (result, start)
    if best is None:  # pragma: no cover - the loop above always runs
        raise ValueError("no fit")
    result, start = best
    errors = result.fun
    return PulseFit(
        parameters=parameters(result.x, start),
        rmse_v=float(np.sqrt(np.mean(errors**2))),
        max_abs_error_v=float(np.max(np.abs(errors))),
        samples=int(time_s.size),
    )
