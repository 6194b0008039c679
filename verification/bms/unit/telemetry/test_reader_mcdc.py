"""MC/DC tests of bms/telemetry/_reader.py against SWR_TEL_002.

Covers the conditions the main tests leave without independent effect: a
line that breaks the schema in one field only names that field with no
``(and N more)``, while a line that breaks it in several fields names the
first and counts the others; a line whose error has no location (no
``kind`` to choose the record type by) names ``<record>`` as its field,
while a field error names the field's dotted path; a version 1 line whose
``limits`` is not an object is named by the schema check (the upgrade
leaves it), and one without a known ``kind`` gets no added field.
"""

import json
from pathlib import Path

import pytest

from bms.telemetry import TelemetryError, read_telemetry
from verification.bms.unit.telemetry.test_model import PERIODIC


def _problems(tmp_path: Path, *lines: str) -> tuple[tuple[int, str, str], ...]:
    """The problems :func:`read_telemetry` reports for a file of ``lines``."""
    path = tmp_path / "run.telemetry.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with pytest.raises(TelemetryError) as caught:
        read_telemetry(path)
    assert str(path) in str(caught.value)
    return caught.value.problems


@pytest.mark.verifies("SWR_TEL_002", method="fault_injection")
def test_one_bad_field_is_named_alone_and_several_are_counted(tmp_path: Path) -> None:
    one = json.dumps({**PERIODIC, "time_ms": "soon"})
    several = json.dumps({"schema_version": 3, "kind": "session"})
    (first, second) = _problems(tmp_path, one, several)
    assert first[:2] == (1, "periodic.time_ms")
    assert "more)" not in first[2]
    assert second[0] == 2
    assert second[1].startswith("session.")
    assert second[2].endswith(" more)")
    count = int(second[2].rsplit("(and ", 1)[1].split(" ")[0])
    assert count >= 2


@pytest.mark.verifies("SWR_TEL_002", method="fault_injection")
def test_an_error_without_location_names_the_record(tmp_path: Path) -> None:
    no_kind = json.dumps({"schema_version": 3})
    bad_field = json.dumps({**PERIODIC, "counters": {**PERIODIC["counters"], "steps": -1}})
    (first, second) = _problems(tmp_path, no_kind, bad_field)
    assert first[:2] == (1, "<record>")
    assert "kind" in first[2]
    assert second[:2] == (2, "periodic.counters.steps")


@pytest.mark.verifies("SWR_TEL_002", method="fault_injection")
def test_a_malformed_version_1_line_is_named_by_the_schema_check(tmp_path: Path) -> None:
    old = {k: v for k, v in PERIODIC.items() if k not in ("soc_started_from", "state_of_health")}
    not_an_object = json.dumps({**old, "schema_version": 1, "limits": 5})
    unknown_kind = json.dumps({**old, "schema_version": 1, "kind": "hourly"})
    (first, second) = _problems(tmp_path, not_an_object, unknown_kind)
    assert first[:2] == (1, "periodic.limits")
    assert second[:2] == (2, "<record>")
    assert "hourly" in second[2]
