"""Tests of the argument's generation (safety_case/gsn/_generate.py).

Covers: one module per safety goal plus the shared modules; the top goal
has its hazards, safe state and FTTI as contexts and the policy's
assumptions; the chain is argued through the ``satisfies`` back-links down
to the leaf requirement; each required method of its ASIL becomes a goal,
closed by its records (fresh passing -> supported, stale, failing) or
undeveloped with missing evidence, a whole-code method the requirement asks
for included; a requirement without children or code
is undeveloped; statuses propagate to the top goal as the worst below; the
method table of the policy (``[safety_case.verification]``) replaces the
default; tool goals show TI, TD and TCL with a justification and stay
undeveloped until the policy confirms the classification (and a qualification
at TCL2/3); the generated argument passes the structural checks.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safety_case.evidence import EvidenceRecord, Method, ToolInfo, Verdict
from safety_case.gsn import (
    TOOLS_MODULE,
    VERIFICATION_MODULE,
    Argument,
    Assumption,
    Check,
    Context,
    Goal,
    Justification,
    MethodPlan,
    Solution,
    Status,
    check_argument,
    generate,
    method_plan,
)
from safety_case.policy import ArgumentPolicy, Policy, ToolPolicy

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Judged:
    record: EvidenceRecord
    stale_because: tuple[str, ...] = ()


def _need(need_id: str, need_type: str, **fields: Any) -> dict[str, Any]:
    return {"id": need_id, "type": need_type, "title": need_id.lower(), "docname": "reqs", **fields}


def _needs() -> dict[str, dict[str, Any]]:
    return {
        "HAZ_A": _need(
            "HAZ_A",
            "hazard",
            severity="S3",
            exposure="E4",
            controllability="C3",
            asil="D",
            mitigates_back=["SG_A"],
        ),
        "SG_A": _need(
            "SG_A",
            "safety_goal",
            asil="D",
            safe_state="Off",
            ftti_ms="500",
            mitigates=["HAZ_A"],
            satisfies_back=["FSR_A"],
        ),
        "FSR_A": _need(
            "FSR_A", "fsr", asil="D", satisfies=["SG_A"], satisfies_back=["TSR_A", "TSR_B"]
        ),
        "TSR_A": _need("TSR_A", "tsr", asil="D", satisfies=["FSR_A"], satisfies_back=["SWR_A"]),
        "TSR_B": _need("TSR_B", "tsr", asil="D", satisfies=["FSR_A"]),
        "SWR_A": _need("SWR_A", "swr", asil="D", satisfies=["TSR_A"]),
    }


def _record(record_id: str, method: Method, verdict: Verdict = Verdict.PASS) -> EvidenceRecord:
    return EvidenceRecord(
        id=record_id,
        method=method,
        requirement_ids=("SWR_A",),
        requirement_fingerprints={},
        subjects=(),
        verdict=verdict,
        tool=ToolInfo(name="pytest", version="8"),
        started_at=NOW,
        finished_at=NOW,
    )


POLICY = ArgumentPolicy(assumptions=("Supply is 12 V.",))
RBT, FI = Method.REQUIREMENTS_BASED_TEST, Method.FAULT_INJECTION


def _generate(evidence: list[Judged], **kwargs: Any) -> Argument:
    return generate(_needs(), {"SWR_A": ["pkg.mod.limit"]}, evidence, POLICY, **kwargs)


def _goal(argument: Argument, goal_id: str, module: str = "SG_A") -> Goal:
    found = argument.module(module)
    assert found is not None
    element = found.element(goal_id)
    assert isinstance(element, Goal), goal_id
    return element


def test_modules_and_top_goal_context() -> None:
    argument = _generate([])
    assert [m.id for m in argument.modules] == ["SG_A", VERIFICATION_MODULE, TOOLS_MODULE]
    module = argument.modules[0]
    assert module.root is not None
    assert module.root.id == "G_SG_A"
    contexts = {r.target for r in module.in_context_of if r.source == "G_SG_A"}
    kinds = {type(module.element(c)) for c in contexts}
    assert kinds == {Context, Assumption}
    texts = " ".join(e.text for e in module.elements if e.id in contexts)
    assert "HAZ_A" in texts
    assert "S3 E4 C3" in texts
    assert "Off" in texts
    assert "500 ms" in texts
    assert "Supply is 12 V." in texts


def test_fresh_passing_records_for_every_method_support_the_requirement() -> None:
    argument = _generate([Judged(_record("t1", RBT)), Judged(_record("t2", FI))])
    assert _goal(argument, "G_SWR_A").status is Status.SUPPORTED
    assert _goal(argument, "G_SWR_A_FAULT_INJECTION").status is Status.SUPPORTED
    # TSR_B has no software requirement: undeveloped, and so is everything above it.
    assert _goal(argument, "G_TSR_B").undeveloped
    assert _goal(argument, "G_FSR_A").status is Status.UNDEVELOPED
    # The whole-code analyses have no record: missing evidence is worse than undeveloped.
    assert argument.modules[0].status is Status.MISSING_EVIDENCE
    assert argument.modules[1].status is Status.MISSING_EVIDENCE


def test_missing_method_is_undeveloped_and_counted() -> None:
    argument = _generate([Judged(_record("t1", RBT))])
    goal = _goal(argument, "G_SWR_A_FAULT_INJECTION")
    assert goal.undeveloped
    assert goal.status is Status.MISSING_EVIDENCE
    assert _goal(argument, "G_SWR_A").status is Status.MISSING_EVIDENCE
    assert argument.counts()["missing evidence"] >= 1


@pytest.mark.parametrize(
    ("judged", "status"),
    [
        (
            Judged(_record("t1", RBT), ("code unit pkg.mod.limit changed since the run",)),
            Status.STALE,
        ),
        (Judged(_record("t1", RBT, Verdict.FAIL)), Status.FAILING),
        (Judged(_record("t1", RBT, Verdict.INCONCLUSIVE)), Status.FAILING),
    ],
    ids=["stale", "fail", "inconclusive"],
)
def test_stale_and_failing_records_are_marked(judged: Judged, status: Status) -> None:
    argument = _generate([judged, Judged(_record("t2", FI))])
    module = argument.modules[0]
    solutions = [e for e in module.elements if isinstance(e, Solution) and e.record_id == "t1"]
    assert [s.status for s in solutions] == [status]
    assert _goal(argument, "G_SWR_A").status is status
    assert argument.counts()[status.value] == 1


def test_a_whole_code_method_the_requirement_asks_for_is_closed_by_its_records() -> None:
    needs = _needs()
    needs["SWR_A"] = {**needs["SWR_A"], "verification": "interface_test"}
    records = [Judged(_record("t1", RBT)), Judged(_record("t2", FI))]
    interface = Judged(_record("t3", Method.INTERFACE_TEST))
    without = generate(needs, {"SWR_A": ["pkg.mod.limit"]}, records, POLICY)
    assert _goal(without, "G_SWR_A_INTERFACE_TEST").status is Status.MISSING_EVIDENCE
    argument = generate(needs, {"SWR_A": ["pkg.mod.limit"]}, [*records, interface], POLICY)
    assert _goal(argument, "G_SWR_A_INTERFACE_TEST").status is Status.SUPPORTED
    assert _goal(argument, "G_SWR_A").status is Status.SUPPORTED


def test_requirement_without_code_is_undeveloped() -> None:
    argument = generate(_needs(), {}, [Judged(_record("t1", RBT))], POLICY)
    assert _goal(argument, "G_SWR_A_CODE").undeveloped


def test_the_policy_method_table_applies() -> None:
    plan = MethodPlan(per_requirement={"D": ("requirements_based_test",)}, per_project={})
    argument = _generate([Judged(_record("t1", RBT))], plan=plan)
    assert _goal(argument, "G_SWR_A").status is Status.SUPPORTED
    policy = Policy(code=("pkg",), tests=("tests",), root=Path())
    assert "fault_injection" in method_plan(policy).per_requirement["D"]


def test_tool_goals_need_a_confirmed_classification() -> None:
    judged = [Judged(_record("t1", RBT))]
    default = _goal(_generate(judged), "G_TOOL_PYTEST", TOOLS_MODULE)
    assert default.undeveloped
    assert "TCL2" in default.text
    confirmed = ArgumentPolicy(
        tools={"pytest": ToolPolicy(impact="TI2", detection="TD1", justification="reviewed")}
    )
    argument = generate(_needs(), {}, judged, confirmed)
    goal = _goal(argument, "G_TOOL_PYTEST", TOOLS_MODULE)
    assert goal.status is Status.SUPPORTED
    assert "TCL1" in goal.text
    tools = argument.module(TOOLS_MODULE)
    assert tools is not None
    assert any(isinstance(e, Justification) and e.text == "reviewed" for e in tools.elements)
    unqualified = ArgumentPolicy(
        tools={"pytest": ToolPolicy(impact="TI2", detection="TD3", justification="x")}
    )
    goal = _goal(generate(_needs(), {}, judged, unqualified), "G_TOOL_PYTEST", TOOLS_MODULE)
    assert goal.undeveloped
    assert "TCL3 needs a qualification" in goal.text


def test_the_generated_argument_is_well_formed() -> None:
    argument = _generate([Judged(_record("t1", RBT)), Judged(_record("t2", FI))])
    findings = check_argument(
        argument, counting_records={"t1", "t2"}, known_needs=set(_needs()), document_exists=None
    )
    assert [f for f in findings if f.check is not Check.SOLUTION_EVIDENCE] == []


def _tool_record(tool: str) -> EvidenceRecord:
    return _record("t1", RBT).model_copy(update={"tool": ToolInfo(name=tool, version="1")})


def test_an_unclassified_tool_stays_a_visible_gap() -> None:
    argument = _generate([Judged(_tool_record("home-made-checker"))])
    goal = _goal(argument, "G_TOOL_HOME_MADE_CHECKER", TOOLS_MODULE)
    assert goal.undeveloped
    assert goal.status is Status.UNDEVELOPED
    assert "no classification given" in goal.text
    assert _goal(argument, "G_SG_A").status is not Status.SUPPORTED
    tools = argument.module(TOOLS_MODULE)
    assert tools is not None
    assert not [r for r in tools.supported_by if r.source == goal.id]  # nothing closes it


def test_a_bracketed_configuration_falls_back_to_the_tools_name() -> None:
    configured = ArgumentPolicy(
        tools={"ruff-mccabe": ToolPolicy(impact="TI1", detection="TD3", justification="figures")}
    )
    judged = [Judged(_tool_record("ruff-mccabe(limit=10)"))]
    goal = _goal(
        generate(_needs(), {}, judged, configured), "G_TOOL_RUFF_MCCABE_LIMIT_10_", TOOLS_MODULE
    )
    assert goal.status is Status.SUPPORTED
    assert "TCL1" in goal.text
    default = _goal(_generate(judged), "G_TOOL_RUFF_MCCABE_LIMIT_10_", TOOLS_MODULE)
    assert default.undeveloped
    assert "default classification" in default.text


def test_a_qualified_tool_is_closed_by_its_validation_tests() -> None:
    qualified = ArgumentPolicy(
        tools={
            "pytest": ToolPolicy(
                impact="TI2",
                detection="TD3",
                justification="x",
                qualification="validation of the software tool",
                qualification_evidence=("tests/test_tool.py", "tests/missing.py"),
            ),
            "pybamm": ToolPolicy(impact="TI1", detection="TD3", justification="not in records"),
        }
    )
    argument = generate(_needs(), {}, [Judged(_record("t1", RBT))], qualified)
    goal = _goal(argument, "G_TOOL_PYTEST", TOOLS_MODULE)
    assert goal.status is Status.SUPPORTED
    tools = argument.module(TOOLS_MODULE)
    assert tools is not None
    documents = {
        e.document
        for e in tools.elements
        if isinstance(e, Solution) and e.id.startswith("Sn_TOOL_PYTEST_Q")
    }
    assert documents == {"tests/test_tool.py", "tests/missing.py"}
    assert _goal(argument, "G_TOOL_PYBAMM", TOOLS_MODULE).status is Status.SUPPORTED
    findings = check_argument(
        argument,
        counting_records={"t1"},
        known_needs=set(_needs()),
        document_exists=lambda path: path != "tests/missing.py",
    )
    assert [f.element for f in findings if f.check is Check.SOLUTION_EVIDENCE] == [
        "Sn_TOOL_PYTEST_Q2"
    ]
