"""A run's usage history rows, summarised from its telemetry: what the prognosis reads.

ASIL: QM(D) (prognosis input; never in the protection path). Requirements: SWR_AGE_005.

``bms replay --history`` appends the rows of each replayed power cycle to
the pack's usage history (:mod:`bms.aging._history`), so that ``bms
prognosis`` runs on what the BMS itself saw. The rows come from the periodic
telemetry records (one a second by default), each standing for the time
until the next:

* ``temperature_degc``: the time mean of the hottest sensor (the cell that
  ages fastest; conservative for the pack's end of life);
* ``soc_mean_pct`` and ``dod_pct``: the mean, and the largest less the
  smallest, of the mean cell SoC estimate, leaving out a filter still
  converging (sigma above ``SETTLED_SOC_SIGMA``, 5 points) when the row has
  settled estimates;
* ``efc``: the charge that flowed in and out (the records' counters, the
  measured current integrated every controller step) over twice the pack's
  capacity;
* ``c_rate``: the mean magnitude of the sampled current over the pack's
  capacity, over the records whose current is above ``REST_C_RATE``.

A row spans at most ``row_s`` (6 h, the validation's row). A record without
a temperature or SoC (a sensor fault, no estimate yet) leaves those means to
the records that have one; a row with none takes the previous row's. Means
outside the aging model's range (-40 to 80 degC, 20 C) are clipped to it. Written
by hand: no library summarises telemetry into aging stress factors.
"""

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from bms.aging._history import HistoryRow
from bms.telemetry import PeriodicRecord

__all__ = ["REST_C_RATE", "ROW_S", "SETTLED_SOC_SIGMA", "park_row", "usage_rows"]

ROW_S = 6 * 3600.0
"""Longest row of a usage history made from telemetry."""
REST_C_RATE = 0.01
"""C-rate below which a record counts as rest for the row's mean C-rate."""
SETTLED_SOC_SIGMA = 0.05
"""SoC sigma above which an estimate is a filter still converging: its swing is not use."""
_TEMPERATURE_RANGE_DEGC = (-40.0, 80.0)
_MAX_C_RATE = 20.0
_MS = 1000.0


def _spans(records: Sequence[PeriodicRecord]) -> list[float]:
    """Seconds each record stands for: until the next one; the last as long as the one before."""
    times = [r.time_ms / _MS for r in records]
    spans = [later - earlier for earlier, later in pairwise(times)]
    spans.append(spans[-1] if spans else 1.0)
    return spans


def _throughput_ah(records: Sequence[PeriodicRecord]) -> list[float]:
    """Charge in and out between each record and the next (0 after the last)."""
    total = [r.counters.charge_in_ah + r.counters.charge_out_ah for r in records]
    steps = [max(later - earlier, 0.0) for earlier, later in pairwise(total)]
    return [*steps, 0.0]


def usage_rows(
    records: Sequence[PeriodicRecord],
    *,
    start_s: float,
    capacity_ah: float,
    row_s: float = ROW_S,
    previous: HistoryRow | None = None,
) -> list[HistoryRow]:
    """The run's rows from ``start_s`` (seconds since the pack's beginning of life).

    Implements: SWR_AGE_005

    Args:
        records: the run's periodic telemetry records, in time order.
        start_s: where the run starts in the pack's life.
        capacity_ah: the pack's nominal capacity (the cells' times the parallel count).
        row_s: the longest row.
        previous: the history's row before the run, whose temperature and SoC a row
            without any stands in for.

    Raises:
        ValueError: no record, a capacity or row length that is not > 0, or no
            temperature or SoC in the run's first row and no previous row.
    """
    if not records or not capacity_ah > 0.0 or not row_s > 0.0:
        raise ValueError("usage_rows needs records and a capacity and a row length > 0")
    spans, throughput = _spans(records), _throughput_ah(records)
    times = np.array([r.time_ms / _MS for r in records]) - records[0].time_ms / _MS
    end = float(times[-1]) + spans[-1]
    rows: list[HistoryRow] = []
    last = previous
    for first in np.arange(0.0, end, row_s):
        inside = slice(*np.searchsorted(times, [first, first + row_s], side="left"))
        row = _row(
            records[inside],
            spans[inside],
            throughput[inside],
            capacity_ah=capacity_ah,
            start_s=start_s + first,
            end_s=start_s + min(first + row_s, end),
            previous=last,
        )
        rows.append(row)
        last = row
    return rows


