"""``bms memory``: what a pack's capacity file holds, and the service's clearing of its SoC.

ASIL: QM(D) (estimation channel's memory; a service tool, never in the control path).
Requirements: SWR_SOC_009.

The capacity file (:mod:`bms.memory`) carries each cell's capacity and, from
key-off to key-on, its SoC. The voltage at key-on can refute a kept SoC
that is wrong on NMC, but not on LFP's plateau (SWR_SOC_009), so a pack
serviced (a cell or module swapped) or charged without its BMS must have
its kept SoC cleared: ``--clear-soc`` does that, and the next key-on starts
the SoC filter unknown. The capacities stay.
"""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bms.cli._exit import ExitCode

if TYPE_CHECKING:
    from bms.memory import CapacityRecord

__all__ = ["HELP", "NAME", "add_arguments", "run"]

NAME = "memory"
HELP = "show a capacity file (capacities, kept SoC, times); --clear-soc after a service"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the capacity file, the pack and the clearing."""
    parser.add_argument("capacity", type=Path, help="the pack's capacity file (JSON)")
    parser.add_argument("--config", type=Path, help="pack file (TOML); default: the shipped pack")
    parser.add_argument(
        "--clear-soc",
        action="store_true",
        help="clear the kept SoC (after a cell or module swap, or a charge without the BMS)",
    )


def run(args: argparse.Namespace) -> ExitCode:
    """Print what the file holds; clear its SoC when asked.

    Implements: SWR_SOC_009
    """
    from bms.config import load_config  # noqa: PLC0415 - keeps `bms --help` fast
    from bms.memory import CapacityStoreError, clear_soc, load_capacity  # noqa: PLC0415

    cells = load_config(args.config).pack.series_count
    try:
        record = load_capacity(args.capacity, cells)
        for line in _summary(record, datetime.now(UTC)):
            print(line)
        if args.clear_soc:
            clear_soc(args.capacity, record)
            print("kept SoC cleared: the next key-on starts the SoC filter unknown")
    except CapacityStoreError as error:
        print(f"bms memory: {error}", file=sys.stderr)
        return ExitCode.USAGE
    return ExitCode.OK


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
    return [
        *lines,
        f"kept SoC {100.0 * soc.min():.1f} .. {100.0 * soc.max():.1f} %, largest sigma "
        f"{100.0 * max(record.soc_sigma):.2f} % at key-off",
    ]
