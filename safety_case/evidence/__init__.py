"""Evidence records, their storage and staleness, and the tamper-evident bundle of a run."""

from safety_case.evidence._bundle import (
    BundleReport,
    Changes,
    check_integrity,
    collect_bundle,
    installed_tools,
    source_files,
    verify_bundle,
)
from safety_case.evidence._from_test import (
    procedure_of_script,
    procedures_of_tests,
    record_from_test,
    run_environment,
)
from safety_case.evidence._manifest import (
    MANIFEST_FORMAT_VERSION,
    MANIFEST_NAME,
    TRACKED_TOOLS,
    Manifest,
    json_schemas,
)
from safety_case.evidence._record import (
    RECORD_SCHEMA_VERSION,
    Artefact,
    EvidenceRecord,
    Method,
    Subject,
    ToolInfo,
    Verdict,
)
from safety_case.evidence._staleness import stale_reasons
from safety_case.evidence._store import read_records, write_record

__all__ = [
    "MANIFEST_FORMAT_VERSION",
    "MANIFEST_NAME",
    "RECORD_SCHEMA_VERSION",
    "TRACKED_TOOLS",
    "Artefact",
    "BundleReport",
    "Changes",
    "EvidenceRecord",
    "Manifest",
    "Method",
    "Subject",
    "ToolInfo",
    "Verdict",
    "check_integrity",
    "collect_bundle",
    "installed_tools",
    "json_schemas",
    "procedure_of_script",
    "procedures_of_tests",
    "read_records",
    "record_from_test",
    "run_environment",
    "source_files",
    "stale_reasons",
    "verify_bundle",
    "write_record",
]
