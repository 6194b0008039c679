"""``bms replay``: run recorded input frames through the controller, frame by frame.

Exit codes: 0 every line parsed, 1 some lines were malformed (each reported
on stderr with its line number and replayed as a stale step), 2 the input
cannot be read or the output (or the fault memory) cannot be written, 3 bad
configuration.

``--fault-memory FILE`` appends every DTC event of the run (a fault that
latched, with its occurrence count and freeze frame) to an append-only fault
memory file (:mod:`bms.memory`: CRC-32 per record, fsync per write) and
reads it back at the end, so the DTCs survive the run.

``--capacity FILE`` (with ``--chemistry``) starts the controller's capacity
tracker and SoC filter from the capacity file when it exists
(:mod:`bms.memory`; a file that does not validate is refused, exit 2, with
the file and the field named) and saves the tracker's committed sums to
it at the end, so that what one replay learnt carries to the
next, as across a vehicle's power cycles; the time between the save and
the next replay counts as parked (the calendar fade's walk, SWR_SOH_009).
The file also keeps each cell's SoC at the end, which the next replay's
SoC filter starts from (SWR_SOC_008) unless the log's first cell voltages
refute it (the warning ``soc_memory_dropped``: SWR_SOC_009); the replay
clears it from the file when it starts, so a replay that never ends leaves
none behind.
Without a capacity file the
pack is of unknown age (a wide capacity prior, the warning
``capacity_unknown``: SWR_SOH_008) unless ``--new-pack`` says it is new,
as the factory's first capacity file would.

``--history FILE`` (with ``--capacity``) appends the power cycle to the
pack's usage history, the park before it and the capacity its pairs
measured, for ``bms prognosis`` (:mod:`bms.cli._replay_history`,
SWR_AGE_005).
"""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bms.cli._exit import ExitCode
from bms.cli._pack_argument import add_config_option

