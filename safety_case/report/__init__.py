"""Traceability reports, the gate's reasons, and change impact, from one judged case.

:func:`build_case` snapshots the sources, judges the evidence and generates
and checks the GSN argument; :func:`write_reports` writes the traceability
report (JSON with its schema, standalone HTML) and the argument;
:func:`gate_reasons` says why the case is not complete; :func:`impact`
lists what a change since a git revision touches.
"""

from safety_case.report._case import (
    Case,
    JudgedEvidence,
    build_case,
    case_from_parts,
    judge,
    snapshot_of,
)
from safety_case.report._html import evidence_anchor, report_fragment, standalone_html
from safety_case.report._impact import Impact, impact
from safety_case.report._model import (
    REPORT_SCHEMA_VERSION,
    AsilFigures,
    ChainRow,
    EvidenceRef,
    GoalSummary,
    Orphans,
    RequirementTrace,
    TraceabilityReport,
)
from safety_case.report._traceability import goal_summaries, traceability
from safety_case.report._write import ReportFiles, gate_reasons, write_reports

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "AsilFigures",
    "Case",
    "ChainRow",
    "EvidenceRef",
    "GoalSummary",
    "Impact",
    "JudgedEvidence",
    "Orphans",
    "ReportFiles",
    "RequirementTrace",
    "TraceabilityReport",
    "build_case",
    "case_from_parts",
    "evidence_anchor",
    "gate_reasons",
    "goal_summaries",
    "impact",
    "judge",
    "report_fragment",
    "snapshot_of",
    "standalone_html",
    "traceability",
    "write_reports",
]
