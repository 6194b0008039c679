"""Tests of bms/telemetry/_reader.py against SWR_TEL_002.

Covers: records written by :func:`write_telemetry` read back equal (NaN
included) with blank lines skipped; a record of another schema version,
and one without a version, are rejected with a message naming the file, the
line and ``schema_version`` and both versions, without reading the rest; a
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
    TelemetryError,
    read_telemetry,
    write_telemetry,
)
from bms.telemetry._model import RECORD_ADAPTER
from verification.bms.unit.telemetry.test_model import PERIODIC


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
@pytest.mark.parametrize(("version", "shown"), [(2, "2"), (0, "0"), ("1", "'1'")])
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
    assert "reads schema version 1" in message
    assert caught.value.problems == ((2, "schema_version", caught.value.problems[0][2]),)


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
