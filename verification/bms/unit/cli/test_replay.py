"""Tests of ``bms replay`` and ``bms schema`` (bms/cli/_cmd_replay.py, _cmd_schema.py).

Covers: a clean replay exits 0 and writes one JSON line per input line; a
file with malformed lines exits 1, names each line on stderr, still writes
every step and prints no traceback; an unreadable input exits 2; invalid
UTF-8 is a malformed line; ``schema inputs`` prints the ControllerInputs
JSON Schema.
"""

import json
from pathlib import Path

import pytest

from bms.cli import ExitCode, main
from bms.controller import ControllerInputs, ControllerOutputs
from verification.bms.unit.controller.frames import frame


@pytest.mark.verifies("SWR_CTRL_REPLAY_001")
def test_clean_replay(tmp_path: Path) -> None:
    inputs, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    inputs.write_text("".join(frame(i * 10).model_dump_json() + "\n" for i in range(30)))
    assert main(["replay", "--inputs", str(inputs), "--out", str(out)]) == ExitCode.OK
    lines = out.read_text().splitlines()
    assert len(lines) == 30
    assert ControllerOutputs.model_validate_json(lines[-1]).step == 30


@pytest.mark.verifies("SWR_CTRL_REPLAY_001")
def test_malformed_lines_reported_run_continues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    good = frame().model_dump_json()
    inputs.write_bytes(f"{good}\n{{bad\n{good}\n".encode() + b"\xff\xfe\n" + f"{good}\n".encode())
    code = main(["replay", "--inputs", str(inputs), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == ExitCode.FAILED
    assert f"{inputs}:2: malformed frame" in err
    assert f"{inputs}:4: malformed frame" in err
    assert "Traceback" not in err
    assert len(out.read_text().splitlines()) == 5


def test_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", "--inputs", str(tmp_path / "missing"), "--out", str(tmp_path / "o")])
    assert code == ExitCode.USAGE
    assert "missing" in capsys.readouterr().err


@pytest.mark.verifies("SWR_CTRL_IN_001")
def test_schema_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "inputs"]) == ExitCode.OK
    schema = json.loads(capsys.readouterr().out)
    assert schema == ControllerInputs.model_json_schema()
    assert main(["schema", "outputs"]) == ExitCode.OK
