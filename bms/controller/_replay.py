"""Replay recorded input frames through the controller, one JSON object per 10 ms step.

ASIL: D (the replay drives the same controller step as the vehicle).
Requirements: SWR_CTRL_REPLAY_001, SWR_CTRL_DTC_001.

A line that does not parse as :class:`ControllerInputs` is reported with its
line number and replaced by a stale step: the previous frame with every
sensor group marked not fresh and no valid vehicle message (a missing step
is stale data, which the protection turns into the stale-stream and
communication faults). The run goes on; nothing here raises on content.
:func:`fault_event` turns a DTC event of the outputs into the record that
:class:`bms.memory.FaultMemoryStore` appends (the I/O stays with the caller).
"""

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from bms.controller._controller import BmsController
from bms.controller._inputs import ControllerInputs, FreshFlags
from bms.controller._outputs import ControllerOutputs, DtcEventOutput
from bms.memory import FaultEvent

__all__ = ["ReplayStep", "fault_event", "replay_lines", "stale_frame"]

_MAX_REASON = 300


@dataclass(frozen=True)
class ReplayStep:
    """The result of one input line."""

    line: int
    """Line number in the input (1-based)."""
    outputs: ControllerOutputs
    """What the controller answered."""
    error: str | None
    """Why the line was malformed (``None`` if it parsed)."""


def stale_frame(previous: ControllerInputs | None, time_ms: int) -> ControllerInputs:
    """The frame that stands for a malformed line: nothing fresh, no CAN frame received.

    Implements: SWR_CTRL_REPLAY_001
    """
    stale_flags = FreshFlags(cells=False, temperatures=False, current=False, isolation=False)
    if previous is None:
        return ControllerInputs(
            time_ms=max(time_ms, 0),
            cell_voltages_v=(),
            cell_temperatures_degc=(),
            current_a=(math.nan, math.nan),
            pack_voltage_v=math.nan,
            link_voltage_v=math.nan,
            isolation_resistance_ohm=math.nan,
            fresh=stale_flags,
        )
    return previous.model_copy(
        update={"time_ms": max(time_ms, 0), "fresh": stale_flags, "can_rx": ()}
    )


def _describe(error: ValueError) -> str:
    """One line naming the first bad field, or the JSON problem."""
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "<frame>"
        text = f"{where}: {first['msg']}"
        if error.error_count() > 1:
            text += f" (and {error.error_count() - 1} more)"
    else:
        text = str(error)
    return text[:_MAX_REASON]


def replay_lines(
    lines: Iterable[str], controller: BmsController, *, period_ms: int
) -> Iterator[ReplayStep]:
    """Run each line through ``controller``; a malformed line becomes a stale step.

    Implements: SWR_CTRL_REPLAY_001

    Args:
        lines: the input, one JSON object per line (line ends allowed).
        controller: the controller to drive (its state carries across lines).
        period_ms: the step period, to time-stamp stale steps.

    Yields:
        One :class:`ReplayStep` per line.
    """
    previous: ControllerInputs | None = None
    for number, raw in enumerate(lines, start=1):
        error: str | None = None
        text = raw.strip()
        try:
            frame = ControllerInputs.model_validate_json(text)
        except ValueError as problem:  # ValidationError is a ValueError
            error = _describe(problem) if text else "empty line (a missing step)"
            time_ms = previous.time_ms + period_ms if previous is not None else 0
            frame = stale_frame(previous, time_ms)
        outputs = controller.step(frame)
        previous = frame
        yield ReplayStep(line=number, outputs=outputs, error=error)


def fault_event(event: DtcEventOutput) -> FaultEvent:
    """The fault memory record of one DTC event (the occurrence count joins the freeze frame).

    Implements: SWR_CTRL_DTC_001
    """
    freeze = {**event.freeze, "occurrence": event.occurrence}
    return FaultEvent(dtc=event.dtc[:64] or "UNKNOWN", time_ms=event.time_ms, freeze=freeze)
