"""Tests of bms/controller/_transmit.py: the CAN frames of each 100 ms cycle.

Covers: frames half an estimation period after the first step (off the
steps that run the SoC filter) and every 100 ms after, only; they decode (with
bms.can) to the published limits and mode; a latched fault sets its bit and
the safe-state mode; the alive counter advances by one per cycle; every
fault name the controller can latch has a bit; an encoding failure only
warns.
"""

import pytest

from bms.can import CanFrame, FaultFlag, decode_signals
from bms.config import load_config
from bms.controller import FAULT_FLAGS, BmsController
from bms.protection import FaultId
from verification.bms.unit.controller.frames import frame

CONFIG = load_config()
CYCLE = CONFIG.pack.estimation_period_ms // CONFIG.pack.protection_period_ms
"""Steps per transmission cycle (10)."""
FIRST = CYCLE // 2
"""The step of the first transmission: the sixth, 50 ms in; the SoC filter runs on the first."""


def decoded(outputs, name_fragment: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    for can in outputs.can_frames:
        signals = decode_signals(CanFrame(can.arbitration_id, bytes.fromhex(can.data_hex)))
        if any(name_fragment in key for key in signals):
            return signals
    raise AssertionError(f"no frame with a signal like {name_fragment}")


@pytest.mark.verifies("SWR_CTRL_CAN_001", method="interface_test")
@pytest.mark.verifies("SWR_CTRL_CAN_001")
def test_frames_every_100_ms_with_limits_and_counter() -> None:
    controller = BmsController(CONFIG)
    outputs = [controller.step(frame(i * 10)) for i in range(3 * CYCLE)]
    with_frames = [i for i, o in enumerate(outputs) if o.can_frames]
    assert with_frames == [FIRST, FIRST + CYCLE, FIRST + 2 * CYCLE] == [5, 15, 25]
    assert len(outputs[FIRST].can_frames) == 5
    second = outputs[FIRST + CYCLE]
    limits = decoded(second, "Discharge")
    assert any(abs(v - second.discharge_current_limit_a) < 0.5 for v in limits.values())
    counters = [
        [v for k, v in decoded(outputs[i], "Discharge").items() if "Counter" in k or "Alive" in k]
        for i in with_frames
    ]
    assert counters[1][0] == (counters[0][0] + 1) % 16
    assert counters[2][0] == (counters[1][0] + 1) % 16


@pytest.mark.verifies("SWR_CTRL_CAN_001")
def test_latched_fault_sets_its_bit_and_safe_state() -> None:
    controller = BmsController(CONFIG)
    controller.step(frame(0))
    for i in range(1, FIRST + CYCLE):
        controller.step(frame(i * 10, crash=True))
    outputs = controller.step(frame((FIRST + CYCLE) * 10))
    faults = decoded(outputs, "Crash")
    assert faults["CrashDisconnect"] == 1
    assert faults["CellOverVoltage"] == 0


@pytest.mark.verifies("SWR_CTRL_CAN_001")
def test_every_latchable_fault_has_a_bit() -> None:
    names = {str(f) for f in FaultId} | {
        "contactor_welded",
        "precharge_lockout",
        "internal_error",
        "contactor_feedback",
    }
    assert set(FAULT_FLAGS) == names
    assert all(flag is not FaultFlag.NONE for flag in FAULT_FLAGS.values())


@pytest.mark.verifies("SWR_CTRL_CAN_001", method="fault_injection")
@pytest.mark.verifies("SWR_CTRL_CAN_001")
def test_encoding_failure_only_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("encoder")

    monkeypatch.setattr("bms.controller._controller.can_frames", broken)
    controller = BmsController(CONFIG)
    before = [controller.step(frame(i * 10)) for i in range(FIRST)]
    assert all(not o.faults for o in before)
    outputs = controller.step(frame(FIRST * 10))
    assert outputs.can_frames == ()
    assert [f.fault for f in outputs.faults] == ["can_tx_failed"]
    assert outputs.latched_faults == ()