if TYPE_CHECKING:
    from bms.cell import Chemistry
    from bms.cli._replay_history import OpenHistory
    from bms.config import BmsConfig
    from bms.controller import BmsController
    from bms.estimation import CapacityTracker
    from bms.memory import CapacityRecord
    from bms.telemetry import TelemetryTap

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "replay"
HELP = "run recorded input frames (JSON lines, one per 10 ms step) through the controller"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the inputs, output, config, chemistry, telemetry and fault-memory options."""
    parser.add_argument(
        "--inputs",
        type=Path,
        required=True,
        metavar="FRAMES.jsonl",
        help="one ControllerInputs JSON object per line (see `bms schema inputs`)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="OUT.jsonl",
        help="one ControllerOutputs JSON object per input line",
    )
    add_config_option(parser)
    parser.add_argument("--chemistry", help="chemistry name or file: enables SoC estimation")
    parser.add_argument(
        "--telemetry",
        type=Path,
        metavar="OUT.jsonl",
        help="also write telemetry records, one per second and per session "
        "(see `bms schema telemetry`)",
    )
    parser.add_argument(
        "--fault-memory",
        type=Path,
        metavar="FILE",
        help="append the DTCs of the run to this fault memory file (created if missing)",
    )
    parser.add_argument(
        "--capacity",
        type=Path,
        metavar="FILE",
        help="start the capacity estimate from this file if it exists and save it there at "
        "the end (needs --chemistry)",
    )
    parser.add_argument(
        "--history",
        type=Path,
        metavar="FILE.csv",
        help="append this power cycle to the pack's usage history for `bms prognosis` "
        "(needs --capacity; the history starts with the pack)",
    )
    parser.add_argument(
        "--new-pack",
        action="store_true",
        help="without a capacity file the pack is new: start from the configured capacities "
        "(default: of unknown age, a wide capacity prior; needs --chemistry)",
    )


def run(args: argparse.Namespace) -> ExitCode:
    """Replay the frames; report malformed lines on stderr and carry on."""
    from bms.cli._replay_history import HistoryError  # noqa: PLC0415
    from bms.config import load_config  # noqa: PLC0415 - keeps `bms --help` fast
    from bms.controller import fault_event, replay_lines  # noqa: PLC0415
    from bms.memory import CapacityStoreError, FaultMemoryStore  # noqa: PLC0415

    config = load_config(args.config)
    started = datetime.now(UTC)
    stored = _stored_capacity(args, bool(args.chemistry), config.pack.series_count)
    if isinstance(stored, ExitCode):
        return stored
    history = _open_history(args, stored, started)  # first: a refusal changes no file
    if isinstance(history, ExitCode):
        return history
    built = _controller(args, config, stored, started)
    if isinstance(built, ExitCode):
        return built
    controller, tap = built
    store = FaultMemoryStore.open(args.fault_memory)[0] if args.fault_memory else None
    malformed = steps = 0
    try:
        with (
            args.inputs.open(encoding="utf-8", errors="replace") as source,
            args.out.open("w", encoding="utf-8") as sink,
        ):
            for step in replay_lines(
                source, controller, period_ms=config.pack.protection_period_ms
            ):
                steps += 1
                if step.error is not None:
                    malformed += 1
                    print(
                        f"{args.inputs}:{step.line}: malformed frame, replayed as a stale step: "
                        f"{step.error}",
                        file=sys.stderr,
                    )
                sink.write(step.outputs.model_dump_json() + "\n")
                if store is not None:
                    for event in step.outputs.dtc_events:
                        store.append(fault_event(event))
        _write_after_run(args, controller, tap, history, stored)
    except (OSError, CapacityStoreError, HistoryError) as error:
        print(f"bms replay: {error}", file=sys.stderr)
        return ExitCode.USAGE
    print(f"bms replay: {steps} steps, {malformed} malformed lines -> {args.out}", file=sys.stderr)
    if store is not None:
        _report_fault_memory(store.path)
    return ExitCode.FAILED if malformed else ExitCode.OK


def _write_after_run(
    args: argparse.Namespace,
    controller: "BmsController",
    tap: "TelemetryTap | None",
    history: "OpenHistory | None",
    stored: "CapacityRecord | None",
) -> None:
    """The telemetry, the usage history, then the capacity file (its save time ends the run).

    Raises:
        OSError, CapacityStoreError, HistoryError: a file cannot be written.
    """
    if tap is not None and args.telemetry is not None:
        tap.write(args.telemetry)
    if history is not None and tap is not None:
        _append_history(history, tap, controller, stored)
    if args.capacity is not None:
        _save_capacity(args.capacity, controller, stored)


def _report_fault_memory(path: Path) -> None:
    """Read the fault memory back and name its DTCs on stderr."""
    from bms.memory import read_fault_memory  # noqa: PLC0415

    memory = read_fault_memory(path).memory
    codes = ", ".join(f"{e.dtc} x{e.occurrences}" for e in memory.entries) or "none"
    print(f"bms replay: fault memory {path}: {codes}", file=sys.stderr)


def _open_history(
    args: argparse.Namespace, stored: "CapacityRecord | None", started: datetime
) -> "OpenHistory | ExitCode | None":
    """The usage history to append to (None: no ``--history``); 2 when it cannot be."""
    from bms.cli._replay_history import HistoryError, open_history  # noqa: PLC0415
    from bms.errors import ConfigError  # noqa: PLC0415

    if args.history is None:
        return None
    try:
        return open_history(args, stored, started)
    except (HistoryError, ConfigError) as error:
        print(f"bms replay: {error}", file=sys.stderr)
        return ExitCode.USAGE


def _append_history(
    history: "OpenHistory",
    tap: "TelemetryTap",
    controller: "BmsController",
    stored: "CapacityRecord | None",
) -> None:
    """Append the run to the history and say what was added."""
    from bms.cli._replay_history import append_run  # noqa: PLC0415

    capacity, chemistry = controller.state.capacity, controller.chemistry
    start = controller.stored_capacity
    if capacity is None or chemistry is None or start is None:
        print(f"bms replay: history {history.path}: no estimate, nothing added", file=sys.stderr)
        return
    line = append_run(
        history,
        tap,
        start=start.committed,
        end=capacity.tracker.committed,
        stored=stored,
        config=controller.config,
        chemistry=chemistry,
    )
    print(f"bms replay: {line}", file=sys.stderr)


def _controller(
    args: argparse.Namespace, config: "BmsConfig", stored: "CapacityRecord | None", now: datetime
) -> "tuple[BmsController, TelemetryTap | None] | ExitCode":
    """The controller, a telemetry tap with ``--telemetry`` or ``--history``.

    It starts from the capacity file's record ``stored`` when there is one.
    """
    from bms.controller import BmsController  # noqa: PLC0415
    from bms.memory import CapacityStoreError, clear_soc  # noqa: PLC0415
    from bms.telemetry import TelemetryTap  # noqa: PLC0415

    chemistry = None
    if args.chemistry:
        from bms.cell import load_chemistry  # noqa: PLC0415

        chemistry = load_chemistry(args.chemistry)
    capacity = soc = None
    if stored is not None and chemistry is not None:
        capacity = _resumed(args.capacity, stored, chemistry, now)
        soc = stored.soc_start(now)
        try:
            clear_soc(args.capacity, stored)  # a key-off that never comes leaves no SoC behind
        except CapacityStoreError as error:
            print(f"bms replay: {error}", file=sys.stderr)
            return ExitCode.USAGE
    if chemistry is not None and capacity is None:
        capacity = _without_capacity_file(args.new_pack, chemistry, config.pack.series_count)
    tap = (
        TelemetryTap(config, chemistry=chemistry, capacity=capacity, soc=soc)
        if args.telemetry or args.history
        else None
    )
    controller = tap or BmsController(config, chemistry=chemistry, capacity=capacity, soc=soc)
    return controller, tap


def _stored_capacity(
    args: argparse.Namespace, estimating: bool, cells: int
) -> "CapacityRecord | ExitCode | None":
    """The capacity file's record (None: no file asked for, or none yet); 2 on a bad one."""
    from bms.memory import CapacityStoreError, load_capacity  # noqa: PLC0415

    if not estimating and (args.capacity is not None or args.new_pack):
        option = "--capacity" if args.capacity is not None else "--new-pack"
        print(f"bms replay: {option} needs --chemistry (the estimator)", file=sys.stderr)
        return ExitCode.USAGE
    if args.capacity is None:
        return None
    if not args.capacity.exists():
        return None
    try:
        return load_capacity(args.capacity, cells)
    except CapacityStoreError as error:
        print(f"bms replay: {error}", file=sys.stderr)
        return ExitCode.USAGE


