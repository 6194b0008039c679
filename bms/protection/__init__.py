"""Protection: detect faults within their fault tolerant time and latch them.

ASIL: D. Requirements: SWR_PROT_*. The generic debounced monitor
(:func:`step_monitor`), the per-fault classifiers, sensor plausibility, and
the protection task :func:`step_protection` that runs them all each period.
"""

from bms.protection._classify import (
    classify_cell_under_voltage,
    classify_communication,
    classify_crash,
    classify_isolation,
    classify_over_current,
    classify_temperature_window,
    current_scale,
)
from bms.protection._debounce import Level, MonitorState, reset_monitor, step_monitor
from bms.protection._faults import FaultId, Reaction, fault_reaction, warning_reaction
from bms.protection._monitor import (
    FaultStatus,
    ProtectionReport,
    ProtectionSample,
    ProtectionState,
    fault_timing,
    fault_timings,
    step_protection,
)
from bms.protection._over_voltage import (
    OverVoltageState,
    classify_cell_over_voltage,
    step_cell_over_voltage,
)
from bms.protection._plausibility import PlausibilitySample, PlausibilityState, step_plausibility

__all__ = [
    "FaultId",
    "FaultStatus",
    "Level",
    "MonitorState",
    "OverVoltageState",
    "PlausibilitySample",
    "PlausibilityState",
    "ProtectionReport",
    "ProtectionSample",
    "ProtectionState",
    "Reaction",
    "classify_cell_over_voltage",
    "classify_cell_under_voltage",
    "classify_communication",
    "classify_crash",
    "classify_isolation",
    "classify_over_current",
    "classify_temperature_window",
    "current_scale",
    "fault_reaction",
    "fault_timing",
    "fault_timings",
    "reset_monitor",
    "step_cell_over_voltage",
    "step_monitor",
    "step_plausibility",
    "step_protection",
    "warning_reaction",
]
