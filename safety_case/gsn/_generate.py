"""Generate the GSN argument from the needs, the traces and the judged evidence.

Layer 4 (producers). DESIGN.md section 5: one module per safety goal whose
top goal is argued down the requirement chain (children found through the
``satisfies`` back-links), each leaf requirement over the verification
methods its ASIL calls for (ISO 26262-6:2018 Table 7), each method goal
closed by the evidence records for it; plus one shared module arguing tool
confidence (ISO 26262-8:2018 clause 11) that every safety-goal module
references through an away goal. Nothing is assumed to hold: a requirement
without children is undeveloped, a method without a record is missing
evidence, a stale or failing record is marked so, and statuses propagate
to the top goal as the worst below it. ASIL: tool for ASIL D development.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from safety_case.evidence import EvidenceRecord, Verdict
from safety_case.gsn._model import (
    Argument,
    Assumption,
    AwayGoal,
    Context,
    Element,
    Goal,
    InContextOf,
    Justification,
    Module,
    Solution,
    Status,
    Strategy,
    SupportedBy,
    worst,
)
from safety_case.gsn._tables import (
    DEFAULT_METHOD_PLAN,
    DEFAULT_TOOLS,
    METHOD_TITLES,
    MethodPlan,
    ToolRating,
    base_asil,
    tool_confidence_level,
    tool_key,
)
from safety_case.metamodel import NEED_TYPES
from safety_case.policy import POLICY_FILE_NAME, ArgumentPolicy, Policy
from safety_case.rules import method_table

__all__ = [
    "GOAL_TYPE",
    "HAZARD_TYPE",
    "TOOLS_MODULE",
    "VERIFICATION_MODULE",
    "JudgedRecord",
    "generate",
    "leaf_requirement_types",
    "method_plan",
]

GOAL_TYPE: Final = "safety_goal"
"""Directive name of the need type whose needs become top goals."""
HAZARD_TYPE: Final = "hazard"
"""Directive name of the need type a safety goal mitigates."""
TOOLS_MODULE: Final = "TOOL_CONFIDENCE"
"""Id of the shared module arguing tool confidence."""
_TOOLS_GOAL: Final = "G_TOOLS"
VERIFICATION_MODULE: Final = "CODE_VERIFICATION"
"""Id of the shared module arguing the analyses of the whole code."""
_CODE_GOAL: Final = "G_CODE"
_CHILD_LINK: Final = "satisfies"
_POLICY_DOCUMENT: Final = "safety_case.toml"


class JudgedRecord(Protocol):
    """An evidence record with what it is worth now (such as the CLI's ``EvidenceStatus``)."""

    @property
    def record(self) -> EvidenceRecord:
        """The record as its run wrote it."""

    @property
    def stale_because(self) -> tuple[str, ...]:
        """Why it no longer matches the sources (empty when fresh)."""


def leaf_requirement_types() -> tuple[str, ...]:
    """Need types verified by methods: those that ``satisfies`` but nothing satisfies.

    Read from the metamodel, so another project's chain works unchanged.
    """
    satisfying = [s for s in NEED_TYPES.values() if _CHILD_LINK in s.required_links]
    parents = {t for s in satisfying for t in s.targets(_CHILD_LINK)}
    return tuple(s.directive for s in satisfying if s.directive not in parents)


def method_plan(policy: Policy) -> MethodPlan:
    """The methods in force: the rule checks' table with the project's policy applied.

    The table is :func:`safety_case.rules.method_table`'s, so that the rule
    checks and the argument ask for the same methods.
    """
    table, _ = method_table(policy.verification, POLICY_FILE_NAME)
    return MethodPlan(
        per_requirement={a.name: tuple(m) for a, m in table.per_requirement.items()},
        per_project={a.name: tuple(m) for a, m in table.per_project.items()},
    )


def _short(text: str, limit: int = 90) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def _test_name(record_id: str) -> str:
    """The last part of a record id (``path::test`` -> ``test``)."""
    return record_id.rsplit("::", 1)[-1]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]


def _solution_status(judged: JudgedRecord) -> tuple[Status, str]:
    if judged.stale_because:
        return Status.STALE, "; ".join(judged.stale_because)
    if judged.record.verdict is not Verdict.PASS:
        return Status.FAILING, f"verdict {judged.record.verdict.value}"
    return Status.SUPPORTED, ""


