"""Tests of bms/cli/_cmd_memory.py: ``bms memory``, SWR_SOC_009 and SWR_SOH_008.

Covers: the command shows a capacity file's cells, capacities and kept SoC;
``--clear-soc`` clears the kept SoC and keeps the rest of the file, after
which the file shows none; a malformed or missing file exits 2 naming the
file and the field, and loses nothing. ``--new-pack`` writes a new pack's
first file, configured (3 %) or from graded cells (a listing with comments
and blank lines, each cell's capacity and the given sigma), and refuses,
exit 2, naming what is wrong and writing nothing: an existing file, a
sigma without capacities or the reverse, a line that is not a number (its
line number), a count other than the cells', a sigma that is not > 0,
``--clear-soc`` with it, or its options without it. With ``--chemistry``
alone it shows the weakest cell's State of Health and its bound. SWR_SOC_010:
it says how many cells keep the plateau's floor, and says nothing of it when
none does. SWR_CTRL_CHEM_001: a chemistry that does not describe the pack's
cell is refused, exit 3, and no file is written.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bms.cell import load_chemistry
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
    beta = np.linspace(-0.3, 0.2, CELLS)
    kept = SocStart(np.linspace(0.4, 0.6, CELLS), np.full(CELLS, 0.008), beta)
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
    assert f"{CELLS} cells, schema 5, saved 2026-11-01 00:00 UTC" in shown
    assert "3 pairs committed" in shown
    assert "kept SoC 40.0 .. 60.0 %, largest sigma 0.80 % at key-off; up to 0.30 points" in shown
    assert "plateau's floor" not in shown  # no cell marked
    assert load_capacity(path, CELLS) == before  # showing changes nothing
    assert main(["memory", str(path), "--clear-soc"]) == ExitCode.OK
    assert "kept SoC cleared" in capsys.readouterr().out
    after = load_capacity(path, CELLS)
    assert after.soc is None
    assert after.soc_sigma is None
    assert after.soc_scale_sensitivity is None
    kept_fields = ("soc", "soc_sigma", "soc_scale_sensitivity")
    restored = {name: getattr(before, name) for name in kept_fields}
    assert after.model_copy(update=restored) == before
    assert main(["memory", str(path)]) == ExitCode.OK
    assert "kept SoC: none" in capsys.readouterr().out


@pytest.mark.verifies("SWR_SOC_010")
def test_memory_says_how_many_cells_keep_the_plateau_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _saved(tmp_path)
    document = json.loads(path.read_text())
    document["soc_plateau_bound"] = [index < 3 for index in range(CELLS)]
    path.write_text(json.dumps(document))
    assert main(["memory", str(path)]) == ExitCode.OK
    assert "; 3 cells keep the plateau's floor (started unsure" in capsys.readouterr().out


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


@pytest.mark.verifies("SWR_SOH_008")
def test_memory_writes_a_new_packs_first_file_configured_or_graded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configured = tmp_path / "configured.json"
    assert main(["memory", str(configured), "--new-pack", "--chemistry", "NMC_Chen2020"]) == 0
    shown = capsys.readouterr().out
    assert "wrote a new pack's capacity file" in shown
    assert "largest sigma 3.00 %, 0 pairs committed" in shown
    record = load_capacity(configured, CELLS)
    assert record.soc is None
    assert record.saved_at is not None
    measured = np.linspace(4.9, 5.3, CELLS)
    listing = tmp_path / "graded.txt"
    listing.write_text(
        "# end-of-line grading, Ah\n\n" + "".join(f"{value}  # cell\n" for value in measured)
    )
    graded = tmp_path / "graded.json"
    arguments = ["--new-pack", "--chemistry", "NMC_Chen2020", "--measured", str(listing)]
    code = main(["memory", str(graded), *arguments, "--measured-sigma-pct", "0.8"])
    assert code == ExitCode.OK
    assert "largest sigma 0.80 %" in capsys.readouterr().out
    tracker = load_capacity(graded, CELLS).tracker()
    assert tracker.estimate.capacity_ah == pytest.approx(measured)
    assert tracker.estimate.capacity_sigma_ah == pytest.approx(0.008 * measured)


@pytest.mark.verifies("SWR_SOH_008", method="fault_injection")
@pytest.mark.parametrize(
    ("lines", "extra", "expected"),
    [
        (None, ["--chemistry", "NMC_Chen2020"], "exists: a pack's capacity file is never"),
        ("5.0\n" * CELLS, ["--chemistry", "NMC_Chen2020"], "go together"),
        ("5.0\nfive\n", ["--measured-sigma-pct", "1"], ":2: 'five' is not a capacity in Ah"),
        ("5.0\n" * 3, ["--measured-sigma-pct", "1"], "3 capacities for"),
        ("5.0\n" * CELLS, ["--measured-sigma-pct", "0"], "sigma_pct"),
        ("5.0\n" * CELLS, ["--clear-soc", "--measured-sigma-pct", "1"], "keeps no SoC"),
    ],
    ids=["existing-file", "sigma-missing", "not-a-number", "wrong-count", "zero-sigma", "clear"],
)
def test_memory_refuses_a_bad_new_pack_naming_what_is_wrong(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    lines: str | None,
    extra: list[str],
    expected: str,
) -> None:
    path = _saved(tmp_path) if lines is None else tmp_path / "new.json"
    before = path.read_text() if path.exists() else None
    arguments = ["memory", str(path), "--new-pack", *extra]
    if lines is not None:
        listing = tmp_path / "graded.txt"
        listing.write_text(lines)
        arguments += ["--measured", str(listing)]
        if "--chemistry" not in extra:
            arguments += ["--chemistry", "NMC_Chen2020"]
    assert main(arguments) == ExitCode.USAGE
    assert expected in capsys.readouterr().err
    assert (path.read_text() if path.exists() else None) == before  # nothing written or lost
    assert main(["memory", str(tmp_path / "x.json"), "--measured-sigma-pct", "1"]) == 2
    assert "go with --new-pack" in capsys.readouterr().err


@pytest.mark.verifies("SWR_SOC_009")
def test_memory_shows_the_state_of_health_against_the_chemistry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chemistry = load_chemistry("NMC_Chen2020")
    graded = np.full(CELLS, chemistry.nominal_capacity_ah)
    graded[6] *= 0.9
    path = tmp_path / "capacity.json"
    tracker = new_pack_capacity(
        chemistry, CELLS, measured_capacity_ah=graded.tolist(), measured_sigma_pct=1.0
    )
    save_capacity(path, tracker, pairs=0, now=datetime(2026, 11, 1, tzinfo=UTC))
    assert main(["memory", str(path), "--chemistry", "NMC_Chen2020"]) == ExitCode.OK
    shown = capsys.readouterr().out
    # 1 % of the cell's 90 % and the 0.5 % gain of it, in quadrature: 1.0 % of the nominal
    assert "weakest cell 7 at 90.0 % +- 1.0 % (1 sigma" in shown
    assert "cells 90.0 .. 100.0 %" in shown
    assert main(["memory", str(path)]) == ExitCode.OK
    assert "state of health" not in capsys.readouterr().out
    assert main(["memory", str(path), "--chemistry", "NOPE"]) == ExitCode.CONFIG
    refused = capsys.readouterr()
    assert "unknown chemistry 'NOPE'" in refused.err
    assert refused.out == ""  # nothing shown before the refusal


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_memory_refuses_a_chemistry_of_another_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lfp.json"
    wrong = [
        "memory",
        str(path),
        "--new-pack",
        "--chemistry",
        "NMC_Chen2020",
        "--config",
        "lfp_96s",
    ]
    assert main(wrong) == ExitCode.CONFIG
    assert "with chemistry 'NMC_Chen2020': cell.chemistry:" in capsys.readouterr().err
    assert not path.exists()
    right = [*wrong[:4], "LFP_Prada2013", "--config", "lfp_96s"]
    assert main(right) == ExitCode.OK
    assert path.is_file()
