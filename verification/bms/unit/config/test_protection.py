"""Tests of bms/config/_protection.py: two-tier limits with their timing.

Covers: each limit class rejects tiers out of order and names both
fields; a debounce equal to or longer than its fault tolerant time is
rejected; boundary: a debounce one millisecond shorter is accepted.
"""

from typing import Any

import pytest
from pydantic import ValidationError

from bms.config import CurrentLimit, TemperatureLimits, TimedLimit, VoltageLimits, load_config

PROTECTION = load_config().protection
TIMING = {"debounce_ms": 100, "fault_tolerant_time_ms": 500}


@pytest.mark.parametrize(
    ("model", "data", "fragment"),
    [
        (
            VoltageLimits,
            {**PROTECTION.cell_voltage.model_dump(), "under_warning_v": 2.5},
            "under_fault_v=2.6 must be < under_warning_v=2.5",
        ),
        (
            VoltageLimits,
            {**PROTECTION.cell_voltage.model_dump(), "over_warning_v": 2.7},
            "under_warning_v=2.8 must be < over_warning_v=2.7",
        ),
        (
            CurrentLimit,
            {"warning_a": 300.0, "fault_a": 280.0, "timing": TIMING},
            "warning_a=300.0 must be < fault_a=280.0",
        ),
        (
            TemperatureLimits,
            {**PROTECTION.charge_temperature.model_dump(), "over_fault_degc": 40.0},
            "over_warning_degc=45.0 must be < over_fault_degc=40.0",
        ),
        (
            TimedLimit,
            {"debounce_ms": 500, "fault_tolerant_time_ms": 500},
            "debounce_ms=500 must be < fault_tolerant_time_ms=500",
        ),
        (TimedLimit, {"debounce_ms": -1, "fault_tolerant_time_ms": 500}, "debounce_ms"),
    ],
    ids=[
        "voltage-under-tiers",
        "voltage-windows-overlap",
        "current-tiers",
        "temperature-tiers",
        "debounce-equals-ftti",
        "negative-debounce",
    ],
)
def test_invalid_limits(model: type[Any], data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        model.model_validate(data)


def test_debounce_just_inside_ftti_is_accepted() -> None:
    timing = TimedLimit(debounce_ms=499, fault_tolerant_time_ms=500)
    assert timing.debounce_ms < timing.fault_tolerant_time_ms
