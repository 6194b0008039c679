"""Tests of bms/controller/_replay.py: replaying JSON lines through the controller.

Covers: valid lines give one output each with no error; a malformed line
(bad JSON, unknown key, wrong type, empty line) is reported with its line
number and replayed as a stale step (nothing fresh, no vehicle message,
time advanced by one period); three malformed lines in a row latch the
stale-stream fault; a malformed first line has no previous frame to repeat;
end to end through ``bms replay --fault-memory``: a replayed over-voltage
(and a corrupted vehicle command) leave their DTCs with occurrence counts
and freeze frames in the append-only store, read back after the run, and a
second replay adds occurrences; a DTC event converts to a memory record.
"""

import math
from pathlib import Path

import pytest

from bms.cli import ExitCode, main
from bms.config import load_config
from bms.controller import BmsController, DtcEventOutput, fault_event, replay_lines, stale_frame
from bms.memory import read_fault_memory
from verification.bms.unit.controller.frames import follow, frame, vehicle_frames

CONFIG = load_config()
PERIOD = CONFIG.pack.protection_period_ms


def replay(lines: list[str]) -> list:  # type: ignore[type-arg]
    return list(replay_lines(lines, BmsController(CONFIG), period_ms=PERIOD))


@pytest.mark.verifies("SWR_CTRL_REPLAY_001")
def test_valid_lines() -> None:
    lines = [frame(i * PERIOD).model_dump_json() + "\n" for i in range(5)]
    steps = replay(lines)
    assert [s.line for s in steps] == [1, 2, 3, 4, 5]
    assert all(s.error is None for s in steps)
    assert steps[-1].outputs.step == 5


@pytest.mark.verifies("SWR_CTRL_REPLAY_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_REPLAY_001")
@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("{not json", "Invalid JSON"),
        ('{"time_ms": 1}', "cell_voltages_v"),
        (frame().model_dump_json().replace('"time_ms":0', '"time_ms":"x"'), "time_ms"),
        ("", "empty line"),
        (frame().model_dump_json()[:-1] + ',"extra":1}', "extra"),
    ],
    ids=["bad-json", "missing-fields", "wrong-type", "empty-line", "unknown-key"],
)
def test_malformed_line_is_reported_and_replayed_stale(bad: str, fragment: str) -> None:
    steps = replay([frame(0).model_dump_json(), bad, frame(20).model_dump_json()])
    assert steps[1].line == 2
    assert steps[1].error is not None
    assert fragment in steps[1].error
    assert steps[1].outputs.time_ms == PERIOD
    assert steps[2].error is None


@pytest.mark.verifies("SWR_CTRL_REPLAY_001")
def test_missing_steps_become_the_stale_stream_fault() -> None:
    lines = [frame(0).model_dump_json()] + ["garbage"] * 3
    steps = replay(lines)
    assert "stale_data" in steps[-1].outputs.latched_faults


@pytest.mark.verifies("SWR_CTRL_REPLAY_001")
def test_stale_frame() -> None:
    previous = frame(100)
    stale = stale_frame(previous, 110)
    assert stale.time_ms == 110
    assert stale.cell_voltages_v == previous.cell_voltages_v
    assert not any(stale.fresh.model_dump().values())
    assert stale.can_rx == ()
    assert previous.can_rx != ()
    first = stale_frame(None, 0)
    assert first.cell_voltages_v == ()
    assert replay(["oops"])[0].outputs.contactors.main_positive is False


def _fault_recording(path: Path) -> None:
    """A drive that connects, then one cell rises above the over-voltage fault tier."""
    high_v = CONFIG.protection.cell_voltage.over_fault_v + 0.01
    controller = BmsController(CONFIG)
    plant: dict[str, object] = {}
    lines = []
    for index in range(160):
        time_ms = index * PERIOD
        changes: dict[str, object] = dict(plant)
        if index >= 100:
            changes["cell_voltages_v"] = tuple([3.7] * 95 + [high_v])
        if index >= 120:  # the vehicle's command frames arrive with a bad CRC from here on
            command, crash = vehicle_frames(time_ms, close=True)
            spoilt = f"{int(command.data_hex[:2], 16) ^ 0xFF:02x}{command.data_hex[2:]}"
            changes["can_rx"] = (command.model_copy(update={"data_hex": spoilt}), crash)
        inputs = frame(time_ms, close=True, **changes)  # type: ignore[arg-type]
        plant = follow(controller.step(inputs))
        lines.append(inputs.model_dump_json())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.verifies("SWR_CTRL_DTC_001", "SWR_MEM_001", "SWR_MEM_003", method="fault_injection")
def test_replayed_faults_survive_in_the_fault_memory(tmp_path: Path) -> None:
    recording, store = tmp_path / "frames.jsonl", tmp_path / "dtc.fm"
    _fault_recording(recording)
    out = tmp_path / "out.jsonl"
    argv = ["replay", "--inputs", str(recording), "--out", str(out), "--fault-memory", str(store)]
    assert main(argv) == ExitCode.OK
    memory = read_fault_memory(store).memory
    codes = [entry.dtc for entry in memory.entries]
    assert codes[0] == "CELL_OVER_VOLTAGE"
    assert "COMMUNICATION_CORRUPT" in codes
    over = memory.entry("CELL_OVER_VOLTAGE")
    assert over is not None
    assert over.occurrences == 1
    assert over.first_freeze["max_cell_index"] == 95
    assert math.isclose(float(over.first_freeze["max_cell_v"]), 4.26)
    assert (
        over.first_ms
        == (100 + CONFIG.protection.cell_voltage.timing.debounce_ms // PERIOD - 1) * PERIOD
    )
    assert main(argv) == ExitCode.OK
    again = read_fault_memory(store).memory.entry("CELL_OVER_VOLTAGE")
    assert again is not None
    assert again.occurrences == 2
    assert again.first_ms == over.first_ms


@pytest.mark.verifies("SWR_CTRL_DTC_001")
def test_fault_event_record() -> None:
    event = DtcEventOutput(
        dtc="CRASH", time_ms=120, occurrence=3, freeze={"current_a": math.nan, "reason": "x"}
    )
    record = fault_event(event)
    assert record.dtc == "CRASH"
    assert record.time_ms == 120
    assert record.freeze["occurrence"] == 3
    assert math.isnan(float(record.freeze["current_a"]))
