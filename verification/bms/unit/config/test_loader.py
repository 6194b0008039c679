"""Tests of bms/config/_loader.py: loading pack files and reporting every problem.

Covers: the shipped default pack; a table of malformed files (syntax,
missing and unknown keys, wrong types, out-of-range values, broken order
of tiers, debounce outside the fault tolerant time, thresholds outside the
cell's envelope, a wrong format version), each asserting that the message
names the file, the field and the line; several problems reported at once;
an unreadable or binary (not UTF-8) file; the shipped LFP pack, found by its name as the NMC one
is, and a name that is no shipped pack read as a path.
"""

from pathlib import Path

import pytest

from bms.config import (
    default_pack_path,
    load_config,
    pack_file,
    parse_config,
    shipped_pack_path,
)
from bms.errors import ConfigError

DEFAULT_TEXT = default_pack_path().read_text(encoding="utf-8")


def _replace(old: str, new: str) -> str:
    assert old in DEFAULT_TEXT, f"fixture drifted: {old!r} not in the default pack"
    return DEFAULT_TEXT.replace(old, new, 1)


MALFORMED = [
    pytest.param(
        _replace("series_count = 96", "series_count = 96 ="),
        "<syntax>",
        "invalid TOML",
        id="toml-syntax",
    ),
    pytest.param(
        _replace("series_count = 96\n", ""), "pack.series_count", "required", id="missing-field"
    ),
    pytest.param(
        _replace("series_count = 96", "serie_count = 96"),
        "pack.serie_count",
        "did you mean series_count",
        id="unknown-field-typo",
    ),
    pytest.param(
        _replace("series_count = 96", 'series_count = "96"'),
        "pack.series_count",
        "valid integer",
        id="string-for-int",
    ),
    pytest.param(
        _replace("series_count = 96", "series_count = 0"),
        "pack.series_count",
        "greater than or equal to 1",
        id="series-count-zero",
    ),
    pytest.param(
        _replace("over_warning_v = 4.22", "over_warning_v = 4.3"),
        "protection.cell_voltage.over_warning_v",
        "over_warning_v=4.3 must be < over_fault_v=4.25",
        id="warning-above-fault",
    ),
    pytest.param(
        _replace("over_fault_v = 4.25", "over_fault_v = 4.35"),
        "protection.cell_voltage.over_fault_v",
        "over_fault_v=4.35 must be < cell.absolute_max_voltage_v=4.3",
        id="fault-above-cell-maximum",
    ),
    pytest.param(
        _replace("debounce_ms = 200", "debounce_ms = 300"),
        "protection.cell_voltage.timing.debounce_ms",
        "debounce_ms=300 must be < fault_tolerant_time_ms=300",
        id="debounce-equals-ftti",
    ),
    pytest.param(
        _replace("debounce_ms = 200", "debounce_ms = 280"),
        "protection.cell_voltage.timing",
        "debounce_ms=280 + pack.protection_period_ms + pack.contactors.opening_time_ms",
        id="debounce-plus-reaction-exceeds-ftti",
    ),
    pytest.param(
        _replace("estimation_period_ms = 100", "estimation_period_ms = 105"),
        "pack.estimation_period_ms",
        "whole multiple",
        id="estimation-period-not-multiple",
    ),
    pytest.param(
        _replace("under_fault_degc = 0.0", "under_fault_degc = 10.0"),
        "protection.charge_temperature.under_fault_degc",
        "under_fault_degc=10.0 must be <",
        id="temperature-tiers-out-of-order",
    ),
    pytest.param(
        _replace('name = "hall"\nrange_a = 1000.0', 'name = "hall"\nrange_a = -5.0'),
        "pack.current_sensors.1.range_a",
        "greater than 0",
        id="negative-sensor-range",
    ),
    pytest.param(
        _replace("format_version = 1", "format_version = 2"),
        "format_version",
        "Input should be 1",
        id="unknown-format-version",
    ),
    pytest.param(
        _replace("fault_a = 65.0", "fault_a = 100.0"),
        "protection.charge_current.fault_a",
        "charge_current.fault_a=100.0 must be <=",
        id="current-above-cell-rating",
    ),
]


def test_default_pack_is_valid_96s_nmc() -> None:
    config = load_config()
    assert config.pack.series_count == 96
    assert config.cell.chemistry == "NMC"


@pytest.mark.parametrize(("text", "field", "fragment"), MALFORMED)
def test_malformed_file_names_file_field_and_problem(
    tmp_path: Path, text: str, field: str, fragment: str
) -> None:
    path = tmp_path / "pack.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    matching = [p for p in caught.value.problems if p.field == field]
    assert matching, f"no problem for {field}: {caught.value.render()}"
    assert any(fragment in p.message for p in matching), caught.value.render()
    assert str(path) in caught.value.render()
    assert all(p.line is not None for p in matching), "every problem points at a line"


def test_problem_points_at_the_offending_line(tmp_path: Path) -> None:
    text = _replace("over_warning_v = 4.22", "over_warning_v = 4.3")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "pack.toml")
    (problem,) = caught.value.problems
    key_line = text.splitlines().index("over_warning_v = 4.3") + 1
    assert problem.line == key_line
    assert problem.field == "protection.cell_voltage.over_warning_v"


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = _replace("series_count = 96", "series_count = -1").replace(
        "parallel_count = 20", "parallel_count = 0"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "pack.toml")
    fields = {p.field for p in caught.value.problems}
    assert {"pack.series_count", "pack.parallel_count"} <= fields


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "missing.toml")


def test_a_binary_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    binary = tmp_path / "frames.bin"
    binary.write_bytes(b"garbage\x00\xff")  # not UTF-8: was a UnicodeDecodeError traceback
    with pytest.raises(ConfigError, match=r"frames.bin: <file>: cannot be read: 'utf-8' codec"):
        load_config(binary)


def test_config_error_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid TOML"):
        parse_config("[", "x.toml")


def test_shipped_packs_are_found_by_name_and_the_lfp_one_is_valid() -> None:
    assert shipped_pack_path("nmc_96s") == default_pack_path()
    lfp = shipped_pack_path("lfp_96s")
    assert lfp is not None
    config = load_config(lfp)
    assert (config.cell.chemistry, config.pack.series_count) == ("LFP", 96)
    assert config.protection.cell_voltage.over_fault_v < config.cell.absolute_max_voltage_v
    assert pack_file("lfp_96s") == lfp


def test_a_name_that_is_no_shipped_pack_is_read_as_a_path(tmp_path: Path) -> None:
    assert shipped_pack_path("no_such_pack") is None
    assert shipped_pack_path("../nmc_96s") is None  # never a path
    assert pack_file("no_such_pack") == Path("no_such_pack")
    local = tmp_path / "lfp_96s.toml"
    assert pack_file(str(local)) == local
    with pytest.raises(ConfigError, match="no_such_pack: <file>: cannot be read"):
        load_config(pack_file("no_such_pack"))
