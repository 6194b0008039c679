"""Control-flow and data-flow analysis as evidence: one record per component of the path.

Layer 4 (producers). A component is a package of the code (the first
``depth`` parts of a function's qualified name, ``pkg.sub``). Its record,
of method ``control_data_flow`` (ISO 26262-6:2018 Table 7 1f and 1g), rests
on every reachable function of the component (each with its fingerprint,
so that editing any of them makes the record stale) and verifies the
requirements those functions, or their classes, implement. It fails when
any finding lies in the component; the full call graph and every finding
are pinned as an artefact. A component none of whose reachable functions
is traced cannot carry a record; it is listed, and its findings still fail
the run.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from safety_case._version import __version__
from safety_case.evidence import (
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
    run_environment,
    write_record,
)
from safety_case.fingerprint import code_unit_fingerprint
from safety_case.runners._units import write_artefact
from safety_case.runners.flow._analysis import FlowResult, FlowRule, ProjectIndex
from safety_case.snapshot import Snapshot

__all__ = ["FLOW_TOOL", "FlowOutcome", "component_of", "flow_records"]

FLOW_TOOL = "safety-case-flow"
"""Tool name of the records (classified in the policy like any tool)."""


@dataclass(frozen=True)
class FlowOutcome:
    """What the analysis wrote."""

    records: tuple[EvidenceRecord, ...]
    """One record per component with a traced function."""
    untraced: tuple[str, ...]
    """Components reached whose functions carry no trace (no record)."""

    @property
    def passed(self) -> bool:
        """Whether every record passed."""
        return all(r.verdict is Verdict.PASS for r in self.records)


def component_of(qualified_name: str, depth: int = 2) -> str:
    """The package a function belongs to: the first ``depth`` parts of its name."""
    return ".".join(qualified_name.split(".")[:depth])


def flow_records(  # noqa: PLR0913 - the run's independent facts
    snapshot: Snapshot,
    index: ProjectIndex,
    result: FlowResult,
    evidence_dir: Path | None,
    *,
    started_at: datetime,
    finished_at: datetime,
    depth: int = 2,
) -> FlowOutcome:
    """Write one ``control_data_flow`` record per component (none if ``evidence_dir`` is None)."""
    traced = {u.qualified_name: u.requirement_ids for u in snapshot.code_units}
    by_component: dict[str, list[str]] = defaultdict(list)
    for name in result.reachable:
        by_component[component_of(name, depth)].append(name)
    findings_by: dict[str, list[str]] = defaultdict(list)
    counts: dict[str, dict[FlowRule, int]] = defaultdict(lambda: dict.fromkeys(FlowRule, 0))
    for finding in result.findings:
        component = component_of(finding.function, depth)
        findings_by[component].append(str(finding))
        counts[component][finding.rule] += 1
    artefact = None
    if evidence_dir is not None:
        artefact = write_artefact(
            evidence_dir,
            "control-data-flow.json",
            {
                "entry_points": list(result.entry_points),
                "edges": {k: list(v) for k, v in result.edges.items()},
                "findings": [str(f) for f in result.findings],
                "errors": list(result.errors),
            },
        )
    tool = ToolInfo(name=FLOW_TOOL, version=__version__)
    records: list[EvidenceRecord] = []
    untraced: list[str] = []
    for component, names in sorted(by_component.items()):
        requirement_ids = sorted(
            {
                rid
                for name in names
                for owner in (name, index.functions[name].class_name or "")
                for rid in traced.get(owner, ())
            }
        )
        if not requirement_ids:
            untraced.append(component)
            continue
        subjects = tuple(
            Subject(
                qualified_name=name,
                path=index.relative(index.functions[name].path),
                fingerprint=code_unit_fingerprint(
                    index.functions[name].path, name, index.functions[name].module
                )
                or "",
            )
            for name in names
        )
        found = findings_by.get(component, [])
        figures: dict[str, float | int | str] = {
            "component": component,
            "entry_points": ", ".join(result.entry_points),
            "functions": len(names),
            "call_edges": sum(len(result.edges[n]) for n in names),
            "findings": len(found),
            **{f"{rule.value}_findings": n for rule, n in counts[component].items()},
            "path_functions": len(result.reachable),
            "path_max_call_depth": result.max_call_depth,
            "path_name_resolved_edges": result.name_resolved_edges,
            "path_unresolved_method_calls": result.unresolved_calls,
            "path_errors": len(result.errors),
        }
        if found:
            figures["first_findings"] = " | ".join(found[:5])
        verdict = Verdict.FAIL if found or result.errors else Verdict.PASS
        record = EvidenceRecord(
            id=f"flow:{component}",
            method=Method.CONTROL_DATA_FLOW,
            requirement_ids=tuple(requirement_ids),
            requirement_fingerprints={
                rid: snapshot.requirement_fingerprints[rid]
                for rid in requirement_ids
                if rid in snapshot.requirement_fingerprints
            },
            subjects=subjects,
            verdict=verdict,
            tool=tool,
            figures=figures,
            environment=run_environment(),
            started_at=started_at,
            finished_at=finished_at,
            artefacts=(artefact,) if artefact else (),
        )
        if evidence_dir is not None:
            write_record(evidence_dir, record)
        records.append(record)
    return FlowOutcome(tuple(records), tuple(untraced))
