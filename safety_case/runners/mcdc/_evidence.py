"""Structural coverage as evidence: MC/DC with statement and branch coverage, per module.

Layer 4 (producers). Reads an MC/DC report (this package) and, when given,
coverage.py's JSON report, and writes one record (method
``structural_coverage``) per module that carries traced units; the record
rests on the whole module (a module subject with the fingerprint of its
syntax tree: every decision and statement of it is judged) and on its
traced units, so an edit anywhere in the module, and only there, makes it
stale. The module's fingerprint is that of the source the run instrumented
(kept in the report), so code edited between the measurement and the
conversion gives a record that is stale at once. ISO 26262-6:2018 Table 9:
MC/DC is highly recommended at ASIL D; a module whose units implement a
requirement of a required ASIL passes only when every condition is covered
or carries a written justification (a TOML file of ``[[justification]]``
tables keyed by function and condition text, so that moving code does not
detach them). Gaps are reported, never hidden.
"""

import importlib.metadata
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safety_case._version import __version__
from safety_case.evidence import (
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
    write_record,
)
from safety_case.runners._units import (
    module_record,
    module_subject,
    units_by_file,
    write_artefact,
)
from safety_case.runners.mcdc._report import Criterion
from safety_case.snapshot import Snapshot

__all__ = [
    "UNKNOWN_ASIL",
    "CoverageGap",
    "CoverageOutcome",
    "Justification",
    "coverage_records",
    "load_justifications",
]


class Justification(BaseModel):
    """Why one condition cannot, or need not, show its independent effect."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", strict=True, use_attribute_docstrings=True
    )

    function: str = Field(min_length=1)
    """Qualified name of the function holding the decision (as the MC/DC report names it)."""
    condition: str = Field(min_length=1)
    """Source text of the condition, as the report writes it."""
    reason: str = Field(min_length=10)
    """The argument: why the condition is infeasible to toggle alone, or covered otherwise."""


class _JustificationFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    justification: list[Justification] = []


def load_justifications(path: Path) -> list[Justification]:
    """Read a justification file.

    Raises:
        ValueError: naming the file, the entry and the field that is wrong.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return _JustificationFile.model_validate(data).justification
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: cannot be read: {error}") from None
    except ValidationError as error:
        problems = [
            f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in error.errors(include_url=False)
        ]
        raise ValueError("\n".join(problems)) from None


@dataclass(frozen=True)
class CoverageGap:
    """One condition without shown independence in a module where MC/DC is required."""

    file: str
    """Source file relative to the project root."""
    function: str
    """Enclosing function."""
    line: int
    """Line of the condition."""
    decision: str
    """Text of the decision."""
    condition: str
    """Text of the condition."""
    justification: str | None
    """The written justification, or ``None`` (an open gap)."""


@dataclass(frozen=True)
class CoverageOutcome:
    """What the coverage conversion found and wrote."""

    records: tuple[EvidenceRecord, ...]
    """One record per module with traced units."""
    gaps: tuple[CoverageGap, ...]
    """Uncovered conditions in modules where MC/DC is required."""
    untraced: tuple[str, ...]
    """Measured files without traced units (no record possible)."""
    unused_justifications: tuple[Justification, ...]
    """Justifications that match no uncovered condition (covered now, or stale)."""


def _asil_letter(value: object) -> str:
    """The ASIL a unit is developed to: ``B`` for ``B(D)``, ``QM`` for ``QM(D)``."""
    return str(value or "QM").split("(")[0].strip().upper() or "QM"


_ORDER = {"QM": 0, "A": 1, "B": 2, "C": 3, "D": 4}


UNKNOWN_ASIL = "unknown"
"""The ASIL of a module one of whose requirements is not found: treated as required
(fail-safe: a broken trace must not waive MC/DC)."""


def _module_asil(snapshot: Snapshot, requirement_ids: Collection[str]) -> str:
    if any(r not in snapshot.needs for r in requirement_ids):
        return UNKNOWN_ASIL
    letters = [_asil_letter(snapshot.needs[r].get("asil")) for r in requirement_ids]
    return max(letters, key=lambda a: _ORDER.get(a, 0), default="QM")


