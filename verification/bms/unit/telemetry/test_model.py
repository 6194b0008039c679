"""Tests of bms/telemetry/_model.py against SWR_TEL_001.

Covers: the JSON Schema published in docs/_schemas equals the model's (the
docs cannot drift from the code); every record names ``schema_version``;
an unknown key is rejected in a record and in a nested part (nothing is
logged that the schema does not name); a negative counter and an unknown
status are rejected; the two kinds are told apart by ``kind``.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bms.telemetry import (
    TELEMETRY_SCHEMA_VERSION,
    PeriodicRecord,
    SessionRecord,
    telemetry_json_schema,
)
from bms.telemetry._model import RECORD_ADAPTER

PUBLISHED = Path(__file__).resolve().parents[4] / "docs" / "_schemas" / "telemetry.schema.json"

COUNTERS = {
    "steps": 3, "charge_in_ah": 0.0, "charge_out_ah": 1.5, "fault_onsets": 1,
    "latch_onsets": 0, "contactor_events": 2, "sessions": 1, "balancing_s": 0.0,
}  # fmt: skip
PERIODIC: dict[str, Any] = {
    "schema_version": 3,
    "kind": "periodic",
    "time_ms": 1000,
    "status": "connected",
    "contactor_state": "closed",
    "pack_current_a": 20.0,
    "pack_voltage_v": 355.0,
    "cell_voltage_v": {"min": 3.6, "max": 3.7, "min_index": 4, "max_index": 0},
    "temperature_degc": {"min": 24.0, "max": 26.0, "min_index": 1, "max_index": 3},
    "soc": {"value": 0.8, "sigma": 0.01},
    "soc_started_from": "memory",
    "cell_soc": None,
    "capacity_ah": {"value": 99.0, "sigma": 0.2},
    "state_of_health": {"value": 0.99, "sigma": 0.0054},
    "resistance_factor": None,
    "limits": {
        "charge_current_a": 100.0, "discharge_current_a": 200.0, "charge_power_w": 3.5e4,
        "discharge_power_w": 7e4, "derating": False, "charge_limited_by": "plating",
    },
    "faults": [
        {"fault": "cell_over_voltage", "level": "warning", "latched": False,
         "reaction": "warn", "reason": "4.23 V > 4.22 V"},
    ],
    "balancing_cells": 0,
    "thermal_request": "off",
    "counters": COUNTERS,
}  # fmt: skip

SESSION: dict[str, Any] = {
    "schema_version": 3, "kind": "session", "session": "charge", "start_ms": 0,
    "end_ms": 5000, "charge_in_ah": 3.0, "charge_out_ah": 0.0,
    "max_charge_current_a": 50.0, "max_discharge_current_a": 0.0, "soc_start": 0.2,
    "soc_end": 0.3, "plating_limited_s": 120.0, "cell_voltage_min_v": 3.5,
    "cell_voltage_max_v": 3.9, "temperature_min_degc": 20.0, "temperature_max_degc": 30.0,
    "faults_seen": [], "ended_by_fault": False,
}  # fmt: skip


@pytest.mark.verifies("SWR_TEL_001", method="interface_test")
@pytest.mark.verifies("SWR_TEL_001")
def test_published_schema_matches_the_model() -> None:
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert published == telemetry_json_schema(), (
        "regenerate with: bms schema telemetry > docs/_schemas/telemetry.schema.json"
    )


@pytest.mark.verifies("SWR_TEL_001")
def test_every_record_kind_names_the_schema_version() -> None:
    schema = telemetry_json_schema()
    for name in ("PeriodicRecord", "SessionRecord"):
        definition = schema["$defs"][name]
        assert "schema_version" in definition["required"]
        assert definition["properties"]["schema_version"]["const"] == TELEMETRY_SCHEMA_VERSION
        assert definition["additionalProperties"] is False


@pytest.mark.verifies("SWR_TEL_001")
def test_a_valid_periodic_record_parses_with_its_optional_plating_margin_absent() -> None:
    record = RECORD_ADAPTER.validate_json(json.dumps(PERIODIC))
    assert isinstance(record, PeriodicRecord)
    assert record.plating_margin_v is None
    assert record.capacity_ah is not None
    assert record.capacity_ah.sigma == pytest.approx(0.2)


@pytest.mark.verifies("SWR_TEL_001", method="fault_injection")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cell_count": 96}, "cell_count"),
        ({"soc": {"value": 0.8, "sigma": 0.01, "raw": 0.79}}, "raw"),
        ({"counters": {**COUNTERS, "steps": -1}}, "steps"),
        ({"status": "driving"}, "status"),
        ({"kind": "hourly"}, "kind"),
        ({"soc_started_from": "flash"}, "soc_started_from"),
        ({"limits": {**PERIODIC["limits"], "charge_limited_by": "charger"}}, "charge_limited_by"),
    ],
    ids=[
        "unknown-key",
        "unknown-nested-key",
        "negative-counter",
        "unknown-status",
        "kind",
        "unknown-soc-origin",
        "unknown-limit-source",
    ],
)
def test_invalid_records_are_rejected_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        RECORD_ADAPTER.validate_json(json.dumps({**PERIODIC, **change}))


@pytest.mark.verifies("SWR_TEL_001")
def test_session_records_are_told_apart_by_kind() -> None:
    record = RECORD_ADAPTER.validate_json(json.dumps(SESSION))
    assert isinstance(record, SessionRecord)
    assert record.session == "charge"
