"""The evidence bundle: collect every record into a folder with a manifest; verify it later.

Layer 3 (judgement). ``collect`` copies the records and their artefacts into
``<bundle>/records`` and ``<bundle>/artefacts``, the requirement export into
``<bundle>/needs.json``, and writes ``<bundle>/manifest.json``
(:class:`Manifest`). ``verify`` detects any change made after that: a record
or artefact altered in any byte, deleted or added; a source file changed,
deleted or added; a requirement changed; and names the records that are now
stale because a code unit or requirement they rest on changed. Stale
evidence counts as missing (DESIGN.md section 4).

The manifest itself is not signed (there is no key to sign with here): pin
it by printing its SHA-256 where the run is logged, and pass that value to
``verify`` (``expected_manifest_sha256``) to detect an edit of the manifest.
"""

import importlib.metadata
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from safety_case._version import __version__
from safety_case.evidence._manifest import MANIFEST_NAME, TRACKED_TOOLS, Manifest
from safety_case.evidence._record import EvidenceRecord
from safety_case.evidence._staleness import stale_reasons
from safety_case.fingerprint import file_sha256
from safety_case.policy import Policy
from safety_case.snapshot import Snapshot

__all__ = [
    "BundleReport",
    "Changes",
    "check_integrity",
    "collect_bundle",
    "installed_tools",
    "source_files",
    "verify_bundle",
]

_RECORDS = "records"
_ARTEFACTS = "artefacts"
_NEEDS = "needs.json"


def installed_tools() -> dict[str, str]:
    """Installed version of each tracked tool."""
    versions: dict[str, str] = {}
    for name in TRACKED_TOOLS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def source_files(policy: Policy) -> dict[str, str]:
    """SHA-256 of every file under the policy's code, tests and requirements paths."""
    hashes: dict[str, str] = {}
    for relative in (*policy.code, *policy.tests, policy.requirements):
        for path in _files(policy.path(relative)):
            key = path.resolve().relative_to(policy.root.resolve()).as_posix()
            hashes[key] = file_sha256(path)
    return dict(sorted(hashes.items()))


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for child in sorted(path.rglob("*")):
            skipped = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
            if child.is_file() and not skipped & set(child.parts) and child.suffix != ".pyc":
                yield child