@dataclass
class _ModuleBuilder:
    """Collects one module's elements and relations; each need becomes one goal."""

    id: str
    elements: dict[str, Element] = field(default_factory=dict)
    supported_by: list[SupportedBy] = field(default_factory=list)
    in_context_of: list[InContextOf] = field(default_factory=list)
    statuses: dict[str, Status] = field(default_factory=dict)

    def add(self, element: Element) -> str:
        self.elements.setdefault(element.id, element)
        return element.id

    def support(self, source: str, target: str) -> None:
        self.supported_by.append(SupportedBy(source=source, target=target))

    def context(self, source: str, element: Element) -> None:
        self.add(element)
        self.in_context_of.append(InContextOf(source=source, target=element.id))

    def build(self, title: str) -> Module:
        return Module(
            id=self.id,
            title=title,
            elements=tuple(self.elements.values()),
            supported_by=tuple(self.supported_by),
            in_context_of=tuple(self.in_context_of),
        )


@dataclass(frozen=True)
class _Inputs:
    needs: Mapping[str, Mapping[str, Any]]
    implementers: Mapping[str, Sequence[str]]
    records_by_need: Mapping[str, Sequence[JudgedRecord]]
    policy: ArgumentPolicy
    plan: MethodPlan
    leaf_types: tuple[str, ...]
    shared: tuple[tuple[Module, str, str], ...]


def generate(
    needs: Mapping[str, Mapping[str, Any]],
    implementers: Mapping[str, Sequence[str]],
    evidence: Iterable[JudgedRecord],
    policy: ArgumentPolicy,
    plan: MethodPlan = DEFAULT_METHOD_PLAN,
) -> Argument:
    """Build the argument.

    Args:
        needs: needs by id as sphinx-needs exports them (with ``*_back`` links).
        implementers: qualified names of the code units implementing each need id.
        evidence: every evidence record with its staleness.
        policy: the project's assumptions and tool classifications.
        plan: the methods required per ASIL (see :func:`method_plan`).

    Returns:
        One module per safety goal (sorted by id), then the shared modules:
        whole-code verification and tool confidence.
    """
    judged = list(evidence)
    by_need: dict[str, list[JudgedRecord]] = defaultdict(list)
    for item in judged:
        for need_id in item.record.requirement_ids:
            by_need[need_id].append(item)
    leaf_types = leaf_requirement_types()
    levels = {base_asil(n.get("asil")) for n in needs.values() if n.get("type") in leaf_types}
    level = max(levels, key="QMABCD".find, default="QM")
    code = _code_module(judged, level, plan) if plan.per_project.get(level) else None
    tools = _tools_module(judged, policy)
    shared = (
        *(
            (
                (
                    code,
                    "Argument over the analyses of the whole code",
                    "The code is verified as a whole",
                ),
            )
            if code is not None
            else ()
        ),
        (
            tools,
            "Argument over confidence in the tools that produced the evidence",
            "The tools that produced the evidence are adequate for their use",
        ),
    )
    inputs = _Inputs(needs, implementers, by_need, policy, plan, leaf_types, shared)
    goals = sorted(i for i, n in needs.items() if n.get("type") == GOAL_TYPE)
    modules = (*(_goal_module(goal, inputs) for goal in goals), *(m for m, _, _ in shared))
    return Argument(modules=modules)


