"""Tests of bms/units.py: mypy keeps the units apart.

Covers: passing amperes where volts are expected, and a bare float where a
unit is expected, are type errors under ``mypy --strict``; correct use is
clean. Runs mypy on a snippet, so it checks the real type checker.
"""

from pathlib import Path

import pytest
from mypy import api

from bms.units import Amperes, Volts

SNIPPET = """
from bms.units import Amperes, Volts

def needs_volts(value: Volts) -> Volts:
    return value

needs_volts(Volts(3.7))
{line}
"""


@pytest.mark.parametrize(
    ("line", "expected_error"),
    [
        ("needs_volts(Amperes(1.0))", 'incompatible type "Amperes"; expected "Volts"'),
        ("needs_volts(3.7)", 'incompatible type "float"; expected "Volts"'),
        ("", None),
    ],
    ids=["amperes-for-volts", "bare-float-for-volts", "correct-use"],
)
def test_mypy_keeps_units_apart(tmp_path: Path, line: str, expected_error: str | None) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET.format(line=line), encoding="utf-8")
    stdout, _, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    if expected_error is None:
        assert status == 0, stdout
    else:
        assert status == 1
        assert expected_error in stdout


def test_units_are_free_at_run_time() -> None:
    assert Volts(3.7) == 3.7
    assert type(Amperes(1.0)) is float
