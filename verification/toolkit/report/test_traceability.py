"""Tests of the traceability report (safety_case/report/_traceability.py, _model.py).

Covers: every need is listed with its parents, children, code, tests and
records; leaf requirements get the methods their ASIL requires and those
still missing; figures per ASIL count implemented, verified, fresh passing
and every-method requirements; orphans both ways (requirements without code
or tests or a known parent; code, tests and records naming unknown ids);
chains run hazard -> goal -> ... -> leaf; goal summaries count gaps; the
report round-trips through its JSON and validates against its schema.
"""

import json

import jsonschema
import pytest

from safety_case.report import TraceabilityReport, traceability

from ._fixtures import make_case


@pytest.fixture(scope="module")
def report() -> TraceabilityReport:
    return traceability(make_case())


def test_requirements(report: TraceabilityReport) -> None:
    by_id = {r.id: r for r in report.requirements}
    swr_a = by_id["SWR_A"]
    assert swr_a.leaf
    assert swr_a.parents == ("TSR_A",)
    assert swr_a.code_units == ("pkg.a",)
    assert swr_a.tests == ("tests.t_a",)
    assert set(swr_a.evidence) == {"t_a", "t_a_fi"}
    assert swr_a.required_methods == ("requirements_based_test", "fault_injection")
    assert swr_a.methods_missing == ()
    assert by_id["SWR_B"].required_methods == ()  # QM(D): developed at QM
    assert by_id["TSR_A"].children == ("SWR_A", "SWR_B")
    assert not by_id["TSR_A"].leaf


def test_figures_per_asil(report: TraceabilityReport) -> None:
    figures = {f.asil: f for f in report.asil_figures}
    d = figures["D"]
    assert (d.requirements, d.implemented, d.verified, d.fresh_passing, d.every_method) == (
        1,
        1,
        1,
        1,
        1,
    )
    qm = figures["QM(D)"]
    assert (qm.requirements, qm.implemented, qm.verified, qm.fresh_passing) == (1, 0, 1, 0)
    assert figures["B"].every_method == 0


def test_orphans_both_ways(report: TraceabilityReport) -> None:
    orphans = report.orphans
    assert orphans.requirements_without_code == ("SWR_B", "SWR_LOST")
    assert orphans.requirements_without_tests == ("SWR_LOST",)
    assert orphans.requirements_without_parent == ("SWR_LOST",)
    assert orphans.code_naming_unknown == {"pkg.z": ("SWR_ZZZ",)}
    assert orphans.tests_naming_unknown == {}
    assert orphans.evidence_naming_unknown == {"t_x": ("SWR_NOPE",)}


def test_chains_and_goals(report: TraceabilityReport) -> None:
    paths = [c.path for c in report.chains]
    assert paths == [
        ("HAZ_A", "SG_A", "FSR_A", "TSR_A", "SWR_A"),
        ("HAZ_A", "SG_A", "FSR_A", "TSR_A", "SWR_B"),
    ]
    assert (report.chains[1].evidence, report.chains[1].evidence_counting) == (1, 0)
    goal = next(g for g in report.goals if g.id == "SG_A")
    assert goal.status == "stale"
    assert goal.stale == 1


def test_json_round_trip_and_schema(report: TraceabilityReport) -> None:
    data = json.loads(report.model_dump_json())
    jsonschema.validate(data, TraceabilityReport.model_json_schema())
    assert TraceabilityReport.model_validate(data) == report
    data["schema_version"] = 2
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, TraceabilityReport.model_json_schema())
