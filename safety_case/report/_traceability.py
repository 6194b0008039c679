"""Build the traceability report from a judged case.

Layer 4 (producers). Walks the links both ways (ISO 26262-8:2018 clause
6.4.3) with back-links as sphinx-needs exports them; linear in needs plus
records. ASIL: tool for ASIL D development.
"""

import gc
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from safety_case.gsn import GOAL_TYPE, Goal, Solution, Status, base_asil, method_plan
from safety_case.gsn import leaf_requirement_types as _leaf_types
from safety_case.metamodel import NEED_TYPES
from safety_case.report._case import Case, JudgedEvidence
from safety_case.report._model import (
    AsilFigures,
    ChainRow,
    EvidenceRef,
    GoalSummary,
    Orphans,
    RequirementTrace,
    TraceabilityReport,
)

__all__ = ["goal_summaries", "traceability"]

_UP_LINKS = ("satisfies", "mitigates")


def goal_summaries(case: Case) -> tuple[GoalSummary, ...]:
    """Status and gap counts of every module."""
    summaries = []
    for module in case.argument.modules:
        counts = dict.fromkeys(("undeveloped", "missing", "failing", "stale"), 0)
        for element in module.elements:
            if isinstance(element, Solution) and element.status is Status.FAILING:
                counts["failing"] += 1
            elif isinstance(element, Solution) and element.status is Status.STALE:
                counts["stale"] += 1
            elif isinstance(element, Goal) and element.undeveloped:
                key = "missing" if element.status is Status.MISSING_EVIDENCE else "undeveloped"
                counts[key] += 1
        summaries.append(
            GoalSummary(
                id=module.id,
                title=module.title,
                status=module.status.value,
                undeveloped=counts["undeveloped"],
                missing_evidence=counts["missing"],
                failing=counts["failing"],
                stale=counts["stale"],
            )
        )
    return tuple(summaries)


