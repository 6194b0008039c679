"""Tests of ``bms prognosis`` (bms.cli._cmd_prognosis) on small usage histories.

Covers: `--help` renders; a good CSV history gives exit 0, a summary on stdout and a JSON file
with the RUL to 80 % and 70 % and their intervals; a history with a gap, a
NaN, a time going backwards or an unknown column, and an unknown chemistry
or parameter file, give exit code 3 and one line naming the file, the line
and the field on stderr, never a traceback.
"""

import json
from pathlib import Path

import pytest

from bms.cli import ExitCode, main

HEADER = (
    "start_s,end_s,temperature_degc,soc_mean_pct,dod_pct,efc,c_rate,capacity_pct,capacity_sigma_pct"
)


def _write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "history.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _good_rows(days: int = 400) -> list[str]:
    rows = []
    for d in range(days):
        measured = f"{100 - 0.01 * d:.3f},0.5" if d % 30 == 29 else ","
        rows.append(f"{d * 86400},{(d + 1) * 86400},28,70,40,0.6,0.4,{measured}")
    return rows


@pytest.mark.verifies("SWR_AGE_004")
@pytest.mark.parametrize("chemistry", ["NMC", "LFP"])
def test_good_history_writes_the_prognosis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], chemistry: str
) -> None:
    out = tmp_path / "out.json"
    code = main(
        [
            "prognosis",
            "--history",
            str(_write(tmp_path, _good_rows())),
            "--json",
            str(out),
            "--chemistry",
            chemistry,
        ]
    )
    assert code == ExitCode.OK
    assert "RUL to 80 %" in capsys.readouterr().out
    document = json.loads(out.read_text())
    assert document["chemistry"] == chemistry
    assert [r["threshold_pct"] for r in document["remaining"]] == [80.0, 70.0]
    assert document["estimate"]["measurements"] >= 13
    first = document["remaining"][0]
    assert first["lower_days"] <= first["days"]


@pytest.mark.verifies("SWR_AGE_004", method="fault_injection")
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda rows: [*rows[:5], rows[6]], "history.csv:7: start_s: 518400 leaves a gap"),
        (
            lambda rows: [rows[0], rows[1].replace(",28,", ",nan,")],
            "history.csv:3: temperature_degc",
        ),
        (lambda rows: [rows[1], rows[0]], "history.csv:2: start_s: 86400 leaves a gap"),
        (lambda rows: [rows[0], rows[2], rows[1]], "history.csv:3: start_s: 172800 leaves a gap"),
        (lambda rows: [rows[0], rows[1], rows[1]], "history.csv:4: start_s: 86400 must be > the"),
    ],
)
def test_bad_history_exits_3_naming_file_line_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: object, expected: str
) -> None:
    assert callable(change)
    path = _write(tmp_path, change(_good_rows(10)))
    code = main(["prognosis", "--history", str(path)])
    err = capsys.readouterr().err
    assert code == ExitCode.CONFIG
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.verifies("SWR_AGE_004")
def test_unknown_column_and_bad_parameters_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, [r + ",1" for r in _good_rows(3)], HEADER + ",voltage_v")
    assert main(["prognosis", "--history", str(path)]) == ExitCode.CONFIG
    assert "history.csv:1: voltage_v: unknown column" in capsys.readouterr().err
    good = _write(tmp_path, _good_rows(3))
    params = tmp_path / "params.json"
    params.write_text('{"chemistry": "NMC"}')
    assert main(["prognosis", "--history", str(good), "--params", str(params)]) == ExitCode.CONFIG
    assert "params.json: source: Field required" in capsys.readouterr().err


@pytest.mark.verifies("SWR_AGE_004")
def test_help_renders(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["prognosis", "--help"])
    assert info.value.code == 0
    assert "--history" in capsys.readouterr().out


@pytest.mark.verifies("SWR_AGE_004")
def test_the_capacity_bias_sigma_reaches_the_prognosis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = str(_write(tmp_path, _good_rows()))
    variances = []
    for sigma in ("0", "1.5"):
        out = tmp_path / f"out_{sigma}.json"
        args = ["prognosis", "--history", history, "--json", str(out)]
        assert main([*args, "--capacity-bias-sigma-pct", sigma]) == ExitCode.OK
        variances.append(json.loads(out.read_text())["estimate"]["covariance"][4][4])
    assert variances[0] == 0.0
    assert 0.0 < variances[1] < 0.015**2
    code = main(["prognosis", "--history", history, "--capacity-bias-sigma-pct", "-1"])
    assert code == ExitCode.CONFIG
    assert "capacity_bias_sigma_pct: must be in [0, 10]" in capsys.readouterr().err
