"""The manifest of an evidence bundle: hashes of everything the evidence rests on.

Layer 3 (judgement). One JSON file per bundle (``manifest.json``), validated
by a frozen pydantic model, like the records it lists. It pins by SHA-256
each record and artefact of the bundle, each source file of the project
(code, tests, requirements), the exported requirement texts (``needs.json``)
and each requirement's fingerprint, and it names the tools and versions
installed when the bundle was made. ISO 26262-8:2018 clause 7
(configuration management: the work products and the tools that made them
are identified) and clause 8 (change management).
"""

from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from safety_case.evidence._record import RECORD_SCHEMA_VERSION, EvidenceRecord

__all__ = ["MANIFEST_FORMAT_VERSION", "MANIFEST_NAME", "TRACKED_TOOLS", "Manifest", "json_schemas"]

MANIFEST_FORMAT_VERSION: Final = 1
"""Version of the manifest's shape; bump it, and say why here, when the shape changes.

1: first shape.
"""

MANIFEST_NAME: Final = "manifest.json"
"""File name of the manifest inside a bundle."""

TRACKED_TOOLS: Final = (
    "pytest",
    "pytest-xdist",
    "hypothesis",
    "crosshair-tool",
    "mypy",
    "ruff",
    "coverage",
    "sphinx",
    "sphinx-needs",
    "pydantic",
    "bms-safety-case",
)
"""Distributions whose installed version the manifest records (the toolkit is
``bms-safety-case``; its version is also ``toolkit_version``)."""

_Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Manifest(BaseModel):
    """What a bundle holds and what its evidence rests on, each pinned by its hash."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    format_version: Literal[1] = MANIFEST_FORMAT_VERSION
    """Shape version of this manifest."""
    record_schema_version: Annotated[int, Field(ge=1, le=RECORD_SCHEMA_VERSION)] = (
        RECORD_SCHEMA_VERSION
    )
    """Shape version of the records in the bundle."""
    created_at: datetime
    """When the bundle was collected (UTC)."""
    toolkit_version: str
    """Version of the toolkit that collected it."""
    records: dict[str, _Sha256]
    """Each record file, by path inside the bundle, with its SHA-256."""
    artefacts: dict[str, _Sha256] = {}
    """Each artefact (logs, reports) by path inside the bundle, with its SHA-256."""
    sources: dict[str, _Sha256]
    """Each source file of the project (code, tests, requirements), by path from the
    project root, with its SHA-256."""
    needs_json_sha256: _Sha256
    """SHA-256 of the exported requirement texts (``needs.json``, copied into the bundle)."""
    requirements: dict[str, str]
    """Fingerprint of each requirement, by id, at collection time."""
    code_units: dict[str, str | None] = {}
    """Fingerprint of each traced code unit, by qualified name, at collection time."""
    tools: dict[str, str]
    """Installed version of each tracked tool (``not installed`` when absent)."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """The published JSON Schemas of the evidence record and the manifest, by file stem."""
    return {
        "evidence-record": EvidenceRecord.model_json_schema(),
        "evidence-manifest": Manifest.model_json_schema(),
    }
