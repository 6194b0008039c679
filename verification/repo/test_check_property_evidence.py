"""Tests of verification/scripts/check_property_evidence.py on synthetic property records.

Covers: a record of the certification profile with at least 1,000 examples
allowed and run and a repeatable seed passes; each shortfall is named on
its own (fewer than 1,000 examples run, a lower ``max_examples``, another
profile, a random seed), and the limit is the caller's; ``main`` prints one
line per property record, ignores records that ran no property and records
older than ``--since``, exits 1 when one record falls short, 0 when none
does and 2 when there is no property record at all.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safety_case.evidence import EvidenceRecord, Method, ToolInfo, Verdict, write_record

from ._scripts import load_script

check_property_evidence = load_script("check_property_evidence")

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
CERTIFIED: dict[str, float | int | str] = {
    "hypothesis_profile": "certification",
    "max_examples": 1000,
    "examples_run": 1000,
    "derandomize": 1,
    "seed": "derandomized (fixed by the test's source)",
}


def _record(
    test_id: str, figures: dict[str, float | int | str], finished_at: datetime = NOW
) -> EvidenceRecord:
    return EvidenceRecord(
        id=test_id,
        method=Method.REQUIREMENTS_BASED_TEST,
        requirement_ids=("SWR_PROP_001",),
        requirement_fingerprints={},
        subjects=(),
        verdict=Verdict.PASS,
        tool=ToolInfo(name="pytest", version="x"),
        figures=figures,
        started_at=finished_at - timedelta(seconds=1),
        finished_at=finished_at,
    )


def _problems(**changes: float | int | str) -> list[str]:
    record = _record("t::test_property", {**CERTIFIED, **changes})
    found: list[str] = check_property_evidence.problems(
        record, min_examples=1000, profile="certification"
    )
    return found


def test_a_certification_record_with_1000_examples_passes() -> None:
    assert _problems() == []
    assert _problems(examples_run=4000, seed="@seed(7)") == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"examples_run": 999}, "examples_run=999"),
        ({"max_examples": 100, "examples_run": 100}, "max_examples=100 (settings in the test)"),
        ({"hypothesis_profile": "dev"}, "profile 'dev', not 'certification'"),
        ({"seed": "random (not reproducible)", "derandomize": 0}, "seed not reproducible"),
    ],
)
def test_each_shortfall_is_named(changes: dict[str, float | int | str], problem: str) -> None:
    assert problem in _problems(**changes)


def test_a_record_without_counts_falls_short() -> None:
    record = _record("t::test_property", {"hypothesis_profile": "certification"})
    found = check_property_evidence.problems(record, min_examples=1000, profile="certification")
    assert found == [
        "max_examples=None (settings in the test)",
        "examples_run=0",
        "seed not reproducible",
    ]


def test_the_limit_is_the_callers() -> None:
    record = _record("t::test_property", {**CERTIFIED, "examples_run": 50, "max_examples": 50})
    assert check_property_evidence.problems(record, min_examples=50, profile="certification") == []


def _evidence(tmp_path: Path, *records: EvidenceRecord) -> list[str]:
    folder = tmp_path / "evidence"
    for record in records:
        write_record(folder, record)
    return ["--evidence", str(folder)]


def test_main_flags_a_short_record_and_ignores_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _evidence(
        tmp_path,
        _record("t::test_good", CERTIFIED),
        _record("t::test_short", {**CERTIFIED, "examples_run": 999}),
        _record("t::test_plain", {"duration_s": 0.1}),
    )
    assert check_property_evidence.main(args) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("pass  t::test_good: 1000 examples (max 1000)")
    assert lines[0].endswith(": ok")
    assert lines[1].endswith(": examples_run=999")
    assert lines[2] == (
        "2 property records; 1 below 1000 examples or not repeatable under the "
        "'certification' profile"
    )


def test_main_passes_when_every_record_is_certified(tmp_path: Path) -> None:
    args = _evidence(tmp_path, _record("t::a", CERTIFIED), _record("t::b", CERTIFIED))
    assert check_property_evidence.main(args) == 0


def test_main_skips_records_older_than_since(tmp_path: Path) -> None:
    old = _record("t::old", {**CERTIFIED, "examples_run": 10}, NOW - timedelta(hours=1))
    args = _evidence(tmp_path, old, _record("t::new", CERTIFIED))
    assert check_property_evidence.main(args) == 1
    assert check_property_evidence.main([*args, "--since", "2026-01-01T11:30:00"]) == 0


def test_main_without_property_records_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _evidence(tmp_path, _record("t::test_plain", {"duration_s": 0.1}))
    assert check_property_evidence.main(args) == 2
    assert "no property record in" in capsys.readouterr().err
