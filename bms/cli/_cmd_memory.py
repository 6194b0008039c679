"""``bms memory``: a pack's capacity file: shown, its SoC cleared, or first written.

ASIL: QM(D) (estimation channel's memory; a service tool, never in the control path).
Requirements: SWR_SOC_009, SWR_SOH_008.

The capacity file (:mod:`bms.memory`) carries each cell's capacity and, from
key-off to key-on, its SoC. The voltage at key-on can refute a kept SoC
that is wrong on NMC, but not on LFP's plateau (SWR_SOC_009), so a pack
serviced (a cell or module swapped) or charged without its BMS must have
its kept SoC cleared: ``--clear-soc`` does that, and the next key-on starts
the SoC filter unknown. The capacities stay.

``--chemistry NAME`` alone adds each cell's State of Health: its capacity
over the chemistry's nominal one, the weakest cell's with its bound (the
estimate's and the current sensor's gain error, as the telemetry reports it).

``--new-pack --chemistry NAME`` writes a new pack's first capacity file (the
factory's end of line): the configured capacities with the tuning's 3 %,
or, with ``--measured FILE --measured-sigma-pct PCT``, each cell's capacity
as graded before assembly (one value in Ah per line, in cell order; ``#``
comments and blank lines skipped). Without a file the controller must
assume a pack of unknown age, whose charge the plating cap slows to less
than half speed on LFP (docs/validation/plating). An existing file is
never overwritten: it may hold what the pack has learnt.
"""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bms.cli._exit import ExitCode
from bms.cli._pack_argument import add_config_option

