"""Fault-injection campaign: every fault, several onsets and operating points, timed.

ASIL: QM (a verification tool producing fault-injection evidence for the D
protection). Requirements: SWR_CTRL_FAULTS_001.

Each run drives :class:`bms.controller.BmsController` in closed loop with
:class:`~bms.faults.PackRig` (the equivalent-circuit plant of
:mod:`bms.plant`): the vehicle asks to connect at once, the fault is injected
at its onset, and the run records when the intended fault (or another that
covers it) latched, when every contactor was commanded open, and whether the
contacts were open (command + ``pack.contactors.opening_time_ms``) within
the fault tolerant time. Fault-free runs count false trips, at every
operating point or at the ``fault_free_points`` given (``bms faults`` runs
the missions of :data:`FAULT_FREE_POINTS`: drive, park, charge to the end of
charge, rest with balancing); each point's fault-free time is cut into drives
of at most ``segment_s`` (each a fresh power-up with its own seed), run drive
by drive across the points, that can run on several worker processes (on
one, the running drive reports checkpoints). Every DTC event the controller emits is recorded
per run (``dtcs``) and can be handed to a sink (``bms faults --fault-memory``
writes them through :mod:`bms.memory`). Everything is seeded: the same
arguments give the same report, whatever the number of workers.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Protocol

from bms.cell import Chemistry
from bms.config import BmsConfig
from bms.controller import BmsController, ControllerOutputs, DtcEventOutput
from bms.faults._cases import FaultCase, fault_cases
from bms.faults._rig import MISSION, OperatingPoint, PackRig

__all__ = [
    "DEFAULT_ONSETS_MS",
    "DEFAULT_POINTS",
    "DEFAULT_SEGMENT_S",
    "FAULT_FREE_POINTS",
    "MISSION_SEGMENT_S",
    "CampaignReport",
    "DtcSink",
    "FaultFreeResult",
    "RunResult",
    "Trace",
    "run_campaign",
    "run_fault_case",
    "run_fault_free",
]

DEFAULT_POINTS: tuple[OperatingPoint, ...] = (
    OperatingPoint("driving", -10.0, 0.8),
    OperatingPoint("driving", 25.0, 0.8),
    OperatingPoint("driving", 40.0, 0.8),
    OperatingPoint("charging", 10.0, 0.3),
    OperatingPoint("charging", 25.0, 0.3),
    OperatingPoint("charging", 40.0, 0.3),
    OperatingPoint("standstill", 25.0, 0.6),
)
"""Operating points of the campaign: usage and ambient temperature."""

DEFAULT_ONSETS_MS: tuple[int, ...] = (2500, 3370, 4110)
"""Onsets after power-up (the pack connects within about one second)."""

_MARGIN_MS = 300
"""A run goes on this long past the fault tolerant time, to see late reactions."""

DEFAULT_SEGMENT_S = 1800.0
"""Longest fault-free drive: a point's fault-free time is cut into drives of at most this."""

FAULT_FREE_POINTS: tuple[OperatingPoint, ...] = (
    OperatingPoint(MISSION, -10.0, 0.88),
    OperatingPoint(MISSION, 0.0, 0.88),
    OperatingPoint(MISSION, 25.0, 0.88),
    OperatingPoint(MISSION, 45.0, 0.88),
)
"""Fault-free missions of ``bms faults``: drive, park, charge CC-CV to the end of charge with
the thermal system following the BMS, rest while the BMS balances (:class:`MissionProfile`)."""

MISSION_SEGMENT_S = 3000.0
"""Longest fault-free mission drive: long enough to reach the end of charge and rest."""


class DtcSink(Protocol):
    """Receives each DTC event of an injected run with the run's label (``case/point/T/onset``)."""

    def __call__(self, label: str, event: DtcEventOutput) -> None:
        """Take one event."""


