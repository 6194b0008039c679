"""One pipeline from the policy to the judged case: snapshot, evidence, argument, findings.

Layer 4 (producers). The gate, the reports and the Sphinx pages all read one
:class:`Case`, so that they cannot disagree about what counts. ASIL: tool
for ASIL D development (ISO 26262-8:2018 clause 11).
"""

import hashlib
import importlib.util
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safety_case import metamodel
from safety_case._version import __version__
from safety_case.evidence import EvidenceRecord, Verdict, read_records, stale_reasons
from safety_case.gsn import Argument, Finding, check_argument, generate, method_plan
from safety_case.policy import Policy
from safety_case.snapshot import Snapshot, take_snapshot
from safety_case.trace import TraceTarget

__all__ = ["Case", "JudgedEvidence", "build_case", "case_from_parts", "judge", "snapshot_of"]


@dataclass(frozen=True)
class JudgedEvidence:
    """A record and what it is worth against the current sources."""

    record: EvidenceRecord
    """The record as its run wrote it."""
    stale_because: tuple[str, ...]
    """Why it no longer matches the sources (empty when fresh)."""

    @property
    def counts(self) -> bool:
        """Only a fresh, passing record counts."""
        return not self.stale_because and self.record.verdict is Verdict.PASS


@dataclass(frozen=True)
class Case:
    """Everything the gate and the reports judge, taken at one moment."""

    policy: Policy
    """The project's policy."""
    needs: Mapping[str, Mapping[str, Any]]
    """Needs by id."""
    code_units: tuple[TraceTarget, ...]
    """Traced code units."""
    tests: tuple[TraceTarget, ...]
    """Traced tests."""
    evidence: tuple[JudgedEvidence, ...]
    """Every record, judged."""
    problems: tuple[str, ...]
    """Unreadable records and unreadable traces."""
    argument: Argument
    """The generated GSN argument."""
    findings: tuple[Finding, ...]
    """What the GSN checks found."""

    def implementers(self) -> dict[str, list[str]]:
        """Qualified names of the code units implementing each requirement id."""
        return _by_requirement(self.code_units)

    def verifiers(self) -> dict[str, list[str]]:
        """Qualified names of the tests verifying each requirement id."""
        return _by_requirement(self.tests)


def _by_requirement(targets: Iterable[TraceTarget]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for target in targets:
        for requirement_id in target.requirement_ids:
            found[requirement_id].append(target.qualified_name)
    return dict(found)


def judge(
    records: Iterable[EvidenceRecord],
    code_fingerprints: Mapping[str, str | None],
    requirement_fingerprints: Mapping[str, str],
    *,
    root: Path | None = None,
    code_units: Iterable[TraceTarget] = (),
) -> list[JudgedEvidence]:
    """Each record with its staleness against the given fingerprints.

    With the project ``root`` and the traced ``code_units`` the reasons say
    precisely what happened to a unit (file gone, unit gone, tag removed);
    see :func:`safety_case.evidence.stale_reasons`.
    """
    implemented = {unit.qualified_name: unit.requirement_ids for unit in code_units}
    return [
        JudgedEvidence(
            record,
            tuple(
                stale_reasons(
                    record,
                    code_fingerprints,
                    requirement_fingerprints,
                    root=root,
                    implemented=implemented or None,
                )
            ),
        )
        for record in records
    ]


def case_from_parts(  # noqa: PLR0913 - the independent inputs of a case
    policy: Policy,
    *,
    needs: Mapping[str, Mapping[str, Any]],
    code_units: Iterable[TraceTarget],
    tests: Iterable[TraceTarget],
    evidence: Iterable[JudgedEvidence],
    problems: Iterable[str] = (),
    document_exists: Callable[[str], bool] | None = None,
) -> Case:
    """Generate and check the argument from already gathered parts (Sphinx uses this)."""
    units, verifying, judged = tuple(code_units), tuple(tests), tuple(evidence)
    argument = generate(needs, _by_requirement(units), judged, policy.argument, method_plan(policy))
    exists = document_exists or (lambda relative: (policy.root / relative).exists())
    findings = check_argument(
        argument,
        counting_records={j.record.id for j in judged if j.counts},
        known_needs=set(needs),
        document_exists=exists,
    )
    return Case(policy, needs, units, verifying, judged, tuple(problems), argument, tuple(findings))


_STAMP = "needs.sources.sha256"
"""Beside ``needs.json``: the digest of the sources it was exported from."""


def _sources_digest(policy: Policy) -> str:
    """Digest of everything an export depends on: the requirement files and the extension."""
    digest = hashlib.sha256(__version__.encode())
    spec = importlib.util.find_spec("safety_case.sphinx")  # located, not imported (a face)
    locations = list(spec.submodule_search_locations or []) if spec else []
    folders = (policy.path(policy.requirements), *(Path(p) for p in locations))
    files = [Path(metamodel.__file__)]
    files += [p for f in folders for p in sorted(f.rglob("*")) if "__pycache__" not in p.parts]
    for path in files:
        if path.is_file():
            digest.update(path.as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def snapshot_of(policy: Policy) -> Snapshot:
    """:func:`take_snapshot`, reusing the last export when its sources are byte-identical.

    A Sphinx export of 10,000 needs costs tens of seconds; ``report`` then
    ``gate`` (or ``check``) on unchanged requirements need it only once. The
    digest covers the requirement files and the toolkit's Sphinx extension
    and metamodel, so any change to what the export reads re-exports.
    """
    out = policy.path(policy.build_dir)
    needs_json, stamp = out / "needs.json", out / _STAMP
    digest = _sources_digest(policy)
    if needs_json.is_file() and stamp.is_file() and stamp.read_text("utf-8") == digest:
        return take_snapshot(policy, needs_json)
    snapshot = take_snapshot(policy)
    stamp.write_text(digest, encoding="utf-8")
    return snapshot


def build_case(
    policy: Policy, snapshot: Snapshot | None = None, evidence_dir: Path | None = None
) -> Case:
    """Snapshot the sources (unless given), judge the evidence, generate and check the case.

    Args:
        policy: the project's policy.
        snapshot: the sources now (taken when ``None``).
        evidence_dir: folder of the records (the policy's ``evidence_dir`` when
            ``None``; a bundle's ``records`` folder to judge what was bundled).
    """
    current = snapshot if snapshot is not None else snapshot_of(policy)
    folder = evidence_dir if evidence_dir is not None else policy.path(policy.evidence_dir)
    records, problems = read_records(folder)
    judged = judge(
        records,
        current.code_fingerprints,
        current.requirement_fingerprints,
        root=current.root,
        code_units=current.code_units,
    )
    trace_problems = [
        f"{error.path}:{error.line}: {error.message}" for error in current.trace_errors
    ]
    return case_from_parts(
        policy,
        needs=current.needs,
        code_units=current.code_units,
        tests=current.tests,
        evidence=judged,
        problems=[*problems, *trace_problems],
    )
