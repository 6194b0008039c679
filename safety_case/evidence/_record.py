"""The evidence record: what one verification activity showed about what.

Layer 3 (judgement). One record per activity and subject (DESIGN.md section
4). Records are frozen; a re-run writes a new record.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "RECORD_SCHEMA_VERSION",
    "Artefact",
    "EvidenceRecord",
    "Method",
    "Subject",
    "ToolInfo",
    "Verdict",
]

RECORD_SCHEMA_VERSION: Final = 2
"""Version of the record shape; bump it, and say why here, whenever the shape changes.

1: first shape (foundation slice).
2: ``procedure``, the test that produced the record, so that a changed test
makes its record stale (a version-1 record has none and is judged without it).
"""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Verdict(StrEnum):
    """Outcome of a verification activity."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


class Method(StrEnum):
    """ISO 26262-6:2018 Table 7 software unit verification methods (and test derivation)."""

    REQUIREMENTS_BASED_TEST = "requirements_based_test"
    INTERFACE_TEST = "interface_test"
    FAULT_INJECTION = "fault_injection"
    RESOURCE_USAGE = "resource_usage"
    BACK_TO_BACK = "back_to_back"
    STATIC_ANALYSIS = "static_analysis"
    CONTROL_DATA_FLOW = "control_data_flow"
    SEMI_FORMAL = "semi_formal"
    FORMAL = "formal"
    INSPECTION = "inspection"
    STRUCTURAL_COVERAGE = "structural_coverage"


class Subject(_Frozen):
    """A code unit the evidence rests on."""

    qualified_name: str
    """Dotted name of the unit, such as ``pkg.module.function``."""
    path: str
    """Source file relative to the project root."""
    fingerprint: str
    """Content fingerprint of the unit when the evidence was produced."""


class ToolInfo(_Frozen):
    """The tool that produced the evidence."""

    name: str
    """Tool name, such as ``pytest``."""
    version: str
    """Tool version as it reports itself."""


class Artefact(_Frozen):
    """A file produced by the run, such as a log, pinned by its hash."""

    path: str
    """Path relative to the evidence folder."""
    sha256: str
    """Hex SHA-256 of the file."""


class EvidenceRecord(_Frozen):
    """One verification activity's result for the requirements it verifies."""

    schema_version: Annotated[int, Field(ge=1, le=RECORD_SCHEMA_VERSION)] = RECORD_SCHEMA_VERSION
    """Shape version of this record."""
    id: Annotated[str, Field(min_length=1)]
    """Stable id of the activity, such as a pytest node id."""
    method: Method
    """The ISO 26262-6 method this activity applies."""
    requirement_ids: Annotated[tuple[str, ...], Field(min_length=1)]
    """Requirements verified."""
    requirement_fingerprints: dict[str, str]
    """Fingerprint of each verified requirement at run time."""
    subjects: tuple[Subject, ...]
    """Code units that implement the verified requirements, with fingerprints."""
    procedure: Subject | None = None
    """The test that produced the record, with its fingerprint (``None``: not a test).

    A result holds for the test that was run (ISO 26262-8:2018 clause 9,
    verification: the specification is part of the evidence), so a changed
    test is as stale as changed code.
    """
    verdict: Verdict
    """Outcome."""
    tool: ToolInfo
    """Producing tool."""
    figures: dict[str, float | int | str] = {}
    """Measured figures: examples tried, paths explored, coverage, duration."""
    environment: dict[str, str] = {}
    """Python version, platform and similar facts of the run."""
    started_at: datetime
    """When the activity started (UTC)."""
    finished_at: datetime
    """When it finished (UTC)."""
    artefacts: tuple[Artefact, ...] = ()
    """Files produced, with hashes."""
