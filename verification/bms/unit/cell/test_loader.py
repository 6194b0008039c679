"""Tests of bms/cell/_loader.py: the registry and the JSON loader against SWR_CELL_001.

Covers: loading by path; an unknown registry name listing the shipped names;
invalid JSON (syntax) with its line; a contract violation naming file, field
and line; an unreadable or binary file; every shipped chemistry file loads and its name
equals its file stem.
"""

from pathlib import Path

import pytest

from bms.cell import chemistry_names, load_chemistry, parse_chemistry
from bms.errors import ConfigError
from verification.bms.unit.cell.chemistry_fixture import chemistry_text


@pytest.mark.verifies("SWR_CELL_001")
def test_loads_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(chemistry_text(), encoding="utf-8")
    assert load_chemistry(path).name == "SYNTHETIC_TEST"
    assert load_chemistry(str(path)).name == "SYNTHETIC_TEST"


@pytest.mark.verifies("SWR_CELL_001")
def test_unknown_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ConfigError) as error:
        load_chemistry("NO_SUCH_CHEMISTRY")
    message = str(error.value)
    assert "unknown chemistry 'NO_SUCH_CHEMISTRY'" in message
    assert "shipped:" in message
    for name in chemistry_names():
        assert name in message


@pytest.mark.verifies("SWR_CELL_001")
def test_invalid_json_names_the_line() -> None:
    with pytest.raises(ConfigError) as error:
        parse_chemistry('{\n  "format_version": 1,\n  oops\n}', "bad.json")
    assert "bad.json:3: <syntax>: invalid JSON" in str(error.value)


@pytest.mark.verifies("SWR_CELL_001")
def test_contract_violation_names_file_field_and_line() -> None:
    text = chemistry_text(max_voltage_v=2.0)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if '"min_voltage_v"' in s)
    with pytest.raises(ConfigError) as error:
        parse_chemistry(text, "cells/x.json")
    assert f"cells/x.json:{line}: min_voltage_v: min_voltage_v=2.5 must be < max_voltage_v=2.0" in (
        str(error.value)
    )


@pytest.mark.verifies("SWR_CELL_001")
def test_missing_field_is_reported() -> None:
    text = chemistry_text().replace('"nominal_capacity_ah": 5.0,', "")
    with pytest.raises(ConfigError) as error:
        parse_chemistry(text, "x.json")
    assert "nominal_capacity_ah: is required but missing" in str(error.value)


@pytest.mark.verifies("SWR_CELL_001")
def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_chemistry(tmp_path / "absent.json")
    assert "<file>: cannot be read" in str(error.value)


@pytest.mark.verifies("SWR_CELL_001")
def test_a_binary_file_is_unreadable_not_a_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "cell.json"
    binary.write_bytes(b"garbage\x00\xff")  # not UTF-8: was a UnicodeDecodeError
    with pytest.raises(ConfigError, match=r"cell.json: <file>: cannot be read: 'utf-8' codec"):
        load_chemistry(binary)


@pytest.mark.verifies("SWR_CELL_001")
@pytest.mark.parametrize("name", chemistry_names())
def test_every_shipped_chemistry_loads(name: str) -> None:
    assert load_chemistry(name).name == name
