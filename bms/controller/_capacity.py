"""The controller's dual estimation: the capacity estimate beside the SoC filter, fed back.

ASIL: QM(D) (estimation channel; runs inside the estimation step, whose
failure only warns). Requirements: SWR_SOH_005.

The controller keeps a :class:`FilterCapacity` in its state: the capacity
tracker (:func:`bms.estimation.track_capacity`) and the cell model and tuning
the SoC filter runs with, rebuilt (:func:`bms.estimation.capacity_feedback`)
only when the tracker's estimate changes, so that the filter's step constants
stay cached between pairs. The key-on's offset goes to the tracker as to the
filter: the tracker counts charge less it.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bms.cell import CellModel
from bms.estimation import (
    CapacityTracker,
    EkfState,
    SocFilterTuning,
    calibrate_tracker_offset,
    capacity_feedback,
    fed_filter,
    initial_capacity_tracker,
    track_capacity,
)

__all__ = ["FilterCapacity", "calibrate_capacity_offset", "follow_capacity", "start_capacity"]

FloatArray = npt.NDArray[np.float64]
"""A float64 numpy array; per-cell arrays have shape (cells,)."""


@dataclass(frozen=True)
class FilterCapacity:
    """The capacity estimate and the model and tuning it gives the SoC filter."""

    tracker: CapacityTracker
    """Pairs, AWTLS sums and the estimate of each cell's capacity."""
    model: CellModel
    """The configured cell model with each cell's estimated capacity scale."""
    tuning: SocFilterTuning
    """The configured tuning with the estimate's capacity uncertainty."""


def start_capacity(
    model: CellModel, tuning: SocFilterTuning, cells: int, stored: CapacityTracker | None = None
) -> FilterCapacity:
    """The tracker's start and the filter's model and tuning from it.

    Without ``stored``: the configured capacities with the tuning's
    uncertainty, given to the filter as they are. With it (the tracker a
    previous power cycle saved, ``bms.memory.load_capacity(...).tracker()``):
    the tracker carries on and the filter starts with its estimate.
    """
    if stored is None:
        tracker = initial_capacity_tracker(model.tables, model.capacity_scale, tuning, cells)
        return FilterCapacity(tracker=tracker, model=model, tuning=tuning)
    fed_model, fed_tuning = fed_filter(stored.estimate, model, tuning)
    return FilterCapacity(tracker=stored, model=fed_model, tuning=fed_tuning)


def calibrate_capacity_offset(
    capacity: FilterCapacity, offset_a: float, sigma_a: float
) -> FilterCapacity:
    """The tracker counting charge less the key-on's offset from now on.

    Implements: SWR_SOH_005

    The key-on's error is independent of the capacity, unlike the filter's
    offset estimate, which takes up part of a capacity error.
    """
    tracker = calibrate_tracker_offset(capacity.tracker, offset_a, sigma_a, capacity.tuning)
    return FilterCapacity(tracker, capacity.model, capacity.tuning)


def follow_capacity(
    capacity: FilterCapacity,
    ekf: EkfState,
    *,
    current_a: float,
    bleed_current_a: FloatArray | None,
    dt_s: float,
) -> tuple[FilterCapacity, EkfState]:
    """Track one filter step; when the estimate changes, feed it back (model, tuning, state)."""
    tracker, ekf = track_capacity(
        capacity.tracker,
        ekf,
        capacity.model.tables,
        capacity.tuning,
        current_a=current_a,
        bleed_current_a=bleed_current_a,
        dt_s=dt_s,
        capacity_scale=capacity.model.capacity_scale,
    )
    if tracker.estimate is capacity.tracker.estimate:
        return FilterCapacity(tracker, capacity.model, capacity.tuning), ekf
    model, tuning, ekf = capacity_feedback(tracker, capacity.model, capacity.tuning, ekf)
    return FilterCapacity(tracker, model, tuning), ekf
