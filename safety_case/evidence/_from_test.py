"""Turn one test outcome into an evidence record (pure; the pytest plugin is glue)."""

import platform
import sys
from collections.abc import Sequence
from datetime import datetime

from safety_case.evidence._record import EvidenceRecord, Method, Subject, ToolInfo, Verdict
from safety_case.snapshot import Snapshot

__all__ = ["record_from_test", "run_environment"]

_VERDICTS = {"passed": Verdict.PASS, "failed": Verdict.FAIL}


def run_environment() -> dict[str, str]:
    """Facts of the machine and interpreter that a reader of the record may need."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def record_from_test(  # noqa: PLR0913 - a record has this many independent facts
    *,
    test_id: str,
    outcome: str,
    requirement_ids: Sequence[str],
    method: Method,
    snapshot: Snapshot,
    tool: ToolInfo,
    started_at: datetime,
    finished_at: datetime,
    duration_s: float,
) -> EvidenceRecord:
    """Build the record of one test run.

    Args:
        test_id: the test's node id.
        outcome: ``passed``, ``failed`` or ``skipped`` (anything else is inconclusive).
        requirement_ids: the ids its ``verifies`` marker names.
        method: the ISO 26262-6 method the test applies.
        snapshot: sources at run time, for fingerprints.
        tool: the test runner and its version.
        started_at: start of the run (UTC).
        finished_at: end of the run (UTC).
        duration_s: duration of the test itself.
    """
    subjects = {
        unit.qualified_name: Subject(
            qualified_name=unit.qualified_name,
            path=snapshot.relative(unit.path),
            fingerprint=snapshot.code_fingerprints.get(unit.qualified_name) or "",
        )
        for requirement_id in requirement_ids
        for unit in snapshot.implementers(requirement_id)
    }
    return EvidenceRecord(
        id=test_id,
        method=method,
        requirement_ids=tuple(requirement_ids),
        requirement_fingerprints={
            rid: snapshot.requirement_fingerprints[rid]
            for rid in requirement_ids
            if rid in snapshot.requirement_fingerprints
        },
        subjects=tuple(subjects.values()),
        verdict=_VERDICTS.get(outcome, Verdict.INCONCLUSIVE),
        tool=tool,
        figures={"duration_s": round(duration_s, 6)},
        environment=run_environment(),
        started_at=started_at,
        finished_at=finished_at,
    )