def park_row(
    previous: HistoryRow, end_s: float, first: PeriodicRecord, kept_soc_pct: float | None
) -> HistoryRow:
    """The park from ``previous``'s end to ``end_s``, before the run starting with ``first``.

    Implements: SWR_AGE_005

    No throughput; at the SoC kept at key-off (else ``previous``'s); at the
    mean of ``previous``'s temperature and the run's first hottest sensor
    (the BMS measures nothing while parked).
    """
    temperature = previous.temperature_degc
    if first.temperature_degc is not None:
        temperature = 0.5 * (temperature + _clipped_temperature(first.temperature_degc.max))
    soc_pct = previous.soc_mean_pct if kept_soc_pct is None else kept_soc_pct
    return HistoryRow(
        start_s=previous.end_s,
        end_s=end_s,
        temperature_degc=temperature,
        soc_mean_pct=float(np.clip(soc_pct, 0.0, 100.0)),
        dod_pct=0.0,
        efc=0.0,
        c_rate=0.0,
    )


def _clipped_temperature(value: float) -> float:
    return float(np.clip(value, *_TEMPERATURE_RANGE_DEGC))


def _settled_socs(records: Sequence[PeriodicRecord]) -> list[float]:
    """The SoC estimates, less a converging filter's (sigma above ``SETTLED_SOC_SIGMA``).

    All of them when none has settled.
    """
    known = [r.soc for r in records if r.soc is not None and np.isfinite(r.soc.value)]
    settled = [soc.value for soc in known if soc.sigma <= SETTLED_SOC_SIGMA]
    return settled or [soc.value for soc in known]


def _row(  # noqa: PLR0913 - one row's records and where it lies
    records: Sequence[PeriodicRecord],
    spans: Sequence[float],
    throughput: Sequence[float],
    *,
    capacity_ah: float,
    start_s: float,
    end_s: float,
    previous: HistoryRow | None,
) -> HistoryRow:
    weighted = [
        (r.temperature_degc.max, span)
        for r, span in zip(records, spans, strict=True)
        if r.temperature_degc is not None and span > 0.0
    ]
    socs = _settled_socs(records)
    if weighted:
        temperature = float(np.average([t for t, _ in weighted], weights=[s for _, s in weighted]))
    elif previous is not None:
        temperature = previous.temperature_degc
    else:
        raise ValueError("the run has no temperature to summarise")
    if socs:
        soc_pct, dod_pct = 100.0 * float(np.mean(socs)), 100.0 * (max(socs) - min(socs))
    elif previous is not None:
        soc_pct, dod_pct = previous.soc_mean_pct, 0.0
    else:
        raise ValueError("the run has no SoC estimate to summarise")
    c_rates = [abs(r.pack_current_a) / capacity_ah for r in records]
    flowing = [c for c in c_rates if np.isfinite(c) and c > REST_C_RATE]
    return HistoryRow(
        start_s=start_s,
        end_s=end_s,
        temperature_degc=_clipped_temperature(temperature),
        soc_mean_pct=float(np.clip(soc_pct, 0.0, 100.0)),
        dod_pct=float(np.clip(dod_pct, 0.0, 100.0)),
        efc=float(sum(throughput)) / (2.0 * capacity_ah),
        c_rate=min(float(np.mean(flowing)), _MAX_C_RATE) if flowing else 0.0,
    )
