"""The controller's state between steps and the context it runs in.

ASIL: D. Requirements: SWR_CTRL_EST_002, SWR_PLAT_005.

Split from :mod:`bms.controller._controller` so that the estimation channel
(:mod:`bms.controller._estimating`) and the step share them without an
import cycle.
"""

from dataclasses import dataclass, field

from bms.can import BmsTxCounters
from bms.cell import CellModel, Chemistry
from bms.config import BmsConfig
from bms.contactor import ContactorMachine
from bms.control import BalancingState, ThermalState
from bms.controller._capacity import FilterCapacity
from bms.controller._charging import ChargeBound
from bms.controller._receive import VehicleReceiver
from bms.estimation import (
    CapacityTracker,
    EkfState,
    PlatingTables,
    SocFilterTuning,
    SocStart,
    StepConstants,
    ZeroCurrentOffset,
    ZeroCurrentWindow,
    plating_tables,
    step_constants,
)
from bms.protection import ProtectionState

__all__ = ["ControllerContext", "ControllerState", "PlatingCap"]


@dataclass(frozen=True)
class ControllerContext:
    """What does not change while the controller runs: configuration and cell model."""

    config: BmsConfig
    """The pack configuration."""
    model: CellModel | None = None
    """The estimator's cell model; ``None`` runs without estimation."""
    tuning: SocFilterTuning = field(default_factory=SocFilterTuning)
    """The estimator's noise model."""
    chemistry: Chemistry | None = None
    """The chemistry whose plating map caps the charge current (with ``model``; None: no cap)."""
    stored_capacity: CapacityTracker | None = None
    """The capacity tracker a previous power cycle saved, or a new pack's (None: no capacity
    memory, the pack is of unknown age)."""
    stored_soc: SocStart | None = None
    """Each cell's SoC at the last key-off, parked (None: unknown, the filter starts at 50 %
    with a sigma of 30 points)."""
    plating: "PlatingCap | None" = field(init=False, default=None)
    """What the plating cap reads, derived once from ``chemistry`` and ``model`` (None: no cap)."""
    cell_current_accuracy_a: float = field(init=False, default=0.0)
    """The least accurate current sensor's accuracy per cell (over ``parallel_count``)."""
    filter_constants: StepConstants | None = field(init=False, default=None)
    """The SoC filter's step constants for ``model``, ``tuning`` and the estimation period,
    built with the controller, not in its first estimation step (None: no ``model``)."""

    def __post_init__(self) -> None:
        """Derive the constants the estimation steps read, once.

        The SoC filter's are built here because on a flat OCV they hold the
        plateau's table (about 0.5 ms for 96 cells), which the first
        estimation step, already the costliest, would otherwise build.

        Implements: SWR_CTRL_EST_001, SWR_CTRL_EST_002, SWR_PLAT_005
        """
        pack = self.config.pack
        accuracy = max(s.accuracy_a for s in pack.current_sensors) / pack.parallel_count
        object.__setattr__(self, "cell_current_accuracy_a", accuracy)
        chemistry, model = self.chemistry, self.model
        if model is not None:
            period_s = pack.estimation_period_ms / 1000.0
            constants = step_constants(self.tuning, period_s, model.tables, None)
            object.__setattr__(self, "filter_constants", constants)
        if chemistry is None or model is None:
            return
        cap = PlatingCap(
            tables=None if chemistry.plating is None else plating_tables(chemistry.plating),
        )
        object.__setattr__(self, "plating", cap)


@dataclass(frozen=True)
class PlatingCap:
    """The constants of the plating cap of the charge limit (``_estimating.cap_plating``)."""

    tables: PlatingTables | None
    """The chemistry's plating map as arrays; None: it has none (the cap is then 0 A)."""


@dataclass(frozen=True)
class ControllerState:
    """Everything the controller remembers between steps."""

    step: int = 0
    """Steps run so far."""
    protection: ProtectionState = field(default_factory=ProtectionState)
    """Protection monitors."""
    contactors: ContactorMachine = field(default_factory=ContactorMachine)
    """Contactor sequence."""
    balancing: BalancingState = field(default_factory=BalancingState)
    """Last balancing decision."""
    thermal: ThermalState = field(default_factory=ThermalState)
    """Last thermal request."""
    receiver: VehicleReceiver = field(default_factory=VehicleReceiver)
    """E2E receivers of the vehicle's protected messages."""
    close_request: bool = False
    """Last close request received in a valid vehicle message."""
    internal_fault: bool = False
    """An internal error has latched the safe state."""
    internal_reason: str = ""
    """What the internal error was."""
    estimator: EkfState | None = None
    """SoC filter state (``None`` until the first estimation step or without a model)."""
    soc: float | None = None
    """Last mean cell SoC."""
    soc_sigma: float | None = None
    """Last largest cell SoC standard deviation."""
    capacity: FilterCapacity | None = None
    """Each cell's capacity estimate and the model and tuning it gives the SoC filter
    (``None`` until the first estimation step or without a model)."""
    capacity_reason: str | None = None
    """Why the capacity is not known as well as a new pack's (reported as a warning; None:
    it is, or the controller was given its capacity memory)."""
    soc_from_memory: bool = False
    """The SoC filter started this power cycle from the kept SoC (the voltage did not refute
    it)."""
    soc_memory_reason: str | None = None
    """Why the kept SoC was dropped at key-on, the filter started unknown instead (reported
    as a warning for the power cycle; None: it was not, or there was none)."""
    estimation_failed: bool = False
    """The last estimation step raised (reported as a warning)."""
    key_on: ZeroCurrentWindow = field(default_factory=ZeroCurrentWindow)
    """Current read since the contactors opened (the key-on offset calibration's window)."""
    pending_offset: ZeroCurrentOffset | None = None
    """A key-on offset the next estimation step gives the SoC filter."""
    offset_reason: str | None = None
    """Why the last key-on offset was refused (reported as a warning; None: it was not)."""
    charge_bound: ChargeBound = field(default_factory=ChargeBound)
    """Coulomb-counted SoC upper bound of the plating cap: its start and the charge since."""
    plating_charge_a: float | None = None
    """Plating-limited pack charge current of the last estimation step (None: no cap)."""
    plating_reason: str | None = None
    """Why the plating cap is at its most conservative limit (None: it is not)."""
    can_counters: BmsTxCounters = field(default_factory=BmsTxCounters)
    """Alive counters of the protected BMS messages."""
    can_failed: bool = False
    """The last CAN transmission cycle could not be encoded (reported as a warning)."""
    latched: tuple[str, ...] = ()
    """Names of the faults latched after the last step (a new name is a new DTC event)."""
    occurrences: tuple[tuple[str, int], ...] = ()
    """How often each fault has latched since start, by name."""
