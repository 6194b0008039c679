"""Tests of bms/config/_protection.py: two-tier limits with their timing.

Covers: each limit class rejects tiers out of order and names both
fields; a debounce equal to or longer than its fault tolerant time is
rejected; boundary: a debounce one millisecond shorter is accepted; the
sections added for issue 4 (temperature scale of the current limits,
plausibility, isolation, communication, contactor sequence) reject each
invalid input with a message naming the field; the reaction budget
(``timing_problems``) of every fault, the communication timeout, the stale
stream and the weld check, with boundaries.
"""

from typing import Any

import pytest
from pydantic import ValidationError

from bms.config import (
    CommunicationLimits,
    ContactorSequenceLimits,
    CurrentLimit,
    CurrentTemperatureDerating,
    IsolationLimits,
    PlausibilityLimits,
    ProtectionConfig,
    TemperatureLimits,
    TimedLimit,
    VoltageLimits,
    load_config,
)

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


DERATING = PROTECTION.current_temperature_derating.model_dump()
PLAUSIBILITY = PROTECTION.plausibility.model_dump()
SEQUENCE = PROTECTION.contactor_sequence.model_dump()


@pytest.mark.verifies("SWR_PROT_CFG_001")
@pytest.mark.parametrize(
    ("model", "data", "fragment"),
    [
        (
            CurrentTemperatureDerating,
            {
                **DERATING,
                "breakpoints_degc": (0.0,),
                "charge_scale": (1.0,),
                "discharge_scale": (1.0,),
            },
            "breakpoints_degc has 1 entries",
        ),
        (
            CurrentTemperatureDerating,
            {**DERATING, "breakpoints_degc": (0.0, 10.0, 10.0, 55.0)},
            "breakpoints_degc must strictly increase",
        ),
        (
            CurrentTemperatureDerating,
            {**DERATING, "charge_scale": (0.2, 1.0, 1.0)},
            "charge_scale has 3 entries",
        ),
        (
            CurrentTemperatureDerating,
            {**DERATING, "discharge_scale": (0.0, 1.0, 1.0, 0.5)},
            "discharge_scale",
        ),
        (
            CurrentTemperatureDerating,
            {**DERATING, "charge_scale": (1.1, 1.0, 1.0, 0.5)},
            "charge_scale",
        ),
        (
            PlausibilityLimits,
            {**PLAUSIBILITY, "open_wire_v": 6.0},
            "open_wire_v=6.0 must be < cell_voltage_max_v=5.0",
        ),
        (
            PlausibilityLimits,
            {**PLAUSIBILITY, "temperature_max_degc": -50.0},
            "temperature_min_degc=-40.0 must be < temperature_max_degc=-50.0",
        ),
        (PlausibilityLimits, {**PLAUSIBILITY, "max_stale_periods": 0}, "max_stale_periods"),
        (
            PlausibilityLimits,
            {**PLAUSIBILITY, "current_mismatch_warning_fraction": 1.0},
            "current_mismatch_warning_fraction",
        ),
        (PlausibilityLimits, {**PLAUSIBILITY, "stuck_time_ms": 0}, "stuck_time_ms"),
        (
            IsolationLimits,
            {
                "warning_ohm_per_v": 100.0,
                "fault_ohm_per_v": 100.0,
                "sample_period_ms": 100,
                "timing": TIMING,
            },
            "fault_ohm_per_v=100.0 must be < warning_ohm_per_v=100.0",
        ),
        (
            IsolationLimits,
            {
                "warning_ohm_per_v": 500.0,
                "fault_ohm_per_v": -1.0,
                "sample_period_ms": 100,
                "timing": TIMING,
            },
            "fault_ohm_per_v",
        ),
        (
            CommunicationLimits,
            {"warning_ms": 300, "timeout_ms": 300, "timing": TIMING, "corruption_timing": TIMING},
            "warning_ms=300 must be < timeout_ms=300",
        ),
        (
            ContactorSequenceLimits,
            {**SEQUENCE, "precharge_voltage_tolerance_fraction": 0.5},
            "precharge_voltage_tolerance_fraction",
        ),
        (
            ContactorSequenceLimits,
            {**SEQUENCE, "precharge_done_current_a": 0.0},
            "precharge_done_current_a",
        ),
        (
            ContactorSequenceLimits,
            {**SEQUENCE, "weld_link_voltage_fraction": 1.0},
            "weld_link_voltage_fraction",
        ),
        (ContactorSequenceLimits, {**SEQUENCE, "minimum_dwell_ms": -1}, "minimum_dwell_ms"),
    ],
    ids=[
        "derating-one-breakpoint",
        "derating-not-increasing",
        "derating-length",
        "derating-zero-scale",
        "derating-scale-above-one",
        "open-wire-above-range",
        "temperature-range-reversed",
        "stale-periods-zero",
        "mismatch-fraction-one",
        "stuck-time-zero",
        "isolation-tiers-equal",
        "isolation-negative",
        "communication-tiers",
        "precharge-fraction",
        "precharge-current",
        "weld-fraction",
        "negative-dwell",
    ],
)
def test_invalid_new_sections(model: type[Any], data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        model.model_validate(data)


def _protection(path: str, value: Any) -> ProtectionConfig:
    data = PROTECTION.model_dump()
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[leaf] = value
    return ProtectionConfig.model_validate(data)


@pytest.mark.verifies("SWR_PROT_CFG_001", method="fault_injection")
@pytest.mark.verifies("SWR_PROT_CFG_001")
@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("discharge_current.timing.debounce_ms", 61, "protection.discharge_current.timing"),
        ("isolation.timing.debounce_ms", 871, "protection.isolation.timing"),
        ("isolation.sample_period_ms", 471, "protection.isolation.timing"),
        (
            "plausibility.current_mismatch_timing.debounce_ms",
            61,
            "protection.plausibility.current_mismatch.timing",
        ),
        ("crash.debounce_ms", 61, "protection.crash.timing"),
        ("communication.timeout_ms", 461, "protection.communication.timeout_ms=461"),
        ("plausibility.max_stale_periods", 7, "max_stale_periods=7"),
        ("contactor_sequence.weld_check_ms", 29, "weld_check_ms=29"),
        ("plausibility.stuck_time_ms", 921, "stuck_fault_tolerant_time_ms=980"),
        ("contactor_sequence.feedback_timing.debounce_ms", 131, "feedback_timing"),
        ("communication.corruption_timing.debounce_ms", 461, "communication.corruption.timing"),
    ],
)
def test_reaction_budget_problems(path: str, value: Any, fragment: str) -> None:
    problems = _protection(path, value).timing_problems(period_ms=10, opening_time_ms=30)
    assert len(problems) == 1
    assert fragment in problems[0]


@pytest.mark.verifies("SWR_PROT_CFG_001")
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("discharge_current.timing.debounce_ms", 60),
        ("isolation.timing.debounce_ms", 870),
        ("communication.timeout_ms", 460),
        ("plausibility.max_stale_periods", 6),
        ("contactor_sequence.weld_check_ms", 30),
        ("plausibility.stuck_time_ms", 920),
        ("contactor_sequence.feedback_timing.debounce_ms", 130),
        ("communication.corruption_timing.debounce_ms", 460),
    ],
)
def test_reaction_budget_boundaries_accepted(path: str, value: Any) -> None:
    assert _protection(path, value).timing_problems(period_ms=10, opening_time_ms=30) == []
