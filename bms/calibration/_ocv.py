"""Open-circuit voltage from a low-rate discharge and charge (pseudo-OCV test).

ASIL: QM (calibration tool; runs offline). Requirements: SWR_CAL_001.

The classic pseudo-OCV method: discharge and charge at C/20, and take the
mean of the two terminal voltages at equal charge throughput; the ohmic and
most of the polarisation drop cancel. Where only the discharge branch
reaches (the ends of the window), the half-gap of the nearest point where
both exist is added to it. Plain numpy.
"""

import numpy as np
import numpy.typing as npt

__all__ = ["average_branches", "charge_at_voltage"]

FloatArray = npt.NDArray[np.float64]


def _monotone(charge_ah: FloatArray, voltage_v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Keep the samples where charge strictly increases (``np.interp`` needs that)."""
    order = np.argsort(charge_ah, kind="stable")
    charge, voltage = charge_ah[order], voltage_v[order]
    keep = np.concatenate([[True], np.diff(charge) > 1e-9])
    return charge[keep], voltage[keep]


def charge_at_voltage(discharged_ah: FloatArray, voltage_v: FloatArray, cut_v: float) -> float:
    """Charge discharged when a falling terminal voltage first reaches ``cut_v``.

    Linear interpolation between the two samples around the crossing; the
    last sample's charge if the voltage never reaches it.
    """
    below = np.nonzero(voltage_v <= cut_v)[0]
    if below.size == 0:
        return float(discharged_ah[-1])
    index = int(below[0])
    if index == 0:
        return float(discharged_ah[0])
    v0, v1 = float(voltage_v[index - 1]), float(voltage_v[index])
    q0, q1 = float(discharged_ah[index - 1]), float(discharged_ah[index])
    share = (v0 - cut_v) / (v0 - v1) if v0 != v1 else 0.0
    return q0 + share * (q1 - q0)


def average_branches(
    discharge_ah: FloatArray,
    discharge_v: FloatArray,
    charge_ah: FloatArray,
    charge_v: FloatArray,
    grid_ah: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Pseudo-OCV on a grid of discharged charge, and where it had both branches.

    Args:
        discharge_ah: discharged charge along the discharge branch.
        discharge_v: terminal voltage along it.
        charge_ah: discharged charge along the charge branch (it decreases in time).
        charge_v: terminal voltage along it.
        grid_ah: where the OCV is wanted.

    Returns:
        The OCV at each grid point (NaN outside the discharge branch) and a
        mask of the grid points covered by both branches.
    """
    q_d, v_d = _monotone(discharge_ah, discharge_v)
    q_c, v_c = _monotone(charge_ah, charge_v)
    inside_d = (grid_ah >= q_d[0]) & (grid_ah <= q_d[-1])
    inside_c = (grid_ah >= q_c[0]) & (grid_ah <= q_c[-1])
    both = inside_d & inside_c
    on_d = np.interp(grid_ah, q_d, v_d)
    on_c = np.interp(grid_ah, q_c, v_c)
    ocv = np.full(grid_ah.shape, np.nan)
    ocv[both] = 0.5 * (on_d[both] + on_c[both])
    if both.any():
        covered = np.nonzero(both)[0]
        half_gap = 0.5 * (on_c - on_d)
        for index in np.nonzero(inside_d & ~both)[0]:
            nearest = covered[np.argmin(np.abs(covered - index))]
            ocv[index] = on_d[index] + half_gap[nearest]
    return ocv, both
