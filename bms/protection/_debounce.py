"""Generic two-tier debounced, latching fault monitor.

ASIL: D. Requirements: SWR_PROT_DEB_001, SWR_PROT_RST_001.

Every protection function classifies a sample into a :class:`Level` and hands
it to :func:`step_monitor`, which is the one debounce of the BMS: it counts
time only on fresh samples, restarts on a fresh sample below the fault tier,
latches once the crossing has lasted the debounce, and clears a latched fault
only on an explicit reset while a fresh sample shows the condition gone.
Follows the project's state-machine recipe (frozen state, pure step, time as
an input, no clock, no I/O).
"""

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Level", "MonitorState", "reset_monitor", "step_monitor"]


class Level(IntEnum):
    """Severity of one sample against a two-tier limit; ordered so ``max`` is the worst."""

    NORMAL = 0
    WARNING = 1
    FAULT = 2


@dataclass(frozen=True)
class MonitorState:
    """Debounce state of one fault."""

    crossing_ms: int = 0
    """Time the fault tier has been crossed, counted over fresh samples only."""
    latched: bool = False
    """Whether the fault has latched; it stays latched until an explicit reset."""
    level: Level = Level.NORMAL
    """Level of the last fresh sample (the warning tier is reported from it, not latched)."""


def step_monitor(
    state: MonitorState,
    level: Level,
    *,
    fresh: bool,
    period_ms: int,
    debounce_ms: int,
) -> MonitorState:
    """Advance one fault's debounce by one protection period.

    Implements: SWR_PROT_DEB_001

    Args:
        state: the state after the previous period.
        level: classification of this period's sample.
        fresh: whether the sample is new; a stale sample changes nothing.
        period_ms: the protection period.
        debounce_ms: how long the fault tier must persist before latching.

    Returns:
        The new state: unchanged on a stale sample; restarted on a fresh
        sample below the fault tier; latched once the crossing has lasted
        ``debounce_ms``; a latched state stays latched (its level follows
        the sample).

    Contracts (PEP 316, checked by CrossHair; ints, bools and enums only):

    pre: period_ms > 0
    post:
        fresh or __return__ == state
        not state.latched or __return__.latched
        not fresh or __return__.level == level
        not fresh or state.latched or level is Level.FAULT or __return__ == MonitorState(level=level)
        not fresh or state.latched or level is not Level.FAULT or __return__.crossing_ms == state.crossing_ms + period_ms
        not fresh or state.latched or level is not Level.FAULT or __return__.latched == (state.crossing_ms + period_ms >= debounce_ms)
    """  # noqa: E501 - one contract per line, as PEP 316 reads them
    result = state
    if fresh and state.latched:
        result = MonitorState(state.crossing_ms, latched=True, level=level)
    elif fresh and level is not Level.FAULT:
        result = MonitorState(level=level)
    elif fresh:
        crossing_ms = state.crossing_ms + period_ms
        result = MonitorState(crossing_ms, latched=crossing_ms >= debounce_ms, level=level)
    return result


def reset_monitor(state: MonitorState, *, fresh: bool, reset: bool) -> MonitorState:
    """Clear a latched fault on an explicit reset while the condition is gone.

    Implements: SWR_PROT_RST_001

    Args:
        state: the state after this period's :func:`step_monitor`.
        fresh: whether this period's sample was fresh (a stale one proves nothing).
        reset: an explicit reset request whose other conditions (contactors
            open, standstill) the caller has checked.

    Returns:
        A cleared state if all hold and the last fresh sample is below the
        fault tier; else ``state`` unchanged.

    post:
        __return__ == state or (fresh and reset and state.level is not Level.FAULT)
        not __return__.latched or state.latched
        __return__.level == state.level
        not (fresh and reset and state.level is not Level.FAULT) or not __return__.latched
    """
    cleared = fresh and reset and state.latched and state.level is not Level.FAULT
    return MonitorState(level=state.level) if cleared else state