def _hashes(folder: Path, bundle: Path) -> dict[str, str]:
    return {
        path.relative_to(bundle).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def collect_bundle(
    policy: Policy, snapshot: Snapshot, needs_json: Path, out: Path, evidence_dir: Path
) -> Manifest:
    """Gather the records of ``evidence_dir`` into the bundle folder ``out``.

    Args:
        policy: the project's policy (its source paths are hashed).
        snapshot: the sources now (their fingerprints go into the manifest).
        needs_json: the requirement export the snapshot was taken from.
        out: the bundle folder; its records, artefacts and manifest are replaced.
        evidence_dir: the folder runs wrote their records (and ``artefacts/``) into.
    """
    for name in (_RECORDS, _ARTEFACTS):
        shutil.rmtree(out / name, ignore_errors=True)
    (out / _RECORDS).mkdir(parents=True, exist_ok=True)
    for record in sorted(evidence_dir.glob("*.json")):
        shutil.copy2(record, out / _RECORDS / record.name)
    if (evidence_dir / _ARTEFACTS).is_dir():
        shutil.copytree(evidence_dir / _ARTEFACTS, out / _ARTEFACTS)
    shutil.copy2(needs_json, out / _NEEDS)
    manifest = Manifest(
        created_at=datetime.now(UTC),
        toolkit_version=__version__,
        records=_hashes(out / _RECORDS, out),
        artefacts=_hashes(out / _ARTEFACTS, out) if (out / _ARTEFACTS).is_dir() else {},
        sources=source_files(policy),
        needs_json_sha256=file_sha256(out / _NEEDS),
        requirements=dict(sorted(snapshot.requirement_fingerprints.items())),
        code_units=dict(sorted(snapshot.code_fingerprints.items())),
        tools=installed_tools(),
    )
    (out / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return manifest


@dataclass(frozen=True)
class Changes:
    """Differences between what a manifest pinned and what is there now."""

    changed: tuple[str, ...] = ()
    """Present in both, with a different hash."""
    deleted: tuple[str, ...] = ()
    """Pinned, now absent."""
    added: tuple[str, ...] = ()
    """Present now, not pinned."""

    @classmethod
    def between(cls, pinned: Mapping[str, str | None], now: Mapping[str, str | None]) -> "Changes":
        """Compare two ``name -> hash`` tables."""
        return cls(
            changed=tuple(sorted(k for k in pinned.keys() & now.keys() if pinned[k] != now[k])),
            deleted=tuple(sorted(pinned.keys() - now.keys())),
            added=tuple(sorted(now.keys() - pinned.keys())),
        )

    def __bool__(self) -> bool:
        return bool(self.changed or self.deleted or self.added)

    def lines(self, what: str) -> list[str]:
        """One line per difference, such as ``record changed: records/x.json``."""
        return [
            f"{what} {verb}: {name}"
            for verb, names in (
                ("changed", self.changed),
                ("deleted", self.deleted),
                ("added", self.added),
            )
            for name in names
        ]


@dataclass(frozen=True)
class BundleReport:
    """Everything ``verify`` found; the bundle holds only when :attr:`ok`."""

    problems: tuple[str, ...] = ()
    """The manifest is missing, invalid, or not the pinned one."""
    records: Changes = Changes()
    """Records altered, deleted or added after collection."""
    artefacts: Changes = Changes()
    """Artefacts altered, deleted or added after collection."""
    needs_json_changed: bool = False
    """The bundle's copy of the requirement export was altered."""
    sources: Changes = Changes()
    """Source files changed since collection."""
    requirements: Changes = Changes()
    """Requirements whose fingerprint changed since collection."""
    stale: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Records (by id) whose code units or requirements changed, with the reasons."""
    invalid_records: tuple[str, ...] = ()
    """Record files that no longer parse as records."""
    tools: Changes = Changes()
    """Tool versions that differ from those at collection (informational)."""

    @property
    def ok(self) -> bool:
        """No tampering, no change of sources or requirements, nothing stale."""
        return not (
            self.problems
            or self.records
            or self.artefacts
            or self.needs_json_changed
            or self.sources
            or self.requirements
            or self.stale
            or self.invalid_records
        )

    def lines(self) -> list[str]:
        """A human-readable list of every finding (empty when the bundle holds)."""
        out = list(self.problems)
        out += self.records.lines("record")
        out += self.artefacts.lines("artefact")
        out += ["needs.json in the bundle was altered"] if self.needs_json_changed else []
        out += [f"record not valid: {name}" for name in self.invalid_records]
        out += self.sources.lines("source")
        out += self.requirements.lines("requirement")
        out += [f"STALE {rid}: {'; '.join(why)}" for rid, why in sorted(self.stale.items())]
        out += [f"note: {line}" for line in self.tools.lines("tool version")]
        return out


def _read_manifest(
    bundle: Path, expected_sha256: str | None
) -> tuple[Manifest | None, tuple[str, ...]]:
    path = bundle / MANIFEST_NAME
    if not path.is_file():
        return None, (f"{path}: no manifest; run 'safety-case evidence collect' first",)
    if expected_sha256 is not None and file_sha256(path) != expected_sha256.lower():
        return None, (f"{path}: SHA-256 {file_sha256(path)} is not the pinned {expected_sha256}",)
    try:
        return Manifest.model_validate_json(path.read_bytes()), ()
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return None, (f"{path}: not a valid manifest: {where}: {first['msg']}",)


def check_integrity(bundle: Path, expected_manifest_sha256: str | None = None) -> BundleReport:
    """Compare the bundle's files with its manifest (no source needed; fast)."""
    manifest, problems = _read_manifest(bundle, expected_manifest_sha256)
    if manifest is None:
        return BundleReport(problems=problems)
    records_now = _hashes(bundle / _RECORDS, bundle) if (bundle / _RECORDS).is_dir() else {}
    artefacts_now = _hashes(bundle / _ARTEFACTS, bundle) if (bundle / _ARTEFACTS).is_dir() else {}
    needs = bundle / _NEEDS
    return BundleReport(
        records=Changes.between(manifest.records, records_now),
        artefacts=Changes.between(manifest.artefacts, artefacts_now),
        needs_json_changed=not needs.is_file() or file_sha256(needs) != manifest.needs_json_sha256,
    )


def verify_bundle(
    bundle: Path,
    policy: Policy,
    snapshot: Snapshot,
    expected_manifest_sha256: str | None = None,
) -> BundleReport:
    """Check the bundle's integrity, then compare the sources now with those pinned.

    Args:
        bundle: the bundle folder.
        policy: the project's policy.
        snapshot: the sources now.
        expected_manifest_sha256: the manifest's SHA-256 as logged at collection, if known.
    """
    integrity = check_integrity(bundle, expected_manifest_sha256)
    manifest, _ = _read_manifest(bundle, None)
    if manifest is None or integrity.problems:
        return integrity
    stale: dict[str, tuple[str, ...]] = {}
    invalid: list[str] = []
    for name in sorted(manifest.records):
        path = bundle / name
        if not path.is_file():
            continue
        try:
            record = EvidenceRecord.model_validate_json(path.read_bytes())
        except ValidationError:
            invalid.append(name)
            continue
        reasons = stale_reasons(
            record,
            snapshot.code_fingerprints,
            snapshot.requirement_fingerprints,
            root=snapshot.root,
            implemented={u.qualified_name: u.requirement_ids for u in snapshot.code_units},
        )
        if reasons:
            stale[record.id] = tuple(reasons)
    return BundleReport(
        records=integrity.records,
        artefacts=integrity.artefacts,
        needs_json_changed=integrity.needs_json_changed,
        sources=Changes.between(manifest.sources, source_files(policy)),
        requirements=Changes.between(manifest.requirements, snapshot.requirement_fingerprints),
        stale=stale,
        invalid_records=tuple(invalid),
        tools=Changes.between(manifest.tools, installed_tools()),
    )
