"""Pack State of Charge from the cell estimates: the conservative values used for limits.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOC_006.

A series string is full when its fullest cell is full and empty when its
emptiest cell is empty, so the charge limits use the highest cell SoC and the
discharge limits the lowest. The displayed SoC is Plett's
``z_min / (1 - z_max + z_min)``: 0 exactly when a cell is empty, 1 exactly
when a cell is full, and the mean SoC for a balanced pack.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["PackSoc", "pack_soc"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""


@dataclass(frozen=True)
class PackSoc:
    """The pack's SoC in its three meanings, each in [0, 1]."""

    for_charge: float
    """Highest cell SoC: what charge limits are computed from."""
    for_discharge: float
    """Lowest cell SoC: what discharge limits are computed from."""
    displayed: float
    """SoC shown to the driver: ``z_min / (1 - z_max + z_min)``."""
    sigma: float
    """Largest standard deviation among the cell estimates."""


def pack_soc(soc: FloatArray, soc_sigma: FloatArray) -> PackSoc:
    """Pack SoC from the cell SoC estimates and their standard deviations.

    Implements: SWR_SOC_006

    Non-finite cell values are ignored; with no finite value at all the
    result is the conservative ``for_charge = 1``, ``for_discharge = 0``,
    ``displayed = 0`` with an infinite sigma.
    """
    values = np.asarray(soc, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return PackSoc(for_charge=1.0, for_discharge=0.0, displayed=0.0, sigma=float("inf"))
    low = float(np.clip(finite.min(), 0.0, 1.0))
    high = float(np.clip(finite.max(), 0.0, 1.0))
    denominator = 1.0 - high + low
    displayed = low / denominator if denominator > 0.0 else 0.0
    sigmas = np.asarray(soc_sigma, dtype=np.float64)
    sigma = float(np.max(sigmas)) if np.all(np.isfinite(sigmas)) else float("inf")
    return PackSoc(
        for_charge=high,
        for_discharge=low,
        displayed=float(np.clip(displayed, 0.0, 1.0)),
        sigma=sigma,
    )
