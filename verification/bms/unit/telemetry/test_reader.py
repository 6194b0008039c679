"""Tests of bms/telemetry/_reader.py against SWR_TEL_002.

Covers: records written by :func:`write_telemetry` read back equal (NaN
included) with blank lines skipped; a version 1 record (periodic and
session) reads as version 3 with the fields versions 2 and 3 added null, and
a version 2 record without its state of health, the file left as it was;
one that already has such a field is named; a record of
another schema version, and one without a version, are rejected with a
message naming the file, the line and ``schema_version`` and the versions
read, without reading the rest; a
line that is not JSON, not an object, or breaks the schema names its line
and field; every problem of a file is listed (up to 20); an unreadable file
names itself.
"""

import io
import json
import math
from pathlib import Path

import pytest

from bms.telemetry import (
    PeriodicRecord,
    SessionRecord,
    TelemetryError,
    read_telemetry,
    write_telemetry,
)
from bms.telemetry._model import RECORD_ADAPTER
from verification.bms.unit.telemetry.test_model import PERIODIC, SESSION


def _periodic(**changes: object) -> PeriodicRecord:
    record = RECORD_ADAPTER.validate_json(json.dumps({**PERIODIC, **changes}))
    assert isinstance(record, PeriodicRecord)
    return record


@pytest.mark.verifies("SWR_TEL_002")
def test_round_trip(tmp_path: Path) -> None:
    records = [_periodic(time_ms=t) for t in (0, 1000, 2000)]
    records.append(_periodic(pack_voltage_v=math.nan))
    sink = io.StringIO()
    assert write_telemetry(sink, records) == 4
    path = tmp_path / "t.jsonl"
    path.write_text(sink.getvalue().replace("\n", "\n\n", 1), encoding="utf-8")
    back = read_telemetry(path)
    assert back[:3] == tuple(records[:3])
    last = back[3]
    assert isinstance(last, PeriodicRecord)
    assert math.isnan(last.pack_voltage_v)


@pytest.mark.verifies("SWR_TEL_002", method="fault_injection")
@pytest.mark.parametrize(("version", "shown"), [(4, "4"), (0, "0"), ("2", "'2'"), (True, "True")])
def test_another_schema_version_is_rejected_clearly(
    tmp_path: Path, version: object, shown: str
) -> None:
    path = tmp_path / "old.jsonl"
    good = json.dumps(PERIODIC)
    path.write_text(good + "\n" + json.dumps({**PERIODIC, "schema_version": version}) + "\n")
    with pytest.raises(TelemetryError) as caught:
        read_telemetry(path)
    message = str(caught.value)
    assert f"{path}:2: schema_version: {shown} is not supported" in message
    assert "reads schema versions 1, 2 and 3" in message
    assert caught.value.problems == ((2, "schema_version", caught.value.problems[0][2]),)


def _version_2(record: dict[str, object]) -> dict[str, object]:
    """``record`` as version 2 wrote it: without the field version 3 added."""
    return {**{k: v for k, v in record.items() if k != "state_of_health"}, "schema_version": 2}


def _version_1(record: dict[str, object]) -> dict[str, object]:
    """``record`` as version 1 wrote it: without the fields versions 2 and 3 added."""
    old = {
        k: v for k, v in _version_2(record).items()
        if k not in ("soc_started_from", "plating_limited_s")
    }  # fmt: skip
    limits = old.get("limits")
    if isinstance(limits, dict):
        old["limits"] = {k: v for k, v in limits.items() if k != "charge_limited_by"}
    return {**old, "schema_version": 1}


@pytest.mark.verifies("SWR_TEL_002")
def test_a_version_1_file_reads_as_version_3_with_the_added_fields_not_recorded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v1.jsonl"
    text = json.dumps(_version_1(PERIODIC)) + "\n" + json.dumps(_version_1(SESSION)) + "\n"
    path.write_text(text)
    periodic, session = read_telemetry(path)
    assert isinstance(periodic, PeriodicRecord)
    assert isinstance(session, SessionRecord)
    assert periodic.schema_version == session.schema_version == 3
    assert periodic.soc_started_from is None
    assert periodic.limits.charge_limited_by is None
    assert periodic.state_of_health is None
    assert session.plating_limited_s is None
    # everything version 1 did record is read as it was
    current = RECORD_ADAPTER.validate_json(json.dumps(PERIODIC))
    assert isinstance(current, PeriodicRecord)
    assert (
        periodic.model_copy(
            update={
                "soc_started_from": PERIODIC["soc_started_from"],
                "state_of_health": current.state_of_health,
                "limits": periodic.limits.model_copy(
                    update={"charge_limited_by": PERIODIC["limits"]["charge_limited_by"]}
                ),
            }
        )
        == current
    )
    assert path.read_text() == text


@pytest.mark.verifies("SWR_TEL_002")
def test_a_version_2_file_reads_as_version_3_without_a_state_of_health(tmp_path: Path) -> None:
    path = tmp_path / "v2.jsonl"
    path.write_text(json.dumps(_version_2(PERIODIC)) + "\n" + json.dumps(_version_2(SESSION)))
    periodic, session = read_telemetry(path)
    assert isinstance(periodic, PeriodicRecord)
    assert periodic.schema_version == session.schema_version == 3
    assert periodic.state_of_health is None
    assert periodic.soc_started_from == PERIODIC["soc_started_from"]
    assert session == RECORD_ADAPTER.validate_json(json.dumps(SESSION))
    path.write_text(json.dumps({**_version_2(PERIODIC), "state_of_health": None}))
    with pytest.raises(TelemetryError) as caught:
        read_telemetry(path)
    assert caught.value.problems == ((1, "state_of_health", "not a field of schema version 2"),)


@pytest.mark.verifies("SWR_TEL_002", method="fault_injection")
@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({**_version_1(PERIODIC), "soc_started_from": "memory"}, "soc_started_from"),
        (
            {**_version_1(PERIODIC), "limits": PERIODIC["limits"]},
            "limits.charge_limited_by",
        ),
        ({**_version_1(SESSION), "plating_limited_s": 1.0}, "plating_limited_s"),
    ],
)
def test_a_version_1_record_with_a_version_2_field_is_named(
    tmp_path: Path, record: dict[str, object], field: str
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(TelemetryError) as caught:
        read_telemetry(path)
    assert caught.value.problems == ((1, field, "not a field of schema version 1"),)


@pytest.mark.verifies("SWR_TEL_002", method="fault_injection")
def test_missing_version_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({k: v for k, v in PERIODIC.items() if k != "schema_version"}))
    with pytest.raises(TelemetryError, match=r"t\.jsonl:1: schema_version: missing"):
        read_telemetry(path)


@pytest.mark.verifies("SWR_TEL_002", method="fault_injection")
def test_every_bad_line_is_named_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    lines = [
        "{not json",
        "[1, 2]",
        json.dumps({**PERIODIC, "limits": {**PERIODIC["limits"], "charge_current_a": -5.0}}),
        json.dumps({**PERIODIC, "extra": 1}),
    ]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TelemetryError) as caught:
        read_telemetry(path)
    where = [(line, field) for line, field, _ in caught.value.problems]
    assert where == [
        (1, "<line>"), (2, "<line>"), (3, "periodic.limits.charge_current_a"),
        (4, "periodic.extra"),
    ]  # fmt: skip


def test_problems_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("{bad\n" * 50)
    with pytest.raises(TelemetryError) as caught:
        read_telemetry(path)
    assert len(caught.value.problems) == 20


def test_unreadable_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(TelemetryError, match=r"missing\.jsonl"):
        read_telemetry(tmp_path / "missing.jsonl")
