"""MC/DC tests of bms/faults/_campaign.py (SWR_CTRL_FAULTS_001).

The campaign's bookkeeping is judged here against a scripted controller and
rig (patched into the module), so that each timing outcome can be produced
on purpose and cheaply; the closed-loop runs are in ``test_campaign.py``.

Covers: a run counts as within its FTTI only when detected, opened in time
and connected before the onset without a false trip; the detection is kept
from its first step; the open time is taken once every contactor command is
open (a main negative or precharge still commanded counts as closed); a run
that opens before it detects, opens late, never connected, or tripped
before the onset is missed; a detection-only fault (weld) is judged by its
detection time alone; a fault-free run reports its first trip once; the
campaign runs every applicable case when no case is named, records one
trace per fault type, works without a progress callback, and fails on a
false trip alone; a DTC counts as recorded only when it is one of the
case's detecting faults and carries a freeze frame, and stays recorded
once seen; a campaign with no fault-free time runs one empty drive per
point, in this process even when several workers are allowed.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

import bms.faults._campaign as campaign_module
from bms.cell import Chemistry
from bms.config import BmsConfig, load_config
from bms.faults import (
    FaultCase,
    FaultFreeResult,
    OperatingPoint,
    RunResult,
    Trace,
    fault_cases,
    run_campaign,
    run_fault_case,
    run_fault_free,
)

CONFIG = load_config()
NO_CHEMISTRY = cast(Chemistry, SimpleNamespace(name="scripted"))
POINT = OperatingPoint("standstill", 25.0, 0.6)
PERIOD = 10
ONSET = 100
OPENING = CONFIG.pack.contactors.opening_time_ms


@dataclass
class _Script:
    """What the scripted controller does, by time since the onset (ms)."""

    connect: bool = True
    """Main contactors closed before the onset."""
    latch_at: int | None = 0
    """When the fault latches (``None``: never)."""
    open_at: int | None = 0
    """When the opening starts: main positive, then main negative, then precharge drop."""
    trip_before: bool = False
    """A fault latched before the onset (a false trip)."""
    fault: str = "cell_over_voltage"
    """The latched fault's name."""
    seen: list[int] = field(default_factory=list)
    dtc_events: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    """DTC events emitted at a time since the onset."""


class _Rig:
    def __init__(self, config: BmsConfig, chemistry: Chemistry, point: object, seed: int) -> None:
        del config, chemistry, point, seed
        self.time_ms = 0
        self.step_count = 0
        self.limits_a = (0.0, 0.0)
        self.current_a = 5.0
        self.thermal_request = "off"
        self.bleeding: tuple[bool, ...] = ()
        self.end_of_charge_ms: int | None = None
        self.peak_cell_v = 3.7
        self.truth = SimpleNamespace(
            cell_voltages_v=np.array([3.6, 3.7]), cell_temperatures_degc=np.array([25.0])
        )

    def frame(self, close_request: bool) -> int:
        assert close_request
        return self.time_ms

    def advance(self, commands: object, welded: frozenset[str] = frozenset()) -> None:
        del commands, welded
        self.time_ms += PERIOD
        self.step_count += 1


def _controller(script: _Script, onset: int = ONSET) -> type:
    class Controller:
        def __init__(self, config: BmsConfig) -> None:
            del config

        def step(self, frame: int) -> Any:
            since = frame - onset
            script.seen.append(since)
            latched: list[str] = []
            if script.trip_before and since < 0:
                latched.append("crash")
            if script.latch_at is not None and since >= script.latch_at:
                latched.append(script.fault)
            closed = script.connect
            commands = (closed, closed, False)  # main positive, main negative, precharge
            if script.open_at is not None and since >= script.open_at:
                stage = (since - script.open_at) // PERIOD
                stages = ((False, True, False), (False, False, True), (False, False, False))
                commands = stages[min(stage, 2)]
            positive, negative, precharge = commands
            return SimpleNamespace(
                latched_faults=tuple(latched),
                contactors=SimpleNamespace(
                    main_positive=positive, main_negative=negative, precharge=precharge
                ),
                charge_current_limit_a=0.0,
                discharge_current_limit_a=0.0,
                thermal_request="off",
                balancing=(),
                dtc_events=script.dtc_events.get(since, ()),
            )

    return Controller