if TYPE_CHECKING:
    from bms.cell import Chemistry
    from bms.memory import CapacityRecord

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "memory"
HELP = (
    "show a capacity file (capacities, kept SoC, times); --clear-soc after a service; "
    "--new-pack to write a new pack's first one"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the capacity file, the pack and the clearing."""
    parser.add_argument("capacity", type=Path, help="the pack's capacity file (JSON)")
    add_config_option(parser)
    parser.add_argument(
        "--clear-soc",
        action="store_true",
        help="clear the kept SoC (after a cell or module swap, or a charge without the BMS)",
    )
    parser.add_argument(
        "--new-pack",
        action="store_true",
        help="write a new pack's first capacity file (needs --chemistry; never overwrites)",
    )
    parser.add_argument(
        "--chemistry",
        help="chemistry name or file: the new pack's with --new-pack; else the cells' whose "
        "State of Health to show (capacity over the chemistry's nominal)",
    )
    parser.add_argument(
        "--measured",
        type=Path,
        help="graded cells: each cell's measured capacity in Ah, one per line (with --new-pack)",
    )
    parser.add_argument(
        "--measured-sigma-pct",
        type=float,
        help="the measured capacities' standard deviation, percent (with --measured)",
    )


def run(args: argparse.Namespace) -> ExitCode:
    """Print what the file holds; clear its SoC when asked.

    Implements: SWR_SOC_009
    """
    from bms.config import load_config  # noqa: PLC0415 - keeps `bms --help` fast
    from bms.memory import CapacityStoreError, clear_soc, load_capacity  # noqa: PLC0415

    config = load_config(args.config)
    chemistry = None
    if args.chemistry is not None:  # Implements SWR_CTRL_CHEM_001: the pack's own cell
        from bms.cell import load_chemistry  # noqa: PLC0415
        from bms.controller import check_chemistry_matches  # noqa: PLC0415

        chemistry = load_chemistry(args.chemistry)  # ConfigError: reported by bms's main
        check_chemistry_matches(config, chemistry)
    cells = config.pack.series_count
    if args.new_pack or args.measured or args.measured_sigma_pct is not None:
        problem = _write_new_pack(args, cells, chemistry)
        if problem is not None:
            print(f"bms memory: {problem}", file=sys.stderr)
            return ExitCode.USAGE
    try:
        record = load_capacity(args.capacity, cells)
        health = [] if chemistry is None else [_health(record, chemistry)]
        for line in [*_summary(record, datetime.now(UTC)), *health]:
            print(line)
        if args.clear_soc:
            clear_soc(args.capacity, record)
            print("kept SoC cleared: the next key-on starts the SoC filter unknown")
    except CapacityStoreError as error:
        print(f"bms memory: {error}", file=sys.stderr)
        return ExitCode.USAGE
    return ExitCode.OK


def _write_new_pack(
    args: argparse.Namespace, cells: int, chemistry: "Chemistry | None"
) -> str | None:
    """Write the new pack's first capacity file; what is wrong instead (None: written).

    Implements: SWR_SOH_008
    """
    from bms.controller import new_pack_capacity  # noqa: PLC0415
    from bms.memory import CapacityStoreError, save_capacity  # noqa: PLC0415

    problem = _new_pack_options_problem(args)
    if problem is not None or chemistry is None:
        return problem or "--new-pack needs --chemistry"
    measured = None if args.measured is None else _measured_capacities(args.measured)
    if isinstance(measured, str):
        return measured
    try:
        tracker = new_pack_capacity(
            chemistry,
            cells,
            measured_capacity_ah=measured,
            measured_sigma_pct=args.measured_sigma_pct,
        )
        save_capacity(args.capacity, tracker, 0, now=datetime.now(UTC))
    except CapacityStoreError as error:  # names the file itself
        return str(error)
    except ValueError as error:  # the measured capacities or their sigma
        return f"{args.measured or '--measured-sigma-pct'}: {error}"
    print(f"wrote a new pack's capacity file: {args.capacity}")
    return None


def _new_pack_options_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the options of ``--new-pack`` (None: nothing)."""
    if not args.new_pack or not args.chemistry:
        return "--measured and --measured-sigma-pct go with --new-pack, which needs --chemistry"
    if args.clear_soc:
        return "--clear-soc and --new-pack: a new pack's file keeps no SoC"
    if args.capacity.exists():
        return (
            f"{args.capacity} exists: a pack's capacity file is never overwritten (it may "
            "hold what the pack has learnt); remove it first for a new pack"
        )
    return None


def _measured_capacities(path: Path) -> list[float] | str:
    """Each cell's measured capacity from ``path``; or what is wrong, naming the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        return f"{path}: {error}"
    values: list[float] = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            values.append(float(text))
        except ValueError:
            return f"{path}:{number}: {text!r} is not a capacity in Ah"
    return values


def _health(record: "CapacityRecord", chemistry: "Chemistry") -> str:
    """The weakest cell's State of Health and the cells' range, against the chemistry's nominal.

    Implements: SWR_SOC_009
    """
    from bms.estimation import SocFilterTuning, state_of_health  # noqa: PLC0415

    nominal = chemistry.nominal_capacity_ah
    health, sigma = state_of_health(
        np.array(record.capacity_ah),
        np.array(record.capacity_sigma_ah),
        nominal,
        SocFilterTuning().current_gain_error_pct,
    )
    weakest = int(np.argmin(health))
    return (
        f"state of health (capacity over {chemistry.name}'s {nominal:.3f} Ah): weakest cell "
        f"{weakest + 1} at {100.0 * health[weakest]:.1f} % +- {100.0 * sigma[weakest]:.1f} % "
        f"(1 sigma, the current sensor's gain included); cells {100.0 * health.min():.1f} .. "
        f"{100.0 * health.max():.1f} %"
    )


def _summary(record: "CapacityRecord", now: datetime) -> list[str]:
    """The file's content in a few lines: times, capacities, the kept SoC."""
    parked = record.parked_days(now)
    times = (
        "no save times (a version 1 or 2 file)"
        if parked is None or record.first_saved_at is None
        else f"saved {record.saved_at:%Y-%m-%d %H:%M} UTC ({parked:.2f} days ago), first "
        f"{record.first_saved_at:%Y-%m-%d}"
    )
    capacity = np.array(record.capacity_ah)
    relative = np.array(record.capacity_sigma_ah) / capacity
    lines = [
        f"{record.cells} cells, schema {record.schema_version}, {times}",
        f"capacity {capacity.min():.3f} .. {capacity.max():.3f} Ah, largest sigma "
        f"{100.0 * relative.max():.2f} %, {record.pairs} pairs committed",
    ]
    if record.soc is None or record.soc_sigma is None:
        return [*lines, "kept SoC: none (cleared at key-on, or never saved)"]
    soc = np.array(record.soc)
    beta = record.soc_scale_sensitivity
    share = (  # beta: SoC fraction per unit scale error = SoC points per % of it
        "its share of the capacity error not kept (starts uncorrelated)"
        if beta is None
        else f"up to {max(abs(value) for value in beta):.2f} points of it per % of capacity error"
    )
    plateau = sum(record.soc_plateau_bound or ())
    doubt = (
        f"; {plateau} cells keep the plateau's floor (started unsure, no knee since)"
        if plateau
        else ""
    )
    return [
        *lines,
        f"kept SoC {100.0 * soc.min():.1f} .. {100.0 * soc.max():.1f} %, largest sigma "
        f"{100.0 * max(record.soc_sigma):.2f} % at key-off; {share}{doubt}",
    ]
