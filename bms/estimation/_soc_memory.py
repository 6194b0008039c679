"""Where the SoC filter starts after a power cycle: the SoC it had at key-off, parked.

ASIL: QM(D) (estimation channel). Requirements: SWR_SOC_008, SWR_SOC_009, SWR_SOC_010.

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

What the memory cannot see (a cell or module swapped in service, a pack
charged while its BMS was off) leaves a kept SoC that is wrong with a tight
sigma, and the filter believes it: it reads the voltage's disagreement
mostly as model error, so on the equivalent-circuit NMC pack a start 25
points off is outside its 3 sigma for much of the first hour's driving
(docs/validation/onboard_capacity). :func:`kept_soc_disagreement` judges the kept SoC by
the first step's innovations, each against the sigma the filter expected
for it as one sample: beyond :data:`KEPT_SOC_GATE_SIGMA` the caller starts
unknown instead. Where the OCV is flat the voltage cannot tell, except near
a knee, and the gate lets the memory stand.

The kept SoC's error is partly the coulomb count's: a capacity the filter
ran with 1 % high leaves its SoC off by ``beta`` per unit of that scale
error (``beta``: the state's covariance with the considered scale error
over its variance, :mod:`bms.estimation._soc_ekf`). The capacity is the
same after the parking, so the error is too: :class:`SocStart` keeps each
cell's ``beta`` beside its SoC, and the next filter starts its covariance
with the scale error from it (:func:`bms.estimation.initial_ekf_state`)
instead of from zero. Without it a capacity pair anchored on the kept SoC
would not know how much of the filter's capacity error its SoC change
holds: on LFP's plateau most of it (docs/validation/onboard_capacity).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bms.estimation._soc_constants import StepConstants
from bms.estimation._soc_ekf import (
    _SOC,
    EkfState,
    SocEstimate,
    initial_ekf_state,
)
from bms.estimation._soc_tuning import SocFilterTuning

__all__ = [
    "KEPT_SOC_GATE_SIGMA",
    "SELF_DISCHARGE_PER_DAY",
    "UNKNOWN_SOC",
    "UNKNOWN_SOC_SIGMA",
    "FirstStep",
    "SocStart",
    "first_filter_step",
    "kept_soc_disagreement",
    "kept_start",
    "normalised_innovation",
    "parked_soc",
    "soc_to_keep",
    "usable_soc_start",
]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""
BoolArray = npt.NDArray[np.bool_]
"""A per-cell flag array, shape (cells,)."""

SELF_DISCHARGE_PER_DAY = 0.002
"""The most SoC a parked cell loses a day, as a fraction: about twice a lithium-ion cell's
2-3 % a month at 25 degC, for a hot car park (a judgement, not a measured figure)."""

UNKNOWN_SOC = 0.5
"""The filter's start without a kept SoC: the middle, since nothing is known."""
UNKNOWN_SOC_SIGMA = 0.3
"""Its standard deviation: 3 sigma covers the whole range from the middle."""

KEPT_SOC_GATE_SIGMA = 5.0
"""How many of its expected sigmas (one sample's) a cell's first innovation may be from zero
before the kept SoC is dropped. At rest from a kept sigma of 1 % one sample's sigma is 8-12 mV
on NMC and 7-9 mV on LFP, so 35-60 mV: above the 23 mV the DFN's NMC cell still holds five
minutes after a 15-minute 1C drive, which would otherwise drop a right memory; NMC's errors
from 10 points up are caught, and LFP's near a knee (docs/validation/onboard_capacity)."""


@dataclass(frozen=True)
class SocStart:
    """Each cell's SoC and its standard deviation for the filter to start from."""

    soc: FloatArray
    """SoC of each cell, in [0, 1]."""
    sigma: FloatArray
    """Its standard deviation."""
    scale_sensitivity: FloatArray | None = None
    """Each cell's SoC error per unit of the coulomb count's relative scale error (``beta``,
    module docstring); None: not known, the filter starts uncorrelated with that error."""
    plateau_bound: BoolArray | None = None
    """Cells still marked at key-off (their cycle started unsure and reached no knee): the next
    keeps the plateau's floor under their reported sigma
    (:attr:`bms.estimation.EkfState.plateau_bound`); None: no cell."""


