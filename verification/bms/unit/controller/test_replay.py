"""Tests of bms/controller/_replay.py: replaying JSON lines through the controller.

Covers: valid lines give one output each with no error; a malformed line
(bad JSON, unknown key, wrong type, empty line) is reported with its line
number and replayed as a stale step (nothing fresh, no vehicle message,
time advanced by one period); three malformed lines in a row latch the
stale-stream fault; a malformed first line has no previous frame to repeat.
"""

import pytest

from bms.config import load_config
from bms.controller import BmsController, replay_lines, stale_frame
from verification.bms.unit.controller.frames import frame

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
    assert not stale.vehicle.message_valid
    first = stale_frame(None, 0)
    assert first.cell_voltages_v == ()
    assert replay(["oops"])[0].outputs.contactors.main_positive is False
