"""Tests of bms/protection/_debounce.py: the generic two-tier debounced monitor.

Covers: latching after exactly ceil(debounce / period) fresh fault samples
(boundary: one sample fewer does not latch), a zero debounce latching on the
first fault sample, restart on a fresh sample below the fault tier (warning
included), stale samples neither advancing nor clearing, a latched fault
holding whatever the samples, and the reset rule (explicit request, fresh
sample, condition gone; each missing condition keeps the latch).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bms.protection import Level, MonitorState, reset_monitor, step_monitor

PERIOD = 10


def run(levels: list[Level], debounce_ms: int, fresh: bool = True) -> MonitorState:
    state = MonitorState()
    for level in levels:
        state = step_monitor(state, level, fresh=fresh, period_ms=PERIOD, debounce_ms=debounce_ms)
    return state


@pytest.mark.verifies("SWR_PROT_DEB_001")
@pytest.mark.parametrize("debounce_ms", [10, 20, 50, 200, 1000])
def test_latches_after_exactly_the_debounce(debounce_ms: int) -> None:
    steps = debounce_ms // PERIOD
    assert not run([Level.FAULT] * (steps - 1), debounce_ms).latched
    assert run([Level.FAULT] * steps, debounce_ms).latched


@pytest.mark.verifies("SWR_PROT_DEB_001")
def test_debounce_not_a_multiple_of_the_period_rounds_up() -> None:
    assert not run([Level.FAULT] * 2, 25).latched
    assert run([Level.FAULT] * 3, 25).latched


@pytest.mark.verifies("SWR_PROT_DEB_001")
def test_zero_debounce_latches_on_the_first_fault_sample() -> None:
    assert run([Level.FAULT], 0).latched


@pytest.mark.verifies("SWR_PROT_DEB_001")
@pytest.mark.parametrize("interruption", [Level.NORMAL, Level.WARNING])
def test_fresh_sample_below_fault_tier_restarts(interruption: Level) -> None:
    state = run([Level.FAULT] * 4 + [interruption] + [Level.FAULT] * 4, 50)
    assert not state.latched
    assert state.crossing_ms == 4 * PERIOD


@pytest.mark.verifies("SWR_PROT_DEB_001")
def test_stale_samples_change_nothing() -> None:
    state = run([Level.FAULT] * 3, 50)
    for level in Level:
        after = step_monitor(state, level, fresh=False, period_ms=PERIOD, debounce_ms=50)
        assert after == state


@pytest.mark.verifies("SWR_PROT_DEB_001")
def test_warning_level_is_reported_not_latched() -> None:
    state = run([Level.WARNING] * 500, 50)
    assert state == MonitorState(level=Level.WARNING)


@pytest.mark.verifies("SWR_PROT_DEB_001", "SWR_PROT_RST_001")
@given(st.lists(st.tuples(st.sampled_from(list(Level)), st.booleans()), max_size=50))
def test_latched_stays_latched_without_reset(samples: list[tuple[Level, bool]]) -> None:
    state = MonitorState(crossing_ms=50, latched=True, level=Level.FAULT)
    for level, fresh in samples:
        state = step_monitor(state, level, fresh=fresh, period_ms=PERIOD, debounce_ms=50)
        state = reset_monitor(state, fresh=fresh, reset=False)
        assert state.latched


@pytest.mark.verifies("SWR_PROT_RST_001")
@pytest.mark.parametrize(
    ("level", "fresh", "reset", "cleared"),
    [
        (Level.NORMAL, True, True, True),
        (Level.WARNING, True, True, True),
        (Level.FAULT, True, True, False),
        (Level.NORMAL, False, True, False),
        (Level.NORMAL, True, False, False),
    ],
    ids=["gone", "warning-only", "still-present", "stale-sample", "no-request"],
)
def test_reset_conditions(level: Level, fresh: bool, reset: bool, cleared: bool) -> None:
    latched = MonitorState(crossing_ms=50, latched=True, level=Level.FAULT)
    state = step_monitor(latched, level, fresh=fresh, period_ms=PERIOD, debounce_ms=50)
    state = reset_monitor(state, fresh=fresh, reset=reset)
    assert state.latched is not cleared
    if cleared:
        assert state == MonitorState(level=level)