def _goal_module(goal_id: str, inputs: _Inputs) -> Module:
    need = inputs.needs[goal_id]
    builder = _ModuleBuilder(goal_id)
    top = f"G_{goal_id}"
    builder.add(Goal(id=top, text="", need_id=goal_id))  # placeholder keeps the root first
    for hazard_id in need.get("mitigates") or ():
        hazard = inputs.needs.get(hazard_id, {})
        rating = " ".join(
            str(hazard[k])
            for k in ("severity", "exposure", "controllability")
            if hazard.get(k) is not None
        )
        builder.context(
            top,
            Context(
                id=f"C_{hazard_id}",
                text=f"Hazard {hazard_id}: {hazard.get('title', 'unknown need')} ({rating}, "
                f"ASIL {hazard.get('asil', '?')})",
                need_id=hazard_id,
            ),
        )
    if need.get("safe_state"):
        builder.context(top, Context(id="C_SAFE_STATE", text=f"Safe state: {need['safe_state']}"))
    if need.get("ftti_ms"):
        builder.context(
            top, Context(id="C_FTTI", text=f"Fault tolerant time interval: {need['ftti_ms']} ms")
        )
    for number, text in enumerate(inputs.policy.assumptions, start=1):
        builder.context(top, Assumption(id=f"A_ITEM_{number}", text=text))
    statuses = [_develop_children(goal_id, top, builder, inputs)]
    if not _children(goal_id, inputs):
        empty = f"S_{goal_id}_REQUIREMENTS"
        builder.add(
            Strategy(
                id=empty,
                text=f"Argument over the requirements that satisfy {goal_id} (none yet)",
                status=Status.UNDEVELOPED,
                undeveloped=True,
            )
        )
        builder.support(top, empty)
    for module, strategy_text, goal_text in inputs.shared:
        strategy = f"S_{goal_id}_{module.id}"
        builder.add(Strategy(id=strategy, text=strategy_text, status=module.status))
        builder.support(top, strategy)
        away = f"AG_{module.id}"
        root = module.root
        builder.add(
            AwayGoal(
                id=away,
                text=goal_text,
                module=module.id,
                goal=root.id if root is not None else "",
                status=module.status,
            )
        )
        builder.support(strategy, away)
        statuses.append(module.status)
    asil = need.get("asil") or "QM"
    builder.elements[top] = Goal(
        id=top,
        text=f"{goal_id}: {need.get('title', '')} is achieved (ASIL {asil})",
        need_id=goal_id,
        status=worst(statuses),
    )
    return builder.build(str(need.get("title", goal_id)))


def _children(need_id: str, inputs: _Inputs) -> list[str]:
    back = inputs.needs[need_id].get(f"{_CHILD_LINK}_back") or ()
    return sorted(child for child in back if child in inputs.needs)


