"""The traceability report as data; its JSON Schema is published beside every report.

Layer 4 (producers). The chain hazard, goal, requirements, code, test and
evidence (ISO 26262-8:2018 clause 6.4.3: bidirectional traceability), the
figures per ASIL, the orphans in both directions and the status of every
safety goal's argument. ASIL: tool for ASIL D development.
"""

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "AsilFigures",
    "ChainRow",
    "EvidenceRef",
    "GoalSummary",
    "Orphans",
    "RequirementTrace",
    "TraceabilityReport",
]

REPORT_SCHEMA_VERSION: Final = 1
"""Version of the report's shape; bump it, and say why here, when the shape changes.

1: first shape.
"""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class EvidenceRef(_Frozen):
    """An evidence record as the report shows it."""

    id: str
    """Record id."""
    method: str
    """ISO 26262-6 method."""
    verdict: str
    """pass, fail or inconclusive."""
    tool: str
    """Producing tool and version."""
    requirement_ids: tuple[str, ...]
    """Requirements the record verifies."""
    stale_because: tuple[str, ...]
    """Why it no longer matches the sources (empty when fresh)."""
    counts: bool
    """Fresh and passing."""


class RequirementTrace(_Frozen):
    """One need with everything traced to it."""

    id: str
    """Need id."""
    type: str
    """Need type (directive name)."""
    title: str
    """Title."""
    asil: str
    """ASIL as written (empty when the type has none)."""
    docname: str
    """Document that defines it, for its link."""
    parents: tuple[str, ...]
    """Needs it satisfies or mitigates."""
    children: tuple[str, ...]
    """Needs that satisfy or mitigate it."""
    code_units: tuple[str, ...]
    """Code units naming it in ``Implements:``."""
    tests: tuple[str, ...]
    """Tests naming it in ``verifies``."""
    evidence: tuple[str, ...]
    """Ids of the records verifying it."""
    required_methods: tuple[str, ...]
    """Methods its ASIL calls for per requirement (leaf requirements only)."""
    methods_missing: tuple[str, ...]
    """Required methods without a fresh passing record."""
    leaf: bool
    """A requirement that code implements (verified by methods)."""


class AsilFigures(_Frozen):
    """Counts over the leaf requirements of one ASIL."""

    asil: str
    """ASIL as written (``D``, ``QM(D)``)."""
    requirements: int
    """Leaf requirements."""
    implemented: int
    """With at least one code unit."""
    verified: int
    """With at least one test."""
    fresh_passing: int
    """With at least one fresh passing record and no failing or stale one."""
    every_method: int
    """With a fresh passing record for every required method."""


class Orphans(_Frozen):
    """Traces that lead nowhere, in both directions."""

    requirements_without_code: tuple[str, ...]
    """Leaf requirements no code unit implements."""
    requirements_without_tests: tuple[str, ...]
    """Leaf requirements no test verifies."""
    requirements_without_parent: tuple[str, ...]
    """Requirements that satisfy nothing known (below the goals)."""
    code_naming_unknown: dict[str, tuple[str, ...]]
    """Code unit to the unknown ids its ``Implements:`` names."""
    tests_naming_unknown: dict[str, tuple[str, ...]]
    """Test to the unknown ids its ``verifies`` names."""
    evidence_naming_unknown: dict[str, tuple[str, ...]]
    """Record to the unknown requirement ids it claims to verify."""


class ChainRow(_Frozen):
    """One path from a hazard down to a leaf requirement."""

    path: tuple[str, ...]
    """Need ids from the hazard to the deepest requirement reached."""
    code_units: int
    """Code units implementing the last requirement."""
    tests: int
    """Tests verifying the last requirement."""
    evidence: int
    """Records verifying the last requirement."""
    evidence_counting: int
    """Of which fresh and passing."""


class GoalSummary(_Frozen):
    """Status of one module of the argument."""

    id: str
    """Module id (a safety goal's id for a goal module)."""
    title: str
    """What it argues."""
    status: str
    """Status of its top goal."""
    undeveloped: int
    """Undeveloped goals."""
    missing_evidence: int
    """Method goals without evidence."""
    failing: int
    """Failing solutions."""
    stale: int
    """Stale solutions."""


class TraceabilityReport(_Frozen):
    """The whole report (``traceability.json``)."""

    schema_version: Literal[1] = REPORT_SCHEMA_VERSION
    """Shape version."""
    goals: tuple[GoalSummary, ...]
    """Every module of the safety argument with its status."""
    findings: tuple[str, ...]
    """GSN check findings."""
    asil_figures: tuple[AsilFigures, ...]
    """Figures per ASIL."""
    orphans: Orphans
    """Orphans both ways."""
    chains: tuple[ChainRow, ...]
    """Paths hazard to leaf requirement."""
    requirements: tuple[RequirementTrace, ...]
    """Every need."""
    evidence: tuple[EvidenceRef, ...]
    """Every record."""
