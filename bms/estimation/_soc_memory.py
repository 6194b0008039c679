"""Where the SoC filter starts after a power cycle: the SoC it had at key-off, parked.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOC_008.

Without a memory the filter starts every power cycle at 50 % with a sigma
of 30 points and leaves it to the rest voltage. On a flat OCV (LFP's
plateau) the rest voltage places the SoC no closer than tens of points, so
the filter stays that unsure until a knee. A BMS keeps each cell's SoC at
key-off instead, and starts from it with its sigma grown by what the
parking may have cost (:func:`parked_soc`): self-discharge, at most
:data:`SELF_DISCHARGE_PER_DAY` a day, its bound added to the sigma (the
estimate stays: the rest voltage moves it where it can). A memory that is
not the last key-off's (the BMS lost power in a drive, so the key-off never
saved) would be wrong by that drive with a tight sigma; the caller clears
the SoC from its memory at key-on and writes it back only at key-off
(``bms.memory``), so a lost key-off leaves no SoC to start from.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["SELF_DISCHARGE_PER_DAY", "SocStart", "parked_soc"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""

SELF_DISCHARGE_PER_DAY = 0.002
"""The most SoC a parked cell loses a day, as a fraction: about twice a lithium-ion cell's
2-3 % a month at 25 degC, for a hot car park (a judgement, not a measured figure)."""


@dataclass(frozen=True)
class SocStart:
    """Each cell's SoC and its standard deviation for the filter to start from."""

    soc: FloatArray
    """SoC of each cell, in [0, 1]."""
    sigma: FloatArray
    """Its standard deviation."""


def parked_soc(soc: FloatArray, sigma: FloatArray, parked_days: float) -> SocStart | None:
    """The key-off SoC after ``parked_days``: its sigma grown by the self-discharge bound.

    Implements: SWR_SOC_008

    ``sigma`` becomes ``sqrt(sigma^2 + (SELF_DISCHARGE_PER_DAY * days)^2)``.
    None (start unknown) when ``parked_days`` is not finite or negative (a
    clock set back: how long it stood is unknown), or the SoC or its sigma
    is not finite, outside [0, 1] or not > 0.
    """
    soc = np.asarray(soc, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    if not math.isfinite(parked_days) or parked_days < 0.0:
        return None
    if not (np.all(np.isfinite(soc)) and np.all(np.isfinite(sigma))):
        return None
    if np.any(soc < 0.0) or np.any(soc > 1.0) or np.any(sigma <= 0.0):
        return None
    drift = SELF_DISCHARGE_PER_DAY * parked_days
    return SocStart(soc=soc.copy(), sigma=np.sqrt(sigma * sigma + drift * drift))