def _develop_children(need_id: str, goal: str, builder: _ModuleBuilder, inputs: _Inputs) -> Status:
    """Strategies over the children of ``need_id`` by type; the worst status below."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for child in _children(need_id, inputs):
        by_type[str(inputs.needs[child].get("type", ""))].append(child)
    if not by_type:
        return Status.UNDEVELOPED
    statuses: list[Status] = []
    for need_type, children in sorted(by_type.items()):
        spec = NEED_TYPES.get(need_type)
        title = spec.title.lower() if spec else need_type
        strategy = f"S_{need_id}_{need_type.upper()}"
        child_statuses = [_requirement_goal(child, builder, inputs) for child in children]
        status = worst(child_statuses)
        builder.add(
            Strategy(
                id=strategy,
                text=f"Argument over each {title} that satisfies {need_id}",
                status=status,
            )
        )
        builder.support(goal, strategy)
        for child in children:
            builder.support(strategy, f"G_{child}")
        statuses.append(status)
    return worst(statuses)


def _requirement_goal(need_id: str, builder: _ModuleBuilder, inputs: _Inputs) -> Status:
    goal = f"G_{need_id}"
    if goal in builder.statuses:  # a requirement shared by two parents is developed once
        return builder.statuses[goal]
    builder.statuses[goal] = Status.UNDEVELOPED  # guards against cycles in the needs
    need = inputs.needs[need_id]
    asil = need.get("asil") or "QM"
    builder.add(Goal(id=goal, text="", need_id=need_id))
    if need.get("type") in inputs.leaf_types:
        status = _verification(need_id, goal, builder, inputs)
        undeveloped = False
    else:
        status = _develop_children(need_id, goal, builder, inputs)
        undeveloped = status is Status.UNDEVELOPED and not _children(need_id, inputs)
    builder.elements[goal] = Goal(
        id=goal,
        text=f"{need_id}: {need.get('title', '')} is met (ASIL {asil})",
        need_id=need_id,
        status=status,
        undeveloped=undeveloped,
    )
    builder.statuses[goal] = status
    return status


def _verification(need_id: str, goal: str, builder: _ModuleBuilder, inputs: _Inputs) -> Status:
    """Implementation context and one goal per method, closed by records."""
    need = inputs.needs[need_id]
    statuses: list[Status] = []
    units = inputs.implementers.get(need_id, ())
    if units:
        for unit in units:
            builder.context(
                goal, Context(id=f"C_CODE_{_digest(unit)}", text=f"Implemented by {unit}")
            )
    else:
        missing = f"G_{need_id}_CODE"
        builder.add(
            Goal(
                id=missing,
                text=f"{need_id} is implemented by a traced code unit",
                need_id=need_id,
                status=Status.UNDEVELOPED,
                undeveloped=True,
            )
        )
        builder.support(goal, missing)
        statuses.append(Status.UNDEVELOPED)
    wanted = [m.strip() for m in str(need.get("verification") or "").split(",") if m.strip()]
    level = base_asil(need.get("asil"))
    required = inputs.plan.per_requirement.get(level, ())
    # A whole-code method (analyses, interface tests) is argued per project, unless the
    # requirement itself asks for it: then its records close the requirement's own goal.
    project = set(inputs.plan.per_project.get(level, ())) - set(wanted)
    records = [
        j for j in inputs.records_by_need.get(need_id, ()) if j.record.method.value not in project
    ]
    recorded = [j.record.method.value for j in records]
    methods = list(dict.fromkeys([*required, *wanted, *recorded]))
    strategy = f"S_{need_id}_METHODS"
    builder.add(
        Strategy(
            id=strategy,
            text=f"Argument over the verification methods ASIL "
            f"{base_asil(need.get('asil'))} calls for (ISO 26262-6 Table 7)",
        )
    )
    builder.support(goal, strategy)
    method_statuses = [
        _method_goal(need_id, method, strategy, records, builder, need_id=need_id)
        for method in methods
    ]
    if not methods:  # nothing required and nothing recorded: nothing shows it is met
        method_statuses.append(Status.UNDEVELOPED)
        builder.context(
            strategy,
            Context(
                id=f"C_{need_id}_NO_METHOD",
                text=f"ASIL {level}: the method table requires no method; no evidence recorded",
            ),
        )
    builder.elements[strategy] = Strategy(
        id=strategy,
        text=builder.elements[strategy].text,
        status=worst(method_statuses),
        undeveloped=not methods,
    )
    statuses.extend(method_statuses)
    return worst(statuses)


def _method_goal(  # noqa: PLR0913 - the goal's subject, method, place and records
    subject: str,
    method: str,
    strategy: str,
    records: Sequence[JudgedRecord],
    builder: _ModuleBuilder,
    *,
    need_id: str | None = None,
) -> Status:
    """Goal "``subject`` is verified by ``method``", closed by its records (or undeveloped)."""
    goal = f"G_{subject}_{method.upper()}"
    mine = [j for j in records if j.record.method.value == method]
    statuses: list[Status] = []
    for judged in mine:
        status, reason = _solution_status(judged)
        solution = f"Sn_{_digest(judged.record.id, method, subject)}"
        builder.add(
            Solution(
                id=solution,
                text=f"{judged.record.tool.name}: {_short(_test_name(judged.record.id), 48)}",
                status=status,
                record_id=judged.record.id,
                reason=reason,
            )
        )
        builder.support(goal, solution)
        statuses.append(status)
    status = worst(statuses) if mine else Status.MISSING_EVIDENCE
    what = subject if need_id else "The code"
    builder.add(
        Goal(
            id=goal,
            text=f"{what} is verified by {METHOD_TITLES.get(method, method.replace('_', ' '))}",
            need_id=need_id,
            status=status,
            undeveloped=not mine,
        )
    )
    builder.support(strategy, goal)
    return status


def _code_module(judged: Sequence[JudgedRecord], level: str, plan: MethodPlan) -> Module:
    """Whole-code analyses at the highest ASIL of the leaf requirements."""
    methods = plan.per_project.get(level, ())
    builder = _ModuleBuilder(VERIFICATION_MODULE)
    builder.add(Goal(id=_CODE_GOAL, text=""))
    strategy = "S_CODE_METHODS"
    builder.add(Strategy(id=strategy, text=""))
    builder.support(_CODE_GOAL, strategy)
    by_method: dict[str, list[JudgedRecord]] = defaultdict(list)
    for item in judged:
        by_method[item.record.method.value].append(item)
    statuses = [
        _method_goal("CODE", method, strategy, by_method.get(method, ()), builder)
        for method in methods
    ]
    status = worst(statuses)
    builder.elements[strategy] = Strategy(
        id=strategy,
        text=f"Argument over the analyses of the whole code ISO 26262-6 Table 7 calls for "
        f"at ASIL {level}",
        status=status,
    )
    builder.elements[_CODE_GOAL] = Goal(
        id=_CODE_GOAL,
        text=f"The code as a whole is verified as ASIL {level} requires",
        status=status,
    )
    return builder.build("Verification of the whole code")


def _tools_module(judged: Sequence[JudgedRecord], policy: ArgumentPolicy) -> Module:
    versions: dict[str, set[str]] = defaultdict(set)
    for item in judged:
        versions[item.record.tool.name].add(item.record.tool.version)
    for name in policy.tools:  # a classified tool named by no record (such as a plugin)
        if not any(tool_key(used, {name: None}) for used in versions):
            versions.setdefault(name, set())
    builder = _ModuleBuilder(TOOLS_MODULE)
    builder.add(Goal(id=_TOOLS_GOAL, text=""))
    strategy = "S_TOOLS"
    builder.add(Strategy(id=strategy, text=""))
    builder.support(_TOOLS_GOAL, strategy)
    builder.context(
        strategy,
        Context(
            id="C_TCL_TABLE",
            text="TI1 -> TCL1; TI2 with TD1, TD2, TD3 -> TCL1, TCL2, TCL3 (ISO 26262-8 Table 3)",
        ),
    )
    statuses = [
        _tool_goal(n, sorted(v), strategy, policy, builder) for n, v in sorted(versions.items())
    ]
    status = worst(statuses) if statuses else Status.UNDEVELOPED
    builder.elements[strategy] = Strategy(
        id=strategy,
        text="Argument over the classification of each tool that produced evidence",
        status=status,
        undeveloped=not statuses,
    )
    builder.elements[_TOOLS_GOAL] = Goal(
        id=_TOOLS_GOAL,
        text="The tools that produced the evidence are adequate for their use "
        "(ISO 26262-8 clause 11)",
        status=status,
    )
    return builder.build("Confidence in the software tools")


def _tool_goal(
    name: str,
    versions: list[str],
    strategy: str,
    policy: ArgumentPolicy,
    builder: _ModuleBuilder,
) -> Status:
    key = "".join(c if c.isalnum() else "_" for c in name.upper())
    goal = f"G_TOOL_{key}"
    configured_key = tool_key(name, policy.tools)
    configured = policy.tools[configured_key] if configured_key is not None else None
    default_key = tool_key(name, DEFAULT_TOOLS)
    rating = (
        ToolRating(
            configured.impact,
            configured.detection,
            configured.justification,
            configured.qualification,
            configured.qualification_evidence,
        )
        if configured
        else (DEFAULT_TOOLS[default_key] if default_key is not None else None)
    )
    shown = f"{name} {', '.join(versions)}".strip()
    builder.support(strategy, goal)
    if rating is None:
        builder.add(
            Goal(
                id=goal,
                text=f"Confidence in {shown} is adequate (no classification given: "
                "neither the policy nor the toolkit's defaults classify it)",
                status=Status.UNDEVELOPED,
                undeveloped=True,
            )
        )
        return Status.UNDEVELOPED
    tcl = tool_confidence_level(rating.impact, rating.detection)
    builder.context(
        goal, Context(id=f"C_TOOL_{key}", text=f"{rating.impact}, {rating.detection} -> {tcl}")
    )
    builder.context(goal, Justification(id=f"J_TOOL_{key}", text=rating.justification))
    developed = configured is not None and (tcl == "TCL1" or bool(rating.qualification))
    if developed:  # an undeveloped goal has no support (GSN v3 1:2.3.1)
        builder.support(
            goal, _document(builder, f"Sn_TOOL_{key}", f"Classification of {name} in the policy")
        )
        if tcl != "TCL1":
            builder.context(
                goal, Context(id=f"C_TOOL_{key}_Q", text=f"Qualification: {rating.qualification}")
            )
            for number, path in enumerate(rating.evidence or (_POLICY_DOCUMENT,), start=1):
                builder.support(
                    goal,
                    _document(builder, f"Sn_TOOL_{key}_Q{number}", f"Qualification: {path}", path),
                )
    if developed:
        why = ""
    elif configured is None:
        why = " (default classification, not confirmed in the policy)"
    else:
        why = f" ({tcl} needs a qualification)"
    status = Status.SUPPORTED if developed else Status.UNDEVELOPED
    builder.add(
        Goal(
            id=goal,
            text=f"Confidence in {shown} is adequate at {tcl}{why}",
            status=status,
            undeveloped=not developed,
        )
    )
    return status


def _document(
    builder: _ModuleBuilder, solution: str, text: str, document: str = _POLICY_DOCUMENT
) -> str:
    return builder.add(Solution(id=solution, text=text, status=Status.SUPPORTED, document=document))
