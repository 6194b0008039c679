"""Tests of bms/cli/_pack_argument.py: ``--config`` takes a shipped pack's name or a path.

Covers: ``bms config show --config lfp_96s`` shows the shipped LFP pack; a
replay of the LFP pack with its own chemistry runs, and with the NMC
chemistry exits with the configuration code, naming the pack, the chemistry
and the disagreeing fields, without a traceback and without writing an
output file.
"""

from pathlib import Path

import pytest

from bms.cli import ExitCode, main
from verification.bms.unit.controller.frames import frame


def test_a_shipped_pack_is_named_without_its_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--config", "lfp_96s"]) == ExitCode.OK
    assert 'pack: "LFP 96s20p pack"' in capsys.readouterr().out


@pytest.mark.verifies("SWR_CTRL_CHEM_001")
def test_a_replay_with_another_cells_chemistry_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inputs.write_text("".join(frame(i * 10).model_dump_json() + "\n" for i in range(3)))
    base = ["replay", "--inputs", str(inputs), "--out", str(out), "--config", "lfp_96s"]
    assert main([*base, "--chemistry", "LFP_Prada2013"]) == ExitCode.OK
    assert len(out.read_text().splitlines()) == 3
    out.unlink()
    assert main([*base, "--chemistry", "NMC_Chen2020"]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert "pack 'LFP 96s20p pack' with chemistry 'NMC_Chen2020': cell.chemistry:" in err
    assert "cell.absolute_max_voltage_v" in err
    assert "Traceback" not in err
    assert not out.exists()
