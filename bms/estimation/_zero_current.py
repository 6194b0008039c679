"""Key-on zero-current calibration: the current sensor's offset measured with the contactors open.

ASIL: QM(D) (the estimation channel). Requirements: SWR_SOC_007.

With the contactors open no current flows through the pack's current
sensor, so what it reads is its offset plus noise. Averaged over the open
period, that is the offset to ``noise / sqrt(n)``, far better than the SoC
filter can learn it while driving, where a current offset and a wrong
capacity both make the SoC drift and trade off against each other
(``docs/validation/soh_dfn.rst``). When the contactors start to close, the
filter's offset state starts at that mean (:func:`calibrate_current_offset`).

A mean larger than the sensor's specified accuracy is not an offset the
filter should absorb: the sensor is out of its specification, or current
flows with the contactors open. It is not used, and the reason is returned
for the controller to report (SWR_CTRL_EST_002).
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from bms.estimation._soc_ekf import _BIAS, EkfState, FloatArray

__all__ = [
    "ZERO_CURRENT_MIN_SAMPLES",
    "ZeroCurrentOffset",
    "ZeroCurrentWindow",
    "add_zero_current_sample",
    "calibrate_current_offset",
    "zero_current_offset",
]

ZERO_CURRENT_MIN_SAMPLES = 10
"""Fewest samples that make a calibration (100 ms of the controller's 10 ms steps)."""


@dataclass(frozen=True)
class ZeroCurrentWindow:
    """Running mean and spread of the current read while the contactors are open (Welford)."""

    samples: int = 0
    """Finite samples taken."""
    mean_a: float = 0.0
    """Their mean (cell current)."""
    sum_squares_a2: float = 0.0
    """Sum of their squared deviations from the mean."""


@dataclass(frozen=True)
class ZeroCurrentOffset:
    """The offset a window gives, or why it gives none."""

    offset_a: float
    """Mean reading: the sensor's offset (cell current; ``I_true = I_measured - offset``)."""
    sigma_a: float
    """Standard error of that mean."""
    samples: int
    """Samples behind it."""
    reason: str | None
    """Why it must not be used (None: usable)."""


def add_zero_current_sample(window: ZeroCurrentWindow, current_a: float) -> ZeroCurrentWindow:
    """The window with one more reading; a non-finite reading is skipped.

    Implements: SWR_SOC_007
    """
    if not math.isfinite(current_a):
        return window
    samples = window.samples + 1
    delta = current_a - window.mean_a
    mean = window.mean_a + delta / samples
    return ZeroCurrentWindow(
        samples=samples,
        mean_a=mean,
        sum_squares_a2=window.sum_squares_a2 + delta * (current_a - mean),
    )


def zero_current_offset(
    window: ZeroCurrentWindow, *, accuracy_a: float, noise_floor_a: float
) -> ZeroCurrentOffset:
    """The offset measured by ``window``, usable if it has enough samples and is plausible.

    ``accuracy_a`` is the sensor's specified accuracy (cell current): a larger
    mean is refused. ``noise_floor_a`` bounds the standard error from below
    (a quantised sensor can read one value every time, a spread of zero).

    Implements: SWR_SOC_007
    """
    samples = window.samples
    spread = math.sqrt(window.sum_squares_a2 / (samples - 1)) if samples > 1 else 0.0
    sigma = max(spread, noise_floor_a) / math.sqrt(max(samples, 1))
    reason = None
    if samples < ZERO_CURRENT_MIN_SAMPLES:
        reason = (
            f"{samples} current samples with the contactors open, "
            f"fewer than {ZERO_CURRENT_MIN_SAMPLES}"
        )
    elif abs(window.mean_a) > accuracy_a:
        reason = (
            f"current {window.mean_a:+.3f} A per cell with the contactors open, "
            f"beyond the sensor's accuracy of {accuracy_a:.3f} A"
        )
    return ZeroCurrentOffset(offset_a=window.mean_a, sigma_a=sigma, samples=samples, reason=reason)


def calibrate_current_offset(state: EkfState, offset_a: float, sigma_a: float) -> EkfState:
    """The filter state with every cell's offset at ``offset_a``, its variance ``sigma_a^2``.

    The offset's covariances with the other states (and with the coulomb
    count's considered scale error and a capacity pair's anchor) are
    cleared: the new value comes from a measurement independent of them.
    The surface lag's filters, driven by the current less the offset, move
    with it by their derivative in the offset (as the filter's update moves
    them, :mod:`bms.estimation._soc_ekf`).

    Implements: SWR_SOC_007

    Raises:
        ValueError: if ``offset_a`` is not finite or ``sigma_a`` is not finite and > 0.
    """
    if not math.isfinite(offset_a) or not (math.isfinite(sigma_a) and sigma_a > 0.0):
        raise ValueError(f"offset_a={offset_a} must be finite and sigma_a={sigma_a} > 0")
    x = state.x.copy()
    p = state.p.copy()
    lag = state.surface_lag
    if lag is not None and state.lag_bias_sensitivity is not None:
        lag = lag + state.lag_bias_sensitivity * (offset_a - x[_BIAS])
    x[_BIAS] = offset_a
    p[_BIAS, :] = 0.0
    p[:, _BIAS] = 0.0
    p[_BIAS, _BIAS] = sigma_a**2
    return replace(
        state,
        x=x,
        p=np.ascontiguousarray(p),
        surface_lag=lag,
        capacity_cross=_without_offset(state.capacity_cross),  # the scale error's
        anchor_cross=_without_offset(state.anchor_cross),  # and a capacity pair's anchor's
    )


def _without_offset(cross: FloatArray | None) -> FloatArray | None:
    """A covariance of the state with something else, its offset entry cleared."""
    if cross is None:
        return None
    cleared = cross.copy()
    cleared[_BIAS] = 0.0
    return cleared