def _without_capacity_file(
    new_pack: bool, chemistry: "Chemistry", cells: int
) -> "CapacityTracker | None":
    """A new pack's tracker with ``--new-pack``; else None (unknown age), said on stderr."""
    from bms.controller import new_pack_capacity  # noqa: PLC0415
    from bms.estimation import UNKNOWN_AGE_END_OF_LIFE  # noqa: PLC0415

    if new_pack:
        return new_pack_capacity(chemistry, cells)
    print(
        "bms replay: no capacity file: the pack is of unknown age, its capacity assumed "
        f"{100 * UNKNOWN_AGE_END_OF_LIFE:.0f}-100 % of the configured one "
        "(--new-pack for a new pack)",
        file=sys.stderr,
    )
    return None


def _resumed(
    path: Path, stored: "CapacityRecord", chemistry: "Chemistry", now: datetime
) -> "CapacityTracker":
    """The file's tracker, with the chemistry's worst calendar fade over the days parked."""
    from bms.aging import load_parameters, worst_calendar_fade  # noqa: PLC0415
    from bms.errors import ConfigError  # noqa: PLC0415
    from bms.estimation import CalendarWalk  # noqa: PLC0415

    parked = stored.parked_days(now)
    try:
        walk = CalendarWalk(*worst_calendar_fade(load_parameters(chemistry.chemistry)))
    except ConfigError:
        walk = None
    if parked is None or walk is None:
        why = "no save time" if parked is None else f"no aging model for {chemistry.chemistry}"
        print(f"bms replay: capacity {path}: {why}, no calendar walk", file=sys.stderr)
    else:
        print(f"bms replay: capacity {path}: parked {parked:.2f} days", file=sys.stderr)
    return stored.tracker(now, walk)


def _save_capacity(
    path: Path, controller: "BmsController", stored: "CapacityRecord | None"
) -> None:
    """Save the tracker's committed sums and the key-off SoC (none if it never estimated)."""
    from bms.controller import key_off_soc  # noqa: PLC0415
    from bms.memory import save_capacity  # noqa: PLC0415

    earlier_pairs = 0 if stored is None else stored.pairs
    first_saved_at = None if stored is None else stored.first_saved_at

    capacity = controller.state.capacity
    if capacity is None:
        return
    tracker = capacity.tracker
    save_capacity(
        path,
        tracker,
        earlier_pairs + tracker.updates,
        now=datetime.now(UTC),
        first_saved_at=first_saved_at,
        soc=key_off_soc(controller.state),
    )
    estimate = tracker.committed
    print(
        f"bms replay: capacity {path}: {tracker.updates} pairs this run, "
        f"{float(estimate.capacity_ah.min()):.3f} Ah lowest cell",
        file=sys.stderr,
    )