def soc_to_keep(ekf: EkfState, tuning: SocFilterTuning) -> SocStart | None:
    """Each cell's SoC (clipped to [0, 1]), sigma and ``beta`` at key-off (None: not valid).

    Implements: SWR_SOC_008, SWR_SOC_010

    ``tuning`` is the one the filter ran with last (its scale variance turns
    the covariance into ``beta``). The sigma is the filter's own and the
    cells that keep the plateau's floor (:attr:`EkfState.plateau_bound`)
    are kept with it, so that the next cycle reports with the floor too
    (SWR_SOC_010): a cycle that started unsure and ends on a plateau passes
    its doubt on without changing the covariance the next filter weighs
    the voltage with. None when a SoC or sigma is not finite or a sigma is
    not > 0; a ``beta`` that is not finite is left out.
    """
    soc, sigma = ekf.x[_SOC], np.sqrt(ekf.p[_SOC, _SOC])
    if not (np.all(np.isfinite(soc)) and np.all(np.isfinite(sigma)) and np.all(sigma > 0.0)):
        return None
    beta = None
    if ekf.capacity_cross is not None and tuning.scale_variance > 0.0:
        beta = ekf.capacity_cross[_SOC] / tuning.scale_variance
    plateau = None if ekf.plateau_bound is None else ekf.plateau_bound.copy()
    return SocStart(np.clip(soc, 0.0, 1.0), sigma.copy(), _finite_or_none(beta, soc.size), plateau)


def parked_soc(kept: SocStart, parked_days: float) -> SocStart | None:
    """The key-off SoC after ``parked_days``: its sigma grown by the self-discharge bound.

    Implements: SWR_SOC_008

    ``sigma`` becomes ``sqrt(sigma^2 + (SELF_DISCHARGE_PER_DAY * days)^2)``;
    ``beta`` stays (the parking adds an error of its own, independent of the
    scale error; :func:`usable_soc_start` judges it). None (start unknown)
    when ``parked_days`` is not finite or negative (a clock set back: how
    long it stood is unknown), or the SoC or its sigma is not finite,
    outside [0, 1] or not > 0.
    """
    soc = np.asarray(kept.soc, dtype=np.float64)
    sigma = np.asarray(kept.sigma, dtype=np.float64)
    if not math.isfinite(parked_days) or parked_days < 0.0:
        return None
    if not (np.all(np.isfinite(soc)) and np.all(np.isfinite(sigma))):
        return None
    if np.any(soc < 0.0) or np.any(soc > 1.0) or np.any(sigma <= 0.0):
        return None
    drift = SELF_DISCHARGE_PER_DAY * parked_days
    return replace(kept, soc=soc.copy(), sigma=np.sqrt(sigma * sigma + drift * drift))


def _finite_or_none(values: FloatArray | None, cells: int) -> FloatArray | None:
    """A copy of ``values`` if they are ``cells`` finite floats, else None."""
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (cells,) or not np.all(np.isfinite(array)):
        return None
    return array.copy()


def kept_start(
    kept: SocStart, tuning: SocFilterTuning, constants: StepConstants | None = None
) -> EkfState:
    """The filter's state started from ``kept``: its SoC, sigma, ``beta`` and plateau cells.

    ``constants``: the step constants built ahead (:func:`initial_ekf_state`).

    Implements: SWR_SOC_008, SWR_SOC_010
    """
    return initial_ekf_state(
        kept.soc.size,
        kept.soc,
        kept.sigma,
        tuning,
        scale_sensitivity=kept.scale_sensitivity,
        plateau_bound=kept.plateau_bound,
        constants=constants,
    )


