"""Write the reports of a case to a folder, and reduce a case to the gate's reasons.

Layer 4 (producers). Files: ``traceability.json`` with its schema
``traceability.schema.json``, ``traceability.html`` (standalone),
``argument.json`` (the GSN model) and, on request, one SVG per view of each
module under ``gsn/`` (a wide module is split into views joined by away
goals, :func:`safety_case.gsn.partition`; the first keeps the module's id).
ASIL: tool for ASIL D development.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from safety_case.gsn import Check, Goal, Solution, Status, partition, render_svgs, to_dot
from safety_case.report._case import Case
from safety_case.report._html import standalone_html
from safety_case.report._model import TraceabilityReport
from safety_case.report._traceability import traceability

__all__ = ["ReportFiles", "gate_reasons", "write_reports"]


@dataclass(frozen=True)
class ReportFiles:
    """Where the reports were written."""

    json: Path
    """``traceability.json``."""
    schema: Path
    """``traceability.schema.json``."""
    html: Path
    """``traceability.html``."""
    argument: Path
    """``argument.json``."""
    svgs: tuple[Path, ...]
    """One SVG per module (empty unless asked for)."""
    report: TraceabilityReport
    """The report written."""


def write_reports(case: Case, out_dir: Path, *, svg: bool = False) -> ReportFiles:
    """Write every report of ``case`` into ``out_dir`` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = traceability(case)
    paths = {
        "json": out_dir / "traceability.json",
        "schema": out_dir / "traceability.schema.json",
        "html": out_dir / "traceability.html",
        "argument": out_dir / "argument.json",
    }
    paths["json"].write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
    paths["schema"].write_text(
        json.dumps(TraceabilityReport.model_json_schema(), indent=2) + "\n", encoding="utf-8"
    )
    paths["html"].write_text(standalone_html(report), encoding="utf-8")
    paths["argument"].write_text(case.argument.model_dump_json(indent=1) + "\n", "utf-8")
    svgs: list[Path] = []
    if svg:
        folder = out_dir / "gsn"
        folder.mkdir(exist_ok=True)
        views = [view for module in case.argument.modules for view in partition(module)]
        for view, drawn in zip(views, render_svgs([to_dot(v) for v in views]), strict=True):
            path = folder / f"{view.id}.svg"
            path.write_text(drawn, encoding="utf-8")
            svgs.append(path)
    return ReportFiles(report=report, svgs=tuple(svgs), **paths)


def gate_reasons(case: Case) -> list[str]:
    """Every reason the case is not complete, one line each; empty when it is.

    A module not supported, each undeveloped goal, each method without
    evidence, each failing or stale solution, each other GSN finding, each
    unreadable record or trace.
    """
    reasons: list[str] = []
    for module in case.argument.modules:
        if module.status is not Status.SUPPORTED:
            reasons.append(f"{module.id}: argument is {module.status.value}")
        for element in module.elements:
            if isinstance(element, Goal) and element.undeveloped:
                what = (
                    "no evidence"
                    if element.status is Status.MISSING_EVIDENCE
                    else "undeveloped goal"
                )
                reasons.append(f"{module.id}/{element.id}: {what}: {element.text}")
            elif isinstance(element, Solution) and element.status is not Status.SUPPORTED:
                why = f" ({element.reason})" if element.reason else ""
                reasons.append(
                    f"{module.id}/{element.id}: {element.status.value} evidence "
                    f"{element.record_id or element.document}{why}"
                )
    reasons += [
        f"GSN check: {finding}"
        for finding in case.findings
        if finding.check is not Check.SOLUTION_EVIDENCE  # each already named above
    ]
    reasons += [f"unreadable input: {problem}" for problem in case.problems]
    return reasons
