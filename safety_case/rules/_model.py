"""Findings and the rule registry: every rule's stable id, severity and ISO 26262 clause.

Layer 3 (judgement). The registry is the provenance of the checks: a report
lists the clauses it applied, and the documentation lists every rule with
its clause (generated from :data:`RULES`).
"""

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final

__all__ = ["RULES", "Finding", "Location", "RuleId", "RuleInfo", "Severity"]


class Severity(IntEnum):
    """How bad a finding is, ordered (the same scale as sphinx-needs' schema severities)."""

    INFO = 1
    """Worth knowing; never fails the check."""
    WARNING = 2
    """Suspicious; does not fail the check."""
    VIOLATION = 3
    """The project breaks a rule: the check fails."""
    CONFIG_ERROR = 4
    """The policy or the sources could not be read as meant: the check fails."""


class RuleId(StrEnum):
    """Stable rule ids; reports and suppressions name them, so never rename one."""

    SOURCE_ERROR = "SC001"
    """Sphinx or sphinx-needs could not read a source as written."""
    SCHEMA = "SC002"
    """A need breaks the metamodel's schema (field value, required field or link, link target)."""
    UNIQUE_ID = "SC003"
    """Two needs share an id."""
    DANGLING_LINK = "SC004"
    """A link names no need."""
    CYCLIC_LINK = "SC005"
    """Links form a cycle."""
    HAZARD_ASIL = "SC010"
    """A hazard's declared ASIL differs from the one computed from S, E and C."""
    GOAL_ASIL = "SC011"
    """A safety goal's ASIL is not the highest of its hazards'."""
    ASIL_INHERITANCE = "SC012"
    """A child requirement (or component) carries a lower ASIL than its parent."""
    DECOMPOSITION = "SC013"
    """A decomposition is not a permitted pair or lacks its independence link."""
    TIME_BUDGET = "SC020"
    """A requirement's reaction time does not fit inside its safety goals' FTTI."""
    NOT_IMPLEMENTED = "SC030"
    """A software safety requirement has no implementing code unit."""
    NOT_VERIFIED = "SC031"
    """A software safety requirement has no verifying test."""
    METHODS = "SC032"
    """A requirement lacks a verification method its ASIL calls for."""
    TRACE = "SC033"
    """A trace in the code or tests is unreadable or names an unknown or wrong requirement."""
    POLICY = "SC040"
    """The verification policy relaxes a default without a written justification."""


@dataclass(frozen=True)
class RuleInfo:
    """What a rule checks and where the obligation comes from."""

    title: str
    """One line on what the rule checks."""
    clause: str
    """The ISO 26262 clause or table it rests on."""
    severity: "Severity"
    """Severity of its findings."""
    engine: str
    """Who evaluates it: ``sphinx-needs`` (schema, build) or ``toolkit`` (rules package)."""


RULES: Final = MappingProxyType(
    {
        RuleId.SOURCE_ERROR: RuleInfo(
            "Every requirement source reads without error or warning",
            "ISO 26262-8:2018 clause 6.4.2 (specification of safety requirements)",
            Severity.VIOLATION,
            "sphinx-needs",
        ),
        RuleId.SCHEMA: RuleInfo(
            "Field values, required fields and links, and link target types follow the metamodel",
            "ISO 26262-8:2018 clauses 6.4.2 and 6.4.3 (attributes, hierarchy of requirements)",
            Severity.VIOLATION,
            "sphinx-needs",
        ),
        RuleId.UNIQUE_ID: RuleInfo(
            "Every need id is unique",
            "ISO 26262-8:2018 clause 6.4.2.4 (unique identification)",
            Severity.VIOLATION,
            "sphinx-needs",
        ),
        RuleId.DANGLING_LINK: RuleInfo(
            "Every link names an existing need",
            "ISO 26262-8:2018 clause 6.4.3 (traceability)",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.CYCLIC_LINK: RuleInfo(
            "Links form no cycle (a requirement never derives from itself)",
            "ISO 26262-8:2018 clause 6.4.3 (hierarchical structure)",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.HAZARD_ASIL: RuleInfo(
            "A hazard's ASIL equals the one Table 4 gives for its S, E and C",
            "ISO 26262-3:2018 clause 6.4.3.10, Table 4",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.GOAL_ASIL: RuleInfo(
            "A safety goal's ASIL is the highest ASIL of the hazards it mitigates",
            "ISO 26262-3:2018 clause 6.4.4.3",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.ASIL_INHERITANCE: RuleInfo(
            "A child requirement or component carries at least its parent's ASIL unless decomposed",
            "ISO 26262-3:2018 clause 7.4.2.4; ISO 26262-9:2018 clause 5.4",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.DECOMPOSITION: RuleInfo(
            "A decomposition is a permitted pair with an independence link between its parts",
            "ISO 26262-9:2018 clause 5.4 (decomposition schemes) and clause 7 (dependent "
            "failure analysis)",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.TIME_BUDGET: RuleInfo(
            "Every reaction time fits inside the FTTI of each safety goal it serves",
            "ISO 26262-4:2018 clause 6.4.2.2 (fault handling time interval within the FTTI)",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.NOT_IMPLEMENTED: RuleInfo(
            "Every software safety requirement is implemented by a code unit",
            "ISO 26262-6:2018 clause 8.4; ISO 26262-8:2018 clause 6.4.3",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.NOT_VERIFIED: RuleInfo(
            "Every software safety requirement is verified by at least one test",
            "ISO 26262-6:2018 clauses 9.4 and 11.4; ISO 26262-8:2018 clause 9",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.METHODS: RuleInfo(
            "Each software safety requirement is verified with the methods its ASIL calls for",
            "ISO 26262-6:2018 Tables 7, 8 and 9",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.TRACE: RuleInfo(
            "Every trace tag and marker is readable and names a software safety requirement",
            "ISO 26262-8:2018 clause 6.4.3 (traceability)",
            Severity.VIOLATION,
            "toolkit",
        ),
        RuleId.POLICY: RuleInfo(
            "Every relaxation of the default verification methods is justified in writing",
            "ISO 26262-2:2018 clause 6.4.5 (tailoring with rationale)",
            Severity.CONFIG_ERROR,
            "toolkit",
        ),
    }
)
"""Every rule, by id: the registry a report takes its clauses from."""


@dataclass(frozen=True, order=True)
class Location:
    """Where a finding points: a file (relative to the project root) and a line."""

    file: str
    """Source file, relative to the project root when inside it."""
    line: int
    """1-based line, or 0 when unknown."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Finding:
    """One result of one rule on one need (or one source location)."""

    rule: RuleId
    """The rule that produced it."""
    severity: Severity
    """How bad it is."""
    need_id: str
    """The need it concerns, or ``""`` for a source problem outside any need."""
    location: Location
    """Where to fix it."""
    message: str
    """What is wrong, in one sentence."""

    @property
    def clause(self) -> str:
        """The ISO 26262 clause the rule rests on."""
        return RULES[self.rule].clause

    def to_json(self) -> dict[str, object]:
        """The finding as a JSON object."""
        return {
            "rule": self.rule.value,
            "rule_name": self.rule.name,
            "severity": self.severity.name.lower(),
            "need_id": self.need_id,
            "file": self.location.file,
            "line": self.location.line,
            "message": self.message,
            "clause": self.clause,
        }
