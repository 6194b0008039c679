"""``bms replay --history``: append the replayed power cycle to the pack's usage history.

ASIL: QM(D) (prognosis input; never in the protection path). Requirements: SWR_AGE_005.

The history (:mod:`bms.aging._history`, what ``bms prognosis`` reads) and
the capacity file keep one time line: the history starts with the pack (a
new pack's first replay, neither file there yet) and its last row ends where
the capacity file was last saved. A replay adds, in order:

* a park row from the history's end to this replay's start, as long as the
  wall time between the capacity file's save and this replay (the time the
  capacity tracker counts as parked): no throughput, at the SoC kept at
  key-off, at the mean of the last row's temperature and the run's first
  (the BMS measures nothing while parked);
* the run's rows from its telemetry (:func:`bms.aging.usage_rows`);
* on the last row, the capacity the run's pairs measured on their own
  (:func:`bms.estimation.capacity_since`) for the cell whose estimate is
  the lowest, in % of the chemistry's nominal capacity: a run without a pair
  adds no measurement, so no capacity is counted twice.

Resistance is not written: its estimate carries from one power cycle to the
next, and reading it again each time would count it as new. The
capacities are counted with the current sensor's gain and start from the
cells' own capacity, not the nominal one: ``bms prognosis
--capacity-bias-sigma-pct`` should hold both (docs/validation/prognosis).
"""

import argparse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bms.aging import HistoryRow, UsageHistory
    from bms.cell import Chemistry
    from bms.config import BmsConfig
    from bms.estimation import CapacityState
    from bms.memory import CapacityRecord
    from bms.telemetry import PeriodicRecord, TelemetryTap

__all__ = ["HistoryError", "OpenHistory", "append_run", "open_history"]


class HistoryError(ValueError):
    """The history cannot be continued: a message naming the files."""


@dataclass(frozen=True)
class OpenHistory:
    """The history before the run and what the run's measurement starts from."""

    path: Path
    """The history file."""
    earlier: "UsageHistory | None"
    """Its rows so far (None: the pack's first run)."""
    started: datetime
    """The wall time the run started (the park's end)."""


def open_history(
    args: argparse.Namespace, stored: "CapacityRecord | None", started: datetime
) -> OpenHistory:
    """Check the history and the capacity file keep one time line; read the history.

    Implements: SWR_AGE_005

    Called before the replay changes any file, so that a refusal changes none.

    Raises:
        HistoryError: without ``--chemistry`` or ``--capacity``; a pack of unknown age;
            a history without its capacity file or the other way round; a capacity file
            without a save time.
        ConfigError: a history file that does not parse (file, line and field named).
    """
    from bms.aging import load_history  # noqa: PLC0415

    path: Path = args.history
    if not args.chemistry:
        raise HistoryError("--history needs --chemistry (the estimator)")
    if args.capacity is None:
        message = "--history needs --capacity: the capacity file keeps the pack's time line"
        raise HistoryError(message)
    if stored is None and not path.exists() and not args.new_pack:
        message = "a usage history starts with a new pack: --new-pack, or its capacity file"
        raise HistoryError(message)
    if path.exists() and stored is None:
        message = f"history {path} continues a pack whose capacity file {args.capacity} is missing"
        raise HistoryError(message)
    if stored is not None and not path.exists():
        message = (
            f"a usage history starts with the pack: {args.capacity} already holds its life "
            f"since {stored.first_saved_at or 'an unknown time'}; {path} is missing"
        )
        raise HistoryError(message)
    if stored is not None and stored.saved_at is None:
        message = f"{args.capacity} has no save time: the history cannot place this run"
        raise HistoryError(message)
    earlier = load_history(path) if path.exists() else None
    return OpenHistory(path=path, earlier=earlier, started=started)


def append_run(  # noqa: PLR0913 - the run's parts the history is made of
    history: OpenHistory,
    tap: "TelemetryTap",
    *,
    start: "CapacityState",
    end: "CapacityState",
    stored: "CapacityRecord | None",
    config: "BmsConfig",
    chemistry: "Chemistry",
) -> str:
    """Write the history with the run's rows appended; returns a line saying what was added.

    Implements: SWR_AGE_005

    Raises:
        HistoryError: the run has no telemetry record, or no temperature or SoC.
        OSError: the history cannot be written.
    """
    from bms.aging import UsageHistory, usage_rows, write_history  # noqa: PLC0415
    from bms.telemetry import PeriodicRecord  # noqa: PLC0415

    records = [r for r in tap.records if isinstance(r, PeriodicRecord)]
    if not records:
        raise HistoryError(f"history {history.path}: the run has no telemetry record")
    earlier = () if history.earlier is None else history.earlier.rows
    park = _park(history, records[0], stored)
    start_s = park.end_s if park is not None else (earlier[-1].end_s if earlier else 0.0)
    previous = park or (earlier[-1] if earlier else None)
    try:
        rows = usage_rows(
            records,
            start_s=start_s,
            capacity_ah=chemistry.nominal_capacity_ah * config.pack.parallel_count,
            previous=previous,
        )
    except ValueError as error:
        raise HistoryError(f"history {history.path}: {error}") from None
    rows[-1], measured = _measured(rows[-1], start, end, chemistry)
    added = (park,) if park is not None else ()
    write_history(history.path, UsageHistory(rows=(*earlier, *added, *rows)))
    parked = f", parked {(park.end_s - park.start_s) / 86400:.2f} d before" if park else ""
    return f"history {history.path}: {len(rows)} rows{parked}; {measured}"


def _park(
    history: OpenHistory, first: "PeriodicRecord", stored: "CapacityRecord | None"
) -> "HistoryRow | None":
    """The park between the history's end and the run (None: none, or the pack's first run)."""
    from bms.aging import GAP_TOLERANCE_S, park_row  # noqa: PLC0415

    if history.earlier is None or stored is None or stored.saved_at is None:
        return None
    parked_s = (history.started - stored.saved_at).total_seconds()
    if parked_s <= GAP_TOLERANCE_S:
        return None
    last = history.earlier.rows[-1]
    kept = None if stored.soc is None else 100.0 * float(np.mean(stored.soc))
    return park_row(last, last.end_s + parked_s, first, kept)


def _measured(
    row: "HistoryRow", start: "CapacityState", end: "CapacityState", chemistry: "Chemistry"
) -> "tuple[HistoryRow, str]":
    """The row with the capacity the run's pairs measured for the weakest cell, if any."""
    from pydantic import ValidationError  # noqa: PLC0415

    from bms.aging import HistoryRow  # noqa: PLC0415
    from bms.estimation import capacity_since  # noqa: PLC0415

    since = capacity_since(start, end)
    cell = int(np.argmin(end.capacity_ah))
    capacity, sigma = float(since.capacity_ah[cell]), float(since.capacity_sigma_ah[cell])
    if not (np.isfinite(capacity) and np.isfinite(sigma) and sigma > 0.0):
        return row, f"no pair of cell {cell}: no capacity measured"
    percent, sigma_pct = (100.0 * v / chemistry.nominal_capacity_ah for v in (capacity, sigma))
    text = f"cell {cell}'s pairs measured {percent:.2f} % +- {sigma_pct:.2f} of nominal"
    values = {**row.model_dump(), "capacity_pct": percent, "capacity_sigma_pct": sigma_pct}
    try:
        return HistoryRow.model_validate(values), text
    except ValidationError:
        return row, f"{text}: outside a history's range, not written"
