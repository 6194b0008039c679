"""Static analysis as evidence: one record per module and tool.

Layer 4 (producers). Runs the subset checker, ``mypy --strict``, ruff and
the complexity check over the policy's code folders, writes every finding
to an artefact file, and one record (method ``static_analysis``) per module
and tool: verdict ``pass`` when the tool found nothing in that module. Each
record rests on the whole module it judges (a module subject with the
fingerprint of its syntax tree) and on the module's traced units, so that
an edit anywhere in the module, and only there, makes its records stale.
mypy judges a module against the interfaces it imports, but its record rests
on the module alone: an edit that breaks an importer is found by the next
static run, not by staleness.
ISO 26262-6:2018 Table 7 (1h static code analysis, ++ at ASIL D) and
Table 1 (1a low complexity, 1b language subsets, 1c strong typing).
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from safety_case._version import __version__
from safety_case.evidence import EvidenceRecord, Method, ToolInfo, Verdict, write_record
from safety_case.policy import Policy
from safety_case.runners._units import (
    module_record,
    module_subject,
    units_by_file,
    write_artefact,
)
from safety_case.runners.static._subset import Finding, SubsetRule, check_paths
from safety_case.runners.static._tools import (
    DEFAULT_COMPLEXITY_LIMIT,
    ToolRun,
    run_complexity,
    run_mypy,
    run_ruff,
)
from safety_case.snapshot import Snapshot
from safety_case.trace import module_name

__all__ = ["STATIC_TOOLS", "StaticOutcome", "run_static"]

STATIC_TOOLS = ("subset", "mypy", "ruff", "complexity")
"""The static checks, by the name the command line uses."""


@dataclass(frozen=True)
class StaticOutcome:
    """What a static run found and wrote."""

    runs: tuple[ToolRun, ...]
    """Each tool's findings per file."""
    subset: dict[str, list[Finding]]
    """The subset checker's findings per file (also in ``runs`` as text)."""
    records: tuple[EvidenceRecord, ...]
    """Records written, one per traced module and tool."""
    untraced: tuple[str, ...]
    """Files checked that carry no traced unit, so no record (their findings still count)."""

    @property
    def passed(self) -> bool:
        """Whether no tool found anything anywhere."""
        return not any(findings for run in self.runs for findings in run.findings.values())


def _subset_run(findings: dict[str, list[Finding]]) -> ToolRun:
    as_text = {
        file: [f"{f.line}: {f.rule.value} {f.message}" for f in found]
        for file, found in findings.items()
        if found
    }
    counts = {file: dict(Counter(f.rule.value for f in found)) for file, found in findings.items()}
    return ToolRun(
        "safety-case-subset", __version__, ("safety_case.runners.static",), as_text, counts
    )


def run_static(  # noqa: PLR0913 - the run's independent knobs
    policy: Policy,
    snapshot: Snapshot,
    evidence_dir: Path,
    *,
    tools: Collection[str] = STATIC_TOOLS,
    rules: Collection[SubsetRule] = tuple(SubsetRule),
    complexity_limit: int = DEFAULT_COMPLEXITY_LIMIT,
) -> StaticOutcome:
    """Run the chosen static checks over the policy's code and write their records.

    Raises:
        RuntimeError: if mypy or ruff crashed.
    """
    root = policy.root
    paths = [policy.path(p) for p in policy.code]
    started_at = datetime.now(UTC)
    runs: list[ToolRun] = []
    checked_findings = check_paths(paths, root, rules if "subset" in tools else ())
    if "subset" in tools:
        runs.append(_subset_run(checked_findings))
    if "mypy" in tools:
        runs.append(run_mypy(paths, root))
    if "ruff" in tools:
        runs.append(run_ruff(paths, root))
    if "complexity" in tools:
        runs.append(run_complexity(paths, root, complexity_limit))
    finished_at = datetime.now(UTC)
    units = units_by_file(snapshot)
    checked = sorted(checked_findings)
    import_root = policy.path(policy.import_root)
    modules = {
        file: module_subject(snapshot, root / file, module_name(root / file, import_root))
        for file in checked
        if file in units
    }
    records: list[EvidenceRecord] = []
    for run in runs:
        artefact = write_artefact(
            evidence_dir,
            f"static-{run.name.split('(')[0]}.json",
            {
                "tool": run.name,
                "version": run.version,
                "command": list(run.command),
                "findings": run.findings,
                "measures": run.measures,
            },
        )
        for file in checked:
            if file not in units:
                continue
            found = run.findings.get(file, [])
            figures: dict[str, float | int | str] = {"findings": len(found), "file": file}
            figures.update(run.measures.get(file, {}))
            record = module_record(
                snapshot=snapshot,
                units=units[file],
                record_id=f"static:{run.name.split('(')[0]}:{file}",
                method=Method.STATIC_ANALYSIS,
                tool=ToolInfo(name=run.name, version=run.version),
                verdict=Verdict.FAIL if found else Verdict.PASS,
                figures=figures,
                started_at=started_at,
                finished_at=finished_at,
                artefacts=(artefact,),
                module=modules[file],
            )
            write_record(evidence_dir, record)
            records.append(record)
    return StaticOutcome(
        runs=tuple(runs),
        subset={file: found for file, found in checked_findings.items() if found},
        records=tuple(records),
        untraced=tuple(f for f in checked if f not in units),
    )
