"""Tests of bms.aging._history: the usage history format and its bad-input messages.

Covers: a CSV and a JSON history parse to the same rows; measurements are
optional (empty cells); every bad-input rule (NaN, inf, text, gap, overlap,
non-increasing time, unknown column, missing required column, missing value,
a measurement without its sigma, wrong column count, bad JSON) raises
``ConfigError`` whose message names the file, the line (CSV) or row (JSON)
and the field.
"""

import json
from pathlib import Path

import pytest

from bms.aging import HISTORY_COLUMNS, UsageHistory, load_history, parse_history
from bms.errors import ConfigError

HEADER = (
    "start_s,end_s,temperature_degc,soc_mean_pct,dod_pct,efc,c_rate,capacity_pct,capacity_sigma_pct"
)
GOOD = [
    "0,86400,25,60,40,0.4,0.3,,",
    "86400,172800,30,70,50,0.5,0.4,99.5,0.5",
    "172800,259200,20,50,30,0.3,0.2,,",
]


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _error(text: str, kind: str = "csv") -> str:
    with pytest.raises(ConfigError) as info:
        parse_history(text, "hist.csv", kind)
    return info.value.render()


@pytest.mark.verifies("SWR_AGE_004")
def test_csv_and_json_give_the_same_history(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(_csv(*GOOD))
    history = load_history(path)
    assert isinstance(history, UsageHistory)
    assert len(history.rows) == 3
    assert history.rows[0].capacity_pct is None
    assert history.rows[1].capacity_pct == 99.5
    as_json = tmp_path / "h.json"
    as_json.write_text(
        json.dumps({"rows": [r.model_dump(exclude_none=True) for r in history.rows]})
    )
    assert load_history(as_json) == history
    assert set(HISTORY_COLUMNS) >= set(HEADER.split(","))


@pytest.mark.verifies("SWR_AGE_004", method="fault_injection")
@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ((GOOD[0], "86400,172800,nan,70,50,0.5,0.4,,"), "hist.csv:3: temperature_degc: 'nan'"),
        ((GOOD[0], "86400,172800,25,inf,50,0.5,0.4,,"), "hist.csv:3: soc_mean_pct: 'inf'"),
        ((GOOD[0], "86400,172800,25,60,abc,0.5,0.4,,"), "hist.csv:3: dod_pct: 'abc'"),
        ((GOOD[0], "90000,172800,25,60,40,0.5,0.4,,"), "hist.csv:3: start_s: 90000 leaves a gap"),
        (
            (GOOD[0], "80000,172800,25,60,40,0.5,0.4,,"),
            "hist.csv:3: start_s: 80000 leaves an overlap",
        ),
        ((GOOD[1], GOOD[0]), "hist.csv:2: start_s: 86400 leaves a gap"),
        ((GOOD[0], GOOD[0]), "hist.csv:3: start_s: 0 must be > the previous start"),
        (
            (GOOD[0], "86400,172800,25,60,40,0.5,0.4,99,"),
            "hist.csv:3: capacity_sigma_pct: capacity_pct and",
        ),
        ((GOOD[0], "86400,172800,25,60,40,,0.4,,"), "hist.csv:3: efc: value missing"),
        ((GOOD[0], "86400,172800,25,60"), "hist.csv:3: <row>: expected 9 columns, got 4"),
        (
            (GOOD[0], "86400,86400,25,60,40,0.5,0.4,,"),
            "hist.csv:3: end_s: 86400 must be > start_s=86400",
        ),
        (
            (GOOD[0], "86400,172800,25,160,40,0.5,0.4,,"),
            "hist.csv:3: soc_mean_pct: Input should be less",
        ),
    ],
)
def test_bad_csv_rows_name_file_line_and_field(rows: tuple[str, ...], expected: str) -> None:
    assert expected in _error(_csv(*rows))


@pytest.mark.verifies("SWR_AGE_004")
def test_unknown_and_missing_columns_are_named() -> None:
    assert "hist.csv:1: voltage_v: unknown column" in _error(_csv(header=HEADER + ",voltage_v"))
    no_efc = HEADER.replace(",efc", "")
    assert "hist.csv:1: efc: required column missing" in _error(_csv(header=no_efc))
    assert "no rows" in _error(_csv())


@pytest.mark.verifies("SWR_AGE_004", method="fault_injection")
def test_bad_json_rows_name_the_row_and_field() -> None:
    good = {
        "start_s": 0,
        "end_s": 10,
        "temperature_degc": 25,
        "soc_mean_pct": 50,
        "dod_pct": 10,
        "efc": 0.1,
        "c_rate": 0.5,
    }
    gap = dict(good, start_s=20, end_s=30)
    assert "rows[1].start_s: 20 leaves a gap" in _error(json.dumps([good, gap]), "json")
    nan = dict(good, start_s=10, end_s=20, efc=float("nan"))
    assert "rows[1].efc: nan is not a finite number" in _error(json.dumps([good, nan]), "json")
    extra = dict(good, colour=1)
    assert "rows[0].colour: unknown column" in _error(json.dumps([extra]), "json")
    text = dict(good, c_rate="fast")
    assert "rows[0].c_rate: 'fast' is not a finite number" in _error(json.dumps([text]), "json")
    assert "hist.csv:1: <file>: not JSON" in _error("{", "json")
    assert "<root>: expected a list" in _error("3", "json")


@pytest.mark.verifies("SWR_AGE_004")
def test_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.csv: <file>: cannot be read"):
        load_history(tmp_path / "missing.csv")