@dataclass
class Trace:
    """Time series of one run, for plots."""

    time_s: list[float] = field(default_factory=list)
    max_cell_v: list[float] = field(default_factory=list)
    min_cell_v: list[float] = field(default_factory=list)
    current_a: list[float] = field(default_factory=list)
    max_temperature_degc: list[float] = field(default_factory=list)
    main_positive: list[bool] = field(default_factory=list)
    latched: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class RunResult:
    """What one injected run showed."""

    case: str
    point: str
    ambient_degc: float
    onset_ms: int
    ftti_ms: int
    connected_at_onset: bool
    false_trip_before_onset: list[str]
    detected_as: list[str]
    detection_ms: int | None
    open_command_ms: int | None
    safe_state_ms: int | None
    within_ftti: bool
    dtcs: list[str] = field(default_factory=list)
    """DTC events the controller emitted after the onset (name, occurrence, time from onset)."""
    dtc_recorded: bool = False
    """Whether a DTC of a detecting fault was emitted with a freeze frame."""


@dataclass(frozen=True)
class FaultFreeResult:
    """What one fault-free run showed."""

    point: str
    ambient_degc: float
    duration_s: float
    false_trips: list[str]
    first_trip_ms: int | None
    end_of_charge_ms: int | None = None
    """When a mission's charge ended (constant-voltage current below the cut-off), if it did."""
    peak_cell_v: float | None = None
    """Highest true cell voltage of the drive."""
    temperature_range_degc: tuple[float, float] | None = None
    """Lowest and highest true cell temperature of the drive."""


@dataclass(frozen=True)
class CampaignReport:
    """The whole campaign."""

    plant: str
    pack: str
    runs: list[RunResult]
    fault_free: list[FaultFreeResult]
    summary: dict[str, object]

    def as_json(self) -> dict[str, object]:
        """Plain data for ``json.dump``."""
        return asdict(self)


def _all_open(outputs: ControllerOutputs) -> bool:
    commands = outputs.contactors
    return not (commands.main_positive or commands.main_negative or commands.precharge)


def _record(trace: Trace, rig: PackRig, outputs: ControllerOutputs) -> None:
    truth = rig.truth
    trace.time_s.append(rig.time_ms / 1000.0)
    trace.max_cell_v.append(float(truth.cell_voltages_v.max()))
    trace.min_cell_v.append(float(truth.cell_voltages_v.min()))
    trace.current_a.append(rig.current_a)
    trace.max_temperature_degc.append(float(truth.cell_temperatures_degc.max()))
    trace.main_positive.append(outputs.contactors.main_positive)
    trace.latched.append(len(outputs.latched_faults))


def _note_dtcs(  # noqa: PLR0913 - one step's bookkeeping
    outputs: ControllerOutputs,
    since_ms: int,
    *,
    case: FaultCase,
    label: str,
    dtcs: list[str],
    sink: DtcSink | None,
) -> bool:
    """Record this step's DTC events; whether one of them is a detecting fault with a freeze frame.

    Each event is appended to ``dtcs`` (as ``NAME#occurrence@time``) and handed to ``sink``.
    """
    events: tuple[DtcEventOutput, ...] = getattr(outputs, "dtc_events", ())
    # getattr: scripted stand-ins of the controller in the unit tests may have none
    recorded = False
    for event in events:  # loop-bound: at most one event per fault kind
        dtcs.append(f"{event.dtc}#{event.occurrence}@{since_ms}ms")
        recorded = recorded or (event.dtc.lower() in case.expected and bool(event.freeze))
        if sink is not None:
            sink(label, event)
    return recorded


