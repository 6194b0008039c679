"""The MC/DC report: per decision, which conditions showed their independent effect.

Layer 4 (producers). Turns a :class:`Measurement` into a JSON document
(``FORMAT_VERSION``) and reads it back. Figures are given for both
criteria; ``criterion`` names the one the run was judged by.
"""

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from safety_case.runners.mcdc._analysis import masking_covered, unique_cause_covered
from safety_case.runners.mcdc._model import Decision
from safety_case.runners.mcdc._runtime import Measurement, ModuleData

__all__ = [
    "REPORT_FORMAT_VERSION",
    "Criterion",
    "DecisionResult",
    "build_report",
    "decision_result",
    "read_report",
    "write_report",
]

REPORT_FORMAT_VERSION: Final = 1
"""Version of the report's JSON shape (a module's optional ``fingerprint``, the source as
instrumented, was added without a new version: older reports lack it)."""


class Criterion(StrEnum):
    """Which form of MC/DC a pair of evaluations must satisfy."""

    UNIQUE_CAUSE = "unique_cause"
    MASKING = "masking"


@dataclass(frozen=True)
class DecisionResult:
    """What the evaluations of one decision showed."""

    decision: Decision
    """The decision."""
    evaluations: int
    """How many times it was evaluated."""
    outcomes: frozenset[bool]
    """Outcomes seen."""
    unique_cause: frozenset[int]
    """Conditions shown independent by a unique-cause pair."""
    masking: frozenset[int]
    """Conditions shown independent by a masking pair."""

    def covered(self, criterion: Criterion) -> frozenset[int]:
        """Conditions covered under ``criterion``."""
        return self.unique_cause if criterion is Criterion.UNIQUE_CAUSE else self.masking

    def uncovered(self, criterion: Criterion) -> list[int]:
        """Conditions not covered under ``criterion``, by index."""
        covered = self.covered(criterion)
        return [c.index for c in self.decision.conditions if c.index not in covered]


def decision_result(data: ModuleData, index: int) -> DecisionResult:
    """Judge decision ``index`` of a module from its recorded evaluations."""
    decision = data.decisions[index]
    seen = data.observed[index]
    n = len(decision.conditions)
    return DecisionResult(
        decision=decision,
        evaluations=sum(seen.values()),
        outcomes=frozenset(outcome for _, outcome in seen),
        unique_cause=unique_cause_covered(n, seen),
        masking=masking_covered(decision.tree, n, seen),
    )


def _figures(results: list[DecisionResult]) -> dict[str, Any]:
    conditions = sum(len(r.decision.conditions) for r in results)
    figures: dict[str, Any] = {
        "decisions": len(results),
        "decisions_evaluated": sum(1 for r in results if r.evaluations),
        "decisions_both_outcomes": sum(1 for r in results if len(r.outcomes) == 2),
        "conditions": conditions,
    }
    for criterion in Criterion:
        covered = sum(len(r.covered(criterion)) for r in results)
        figures[f"{criterion.value}_covered"] = covered
        figures[f"{criterion.value}_pct"] = (
            round(100.0 * covered / conditions, 2) if conditions else 100.0
        )
    return figures


def _vectors(data: ModuleData, index: int) -> list[list[Any]]:
    seen = sorted(data.observed[index].items(), key=repr)
    return [[list(vector), outcome, count] for (vector, outcome), count in seen]


def build_report(
    measurement: Measurement, criterion: Criterion = Criterion.UNIQUE_CAUSE
) -> dict[str, Any]:
    """The report of a run: every module, decision and condition, with figures."""
    modules: dict[str, Any] = {}
    everything: list[DecisionResult] = []
    for name, data in sorted(measurement.modules.items()):
        results = [decision_result(data, i) for i in range(len(data.decisions))]
        everything.extend(results)
        modules[name] = {
            "path": data.path,
            "fingerprint": data.fingerprint,
            "figures": _figures(results),
            "decisions": [
                {
                    **r.decision.to_json(),
                    "evaluations": r.evaluations,
                    "outcomes": sorted(r.outcomes),
                    "vectors": _vectors(data, r.decision.index),
                    "unique_cause_covered": sorted(r.unique_cause),
                    "masking_covered": sorted(r.masking),
                    "uncovered": r.uncovered(criterion),
                }
                for r in results
            ],
        }
    return {
        "format_version": REPORT_FORMAT_VERSION,
        "criterion": criterion.value,
        "figures": _figures(everything),
        "modules": modules,
    }


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write the report as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def read_report(path: Path) -> dict[str, Any]:
    """Read a report, rejecting another format version.

    Raises:
        ValueError: naming the file and the versions.
    """
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    version = data.get("format_version")
    if version != REPORT_FORMAT_VERSION:
        raise ValueError(
            f"{path}: MC/DC report format_version={version!r}; this toolkit reads "
            f"{REPORT_FORMAT_VERSION}"
        )
    return data
