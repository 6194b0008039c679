"""Tests of bms.aging.usage_rows: a run's usage history rows from its telemetry (SWR_AGE_005).

Covers: rows split at the row length from the run's start, contiguous from
``start_s``; the temperature is the time mean of the hottest sensor; SoC mean
and depth of discharge leave out a converging filter's estimates when the
row has settled ones; equivalent full cycles are the counters' throughput
over twice the capacity; the C-rate is the mean over records above the rest
C-rate; a row without temperature or SoC takes the previous row's, and the
run's first without one is refused; the rows are a valid usage history
that ``bms.aging.prognose`` reads; a history written as CSV reads back; a
park row has no throughput, takes the kept SoC (else the previous row's) and
the mean of the previous row's and the run's first clipped temperature.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from bms.aging import (
    HistoryRow,
    UsageHistory,
    load_history,
    load_parameters,
    park_row,
    prognose,
    usage_rows,
    write_history,
)
from bms.telemetry import PeriodicRecord
from bms.telemetry._model import RECORD_ADAPTER
from verification.bms.unit.telemetry.test_model import COUNTERS, PERIODIC

CAPACITY_AH = 100.0


def _record(second: int, **changes: Any) -> PeriodicRecord:
    throughput = changes.pop("throughput_ah", 0.0)
    values = {
        **PERIODIC,
        "time_ms": 1000 * second,
        "counters": {**COUNTERS, "charge_in_ah": 0.0, "charge_out_ah": throughput},
        **changes,
    }
    record = RECORD_ADAPTER.validate_json(json.dumps(values))
    assert isinstance(record, PeriodicRecord)
    return record


def _temperatures(hottest: float) -> dict[str, Any]:
    return {"min": hottest - 2.0, "max": hottest, "min_index": 0, "max_index": 1}


@pytest.mark.verifies("SWR_AGE_005")
def test_rows_summarise_the_records_they_span() -> None:
    # 30 s of records: 10 s at 20 A and 30 degC hottest, then 20 s at rest and 40 degC
    records = [
        _record(
            t,
            pack_current_a=20.0 if t < 10 else 0.0,
            temperature_degc=_temperatures(30.0 if t < 10 else 40.0),
            soc={"value": 0.8 - 0.01 * t, "sigma": 0.01},
            throughput_ah=20.0 * min(t, 10) / 3600.0,
        )
        for t in range(30)
    ]
    rows = usage_rows(records, start_s=500.0, capacity_ah=CAPACITY_AH, row_s=20.0)
    assert [(r.start_s, r.end_s) for r in rows] == [(500.0, 520.0), (520.0, 530.0)]
    first, second = rows
    assert first.temperature_degc == pytest.approx((10 * 30.0 + 10 * 40.0) / 20)
    assert second.temperature_degc == pytest.approx(40.0)
    assert first.soc_mean_pct == pytest.approx(100 * (0.8 - 0.01 * 9.5))
    assert first.dod_pct == pytest.approx(19.0)
    assert first.efc == pytest.approx(20.0 * 10 / 3600.0 / (2 * CAPACITY_AH))
    assert second.efc == 0.0
    assert first.c_rate == pytest.approx(0.2)  # the mean over the 10 records with current
    assert second.c_rate == 0.0
    history = UsageHistory(
        rows=(
            HistoryRow(
                start_s=0.0, end_s=500.0, temperature_degc=25.0, soc_mean_pct=80.0,
                dod_pct=0.0, efc=0.0, c_rate=0.0,
            ),
            *rows,
        )
    )  # fmt: skip
    assert prognose(load_parameters("NMC"), history).age_days == pytest.approx(530 / 86400)


@pytest.mark.verifies("SWR_AGE_005")
def test_a_converging_filter_does_not_count_as_use() -> None:
    records = [_record(t, soc={"value": 0.2 + 0.1 * t, "sigma": 0.2}) for t in range(5)] + [
        _record(t, soc={"value": 0.6, "sigma": 0.01}) for t in range(5, 10)
    ]
    (row,) = usage_rows(records, start_s=0.0, capacity_ah=CAPACITY_AH)
    assert row.soc_mean_pct == pytest.approx(60.0)
    assert row.dod_pct == pytest.approx(0.0)
    (only_converging,) = usage_rows(records[:5], start_s=0.0, capacity_ah=CAPACITY_AH)
    assert only_converging.dod_pct == pytest.approx(40.0)


@pytest.mark.verifies("SWR_AGE_005", method="fault_injection")
def test_a_row_without_temperature_or_soc_takes_the_previous_ones() -> None:
    blind = [_record(t, temperature_degc=None, soc=None) for t in range(5)]
    previous = HistoryRow(
        start_s=0.0, end_s=10.0, temperature_degc=31.0, soc_mean_pct=55.0,
        dod_pct=3.0, efc=0.1, c_rate=0.2,
    )  # fmt: skip
    (row,) = usage_rows(blind, start_s=10.0, capacity_ah=CAPACITY_AH, previous=previous)
    assert (row.temperature_degc, row.soc_mean_pct, row.dod_pct) == (31.0, 55.0, 0.0)
    with pytest.raises(ValueError, match="no temperature"):
        usage_rows(blind, start_s=0.0, capacity_ah=CAPACITY_AH)
    with pytest.raises(ValueError, match="needs records"):
        usage_rows([], start_s=0.0, capacity_ah=CAPACITY_AH)
    hot = [_record(t, temperature_degc=_temperatures(95.0)) for t in range(3)]
    assert usage_rows(hot, start_s=0.0, capacity_ah=CAPACITY_AH)[0].temperature_degc == 80.0


@pytest.mark.verifies("SWR_AGE_005")
def test_a_written_history_reads_back(tmp_path: Path) -> None:
    rows = usage_rows([_record(t) for t in range(4)], start_s=0.0, capacity_ah=CAPACITY_AH)
    measured = rows[-1].model_copy(update={"capacity_pct": 98.5, "capacity_sigma_pct": 0.7})
    path = tmp_path / "history.csv"
    write_history(path, UsageHistory(rows=(*rows[:-1], measured)))
    assert load_history(path).rows == (*rows[:-1], measured)
    assert not (tmp_path / "history.csv.partial").exists()


@pytest.mark.verifies("SWR_AGE_005")
def test_a_park_row_holds_the_kept_soc_and_the_temperatures_mean() -> None:
    previous = HistoryRow(
        start_s=0.0, end_s=100.0, temperature_degc=20.0, soc_mean_pct=55.0,
        dod_pct=30.0, efc=0.2, c_rate=0.3,
    )  # fmt: skip
    first = _record(0, temperature_degc=_temperatures(30.0))
    park = park_row(previous, 5000.0, first, 80.0)
    assert (park.start_s, park.end_s) == (100.0, 5000.0)
    assert (park.efc, park.dod_pct, park.c_rate) == (0.0, 0.0, 0.0)
    assert (park.temperature_degc, park.soc_mean_pct) == (25.0, 80.0)
    blind = park_row(previous, 5000.0, _record(0, temperature_degc=None), None)
    assert (blind.temperature_degc, blind.soc_mean_pct) == (20.0, 55.0)
    hot = park_row(previous, 5000.0, _record(0, temperature_degc=_temperatures(120.0)), None)
    assert hot.temperature_degc == 50.0  # the run's 120 degC clipped to the model's 80