def run_fault_case(  # noqa: PLR0913 - a run is exactly these
    case: FaultCase,
    point: OperatingPoint,
    onset_ms: int,
    *,
    config: BmsConfig,
    chemistry: Chemistry,
    seed: int,
    trace: Trace | None = None,
    dtc_sink: DtcSink | None = None,
) -> RunResult:
    """Inject ``case`` at ``onset_ms`` into a run at ``point``; time the reaction.

    Implements: SWR_CTRL_FAULTS_001
    """
    rig = PackRig(config, chemistry, point, seed=seed)
    controller = BmsController(config)
    opening_ms = config.pack.contactors.opening_time_ms
    end_ms = onset_ms + case.ftti_ms + _MARGIN_MS
    false_trips: set[str] = set()
    connected = False
    detection: tuple[int, list[str]] | None = None
    open_ms: int | None = None
    label = f"{case.name}/{point.name}/{point.ambient_degc:g}C/{onset_ms}ms"
    dtcs: list[str] = []
    recorded = False
    while rig.time_ms <= end_ms:  # loop-bound: every step advances rig.time_ms by one period
        since_ms = rig.time_ms - onset_ms
        if case.plant is not None:
            case.plant(rig, since_ms)
        frame = case.inject(rig.frame(close_request=True), rig, since_ms)
        outputs = controller.step(frame)
        if trace is not None:
            _record(trace, rig, outputs)
        if since_ms < 0:
            false_trips.update(outputs.latched_faults)
            connected = outputs.contactors.main_positive
        else:
            recorded = (
                _note_dtcs(outputs, since_ms, case=case, label=label, dtcs=dtcs, sink=dtc_sink)
                or recorded
            )
            hits = sorted(case.expected & set(outputs.latched_faults))
            if detection is None and hits:
                detection = (since_ms, hits)
            if open_ms is None and connected and _all_open(outputs):
                open_ms = since_ms
            if detection is not None and (open_ms is not None or not case.opens_contactors):
                break
        rig.limits_a = (outputs.charge_current_limit_a, outputs.discharge_current_limit_a)
        rig.advance(outputs.contactors, case.welded if since_ms >= 0 else frozenset())
    safe_ms = open_ms + opening_ms if open_ms is not None else None
    if case.opens_contactors:
        within = safe_ms is not None and detection is not None and safe_ms <= case.ftti_ms
    else:
        within = detection is not None and detection[0] <= case.ftti_ms
    return RunResult(
        case=case.name,
        point=point.name,
        ambient_degc=point.ambient_degc,
        onset_ms=onset_ms,
        ftti_ms=case.ftti_ms,
        connected_at_onset=connected,
        false_trip_before_onset=sorted(false_trips),
        detected_as=detection[1] if detection else [],
        detection_ms=detection[0] if detection else None,
        open_command_ms=open_ms,
        safe_state_ms=safe_ms,
        within_ftti=within and connected and not false_trips,
        dtcs=dtcs,
        dtc_recorded=recorded,
    )


def run_fault_free(  # noqa: PLR0913 - a drive and its optional checkpoint
    point: OperatingPoint,
    duration_s: float,
    *,
    config: BmsConfig,
    chemistry: Chemistry,
    seed: int,
    checkpoint: Callable[[FaultFreeResult], None] | None = None,
) -> FaultFreeResult:
    """Run ``point`` without any fault for ``duration_s``; report every latched fault.

    Implements: SWR_CTRL_FAULTS_001

    ``checkpoint``, when given, receives the result so far (its ``duration_s`` the time
    simulated) every :data:`CHECKPOINT_S` of simulated time.
    """
    rig = PackRig(config, chemistry, point, seed=seed)
    controller = BmsController(config)
    trips: set[str] = set()
    first: int | None = None
    end_ms = int(duration_s * 1000.0)
    span = (float(rig.truth.cell_temperatures_degc[0]),) * 2
    checkpoint_steps = int(CHECKPOINT_S * 1000.0) // config.pack.protection_period_ms
    while rig.time_ms < end_ms:  # loop-bound: every step advances rig.time_ms by one period
        outputs = controller.step(rig.frame(close_request=True))
        if outputs.latched_faults and first is None:
            first = rig.time_ms
        trips.update(outputs.latched_faults)
        rig.limits_a = (outputs.charge_current_limit_a, outputs.discharge_current_limit_a)
        rig.thermal_request = outputs.thermal_request
        rig.bleeding = outputs.balancing
        rig.advance(outputs.contactors)
        if rig.step_count % 100 == 0:  # every second: the thermal time constant is minutes
            temps = rig.truth.cell_temperatures_degc
            span = (min(span[0], float(temps.min())), max(span[1], float(temps.max())))
        if checkpoint is not None and rig.step_count % checkpoint_steps == 0:
            checkpoint(_drive_result(point, rig.time_ms / 1000.0, trips, first, rig, span))
    return _drive_result(point, duration_s, trips, first, rig, span)


