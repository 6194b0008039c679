"""Tests of bms/config/_pack.py: pack structure, sensors and contactor timing.

Covers (one table of invalid inputs per constructor): series count out of
range, one or three current sensors, a non-positive sensor range, an
estimation period that is not a multiple of the protection period,
contactor timing out of range; the default pack's values.
"""

from typing import Any

import pytest
from pydantic import ValidationError

from bms.config import ContactorConfig, PackConfig, load_config

PACK = load_config().pack.model_dump()


def _with(**changes: Any) -> dict[str, Any]:
    return {**PACK, **changes}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_with(series_count=0), "series_count"),
        (_with(series_count=257), "series_count"),
        (_with(current_sensors=PACK["current_sensors"][:1]), "current_sensors"),
        (_with(current_sensors=PACK["current_sensors"] * 2), "current_sensors"),
        (_with(estimation_period_ms=15), "estimation_period_ms"),
        (_with(protection_period_ms=0), "protection_period_ms"),
        (_with(name=""), "name"),
    ],
    ids=[
        "series-zero",
        "series-too-many",
        "one-sensor",
        "four-sensors",
        "period-not-multiple",
        "period-zero",
        "empty-name",
    ],
)
def test_invalid_pack(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PackConfig.model_validate(data)
    assert field in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        {"opening_time_ms": 0, "precharge_timeout_ms": 2000, "precharge_max_attempts": 3},
        {"opening_time_ms": 30, "precharge_timeout_ms": 2000, "precharge_max_attempts": 0},
        {"opening_time_ms": 30, "precharge_timeout_ms": 20_000, "precharge_max_attempts": 3},
    ],
    ids=["opening-zero", "no-attempts", "timeout-too-long"],
)
def test_invalid_contactors(data: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        ContactorConfig.model_validate(data)


def test_default_pack_values() -> None:
    pack = PackConfig.model_validate(PACK)
    assert (pack.series_count, pack.parallel_count) == (96, 20)
    assert [s.name for s in pack.current_sensors] == ["shunt", "hall"]
