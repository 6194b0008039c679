"""The controller's dual estimation: the capacity estimate beside the SoC filter, fed back.

ASIL: QM(D) (estimation channel; runs inside the estimation step, whose
failure only warns). Requirements: SWR_SOH_005, SWR_SOH_008.

The controller keeps a :class:`FilterCapacity` in its state: the capacity
tracker (:func:`bms.estimation.track_capacity`) and the cell model and tuning
the SoC filter runs with, rebuilt (:func:`bms.estimation.capacity_feedback`)
only when the tracker's estimate changes, so that the filter's step constants
stay cached between pairs. The key-on's offset goes to the tracker as to the
filter: the tracker counts charge less it.

A controller given no capacity tracker has no capacity memory: the pack is
of unknown age (:func:`bms.estimation.unknown_age_capacity_tracker`), and
it says so (:func:`capacity_unknown_reason`) until its estimate is as sure as
a new pack's. A new pack starts from :func:`new_pack_capacity`, what the
factory writes to its capacity file.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bms.cell import CellModel, Chemistry, cell_model
from bms.estimation import (
    CapacityTracker,
    EkfState,
    SocFilterTuning,
    calibrate_tracker_offset,
    capacity_feedback,
    capacity_lower_bound,
    fed_filter,
    graded_capacity_tracker,
    initial_capacity_tracker,
    track_capacity,
    tracker_at_filter_start,
    unknown_age_capacity_tracker,
)

__all__ = [
    "FilterCapacity",
    "calibrate_capacity_offset",
    "capacity_at_filter_start",
    "capacity_unknown_reason",
    "follow_capacity",
    "new_pack_capacity",
    "start_capacity",
]

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


def new_pack_capacity(
    chemistry: Chemistry,
    cells: int,
    tuning: SocFilterTuning | None = None,
    *,
    measured_capacity_ah: Sequence[float] | None = None,
    measured_sigma_pct: float | None = None,
) -> CapacityTracker:
    """A new pack's capacity tracker: what the factory saves as its first capacity file.

    Implements: SWR_SOH_008

    The configured capacities with the tuning's capacity uncertainty (3 % by
    default); or, for cells graded before assembly, each cell's
    ``measured_capacity_ah`` with ``measured_sigma_pct`` (both or neither;
    ValueError naming the argument otherwise, or for a count that is not
    ``cells``). Give it to :class:`bms.controller.BmsController` as
    ``capacity``, or save it with ``bms.memory.save_capacity``.
    """
    model = cell_model(chemistry)
    if measured_capacity_ah is None and measured_sigma_pct is None:
        return initial_capacity_tracker(
            model.tables, model.capacity_scale, tuning or SocFilterTuning(), cells
        )
    if measured_capacity_ah is None or measured_sigma_pct is None:
        message = "measured_capacity_ah and measured_sigma_pct go together: give both or neither"
        raise ValueError(message)
    if len(measured_capacity_ah) != cells:
        message = f"measured_capacity_ah: {len(measured_capacity_ah)} capacities for {cells} cells"
        raise ValueError(message)
    measured = np.asarray(measured_capacity_ah, dtype=np.float64)
    return graded_capacity_tracker(model.tables, measured, measured_sigma_pct)


def start_capacity(
    model: CellModel, tuning: SocFilterTuning, cells: int, stored: CapacityTracker | None = None
) -> FilterCapacity:
    """The tracker's start and the filter's model and tuning from it.

    Implements: SWR_SOH_008

    With ``stored`` (the tracker a previous power cycle saved,
    ``bms.memory.load_capacity(...).tracker()``, or a new pack's,
    :func:`new_pack_capacity`) the tracker carries on. Without it the pack
    is of unknown age. Either way the filter starts with the tracker's
    estimate.
    """
    tracker = stored
    if tracker is None:
        tracker = unknown_age_capacity_tracker(model.tables, model.capacity_scale, tuning, cells)
    fed_model, fed_tuning = fed_filter(tracker.estimate, model, tuning)
    return FilterCapacity(tracker=tracker, model=fed_model, tuning=fed_tuning)


def capacity_at_filter_start(capacity: FilterCapacity, *, soc_from_memory: bool) -> FilterCapacity:
    """The capacity as the SoC filter's first step leaves it: blind on a flat OCV, no pair.

    Implements: SWR_SOH_005

    A filter started without a kept SoC converges on a flat OCV only at a
    knee, so its SoC changes carry its transient this power cycle
    (:func:`bms.estimation.tracker_at_filter_start`).
    """
    tracker = tracker_at_filter_start(
        capacity.tracker, capacity.model.tables, capacity.tuning, soc_from_memory=soc_from_memory
    )
    return replace(capacity, tracker=tracker)


def capacity_unknown_reason(
    capacity: FilterCapacity | None, tuning: SocFilterTuning, *, remembered: bool
) -> str | None:
    """Why the capacity is not known as well as a new pack's (None: it is, or it is not unknown).

    Implements: SWR_SOH_008

    Only a tracker started without capacity memory (``remembered`` False:
    the unknown-age prior) is reported: it stops when every cell's relative
    sigma is at most the new pack's (``tuning.capacity_uncertainty_pct``). A
    pack whose flat OCV gives weak pairs (LFP) may report it for as long as
    it runs. The reason also gives the capacity lower bound the plating
    cap's coulomb-counted SoC bound divides by (SWR_PLAT_005): what slows
    the charge until the capacity is learnt.
    """
    if capacity is None or remembered:
        return None
    estimate = capacity.tracker.estimate
    relative = float(np.max(estimate.capacity_sigma_ah / estimate.capacity_ah))
    if relative <= tuning.capacity_uncertainty_pct / 100.0:
        return None
    tables = capacity.model.tables
    bound = float(np.min(capacity_lower_bound(estimate, tables))) / tables.nominal_capacity_ah
    return (
        f"no capacity memory at start: the pack is of unknown age; capacity known to "
        f"{100.0 * relative:.1f} % (1 sigma), SoC bounds widened, charge limit allowing for as "
        f"little as {100.0 * bound:.0f} % of the nominal capacity (its 3-sigma lower bound)"
    )


def calibrate_capacity_offset(
    capacity: FilterCapacity, offset_a: float, sigma_a: float
) -> FilterCapacity:
    """The tracker counting charge less the key-on's offset from now on.

    Implements: SWR_SOH_005

    The key-on's error is independent of the capacity, unlike the filter's
    offset estimate, which takes up part of a capacity error.
    """
    tracker = calibrate_tracker_offset(capacity.tracker, offset_a, sigma_a, capacity.tuning)
    return replace(capacity, tracker=tracker)


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
        return replace(capacity, tracker=tracker), ekf
    model, tuning, ekf = capacity_feedback(tracker, capacity.model, capacity.tuning, ekf)
    return replace(capacity, tracker=tracker, model=model, tuning=tuning), ekf