CHECKPOINT_S = 300.0
"""Simulated time between two checkpoints of a fault-free drive run in this process."""


def _drive_result(  # noqa: PLR0913, PLR0917 - the parts of a result
    point: OperatingPoint,
    duration_s: float,
    trips: set[str],
    first: int | None,
    rig: PackRig,
    span: tuple[float, float],
) -> FaultFreeResult:
    return FaultFreeResult(
        point.name,
        point.ambient_degc,
        duration_s,
        sorted(trips),
        first,
        end_of_charge_ms=rig.end_of_charge_ms,
        peak_cell_v=round(rig.peak_cell_v, 4),
        temperature_range_degc=(round(span[0], 2), round(span[1], 2)),
    )


def _fault_free_task(
    task: tuple[OperatingPoint, float, BmsConfig, Chemistry, int],
    checkpoint: Callable[[FaultFreeResult], None] | None = None,
) -> FaultFreeResult:
    """One fault-free drive (module level, so a worker process can run it)."""
    point, duration_s, config, chemistry, seed = task
    return run_fault_free(
        point, duration_s, config=config, chemistry=chemistry, seed=seed, checkpoint=checkpoint
    )


def _fault_free_drives(
    tasks: list[tuple[OperatingPoint, float, BmsConfig, Chemistry, int]],
    workers: int,
    progress: Callable[[str], None] | None,
    on_drive: Callable[[FaultFreeResult, bool], None] | None = None,
) -> list[FaultFreeResult]:
    """Every fault-free drive, in task order, on ``workers`` processes (1: in this one).

    ``on_drive`` receives each finished drive (``True``) and, on one worker, each
    checkpoint of the running drive (``False``).
    """
    results: list[FaultFreeResult] = []

    def done(result: FaultFreeResult) -> None:
        results.append(result)
        if on_drive is not None:
            on_drive(result, True)
        if progress is not None:
            progress(f"fault-free {result.point} {result.ambient_degc:g} C")

    def running(result: FaultFreeResult) -> None:
        if on_drive is not None:
            on_drive(result, False)

    if workers > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for result in pool.map(_fault_free_task, tasks):  # loop-bound: one per task
                done(result)
    else:
        for task in tasks:  # loop-bound: one per task
            done(_fault_free_task(task, running))
    return results