def traceability(case: Case) -> TraceabilityReport:
    """The report of ``case`` (the garbage collector paused while its many parts are built)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _traceability(case)
    finally:
        if collecting:
            gc.enable()


def _traceability(case: Case) -> TraceabilityReport:
    leaf_types = set(_leaf_types())
    plan = method_plan(case.policy)
    implementers, verifiers = case.implementers(), case.verifiers()
    by_need: dict[str, list[JudgedEvidence]] = defaultdict(list)
    for judged in case.evidence:
        for need_id in judged.record.requirement_ids:
            by_need[need_id].append(judged)
    requirements = tuple(
        _requirement(
            need_id,
            need,
            leaf_types=leaf_types,
            per_requirement=plan.per_requirement,
            implementers=implementers,
            verifiers=verifiers,
            evidence=by_need.get(need_id, []),
        )
        for need_id, need in sorted(case.needs.items())
    )
    return TraceabilityReport(
        goals=goal_summaries(case),
        findings=tuple(str(f) for f in case.findings),
        asil_figures=_figures(requirements, by_need),
        orphans=_orphans(case, requirements),
        chains=_chains(case, leaf_types, implementers, verifiers, by_need),
        requirements=requirements,
        evidence=tuple(
            EvidenceRef(
                id=j.record.id,
                method=j.record.method.value,
                verdict=j.record.verdict.value,
                tool=f"{j.record.tool.name} {j.record.tool.version}",
                requirement_ids=j.record.requirement_ids,
                stale_because=j.stale_because,
                counts=j.counts,
            )
            for j in case.evidence
        ),
    )


def _requirement(  # noqa: PLR0913 - one need and the indexes it is looked up in
    need_id: str,
    need: Mapping[str, Any],
    *,
    leaf_types: set[str],
    per_requirement: Mapping[str, tuple[str, ...]],
    implementers: Mapping[str, list[str]],
    verifiers: Mapping[str, list[str]],
    evidence: list[JudgedEvidence],
) -> RequirementTrace:
    leaf = need.get("type") in leaf_types
    required = tuple(per_requirement.get(base_asil(need.get("asil")), ())) if leaf else ()
    counting = {j.record.method.value for j in evidence if j.counts}
    return RequirementTrace(
        id=need_id,
        type=str(need.get("type", "")),
        title=str(need.get("title", "")),
        asil=str(need.get("asil") or ""),
        docname=str(need.get("docname") or ""),
        parents=tuple(p for link in _UP_LINKS for p in need.get(link) or ()),
        children=tuple(c for link in _UP_LINKS for c in need.get(f"{link}_back") or ()),
        code_units=tuple(implementers.get(need_id, ())),
        tests=tuple(verifiers.get(need_id, ())),
        evidence=tuple(j.record.id for j in evidence),
        required_methods=required,
        methods_missing=tuple(m for m in required if m not in counting),
        leaf=leaf,
    )


def _figures(
    requirements: tuple[RequirementTrace, ...], by_need: Mapping[str, list[JudgedEvidence]]
) -> tuple[AsilFigures, ...]:
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for requirement in requirements:
        if not requirement.leaf:
            continue
        row = rows[requirement.asil or "QM"]
        records = by_need.get(requirement.id, [])
        row[0] += 1
        row[1] += bool(requirement.code_units)
        row[2] += bool(requirement.tests)
        row[3] += bool(records) and all(j.counts for j in records)
        row[4] += bool(records) and not requirement.methods_missing
    return tuple(
        AsilFigures(
            asil=asil,
            requirements=r[0],
            implemented=r[1],
            verified=r[2],
            fresh_passing=r[3],
            every_method=r[4],
        )
        for asil, r in sorted(rows.items())
    )


def _orphans(case: Case, requirements: tuple[RequirementTrace, ...]) -> Orphans:
    known = case.needs

    def unknown(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(i for i in ids if i not in known)

    return Orphans(
        requirements_without_code=tuple(r.id for r in requirements if r.leaf and not r.code_units),
        requirements_without_tests=tuple(r.id for r in requirements if r.leaf and not r.tests),
        requirements_without_parent=tuple(
            r.id
            for r in requirements
            if (spec := NEED_TYPES.get(r.type)) is not None
            and any(link in spec.required_links for link in _UP_LINKS)
            and not [p for p in r.parents if p in known]
        ),
        code_naming_unknown={
            u.qualified_name: unknown(u.requirement_ids)
            for u in case.code_units
            if unknown(u.requirement_ids)
        },
        tests_naming_unknown={
            t.qualified_name: unknown(t.requirement_ids)
            for t in case.tests
            if unknown(t.requirement_ids)
        },
        evidence_naming_unknown={
            j.record.id: unknown(j.record.requirement_ids)
            for j in case.evidence
            if unknown(j.record.requirement_ids)
        },
    )


def _chains(
    case: Case,
    leaf_types: set[str],
    implementers: Mapping[str, list[str]],
    verifiers: Mapping[str, list[str]],
    by_need: Mapping[str, list[JudgedEvidence]],
) -> tuple[ChainRow, ...]:
    rows: list[ChainRow] = []
    needs = case.needs
    goals = sorted(i for i, n in needs.items() if n.get("type") == GOAL_TYPE)
    for goal in goals:
        hazards = [h for h in needs[goal].get("mitigates") or () if h in needs] or [""]
        for hazard in hazards:
            stack: list[tuple[str, ...]] = [(hazard, goal) if hazard else (goal,)]
            while stack:
                path = stack.pop()
                last = path[-1]
                children = [
                    c
                    for c in needs[last].get("satisfies_back") or ()
                    if c in needs and c not in path
                ]
                if children and needs[last].get("type") not in leaf_types:
                    stack.extend((*path, child) for child in sorted(children, reverse=True))
                    continue
                records = by_need.get(last, [])
                rows.append(
                    ChainRow(
                        path=path,
                        code_units=len(implementers.get(last, ())),
                        tests=len(verifiers.get(last, ())),
                        evidence=len(records),
                        evidence_counting=sum(j.counts for j in records),
                    )
                )
    return tuple(rows)
