"""Tests of bms/telemetry/_from_outputs.py against SWR_TEL_001, SWR_TEL_003.

Covers: a controller connected, discharging and then opened gives one
periodic record per second of controller time and one ``drive`` session
summary with the charge counted from the measured current; a charging
session is a ``charge`` session; a session counts the time the plating cap
set the charge limit, and the periodic records say what set it and where
the SoC filter started; counters count steps, sessions and fault onsets;
per-cell estimates give the weakest capacity, the largest resistance and
the smallest plating margin with their own sigmas;
``bms replay --telemetry`` writes records that :func:`read_telemetry`
reads back, and ``bms schema telemetry`` prints the schema; a period that is
not > 0 is rejected.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bms.cli import ExitCode, main
from bms.config import load_config
from bms.controller import BmsController, ControllerOutputs
from bms.telemetry import (
    CellEstimates,
    PeriodicRecord,
    SessionRecord,
    TelemetryRecorder,
    read_telemetry,
    telemetry_json_schema,
)
from verification.bms.unit.controller.frames import follow, frame

CONFIG = load_config()


def _drive(
    current_a: float, connected_steps: int = 150
) -> tuple[list[PeriodicRecord | SessionRecord], list[ControllerOutputs]]:
    """Connect, carry ``current_a`` for ``connected_steps`` steps, open, rest; all records."""
    controller = BmsController(CONFIG)
    recorder = TelemetryRecorder(period_ms=1000)
    records: list[PeriodicRecord | SessionRecord] = []
    outputs_seen: list[ControllerOutputs] = []
    plant: dict[str, Any] = {}
    time_ms = 0
    for phase, steps in (("close", 60 + connected_steps), ("open", 100)):
        for _ in range(steps):
            connected = bool(outputs_seen) and outputs_seen[-1].status == "connected"
            current = current_a if connected and phase == "close" else 0.0
            inputs = frame(time_ms, close=phase == "close", current_a=(current, current), **plant)
            outputs = controller.step(inputs)
            plant = follow(outputs)
            outputs_seen.append(outputs)
            records.extend(recorder.observe(inputs, outputs))
            time_ms += 10
    records.extend(recorder.finish())
    return records, outputs_seen


@pytest.mark.verifies("SWR_TEL_003")
def test_a_drive_gives_periodic_records_and_one_session_summary() -> None:
    records, outputs = _drive(50.0)
    periodic = [r for r in records if isinstance(r, PeriodicRecord)]
    sessions = [r for r in records if isinstance(r, SessionRecord)]
    assert [r.time_ms for r in periodic] == list(range(0, outputs[-1].time_ms + 1, 1000))
    assert len(sessions) == 1
    session = sessions[0]
    connected_ms = sum(10 for o in outputs if o.status == "connected")
    assert session.session == "drive"
    assert session.end_ms - session.start_ms == connected_ms - 10
    assert session.charge_out_ah == pytest.approx(50.0 * (connected_ms - 10) / 3.6e6, rel=0.02)
    assert session.charge_in_ah == 0.0
    assert session.max_discharge_current_a == 50.0
    assert session.cell_voltage_min_v == pytest.approx(3.7)
    assert session.temperature_max_degc == 25.0
    last = periodic[-1]
    assert last.counters.sessions == 1
    assert last.counters.steps == len(outputs) - (len(outputs) - 1) % 100
    assert last.counters.charge_out_ah == pytest.approx(session.charge_out_ah, rel=0.02)
    assert last.cell_voltage_v is not None
    assert last.cell_voltage_v.max_index == 6
    assert last.soc is None


@pytest.mark.verifies("SWR_TEL_003")
def test_a_charge_is_a_charge_session() -> None:
    records, _ = _drive(-30.0, connected_steps=100)
    (session,) = [r for r in records if isinstance(r, SessionRecord)]
    assert session.session == "charge"
    assert session.max_charge_current_a == 30.0
    assert session.charge_in_ah > 0.0


@pytest.mark.verifies("SWR_TEL_003")
def test_a_session_counts_the_time_the_plating_cap_set_the_charge_limit() -> None:
    controller = BmsController(CONFIG)
    recorder = TelemetryRecorder(period_ms=1000)
    records: list[PeriodicRecord | SessionRecord] = []
    plant: dict[str, Any] = {}
    connected = 0
    published: dict[int, str] = {}
    for step in range(300):
        inputs = frame(step * 10, close=step < 200, **plant)
        outputs = controller.step(inputs)
        plant = follow(outputs)
        if outputs.status == "connected":
            connected += 1
            if 20 <= connected < 60:  # as if the plating cap had set the limit on 40 steps
                outputs = outputs.model_copy(update={"charge_limited_by": "plating"})
        published[outputs.time_ms] = outputs.charge_limited_by
        records.extend(recorder.observe(inputs, outputs))
    assert connected > 60
    (session,) = [r for r in records if isinstance(r, SessionRecord)]
    assert session.plating_limited_s == pytest.approx(40 * 0.01)  # each held 10 ms
    periodic = [r for r in records if isinstance(r, PeriodicRecord)]
    assert [r.limits.charge_limited_by for r in periodic] == [
        published[r.time_ms] for r in periodic
    ]
    assert {r.soc_started_from for r in periodic} == {None}  # no estimator


@pytest.mark.verifies("SWR_TEL_001", "SWR_TEL_003")
def test_per_cell_estimates_are_summarised_with_their_bounds() -> None:
    controller = BmsController(CONFIG)
    recorder = TelemetryRecorder()
    estimates = CellEstimates(
        soc=np.array([0.5, 0.7, 0.6]),
        soc_sigma=np.array([0.01, 0.01, 0.01]),
        capacity_ah=np.array([5.0, 4.6, np.nan]),
        capacity_sigma_ah=np.array([0.1, 0.2, 0.3]),
        resistance_factor=np.array([1.0, 1.3, 1.1]),
        resistance_sigma=np.array([0.01, 0.03, 0.02]),
        plating_margin_v=np.array([0.05, 0.02, 0.04]),
        plating_sigma_v=np.array([0.001, 0.002, 0.003]),
    )
    inputs = frame(0)
    (record,) = recorder.observe(inputs, controller.step(inputs), estimates)
    assert isinstance(record, PeriodicRecord)
    assert record.cell_soc is not None
    assert (record.cell_soc.min_index, record.cell_soc.max_index) == (0, 1)
    assert record.capacity_ah is not None
    assert (record.capacity_ah.value, record.capacity_ah.sigma) == (4.6, 0.2)
    assert record.resistance_factor is not None
    assert record.resistance_factor.value == 1.3
    assert record.plating_margin_v is not None
    assert (record.plating_margin_v.value, record.plating_margin_v.sigma) == (0.02, 0.002)


@pytest.mark.verifies("SWR_TEL_001", "SWR_TEL_002", "SWR_TEL_003")
def test_replay_writes_telemetry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, out, telemetry = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "t.jsonl"
    inputs.write_text("".join(frame(i * 10).model_dump_json() + "\n" for i in range(250)))
    code = main(
        ["replay", "--inputs", str(inputs), "--out", str(out), "--telemetry", str(telemetry)]
    )
    assert code == ExitCode.OK
    records = read_telemetry(telemetry)
    assert [r.time_ms for r in records if isinstance(r, PeriodicRecord)] == [0, 1000, 2000]
    assert main(["schema", "telemetry"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out) == telemetry_json_schema()


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period_ms"):
        TelemetryRecorder(period_ms=0)


@pytest.mark.verifies("SWR_TEL_003", method="fault_injection")
def test_missing_or_non_finite_readings_are_logged_as_missing() -> None:
    controller = BmsController(CONFIG)
    recorder = TelemetryRecorder(period_ms=10)
    nan = float("nan")
    bad = frame(
        0,
        cell_voltages_v=(nan,) * 96,
        cell_temperatures_degc=(float("inf"), nan),
        current_a=(float("inf"), 0.0),
    )
    (record,) = recorder.observe(bad, controller.step(bad))
    assert isinstance(record, PeriodicRecord)
    assert record.cell_voltage_v is None
    assert record.temperature_degc is None
    assert record.pack_current_a == 0.0
    assert record.counters.charge_out_ah == 0.0
    assert record.faults  # the controller's faults on these readings are logged
    empty = frame(10, current_a=())
    (record,) = recorder.observe(None, controller.step(empty))
    assert isinstance(record, PeriodicRecord)
    assert record.cell_voltage_v is None
    assert record.counters.steps == 2