def _segments(total_s: float, segment_s: float) -> list[float]:
    """``total_s`` cut into equal drives of at most ``segment_s`` (none for a zero total)."""
    if total_s <= 0.0:
        return [0.0]
    count = max(1, -int(-total_s // segment_s))
    return [total_s / count] * count


def run_campaign(  # noqa: PLR0913 - the campaign's knobs
    config: BmsConfig,
    chemistry: Chemistry,
    *,
    cases: Sequence[str] | None = None,
    points: Sequence[OperatingPoint] = DEFAULT_POINTS,
    onsets_ms: Sequence[int] = DEFAULT_ONSETS_MS,
    fault_free_s: float = 120.0,
    progress: Callable[[str], None] | None = None,
    traces: dict[str, Trace] | None = None,
    workers: int = 1,
    segment_s: float = DEFAULT_SEGMENT_S,
    dtc_sink: DtcSink | None = None,
    fault_free_points: Sequence[OperatingPoint] | None = None,
    on_fault_free: Callable[[FaultFreeResult, bool], None] | None = None,
) -> CampaignReport:
    """Every applicable (fault, point, onset) run and a fault-free run per point.

    Implements: SWR_CTRL_FAULTS_001

    Args:
        config: the pack.
        chemistry: the plant's cell type.
        cases: names of the fault types to inject (all when ``None``).
        points: operating points.
        onsets_ms: fault onsets after power-up.
        fault_free_s: fault-free time at each point (cut into drives of ``segment_s``).
        progress: called with a label after each run (and each fault-free drive).
        traces: when given, the first run of each fault type records its trace here.
        workers: processes for the fault-free drives (1 runs them in this process).
        segment_s: longest fault-free drive.
        dtc_sink: receives every DTC event of the injected runs.
        fault_free_points: where the fault-free time runs (``points`` when ``None``; the
            command runs :data:`FAULT_FREE_POINTS`).
        on_fault_free: called with each fault-free drive's result as it completes (``True``)
            and, on one worker, with the running drive's result every :data:`CHECKPOINT_S`
            of simulated time (``False``): the partial progress of a long campaign.

    Returns:
        Every run and a summary; ``summary["passed"]`` is the verdict.

    Raises:
        ValueError: naming the unknown fault types and the known ones.
    """
    every = fault_cases(config)
    unknown = sorted(set(cases or ()) - {case.name for case in every})
    if unknown:
        names = ", ".join(case.name for case in every)
        raise ValueError(f"unknown fault types: {', '.join(unknown)}; known: {names}")
    runs: list[RunResult] = []
    for case_index, case in enumerate(every):
        for point_index, point in enumerate(points):
            if (cases is not None and case.name not in cases) or not case.applies(point):
                continue
            for onset_index, onset_ms in enumerate(onsets_ms):
                trace = None
                if traces is not None and case.name not in traces:
                    trace = traces.setdefault(case.name, Trace())
                seed = 1000 * case_index + 10 * point_index + onset_index
                runs.append(
                    run_fault_case(
                        case,
                        point,
                        onset_ms,
                        config=config,
                        chemistry=chemistry,
                        seed=seed,
                        trace=trace,
                        dtc_sink=dtc_sink,
                    )
                )
                if progress is not None:
                    progress(f"{case.name} {point.name} {point.ambient_degc:g} C")
    # Drive by drive across the points (every point's first drive, then every second one...),
    # so that the partial result of a long campaign covers every point.
    free_points = list(points if fault_free_points is None else fault_free_points)
    tasks = [
        (point, duration_s, config, chemistry, 90_000 + 100 * index + part)
        for part, duration_s in enumerate(_segments(fault_free_s, segment_s))
        for index, point in enumerate(free_points)
    ]
    fault_free = _fault_free_drives(tasks, workers, progress, on_fault_free)
    missed = [r for r in runs if not r.within_ftti]
    tripped = [f for f in fault_free if f.false_trips]
    detection = [r.detection_ms for r in runs if r.detection_ms is not None]
    summary: dict[str, object] = {
        "runs": len(runs),
        "fault_types": len({r.case for r in runs}),
        "detected": sum(r.detection_ms is not None for r in runs),
        "within_ftti": len(runs) - len(missed),
        "missed": [f"{r.case}/{r.point}/{r.ambient_degc:g}C/{r.onset_ms}ms" for r in missed],
        "worst_detection_ms": max(detection) if detection else None,
        "dtc_recorded": sum(r.dtc_recorded for r in runs),
        "fault_free_hours": round(sum(f.duration_s for f in fault_free) / 3600.0, 3),
        "fault_free_drives": len(fault_free),
        "fault_free_ends_of_charge": sum(f.end_of_charge_ms is not None for f in fault_free),
        "false_trips": [f"{f.point}/{f.ambient_degc:g}C: {f.false_trips}" for f in tripped],
        "passed": not missed and not tripped,
    }
    return CampaignReport(
        plant=f"bms.plant.PackSimulator({chemistry.name}) in closed loop (bms.faults.PackRig)",
        pack=config.pack.name,
        runs=runs,
        fault_free=fault_free,
        summary=summary,
    )
