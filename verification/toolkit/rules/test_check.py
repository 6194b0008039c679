"""Each rule of the check fails on its miniature bad project and passes on the good one.

Covers, through real sphinx-needs exports (the tool-validation suite of
ISO 26262-8 clause 11): hazard ASIL from S, E, C; goal ASIL from its
hazards; ASIL inheritance; decomposition pairs and independence links; time
budgets inside the FTTI; dangling and cyclic links; unique ids; schema
violations (unknown ASIL value, missing required field, wrong link target
type); broken reStructuredText and unknown options reported with file and
line without stopping the rest; SWRs not implemented, not verified or
lacking a method their ASIL calls for; unreadable and unknown traces; the
JSON report and its clauses.
"""

import pytest

from safety_case.rules import RULES, CheckReport, Finding, RuleId, Severity


def _found(report: CheckReport, rule: RuleId, need_id: str = "") -> list[Finding]:
    return [f for f in report.findings if f.rule is rule and (not need_id or f.need_id == need_id)]


def test_good_project_passes_every_rule(good: CheckReport) -> None:
    assert good.findings == ()
    assert not good.failed
    assert (good.needs, good.code_units, good.tests) == (8, 2, 2)


@pytest.mark.parametrize(
    ("rule", "need_id", "file", "text"),
    [
        (RuleId.HAZARD_ASIL, "HAZ_HA_BAD", "reqs/hazard_asil.rst", "give D"),
        (RuleId.GOAL_ASIL, "SG_GA_BAD", "reqs/goal_asil.rst", "highest ASIL of its hazards is D"),
        (RuleId.ASIL_INHERITANCE, "FSR_IN_BAD", "reqs/inheritance.rst", "ASIL B satisfies SG_IN"),
        (RuleId.DECOMPOSITION, "TSR_DC_A", "reqs/decomposition.rst", "no permitted decomposition"),
        (RuleId.DECOMPOSITION, "TSR_DC_LONE", "reqs/decomposition.rst", "no independent_of link"),
        (RuleId.TIME_BUDGET, "TSR_TB_BAD", "reqs/budget.rst", "250 ms exceeds the FTTI of SG_TB"),
        (RuleId.CYCLIC_LINK, "FSR_CY_A", "reqs/links.rst", "FSR_CY_A -> FSR_CY_B -> FSR_CY_A"),
        (RuleId.DANGLING_LINK, "FSR_DL_BAD", "reqs/links.rst", "SG_DOES_NOT_EXIST"),
        (RuleId.UNIQUE_ID, "FSR_DUP", "reqs/malformed.rst", "already exists"),
        (RuleId.SCHEMA, "SG_SC_BAD", "reqs/malformed.rst", '"E" does not match'),
        (RuleId.SCHEMA, "SG_SC_BAD", "reqs/malformed.rst", '"ftti_ms" is a required property'),
        (RuleId.SCHEMA, "FSR_SC_WRONG", "reqs/malformed.rst", '"hazard" is not one of'),
        (RuleId.NOT_IMPLEMENTED, "SWR_TR_NONE", "reqs/traced.rst", "no code unit"),
        (RuleId.NOT_VERIFIED, "SWR_TR_NONE", "reqs/traced.rst", "no test"),
        (RuleId.METHODS, "SWR_TR_METH", "reqs/traced.rst", "want fault_injection"),
        (RuleId.TRACE, "SWR_UNKNOWN_ONE", "pkg/mod.py", "no need of the project"),
    ],
)
def test_rule_fails_on_its_bad_project(
    bad: CheckReport, rule: RuleId, need_id: str, file: str, text: str
) -> None:
    findings = [f for f in _found(bad, rule, need_id) if text in f.message]
    assert len(findings) == 1, [str(f) for f in _found(bad, rule)]
    assert findings[0].location.file == file
    assert findings[0].location.line > 0
    assert findings[0].severity is RULES[rule].severity


def test_each_rule_fires_once_per_case_and_nothing_else(bad: CheckReport) -> None:
    # the bad needs of one rule do not trip unrelated rules (cycles aside,
    # whose links also break the schema's target types)
    inheritance = {f.need_id for f in _found(bad, RuleId.ASIL_INHERITANCE)}
    assert inheritance == {"FSR_IN_BAD"}
    decomposition = {f.need_id for f in _found(bad, RuleId.DECOMPOSITION)}
    assert decomposition == {"TSR_DC_A", "TSR_DC_LONE"}
    assert not _found(bad, RuleId.NOT_IMPLEMENTED, "SWR_TR_METH")


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (25, "Unknown option 'colour'"),
        (31, "Inline emphasis start-string without end-string"),
        (33, 'Unknown directive type "no-such-directive"'),
    ],
)
def test_malformed_source_is_reported_with_line_and_the_rest_still_checked(
    bad: CheckReport, line: int, text: str
) -> None:
    errors = [
        f
        for f in _found(bad, RuleId.SOURCE_ERROR)
        if f.location.file == "reqs/malformed.rst" and text in f.message
    ]
    assert [f.location.line for f in errors] == [line]
    # the needs after the broken text in the same file and in later files were read
    assert _found(bad, RuleId.METHODS, "SWR_TR_METH")


def test_unparsable_python_is_a_trace_finding_with_its_line(bad: CheckReport) -> None:
    broken = [f for f in _found(bad, RuleId.TRACE) if f.location.file == "pkg/broken.py"]
    assert len(broken) == 1
    assert broken[0].location.line == 1


def test_report_json_fails_and_lists_clauses(bad: CheckReport) -> None:
    data = bad.to_json()
    assert data["passed"] is False
    assert data["counts"]["violation"] == sum(
        f.severity is Severity.VIOLATION for f in bad.findings
    )
    assert data["rules"]["SC010"]["clause"].startswith("ISO 26262-3:2018")
    assert {f["rule"] for f in data["findings"]} >= {"SC002", "SC004", "SC010", "SC033"}
    assert all(f["file"] and f["clause"] for f in data["findings"])
    assert {f.rule for f in bad.open_work} == {
        RuleId.NOT_IMPLEMENTED,
        RuleId.NOT_VERIFIED,
        RuleId.METHODS,
    }