def _coverage_figures(
    coverage: dict[str, Any], path: Path, root: Path
) -> dict[str, float | int | str]:
    """Statement and branch figures of one file from coverage.py's JSON report."""
    for name, entry in coverage.get("files", {}).items():
        if (root / name).resolve() == path.resolve():  # names are relative to the run's folder
            summary = entry["summary"]
            figures: dict[str, float | int | str] = {
                "statements": summary["num_statements"],
                "statements_covered": summary["covered_lines"],
                "statement_pct": round(
                    100.0 * summary["covered_lines"] / summary["num_statements"], 2
                )
                if summary["num_statements"]
                else 100.0,
            }
            if "num_branches" in summary:
                figures["branches"] = summary["num_branches"]
                figures["branches_covered"] = summary["covered_branches"]
                figures["branch_pct"] = (
                    round(100.0 * summary["covered_branches"] / summary["num_branches"], 2)
                    if summary["num_branches"]
                    else 100.0
                )
            return figures
    return {"statement_pct": "not measured"}


def coverage_records(  # noqa: PLR0913 - the conversion's independent inputs
    snapshot: Snapshot,
    mcdc_report: dict[str, Any],
    evidence_dir: Path,
    *,
    coverage_json: dict[str, Any] | None = None,
    justifications: Collection[Justification] = (),
    criterion: Criterion = Criterion.UNIQUE_CAUSE,
    required_asils: Collection[str] = ("D",),
) -> CoverageOutcome:
    """Write one structural-coverage record per measured module with traced units."""
    now = datetime.now(UTC)
    units = units_by_file(snapshot)
    by_key = {(j.function, j.condition): j for j in justifications}
    used: set[tuple[str, str]] = set()
    artefacts = [write_artefact(evidence_dir, "mcdc-report.json", mcdc_report)]
    if coverage_json is not None:
        artefacts.append(write_artefact(evidence_dir, "coverage.json", coverage_json))
    coverage_version = _version("coverage")
    records: list[EvidenceRecord] = []
    gaps: list[CoverageGap] = []
    untraced: list[str] = []
    for name, module in mcdc_report["modules"].items():
        path = Path(module["path"])
        try:
            file = snapshot.relative(path)
        except ValueError:  # measured outside the project
            untraced.append(path.as_posix())
            continue
        module_units = units.get(file)
        if not module_units:
            untraced.append(file)
            continue
        asil = _module_asil(snapshot, {r for u in module_units for r in u.requirement_ids})
        required = asil in required_asils or asil == UNKNOWN_ASIL
        uncovered = justified = 0
        for decision in module["decisions"]:
            covered = set(decision[f"{criterion.value}_covered"])
            for condition in decision["conditions"]:
                if condition["index"] in covered:
                    continue
                uncovered += 1
                key = (decision["function"], condition["text"])
                reason = by_key[key].reason if key in by_key else None
                if reason is not None:
                    used.add(key)
                    justified += 1
                if required:
                    gaps.append(
                        CoverageGap(
                            file=file,
                            function=decision["function"],
                            line=condition["line"],
                            decision=decision["text"],
                            condition=condition["text"],
                            justification=reason,
                        )
                    )
        figures: dict[str, float | int | str] = {
            **{k: v for k, v in module["figures"].items()},
            "criterion": criterion.value,
            "asil": asil,
            "mcdc_required": int(required),
            "uncovered_conditions": uncovered,
            "justified_conditions": justified,
            "unjustified_conditions": uncovered - justified,
            "coverage_py": coverage_version,
            **(
                _coverage_figures(coverage_json, path, snapshot.root)
                if coverage_json is not None
                else {}
            ),
        }
        verdict = Verdict.FAIL if required and uncovered > justified else Verdict.PASS
        record = module_record(
            snapshot=snapshot,
            units=module_units,
            record_id=f"coverage:{file}",
            method=Method.STRUCTURAL_COVERAGE,
            tool=ToolInfo(name="safety-case-mcdc", version=__version__),
            verdict=verdict,
            figures=figures,
            started_at=now,
            finished_at=now,
            artefacts=tuple(artefacts),
            module=_measured(module_subject(snapshot, path, name), module.get("fingerprint")),
        )
        write_record(evidence_dir, record)
        records.append(record)
    return CoverageOutcome(
        records=tuple(records),
        gaps=tuple(gaps),
        untraced=tuple(sorted(untraced)),
        unused_justifications=tuple(j for k, j in by_key.items() if k not in used),
    )


def _measured(subject: Subject, measured: object) -> Subject:
    """``subject`` with the fingerprint of the code the run measured, when the report has it."""
    if isinstance(measured, str) and measured:
        return subject.model_copy(update={"fingerprint": measured})
    return subject


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
