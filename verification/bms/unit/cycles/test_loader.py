"""Tests of bms.cycles._loader: shipped cycles and the CSV loader.

Covers: the shipped UDDS and HWFET load (1 s samples, sensible peaks and
durations), ``repeated``, the power-to-current conversion and its argument
checks, and one invalid-input case per rule of the CSV loader, each asserting
that the message names the file, the line and the column.
"""

from pathlib import Path

import numpy as np
import pytest

from bms.cycles import (
    cell_current_from_power,
    cycle_names,
    load_cycle,
    load_cycle_power,
    parse_cycle_csv,
)
from bms.errors import ConfigError


@pytest.mark.verifies("SWR_CAL_003")
@pytest.mark.parametrize(("name", "duration_s"), [("udds", 1369.0), ("hwfet", 765.0)])
def test_shipped_cycles_load_at_one_second(name: str, duration_s: float) -> None:
    cycle = load_cycle(name)
    assert cycle.duration_s == duration_s
    assert np.all(np.diff(cycle.time_s) == 1.0)
    # the default pack (96s20p, 5 Ah cells): peaks of the Bolt's 30-37 kW, regeneration negative
    assert 3.0 < cycle.current_a.max() < 8.0
    assert cycle.current_a.min() < 0.0


@pytest.mark.verifies("SWR_CAL_003")
def test_shipped_names_and_power_match_current() -> None:
    assert cycle_names() == ("hwfet", "udds")
    time_s, power_w = load_cycle_power("udds")
    current = cell_current_from_power(power_w, 96, 20, 3.63)
    np.testing.assert_allclose(current, load_cycle("udds").current_a, atol=2e-5)
    assert time_s.size == current.size


def test_repeated_concatenates_in_time() -> None:
    cycle = load_cycle("hwfet")
    twice = cycle.repeated(2)
    assert twice.time_s.size == 2 * cycle.time_s.size
    assert np.all(np.diff(twice.time_s) > 0.0)
    with pytest.raises(ValueError, match="count"):
        cycle.repeated(0)


def test_power_conversion_rejects_a_bad_pack() -> None:
    with pytest.raises(ValueError, match="series_count"):
        cell_current_from_power(np.ones(2), 0, 1, 3.6)


@pytest.mark.verifies("SWR_CAL_003")
def test_user_csv_loads(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("time_s,current_a\n0,1.5\n1,-2\n\n2.5,0\n", encoding="utf-8")
    cycle = load_cycle(path)
    assert cycle.time_s.tolist() == [0.0, 1.0, 2.5]
    assert cycle.current_a.tolist() == [1.5, -2.0, 0.0]


@pytest.mark.verifies("SWR_CAL_003")
@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        pytest.param("time,current\n0,1\n1,1\n", 1, "<header>", id="wrong-header"),
        pytest.param("", 1, "<header>", id="empty"),
        pytest.param("time_s,current_a\n0,1\n1,1,3\n", 3, "<row>", id="three-columns"),
        pytest.param("time_s,current_a\n0,1\n1,abc\n", 3, "current_a", id="not-a-number"),
        pytest.param("time_s,current_a\n0,1\nnan,1\n", 3, "time_s", id="nan-time"),
        pytest.param("time_s,current_a\n0,1\n1,inf\n", 3, "current_a", id="infinite"),
        pytest.param("time_s,current_a\n0,1\n1,1\n1,2\n", 4, "time_s", id="time-repeats"),
        pytest.param("time_s,current_a\n0,1\n2,1\n1,2\n", 4, "time_s", id="time-goes-back"),
    ],
)
def test_bad_csv_names_file_line_and_column(
    tmp_path: Path, text: str, line: int, field: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_cycle(path)
    message = caught.value.render()
    assert f"{path}:{line}: {field}:" in message


@pytest.mark.verifies("SWR_CAL_003")
def test_too_few_samples_and_unknown_names_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 2 samples"):
        parse_cycle_csv("time_s,current_a\n0,1\n", "one.csv")
    with pytest.raises(ConfigError, match="shipped: hwfet, udds"):
        load_cycle("us06")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_cycle(tmp_path / "missing.csv")
