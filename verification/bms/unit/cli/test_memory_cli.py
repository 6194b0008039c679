"""Tests of bms/cli/_cmd_memory.py: ``bms memory``, SWR_SOC_009.

Covers: the command shows a capacity file's cells, capacities and kept SoC;
``--clear-soc`` clears the kept SoC and keeps the rest of the file, after
which the file shows none; a malformed or missing file exits 2 naming the
file and the field, and loses nothing.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bms.cli import ExitCode, main
from bms.config import load_config
from bms.controller import new_pack_capacity
from bms.estimation import SocStart
from bms.memory import load_capacity, save_capacity
from verification.bms.unit.cell.chemistry_fixture import synthetic_chemistry

CELLS = load_config().pack.series_count


def _saved(tmp_path: Path) -> Path:
    """A capacity file of the shipped pack, saved at a key-off with each cell's SoC."""
    path = tmp_path / "capacity.json"
    kept = SocStart(np.linspace(0.4, 0.6, CELLS), np.full(CELLS, 0.008))
    tracker = new_pack_capacity(synthetic_chemistry(), CELLS)
    save_capacity(path, tracker, pairs=3, now=datetime(2026, 11, 1, tzinfo=UTC), soc=kept)
    return path


@pytest.mark.verifies("SWR_SOC_009")
def test_memory_shows_the_file_and_clears_its_soc_for_a_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _saved(tmp_path)
    before = load_capacity(path, CELLS)
    assert main(["memory", str(path)]) == ExitCode.OK
    shown = capsys.readouterr().out
    assert f"{CELLS} cells, schema 3, saved 2026-11-01 00:00 UTC" in shown
    assert "3 pairs committed" in shown
    assert "kept SoC 40.0 .. 60.0 %, largest sigma 0.80 % at key-off" in shown
    assert load_capacity(path, CELLS) == before  # showing changes nothing
    assert main(["memory", str(path), "--clear-soc"]) == ExitCode.OK
    assert "kept SoC cleared" in capsys.readouterr().out
    after = load_capacity(path, CELLS)
    assert after.soc is None
    assert after.soc_sigma is None
    assert after.model_copy(update={"soc": before.soc, "soc_sigma": before.soc_sigma}) == before
    assert main(["memory", str(path)]) == ExitCode.OK
    assert "kept SoC: none" in capsys.readouterr().out


@pytest.mark.verifies("SWR_SOC_009", method="fault_injection")
def test_memory_refuses_a_malformed_or_missing_file_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _saved(tmp_path)
    document = json.loads(path.read_text())
    document["soc"] = [1.5] * CELLS
    path.write_text(json.dumps(document))
    text = path.read_text()
    assert main(["memory", str(path), "--clear-soc"]) == ExitCode.USAGE
    error = capsys.readouterr().err
    assert str(path) in error
    assert "soc must be in [0, 1]" in error
    assert path.read_text() == text  # nothing cleared, nothing lost
    missing = tmp_path / "none.json"
    assert main(["memory", str(missing)]) == ExitCode.USAGE
    assert str(missing) in capsys.readouterr().err
