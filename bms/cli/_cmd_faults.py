"""``bms faults``: the fault-injection campaign on the equivalent-circuit pack plant.

Exit codes: 0 every injected fault reached the safe state within its fault
tolerant time and no fault-free run tripped; 1 otherwise; 2 matplotlib
missing for ``--plot`` (install the ``plant`` extra) or a bad option; 3 bad
configuration.

``--fault-free-hours`` sets the simulated fault-free time in all, shared by
the fault-free missions (:data:`bms.faults.FAULT_FREE_POINTS`: drive, park,
charge CC-CV to the end of charge, rest with balancing, at -10, 0, 25 and
45 degC ambient) and cut into drives of at most 50 minutes; the default keeps
the command fast, ``--fault-free-hours 10 --workers 2`` is the issue's
target. ``--progress-jsonl FILE`` appends one JSON line per finished
fault-free drive (its result, the simulated hours and the false trips so
far), so a long campaign shows its partial result while it runs;
``--fault-free-only`` skips the injected runs (a long false-trip run).
``--fault-memory FILE`` appends every DTC event of the injected runs to an
append-only fault memory file (:mod:`bms.memory`).
"""

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bms.cli._exit import ExitCode
from bms.cli._pack_argument import add_config_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from bms.cell import Chemistry
    from bms.config import BmsConfig
    from bms.faults import FaultFreeResult

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "faults"
HELP = "fault-injection campaign: every fault type at several onsets and operating points"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the report, plot and campaign-size options."""
    parser.add_argument(
        "--json",
        type=Path,
        required=True,
        metavar="OUT",
        help="write the report (every run and the summary) here",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="DIR",
        help="write one plot per fault type (its first run) here",
    )
    add_config_option(parser)
    parser.add_argument(
        "--chemistry",
        help="the plant's chemistry (name or file), which must describe the pack's cell "
        "(default: the shipped one that does: NMC_Chen2020 for nmc_96s, LFP_Prada2013 for "
        "lfp_96s)",
    )
    parser.add_argument(
        "--onsets",
        type=int,
        default=3,
        choices=[1, 2, 3],
        help="how many of the onsets 2.50 s, 3.37 s, 4.11 s (default: 3)",
    )
    parser.add_argument(
        "--fault-free-hours",
        type=float,
        default=0.2,
        metavar="H",
        help="simulated fault-free driving and charging in all, shared evenly by the operating "
        "points (default: %(default)s; the issue's target is 10)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=range(1, 65),
        metavar="N",
        help="processes for the fault-free drives (default: %(default)s)",
    )
    parser.add_argument(
        "--fault-free-only",
        action="store_true",
        help="run only the fault-free missions (no injected fault; for a long false-trip run)",
    )
    parser.add_argument(
        "--progress-jsonl",
        type=Path,
        metavar="FILE",
        help="append one JSON line per finished fault-free drive (partial progress)",
    )
    parser.add_argument(
        "--fault-memory",
        type=Path,
        metavar="FILE",
        help="append every DTC event of the injected runs to this fault memory file",
    )


def _unwritable(path: Path | None) -> str | None:
    """Why lines cannot be appended to ``path`` (its folder made if missing); None: they can."""
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as error:
        return error.strerror or str(error)
    return None


def _plant_chemistry(name: str | None, config: "BmsConfig") -> "Chemistry | None":
    """The plant's chemistry: the one named, or the shipped one that describes the pack's cell.

    Implements: SWR_CTRL_CHEM_001

    A named one that does not describe it raises ConfigError naming the fields (reported
    by bms's main); None: no shipped one does.
    """
    from bms.cell import load_chemistry  # noqa: PLC0415
    from bms.controller import check_chemistry_matches, shipped_chemistry_for  # noqa: PLC0415

    if name is None:
        return shipped_chemistry_for(config)
    chemistry = load_chemistry(name)
    check_chemistry_matches(config, chemistry)
    return chemistry


def _progress_writer(path: Path | None, drives: int) -> "Callable[[FaultFreeResult, bool], None]":
    """What records each fault-free drive (finished or a checkpoint) as one line of ``path``."""
    finished: list[FaultFreeResult] = []

    def write(result: "FaultFreeResult", complete: bool) -> None:
        if complete:
            finished.append(result)
        if path is None:
            return
        so_far = [*finished] if complete else [*finished, result]
        line = {
            "drive": dataclasses.asdict(result),
            "drive_complete": complete,
            "drives_done": len(finished),
            "drives_total": drives,
            "fault_free_hours_so_far": round(sum(f.duration_s for f in so_far) / 3600.0, 4),
            "ends_of_charge_so_far": sum(f.end_of_charge_ms is not None for f in so_far),
            "false_trips_so_far": [
                f"{f.point}/{f.ambient_degc:g}C: {f.false_trips}" for f in so_far if f.false_trips
            ],
        }
        with path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(line) + "\n")

    return write


def run(args: argparse.Namespace) -> ExitCode:
    """Run the campaign with a progress bar; write the JSON and the plots."""
    from rich.progress import Progress  # noqa: PLC0415 - keeps `bms --help` fast

    from bms.config import load_config  # noqa: PLC0415
    from bms.controller import DtcEventOutput, fault_event  # noqa: PLC0415
    from bms.faults import (  # noqa: PLC0415
        DEFAULT_ONSETS_MS,
        DEFAULT_POINTS,
        FAULT_FREE_POINTS,
        MISSION_SEGMENT_S,
        DtcSink,
        Trace,
        fault_cases,
        plot_traces,
        run_campaign,
    )

    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401, PLC0415
        except ImportError:
            print("bms faults: --plot needs matplotlib: pip install 'bms[plant]'", file=sys.stderr)
            return ExitCode.USAGE
    if not 0.0 <= args.fault_free_hours <= 1000.0:
        print("bms faults: --fault-free-hours must be within [0, 1000]", file=sys.stderr)
        return ExitCode.USAGE
    problem = _unwritable(args.progress_jsonl)
    if problem is not None:  # found now, not when the first drive of an hour-long run ends
        print(f"bms faults: --progress-jsonl {args.progress_jsonl}: {problem}", file=sys.stderr)
        return ExitCode.USAGE
    config = load_config(args.config)
    chemistry = _plant_chemistry(args.chemistry, config)
    if chemistry is None:
        print(
            f"bms faults: no shipped chemistry describes the pack's {config.cell.chemistry} "
            "cell: name the plant's with --chemistry",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    sink: DtcSink | None = None
    if args.fault_memory is not None:
        from bms.memory import FaultMemoryStore  # noqa: PLC0415

        store, _ = FaultMemoryStore.open(args.fault_memory)

        def write(label: str, event: DtcEventOutput) -> None:
            record = fault_event(event)
            store.append(record.model_copy(update={"freeze": {**record.freeze, "run": label}}))

        sink = write
    onsets = DEFAULT_ONSETS_MS[: args.onsets]
    per_point_s = args.fault_free_hours * 3600.0 / len(FAULT_FREE_POINTS)
    drives = len(FAULT_FREE_POINTS) * max(1, -int(-per_point_s // MISSION_SEGMENT_S))
    cases: tuple[str, ...] | None = () if args.fault_free_only else None
    total = (
        sum(
            len(onsets)
            for case in fault_cases(config)
            for point in DEFAULT_POINTS
            if case.applies(point) and cases is None
        )
        + drives
    )
    traces: dict[str, Trace] = {}
    with Progress(transient=True) as progress:
        task = progress.add_task("fault injection", total=total)

        def advance(label: str) -> None:
            progress.update(task, advance=1, description=label)

        report = run_campaign(
            config,
            chemistry,
            cases=cases,
            onsets_ms=onsets,
            fault_free_s=per_point_s,
            progress=advance,
            traces=traces if args.plot is not None else None,
            workers=args.workers,
            segment_s=MISSION_SEGMENT_S,
            dtc_sink=sink,
            fault_free_points=FAULT_FREE_POINTS,
            on_fault_free=_progress_writer(args.progress_jsonl, drives),
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report.as_json(), indent=2) + "\n", encoding="utf-8")
    if args.plot is not None:
        plot_traces(traces, report.runs, args.plot)
    print(json.dumps(report.summary, indent=2))
    return ExitCode.OK if report.summary["passed"] else ExitCode.FAILED
