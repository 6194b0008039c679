"""Tests of safety_case/runners/mcdc/_report.py and the JSON round trips of _runtime/_model.

Covers: figures per module and in total for both criteria; the decision
entry (function, kind, conditions, vectors, covered lists, uncovered under
the chosen criterion); write then read; another format version rejected
with a message naming the file and both versions; a measurement survives
its JSON form (as between xdist workers) and merging adds counts.
"""

import json
from pathlib import Path

import pytest

from safety_case.runners.mcdc import (
    Criterion,
    Measurement,
    build_report,
    read_report,
    write_report,
)

from .conftest import run_source

SOURCE = """
def f(a, b, c):
    if (a and b) or c:
        return 1
    return 0
"""


def _measured() -> Measurement:
    module = run_source(SOURCE)
    module.fn()(True, False, True)
    module.fn()(False, True, False)
    measurement = Measurement()
    measurement.modules["m"] = module.data
    return measurement


def test_report_figures_and_decision_entry() -> None:
    report = build_report(_measured(), Criterion.MASKING)
    assert report["figures"] == {
        "decisions": 1,
        "decisions_evaluated": 1,
        "decisions_both_outcomes": 1,
        "conditions": 3,
        "unique_cause_covered": 0,
        "unique_cause_pct": 0.0,
        "masking_covered": 1,
        "masking_pct": 33.33,
    }
    [decision] = report["modules"]["m"]["decisions"]
    assert (decision["function"], decision["kind"], decision["text"]) == (
        "m.f",
        "if",
        "a and b or c",
    )
    assert decision["vectors"] == [
        [[False, None, False], False, 1],
        [[True, False, True], True, 1],
    ]
    assert (decision["unique_cause_covered"], decision["masking_covered"]) == ([], [2])
    assert decision["uncovered"] == [0, 1]
    assert decision["tree"] == ["or", [["and", [0, 1]], 2]]


def test_write_read_and_version_check(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    report = build_report(_measured())
    write_report(path, report)
    assert read_report(path) == report
    path.write_text(json.dumps({**report, "format_version": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"r\.json: MC/DC report format_version=99; .* reads 1"):
        read_report(path)


def test_measurement_json_round_trip_and_merge() -> None:
    original = _measured()
    copy = Measurement.from_json(json.loads(json.dumps(original.to_json())))
    assert copy.to_json() == original.to_json()
    original.merge(copy)
    assert sum(original.modules["m"].observed[0].values()) == 4
