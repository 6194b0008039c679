"""Tests of the ``bms calibrate`` and ``bms validate`` commands' argument handling.

Covers: an unknown PyBaMM set is a configuration error (exit 3) whose message
lists the known sets, without a traceback; a fit whose rested voltages lie
more than 50 mV rms from its OCV table is refused (exit 3, the file not
written) and a good one written (the calibration stood in); out-of-range SoCs, a bad repeat
count, a negative key-on time or NEES run count, an ageing above 1 and a
malformed ``--sensor`` override are usage errors (exit 2). No
simulation runs (they need PyBaMM only to get past the extra check).
"""

from pathlib import Path
from types import SimpleNamespace

import pytest

import bms.calibration
from bms.cell import load_chemistry, parse_chemistry
from bms.cli import main

pytest.importorskip("pybamm")


def test_calibrate_unknown_set_lists_the_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["calibrate", "--parameter-set", "Nope2099", "--out", str(tmp_path / "x.json")])
    assert code == 3
    err = capsys.readouterr().err
    assert "Chen2020" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.verifies("SWR_CAL_001", method="fault_injection")
@pytest.mark.parametrize(("ocv_rmse_v", "code"), [(0.774, 3), (0.012, 0)])
def test_calibrate_refuses_a_fit_far_off_its_ocv_table(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ocv_rmse_v: float,
    code: int,
) -> None:
    shipped = load_chemistry("NMC_Chen2020")
    fit = shipped.fit.model_copy(update={"ocv_rmse_v": ocv_rmse_v})
    fitted = SimpleNamespace(chemistry=shipped.model_copy(update={"fit": fit}))
    monkeypatch.setattr(bms.calibration, "calibrate", lambda *_args, **_kwargs: fitted)
    out = tmp_path / "x.json"
    assert main(["calibrate", "--parameter-set", "ORegan2022", "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code:
        assert "774 mV rms from the fitted OCV table" in err
        assert not out.exists()
    else:
        assert parse_chemistry(out.read_text(encoding="utf-8"), str(out)).fit.ocv_rmse_v == 0.012


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(["--initial-soc", "1.5", "--soc-guess", "0.5"], id="initial-soc"),
        pytest.param(["--initial-soc", "0.8", "--soc-guess", "-0.1"], id="guess"),
        pytest.param(["--initial-soc", "0.8", "--soc-guess", "0.5", "--repeat", "0"], id="repeat"),
        pytest.param(
            ["--initial-soc", "0.8", "--soc-guess", "0.5", "--key-on-s", "-1"], id="key-on"
        ),
        pytest.param(
            ["--initial-soc", "0.8", "--soc-guess", "0.5", "--nees-runs", "-2"], id="nees-runs"
        ),
        pytest.param(
            ["--initial-soc", "0.8", "--soc-guess", "0.5", "--aged-capacity", "1.2"], id="aged"
        ),
        pytest.param(
            ["--initial-soc", "0.8", "--soc-guess", "0.5", "--sensor", "voltage_noise_v"],
            id="sensor-override",
        ),
    ],
)
def test_validate_rejects_bad_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    out = tmp_path / "v.json"
    code = main(
        ["validate", "--parameter-set", "Chen2020", "--cycle", "udds", "--json", str(out), *extra]
    )
    assert code == 2
    assert "bms validate:" in capsys.readouterr().err
    assert not out.exists()
