"""``bms replay``: run recorded input frames through the controller, frame by frame.

Exit codes: 0 every line parsed, 1 some lines were malformed (each reported
on stderr with its line number and replayed as a stale step), 2 the input
cannot be read or the output (or the fault memory) cannot be written, 3 bad
configuration.

``--fault-memory FILE`` appends every DTC event of the run (a fault that
latched, with its occurrence count and freeze frame) to an append-only fault
memory file (:mod:`bms.memory`: CRC-32 per record, fsync per write) and
reads it back at the end, so the DTCs survive the run.
"""

import argparse
import sys
from pathlib import Path

from bms.cli._exit import ExitCode

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
    parser.add_argument("--config", type=Path, help="pack file (TOML); default: the shipped pack")
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


def run(args: argparse.Namespace) -> ExitCode:
    """Replay the frames; report malformed lines on stderr and carry on."""
    from bms.config import load_config  # noqa: PLC0415 - keeps `bms --help` fast
    from bms.controller import BmsController, fault_event, replay_lines  # noqa: PLC0415
    from bms.memory import FaultMemoryStore, read_fault_memory  # noqa: PLC0415

    config = load_config(args.config)
    chemistry = None
    if args.chemistry:
        from bms.cell import load_chemistry  # noqa: PLC0415

        chemistry = load_chemistry(args.chemistry)
    from bms.telemetry import TelemetryTap  # noqa: PLC0415

    tap = TelemetryTap(config, chemistry=chemistry) if args.telemetry else None
    controller = tap if tap is not None else BmsController(config, chemistry=chemistry)
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
        if tap is not None:
            tap.write(args.telemetry)
    except OSError as error:
        print(f"bms replay: {error}", file=sys.stderr)
        return ExitCode.USAGE
    print(f"bms replay: {steps} steps, {malformed} malformed lines -> {args.out}", file=sys.stderr)
    if store is not None:
        memory = read_fault_memory(store.path).memory
        codes = ", ".join(f"{e.dtc} x{e.occurrences}" for e in memory.entries) or "none"
        print(f"bms replay: fault memory {store.path}: {codes}", file=sys.stderr)
    return ExitCode.FAILED if malformed else ExitCode.OK