def _case(*, opens: bool = True, ftti_ms: int = 200) -> FaultCase:
    return FaultCase(
        name="scripted",
        expected=frozenset({"cell_over_voltage"}),
        primary="cell_over_voltage",
        ftti_ms=ftti_ms,
        applies=lambda _point: True,
        inject=lambda frame, _rig, _since: frame,
        opens_contactors=opens,
    )


def _run(
    monkeypatch: pytest.MonkeyPatch,
    script: _Script,
    case: FaultCase | None = None,
    trace: Trace | None = None,
) -> RunResult:
    monkeypatch.setattr(campaign_module, "PackRig", _Rig)
    monkeypatch.setattr(campaign_module, "BmsController", _controller(script))
    return run_fault_case(
        case or _case(), POINT, ONSET, config=CONFIG, chemistry=NO_CHEMISTRY, seed=0, trace=trace
    )


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_detected_then_opened_in_steps_is_within(monkeypatch: pytest.MonkeyPatch) -> None:
    trace = Trace()
    result = _run(monkeypatch, _Script(latch_at=0, open_at=10), trace=trace)
    assert len(trace.time_s) == (ONSET + 30) // PERIOD + 1  # every step up to the open one
    assert trace.main_positive[0]
    assert not trace.main_positive[-1]
    assert trace.latched[-1] == 1
    assert trace.max_cell_v[0] == 3.7
    assert result.detection_ms == 0
    assert result.detected_as == ["cell_over_voltage"]
    assert result.open_command_ms == 30  # main negative at 10, precharge at 20, all open at 30
    assert result.safe_state_ms == 30 + OPENING
    assert result.within_ftti


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_opened_before_detection_keeps_the_first_open_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = _run(monkeypatch, _Script(latch_at=50, open_at=0))
    assert result.open_command_ms == 20
    assert result.detection_ms == 50
    assert result.within_ftti


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_opened_but_never_detected_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, _Script(latch_at=None, open_at=0))
    assert result.open_command_ms == 20
    assert result.detection_ms is None
    assert not result.within_ftti


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_opened_too_late_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    script = _Script(latch_at=0, open_at=200 - OPENING)
    result = _run(monkeypatch, script)
    assert result.safe_state_ms is not None
    assert result.safe_state_ms > 200
    assert not result.within_ftti


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_never_connected_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, _Script(connect=False))
    assert not result.connected_at_onset
    assert result.open_command_ms is None
    assert not result.within_ftti


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_false_trip_before_onset_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, _Script(trip_before=True))
    assert result.false_trip_before_onset == ["crash"]
    assert result.safe_state_ms is not None
    assert not result.within_ftti


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
@pytest.mark.parametrize(
    ("connect", "latch_at", "within"),
    [(True, 0, True), (False, 0, False), (True, 150, False), (True, None, False)],
)
def test_detection_only_fault_is_judged_by_detection_time(
    monkeypatch: pytest.MonkeyPatch, connect: bool, latch_at: int | None, within: bool
) -> None:
    script = _Script(connect=connect, latch_at=latch_at, open_at=None)
    result = _run(monkeypatch, script, _case(opens=False, ftti_ms=100))
    assert result.within_ftti is within
    assert result.open_command_ms is None
    if latch_at == 0:
        assert script.seen[-1] == 0  # stops at detection: nothing to open


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_fault_free_run_reports_its_first_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign_module, "PackRig", _Rig)
    script = _Script(latch_at=0, open_at=None, fault="isolation")
    monkeypatch.setattr(campaign_module, "BmsController", _controller(script, onset=50))
    result = run_fault_free(POINT, 0.1, config=CONFIG, chemistry=NO_CHEMISTRY, seed=0)
    assert result.first_trip_ms == 50
    assert result.false_trips == ["isolation"]


def _fake_run(case: FaultCase, point: OperatingPoint, onset_ms: int, **kwargs: Any) -> RunResult:
    trace = kwargs["trace"]
    if trace is not None:
        trace.time_s.append(onset_ms / 1000.0)
    if case.name == "crash":  # scripted as missed: never detected
        return RunResult(
            case.name, point.name, point.ambient_degc, onset_ms, case.ftti_ms, True, [],
            [], None, None, None, False,
        )  # fmt: skip
    return RunResult(
        case.name, point.name, point.ambient_degc, onset_ms, case.ftti_ms, True, [],
        [case.primary], 10, 10, 10 + OPENING, True,
    )  # fmt: skip


