"""Tests of the ``bms calibrate`` and ``bms validate`` commands' argument handling.

Covers: an unknown PyBaMM set is a configuration error (exit 3) whose message
lists the known sets, without a traceback; out-of-range SoCs, a bad repeat
count, a negative key-on time or NEES run count, an ageing above 1 and a
malformed ``--sensor`` override are usage errors (exit 2). No
simulation runs (they need PyBaMM only to get past the extra check).
"""

from pathlib import Path

import pytest

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
