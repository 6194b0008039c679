"""The plant-extra check: a missing module is named with the install hint, present ones pass."""

import pytest

from bms.cli._plant import missing_plant_extra


def test_present_modules_are_not_reported(capsys: pytest.CaptureFixture[str]) -> None:
    assert missing_plant_extra("validate", "json", "math") is False
    assert capsys.readouterr().err == ""


def test_a_missing_module_is_named_with_the_extra(capsys: pytest.CaptureFixture[str]) -> None:
    assert missing_plant_extra("calibrate", "json", "no_such_module_xyz") is True
    err = capsys.readouterr().err
    assert "bms calibrate: no_such_module_xyz is missing" in err
    assert "bms-safety-case[plant]" in err
