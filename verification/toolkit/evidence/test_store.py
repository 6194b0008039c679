"""Tests of safety_case/evidence/_store.py: records written and read back.

Covers: records read back equal the ones written, in file-name order; a file
that is not a valid record gives one message naming the file and the field
(and the other records are still read); a folder that does not exist gives
nothing; files that are not ``.json`` and sub-folders are ignored.
"""

from datetime import UTC, datetime
from pathlib import Path

from safety_case.evidence import EvidenceRecord, Method, ToolInfo, Verdict, write_record
from safety_case.evidence._store import read_records


def _record(number: int) -> EvidenceRecord:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return EvidenceRecord(
        id=f"tests/test_x.py::test_{number}",
        method=Method.REQUIREMENTS_BASED_TEST,
        requirement_ids=(f"SWR_X_{number:03d}",),
        requirement_fingerprints={},
        subjects=(),
        verdict=Verdict.PASS,
        tool=ToolInfo(name="pytest", version="8"),
        started_at=now,
        finished_at=now,
    )


def test_records_read_back_in_file_name_order(tmp_path: Path) -> None:
    paths = {write_record(tmp_path, _record(n)): _record(n) for n in range(5)}
    (tmp_path / "notes.txt").write_text("not a record", encoding="utf-8")
    (tmp_path / "folder.json").mkdir()
    records, problems = read_records(tmp_path)
    assert problems == []
    assert records == [paths[p] for p in sorted(paths)]


def test_an_invalid_file_is_named_with_its_field(tmp_path: Path) -> None:
    write_record(tmp_path, _record(1))
    broken = tmp_path / "broken.json"
    broken.write_text(_record(2).model_dump_json().replace('"pass"', '"maybe"'), "utf-8")
    records, problems = read_records(tmp_path)
    assert records == [_record(1)]
    assert len(problems) == 1
    assert problems[0].startswith(f"{broken}: not a valid evidence record: verdict: ")


def test_a_missing_folder_gives_nothing(tmp_path: Path) -> None:
    assert read_records(tmp_path / "absent") == ([], [])
