"""A judged case built by hand (no Sphinx run), shared by the report tests."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safety_case.evidence import EvidenceRecord, Method, ToolInfo, Verdict
from safety_case.policy import Policy
from safety_case.report import Case, JudgedEvidence, case_from_parts
from safety_case.trace import TraceTarget

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def need(need_id: str, need_type: str, **fields: Any) -> dict[str, Any]:
    return {"id": need_id, "type": need_type, "title": need_id.lower(), "docname": "reqs", **fields}


NEEDS = {
    "HAZ_A": need("HAZ_A", "hazard", asil="D", mitigates_back=["SG_A"]),
    "SG_A": need("SG_A", "safety_goal", asil="D", mitigates=["HAZ_A"], satisfies_back=["FSR_A"]),
    "FSR_A": need("FSR_A", "fsr", asil="D", satisfies=["SG_A"], satisfies_back=["TSR_A"]),
    "TSR_A": need("TSR_A", "tsr", asil="D", satisfies=["FSR_A"], satisfies_back=["SWR_A", "SWR_B"]),
    "SWR_A": need("SWR_A", "swr", asil="D", satisfies=["TSR_A"]),
    "SWR_B": need("SWR_B", "swr", asil="QM(D)", satisfies=["TSR_A"]),
    "SWR_LOST": need("SWR_LOST", "swr", asil="B", satisfies=["TSR_GONE"]),
}


def record(
    record_id: str, method: Method, ids: tuple[str, ...], verdict: Verdict = Verdict.PASS
) -> EvidenceRecord:
    return EvidenceRecord(
        id=record_id,
        method=method,
        requirement_ids=ids,
        requirement_fingerprints={},
        subjects=(),
        verdict=verdict,
        tool=ToolInfo(name="pytest", version="8"),
        started_at=NOW,
        finished_at=NOW,
    )


def target(name: str, kind: str, *ids: str) -> TraceTarget:
    return TraceTarget(name, kind, ids, Path("x.py"), 1)


def make_case(evidence: list[JudgedEvidence] | None = None) -> Case:
    judged = (
        evidence
        if evidence is not None
        else [
            JudgedEvidence(record("t_a", Method.REQUIREMENTS_BASED_TEST, ("SWR_A",)), ()),
            JudgedEvidence(record("t_a_fi", Method.FAULT_INJECTION, ("SWR_A",)), ()),
            JudgedEvidence(
                record("t_b", Method.REQUIREMENTS_BASED_TEST, ("SWR_B",)), ("code changed",)
            ),
            JudgedEvidence(record("t_x", Method.REQUIREMENTS_BASED_TEST, ("SWR_NOPE",)), ()),
        ]
    )
    return case_from_parts(
        Policy(code=("pkg",), tests=("tests",), root=Path()),
        needs=NEEDS,
        code_units=[target("pkg.a", "code", "SWR_A"), target("pkg.z", "code", "SWR_ZZZ")],
        tests=[target("tests.t_a", "test", "SWR_A"), target("tests.t_b", "test", "SWR_B")],
        evidence=judged,
        document_exists=lambda _path: True,
    )


COMPLETE_POLICY = """\
[safety_case]
requirements = "reqs"
code = ["pkg"]
tests = ["tests"]

[safety_case.verification]
per_requirement = { D = ["requirements_based_test"] }
per_project = { D = [] }

[safety_case.verification.justifications]
"D:fault_injection" = "miniature project"
"D:static_analysis" = "miniature project"
"D:interface_test" = "miniature project"
"D:structural_coverage" = "miniature project"
"D:inspection" = "miniature project"
"D:semi_formal" = "miniature project"
"D:control_data_flow" = "miniature project"
"D:back_to_back" = "miniature project"
"D:resource_usage" = "miniature project"

[safety_case.argument]
assumptions = ["The pump runs from a 12 V supply."]

[safety_case.argument.tools.pytest]
impact = "TI2"
detection = "TD1"
justification = "Every test is seen failing before it passes."
"""

PROJECT = {
    "reqs/index.rst": """
        Requirements
        ============

        .. hazard:: Pump overheats
           :id: HAZ_PUMP_HOT
           :severity: S3
           :exposure: E4
           :controllability: C3
           :asil: D

           The pump overheats.

        .. safety_goal:: Keep the pump cool
           :id: SG_PUMP_COOL
           :asil: D
           :safe_state: Pump off
           :ftti_ms: 500
           :mitigates: HAZ_PUMP_HOT

           The pump shall not overheat.

        .. fsr:: Stop a hot pump
           :id: FSR_PUMP_STOP
           :asil: D
           :satisfies: SG_PUMP_COOL

           Stop the pump when hot.

        .. tsr:: Stop within 100 ms
           :id: TSR_PUMP_STOP
           :asil: D
           :satisfies: FSR_PUMP_STOP

           Stop within 100 ms.

        .. swr:: Limit the temperature
           :id: SWR_PUMP_LIMIT
           :asil: D
           :satisfies: TSR_PUMP_STOP

           Stop above 80 degC.
    """,
    "pkg/__init__.py": "",
    "pkg/mod.py": '''
        def limit(temperature_degc):
            """Implements: SWR_PUMP_LIMIT"""
            return temperature_degc < 80.0
    ''',
    "tests/test_mod.py": """
        import pytest

        @pytest.mark.verifies("SWR_PUMP_LIMIT")
        def test_limit():
            pass
    """,
}


def pump_record(root: Path, verdict: Verdict) -> EvidenceRecord:
    """The record of ``tests/test_mod.py::test_limit`` against the current ``pkg/mod.py``.

    Built without a needs export (no requirement fingerprints), which keeps
    Sphinx-based tests to one build.
    """
    from safety_case.evidence import Subject  # noqa: PLC0415
    from safety_case.fingerprint import code_unit_fingerprint  # noqa: PLC0415

    fingerprint = code_unit_fingerprint(root / "pkg" / "mod.py", "pkg.mod.limit", "pkg.mod")
    return EvidenceRecord(
        id="tests/test_mod.py::test_limit",
        method=Method.REQUIREMENTS_BASED_TEST,
        requirement_ids=("SWR_PUMP_LIMIT",),
        requirement_fingerprints={},
        subjects=(
            Subject(
                qualified_name="pkg.mod.limit", path="pkg/mod.py", fingerprint=fingerprint or ""
            ),
        ),
        verdict=verdict,
        tool=ToolInfo(name="pytest", version="8"),
        started_at=NOW,
        finished_at=NOW,
    )


SITE = {
    "docs/conf.py": """
        extensions = ["safety_case.sphinx"]
        project = "mini"
        safety_case_policy_file = "../safety_case.toml"
    """,
    "docs/index.rst": """
        Mini
        ====

        .. toctree::

           reqs/index
           safety_case
           traceability
    """,
    "docs/safety_case.rst": """
        Safety case
        ===========

        .. safety-case::
    """,
    "docs/traceability.rst": """
        Traceability
        ============

        .. safety-traceability::
    """,
}
"""A Sphinx site around the pump project: the case dashboard and the traceability page."""