def kept_soc_disagreement(
    estimate: SocEstimate, start: SocStart, gate_sigma: float = KEPT_SOC_GATE_SIGMA
) -> str | None:
    """Why the cells' voltage refutes the kept SoC the filter started from (None: it does not).

    Implements: SWR_SOC_009

    ``estimate`` is the first step's from ``start``. Each cell whose voltage
    that step measured is judged by its innovation over the sigma the
    filter expected for it as one sample (:func:`normalised_innovation`);
    the reason names the cell furthest beyond
    ``gate_sigma``. A step that measured no voltage refutes nothing.
    """
    ratio = normalised_innovation(estimate)
    worst = int(np.argmax(ratio))
    if estimate.rejected or not ratio[worst] > gate_sigma:
        return None
    return (
        f"cell {worst}'s voltage is {1000.0 * estimate.innovation_v[worst]:+.0f} mV from "
        f"its kept SoC {100.0 * start.soc[worst]:.1f} % ({ratio[worst]:.1f} sigma > "
        f"{gate_sigma:g}): the SoC starts unknown"
    )


def normalised_innovation(estimate: SocEstimate) -> FloatArray:
    """Each cell's ``|innovation| / sigma`` as one sample (0 where the step measured no voltage).

    Implements: SWR_SOC_009

    ``sigma`` is the one the filter expected of this sample on its own
    (``innovation_sample_sigma_v``), not the one it weighs it by: that one
    is inflated by the model error's correlation time over the period, which
    is right for a run of samples but would make the gate's width depend on
    the period and the tuning (about three times wider at the controller's
    0.1 s than at 1 s).
    """
    sigma = estimate.innovation_sample_sigma_v
    used = ~estimate.voltage_rejected & np.greater(sigma, 0.0)
    ratio = np.zeros_like(estimate.innovation_v)
    np.divide(np.abs(estimate.innovation_v), sigma, ratio, where=used)
    return ratio


def usable_soc_start(kept: SocStart | None, cells: int) -> SocStart | None:
    """``kept`` if it is a start for ``cells`` cells, else None (another pack's is not used).

    Implements: SWR_SOC_008

    Its ``beta`` is left out (the start uncorrelated with the scale error) when it is not
    finite or not one per cell; the SoC is still used. Plateau cells that are not one flag
    per cell mark every cell (the floor errs on the wide side).
    """
    if kept is None or not kept.soc.shape == kept.sigma.shape == (cells,):
        return None
    plateau = kept.plateau_bound
    if plateau is not None and np.shape(plateau) != (cells,):
        plateau = np.ones(cells, dtype=bool)
    return replace(
        kept,
        scale_sensitivity=_finite_or_none(kept.scale_sensitivity, cells),
        plateau_bound=plateau,
    )


@dataclass(frozen=True)
class FirstStep:
    """The filter's first step of a power cycle, and where it started from."""

    ekf: EkfState
    estimate: SocEstimate
    from_memory: bool
    """It started from the kept SoC (False: from the unknown SoC)."""
    dropped: str | None
    """Why the kept SoC was dropped (None: it was used, or there was none)."""


def first_filter_step(  # noqa: PLR0913 - the start's parts; the last two keyword-only
    step: Callable[[EkfState], tuple[EkfState, SocEstimate]],
    kept: SocStart | None,
    cells: int,
    tuning: SocFilterTuning,
    *,
    gate_sigma: float = KEPT_SOC_GATE_SIGMA,
    constants: StepConstants | None = None,
) -> FirstStep:
    """A filter's first ``step``: from ``kept`` unless the voltage refutes it, else unknown.

    Implements: SWR_SOC_008, SWR_SOC_009

    ``step`` runs the filter one step from the state it is given, with
    ``tuning`` (its scale variance turns the kept ``beta`` into the start's
    covariance with the scale error). A start for another number of cells is
    not used. ``constants``: the step constants built ahead, which either
    start takes (:func:`initial_ekf_state`).
    """
    reason = None
    kept = usable_soc_start(kept, cells)
    if kept is not None:
        ekf, estimate = step(kept_start(kept, tuning, constants))
        reason = kept_soc_disagreement(estimate, kept, gate_sigma)
        if reason is None:
            return FirstStep(ekf, estimate, from_memory=True, dropped=None)
    unknown = initial_ekf_state(cells, UNKNOWN_SOC, UNKNOWN_SOC_SIGMA, tuning, constants=constants)
    ekf, estimate = step(unknown)
    return FirstStep(ekf, estimate, from_memory=False, dropped=reason)
