"""Estimation: State of Charge, State of Health and State of Function of the pack.

ASIL: QM(D) (the estimation channel; the D(D) voltage monitor is independent of it).

* SoC: :class:`SocEstimator` (or the pure :func:`ekf_step`), a vectorised
  extended Kalman filter per cell with an honest bound;
* pack SoC: :func:`pack_soc` gives ``for_charge`` (highest cell),
  ``for_discharge`` (lowest cell) and ``displayed``
  (``z_min / (1 - z_max + z_min)``);
* SoH: :func:`awtls_update` (capacity, approximate weighted total least
  squares) and :func:`resistance_update` (recursive least squares at current
  steps), each with its standard deviation; :func:`track_capacity` makes the
  capacity's pairs from the SoC filter on board and :func:`capacity_feedback`
  gives the estimate back to the filter (dual estimation);
* SoF: :func:`state_of_function`, charge and discharge current and power
  limits over a horizon, with :func:`sof_limits` reading the maxima from
  :class:`bms.config.BmsConfig`;
* plating: :func:`plating_limits`, each cell's lithium-plating-limited charge
  current and plating margin (with its bound) from the chemistry's map;
* key-on calibration: :func:`zero_current_offset` gives the current sensor's
  offset read with the contactors open, :func:`calibrate_current_offset`
  starts the SoC filter's offset state there.
"""

from bms.estimation._capacity import (
    CapacityEstimate,
    CapacityState,
    awtls_update,
    capacity_since,
    initial_capacity_state,
    predict_capacity,
    state_of_health,
)
from bms.estimation._capacity_pairs import (
    CapacityTracker,
    calibrate_tracker_offset,
    capacity_feedback,
    committed_capacity,
    fed_filter,
    resume_capacity_tracker,
    track_capacity,
    tracker_at_filter_start,
)
from bms.estimation._capacity_prior import (
    UNKNOWN_AGE_END_OF_LIFE,
    CalendarWalk,
    capacity_estimate_at_coldest,
    capacity_lower_bound,
    graded_capacity_tracker,
    initial_capacity_tracker,
    parked_capacity,
    unknown_age_capacity_tracker,
)
from bms.estimation._pack_soc import PackSoc, pack_soc
from bms.estimation._plating import (
    PlatingLimits,
    PlatingTables,
    coulomb_soc_upper,
    plating_limits,
    plating_tables,
)
from bms.estimation._resistance import (
    ResistanceState,
    initial_resistance_state,
    resistance_update,
    step_resistance_ohm,
)
from bms.estimation._soc_constants import StepConstants, step_constants
from bms.estimation._soc_ekf import (
    MAX_KEPT_SCALE_CORRELATION,
    EkfState,
    SocEstimate,
    ekf_step,
    initial_ekf_state,
    reported_soc_sigma,
)
from bms.estimation._soc_estimator import SocEstimator
from bms.estimation._soc_memory import (
    KEPT_SOC_GATE_SIGMA,
    SELF_DISCHARGE_PER_DAY,
    UNKNOWN_SOC,
    UNKNOWN_SOC_SIGMA,
    FirstStep,
    SocStart,
    first_filter_step,
    kept_soc_disagreement,
    kept_start,
    normalised_innovation,
    parked_soc,
    soc_to_keep,
    usable_soc_start,
)
from bms.estimation._soc_tuning import SocFilterTuning, measurement_variance
from bms.estimation._sof import (
    PowerLimits,
    SofLimits,
    sof_limits,
    state_of_function,
    temperature_derating,
)
from bms.estimation._zero_current import (
    ZERO_CURRENT_MIN_SAMPLES,
    ZeroCurrentOffset,
    ZeroCurrentWindow,
    add_zero_current_sample,
    calibrate_current_offset,
    zero_current_offset,
)

__all__ = [
    "KEPT_SOC_GATE_SIGMA",
    "MAX_KEPT_SCALE_CORRELATION",
    "SELF_DISCHARGE_PER_DAY",
    "UNKNOWN_AGE_END_OF_LIFE",
    "UNKNOWN_SOC",
    "UNKNOWN_SOC_SIGMA",
    "ZERO_CURRENT_MIN_SAMPLES",
    "CalendarWalk",
    "CapacityEstimate",
    "CapacityState",
    "CapacityTracker",
    "EkfState",
    "FirstStep",
    "PackSoc",
    "PlatingLimits",
    "PlatingTables",
    "PowerLimits",
    "ResistanceState",
    "SocEstimate",
    "SocEstimator",
    "SocFilterTuning",
    "SocStart",
    "SofLimits",
    "StepConstants",
    "ZeroCurrentOffset",
    "ZeroCurrentWindow",
    "add_zero_current_sample",
    "awtls_update",
    "calibrate_current_offset",
    "calibrate_tracker_offset",
    "capacity_estimate_at_coldest",
    "capacity_feedback",
    "capacity_lower_bound",
    "capacity_since",
    "committed_capacity",
    "coulomb_soc_upper",
    "ekf_step",
    "fed_filter",
    "first_filter_step",
    "graded_capacity_tracker",
    "initial_capacity_state",
    "initial_capacity_tracker",
    "initial_ekf_state",
    "initial_resistance_state",
    "kept_soc_disagreement",
    "kept_start",
    "measurement_variance",
    "normalised_innovation",
    "pack_soc",
    "parked_capacity",
    "parked_soc",
    "plating_limits",
    "plating_tables",
    "predict_capacity",
    "reported_soc_sigma",
    "resistance_update",
    "resume_capacity_tracker",
    "soc_to_keep",
    "sof_limits",
    "state_of_function",
    "state_of_health",
    "step_constants",
    "step_resistance_ohm",
    "temperature_derating",
    "track_capacity",
    "tracker_at_filter_start",
    "unknown_age_capacity_tracker",
    "usable_soc_start",
    "zero_current_offset",
]
