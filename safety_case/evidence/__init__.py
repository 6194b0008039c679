"""Evidence records, their fingerprints, their storage and their staleness."""

from safety_case.evidence._from_test import record_from_test, run_environment
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
    "RECORD_SCHEMA_VERSION",
    "Artefact",
    "EvidenceRecord",
    "Method",
    "Subject",
    "ToolInfo",
    "Verdict",
    "read_records",
    "record_from_test",
    "run_environment",
    "stale_reasons",
    "write_record",
]
