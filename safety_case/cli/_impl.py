"""What the ``safety-case`` commands do, callable without the command line."""

from dataclasses import dataclass
from pathlib import Path

from safety_case.evidence import EvidenceRecord, Verdict, read_records, stale_reasons
from safety_case.policy import Policy
from safety_case.snapshot import Snapshot, take_snapshot
from safety_case.trace import TraceTarget

__all__ = ["EvidenceStatus", "evidence_status", "trace_rows"]


@dataclass(frozen=True)
class EvidenceStatus:
    """One record and what it is worth now."""

    record: EvidenceRecord
    """The record as written by its run."""
    stale_because: tuple[str, ...]
    """Why it no longer matches the sources (empty when fresh)."""

    @property
    def counts(self) -> bool:
        """A record counts only when fresh and passing."""
        return not self.stale_because and self.record.verdict is Verdict.PASS


def trace_rows(snapshot: Snapshot) -> list[dict[str, object]]:
    """Every traced unit and test, as rows for a table or JSON."""

    def row(target: TraceTarget) -> dict[str, object]:
        return {
            "kind": target.kind,
            "name": target.qualified_name,
            "requirements": list(target.requirement_ids),
            "location": f"{snapshot.relative(target.path)}:{target.line}",
        }

    return [row(t) for t in (*snapshot.code_units, *snapshot.tests)]


def evidence_status(
    policy: Policy, snapshot: Snapshot | None = None
) -> tuple[list[EvidenceStatus], list[str]]:
    """Judge every record in the policy's evidence folder against the current sources."""
    current = snapshot if snapshot is not None else take_snapshot(policy)
    records, problems = read_records(Path(policy.path(policy.evidence_dir)))
    statuses = [
        EvidenceStatus(
            record,
            tuple(
                stale_reasons(
                    record,
                    current.code_fingerprints,
                    current.requirement_fingerprints,
                    root=current.root,
                    implemented={u.qualified_name: u.requirement_ids for u in current.code_units},
                )
            ),
        )
        for record in records
    ]
    return statuses, problems
