"""Tests of ``bms plating-map`` (bms/cli/_cmd_plating_map.py) without running the DFN.

Covers: the command is registered with its options; a bad margin or C-rate is
a usage error (2) before any simulation, without a traceback; ``--into``
merging sets only the ``plating`` key of a chemistry file, validated, and
leaves the file untouched (with a message naming ``plating.<field>``) when the
map is malformed or the file unreadable.
"""

import json
from pathlib import Path

import pytest

from bms.cell import parse_chemistry
from bms.cli import ExitCode, main
from bms.cli._cmd_plating_map import _merge
from verification.bms.unit.cell.chemistry_fixture import chemistry_text
from verification.bms.unit.estimation.plating_fixture import plating_data


@pytest.mark.verifies("SWR_PLAT_004")
def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["plating-map", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--parameter-set", "--temperatures", "--margin-mv", "--out", "--into"):
        assert option in out


@pytest.mark.verifies("SWR_PLAT_004")
@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--margin-mv", "-5"], "--margin-mv=-5 must lie in [0, 500] mV"),
        (["--c-rates", "0.5", "0"], "must all be > 0"),
    ],
)
def test_bad_numbers_are_usage_errors_before_any_simulation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str], words: str
) -> None:
    out = tmp_path / "map.json"
    args = ["plating-map", "--parameter-set", "Chen2020", *option, "--out", str(out)]
    assert main(args) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.verifies("SWR_PLAT_004")
def test_merge_sets_only_the_plating_key(tmp_path: Path) -> None:
    path = tmp_path / "cell.json"
    path.write_text(chemistry_text(), encoding="utf-8")
    before = json.loads(path.read_text(encoding="utf-8"))
    assert _merge(path, plating_data()) is None
    after = json.loads(path.read_text(encoding="utf-8"))
    assert after.pop("plating") == plating_data()
    assert after == before
    assert parse_chemistry(path.read_text(encoding="utf-8")).plating is not None


@pytest.mark.verifies("SWR_PLAT_004")
def test_merge_refuses_a_malformed_map_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cell.json"
    path.write_text(chemistry_text(), encoding="utf-8")
    original = path.read_text(encoding="utf-8")
    problem = _merge(path, plating_data(soc_breakpoints=[0.0, 0.5, 0.25, 0.75, 1.0]))
    assert problem is not None
    assert "plating.soc_breakpoints" in problem
    assert path.read_text(encoding="utf-8") == original
    missing = tmp_path / "missing.json"
    problem = _merge(missing, plating_data())
    assert problem is not None
    assert "missing.json" in problem
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"garbage\x00\xff")  # not UTF-8: was a UnicodeDecodeError
    problem = _merge(binary, plating_data())
    assert problem is not None
    assert "binary.json: cannot be read as JSON" in problem
    assert binary.read_bytes() == b"garbage\x00\xff"