def _fake_free(trips: Sequence[str]) -> Any:
    def run(point: OperatingPoint, duration_s: float, **kwargs: Any) -> FaultFreeResult:
        del kwargs
        return FaultFreeResult(point.name, point.ambient_degc, duration_s, list(trips), None)

    return run


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_campaign_of_every_applicable_case_with_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign_module, "run_fault_case", _fake_run)
    monkeypatch.setattr(campaign_module, "run_fault_free", _fake_free([]))
    traces: dict[str, Trace] = {}
    report = run_campaign(
        CONFIG, NO_CHEMISTRY, points=[POINT], onsets_ms=[1000, 2000], traces=traces
    )
    applicable = [c.name for c in fault_cases(CONFIG) if c.applies(POINT)]
    assert len(applicable) < len(fault_cases(CONFIG))  # some do not apply at standstill
    assert [r.case for r in report.runs] == [name for name in applicable for _ in range(2)]
    assert sorted(traces) == sorted(applicable)
    assert all(trace.time_s == [1.0] for trace in traces.values())  # first onset only
    assert report.summary["missed"] == [
        "crash/standstill/25C/1000ms",
        "crash/standstill/25C/2000ms",
    ]
    assert report.summary["detected"] == len(report.runs) - 2
    assert report.summary["worst_detection_ms"] == 10
    assert report.summary["passed"] is False


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_campaign_without_applicable_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign_module, "run_fault_case", _fake_run)
    monkeypatch.setattr(campaign_module, "run_fault_free", _fake_free([]))
    report = run_campaign(
        CONFIG, NO_CHEMISTRY, cases=["charge_over_current"], points=[POINT], onsets_ms=[1000]
    )
    assert report.runs == []
    assert report.summary["worst_detection_ms"] is None
    assert report.summary["passed"] is True


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_false_trip_alone_fails_the_campaign(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaign_module, "run_fault_case", _fake_run)
    monkeypatch.setattr(campaign_module, "run_fault_free", _fake_free(["isolation"]))
    report = run_campaign(
        CONFIG, NO_CHEMISTRY, cases=["cell_over_voltage"], points=[POINT], onsets_ms=[1000]
    )
    assert report.summary["missed"] == []
    assert report.summary["false_trips"] == ["standstill/25C: ['isolation']"]
    assert report.summary["passed"] is False
    monkeypatch.setattr(campaign_module, "run_fault_free", _fake_free([]))
    clean = run_campaign(
        CONFIG, NO_CHEMISTRY, cases=["cell_over_voltage"], points=[POINT], onsets_ms=[1000]
    )
    assert clean.summary["passed"] is True


def _event(dtc: str, freeze: dict[str, float]) -> Any:
    return SimpleNamespace(dtc=dtc, occurrence=1, freeze=freeze)


@pytest.mark.verifies("SWR_CTRL_FAULTS_001", method="fault_injection")
def test_dtc_recorded_only_for_a_detecting_fault_with_freeze_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events = {
        0: (_event("ISOLATION", {"v": 1.0}), _event("CELL_OVER_VOLTAGE", {})),
        10: (_event("CELL_OVER_VOLTAGE", {"v": 4.3}), _event("CRASH", {})),
    }
    recorded = _run(monkeypatch, _Script(latch_at=0, open_at=20, dtc_events=events))
    assert recorded.dtc_recorded
    assert recorded.dtcs[:2] == ["ISOLATION#1@0ms", "CELL_OVER_VOLTAGE#1@0ms"]
    assert len(recorded.dtcs) == 4
    without = _run(monkeypatch, _Script(latch_at=0, open_at=20, dtc_events={0: events[0]}))
    assert not without.dtc_recorded


@pytest.mark.verifies("SWR_CTRL_FAULTS_001")
def test_no_fault_free_time_runs_one_empty_drive_per_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(campaign_module, "run_fault_case", _fake_run)
    monkeypatch.setattr(campaign_module, "run_fault_free", _fake_free([]))
    report = run_campaign(
        CONFIG, NO_CHEMISTRY, cases=["cell_over_voltage"], points=[POINT], onsets_ms=[1000],
        fault_free_s=0.0, workers=2,
    )  # fmt: skip
    assert [f.duration_s for f in report.fault_free] == [0.0]
    assert report.summary["fault_free_hours"] == 0.0
