"""Change impact: what the changes since a git revision touch.

Layer 4 (producers). ISO 26262-8:2018 clause 8.4.3 (impact analysis of a
change): the files changed since ``REV`` (committed or not), the code units
and tests among them whose fingerprint differs from the ``REV`` version
(read with ``git show REV:path``, so moved or reformatted code does not
count), the modules among them whose syntax tree differs (static-analysis
and coverage records rest on a whole module), the requirements whose text
or attributes changed (the ``REV`` requirements exported by sphinx-needs),
the requirements below them in the chain, and the evidence records resting
on any of it or whose test, with the helpers, fixtures and helper modules it
uses, differs from ``REV``'s. ASIL: tool for ASIL D development.
"""

import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from safety_case.errors import SafetyCaseError
from safety_case.evidence import EvidenceRecord, read_records
from safety_case.fingerprint import (
    code_unit_fingerprint,
    module_of,
    procedure,
    procedure_fingerprint,
    requirement_fingerprint,
    tree_of_test,
)
from safety_case.needs import export_needs, load_needs
from safety_case.policy import Policy
from safety_case.report._case import snapshot_of
from safety_case.snapshot import Snapshot
from safety_case.trace import TraceTarget, extract, module_name

__all__ = ["Impact", "impact"]


@dataclass(frozen=True)
class Impact:
    """What changed since a revision and what it touches."""

    revision: str
    """The revision compared against."""
    changed_files: tuple[str, ...]
    """Files changed since it (relative to the project root)."""
    changed_units: tuple[str, ...]
    """Code units, tests and modules added, removed or changed in meaning."""
    changed_requirements: tuple[str, ...]
    """Needs added, removed or changed in text or attributes."""
    touched_requirements: tuple[str, ...]
    """Changed needs, the needs below them, and the needs changed units name."""
    touched_evidence: tuple[str, ...]
    """Records resting on a changed unit or touched requirement, or whose test (with the
    helpers and fixtures it uses) changed."""


def _git(root: Path, *args: str) -> bytes:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise SafetyCaseError(f"git {' '.join(args)} failed: {message}")
    return result.stdout


def impact(policy: Policy, revision: str, snapshot: Snapshot | None = None) -> Impact:
    """The impact of the changes since ``revision`` (a git revision of the project's repo).

    Raises:
        SafetyCaseError: when ``revision`` is unknown or git fails.
    """
    root = policy.root
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    listed = _git(top, "diff", "--name-only", revision, "--").decode().splitlines()
    listed += _git(top, "ls-files", "--others", "--exclude-standard").decode().splitlines()
    changed = sorted({(top / name).resolve() for name in listed if name})
    files = tuple(p.relative_to(root).as_posix() for p in changed if p.is_relative_to(root))
    current = snapshot if snapshot is not None else snapshot_of(policy)
    with tempfile.TemporaryDirectory() as temporary:
        old_root = Path(temporary)
        units, named = _changed_units(
            policy, current, revision=revision, top=top, changed=changed, old_root=old_root
        )
        requirements = _changed_requirements(
            policy, current, revision=revision, top=top, changed=changed, old_root=old_root
        )
        records, _ = read_records(policy.path(policy.evidence_dir))
        tests = _changed_tests(
            records, root=root, revision=revision, top=top, changed=changed, old_root=old_root
        )
    touched = _below(current.needs, requirements) | named
    touched &= set(current.needs) | set(requirements)
    evidence = sorted(
        r.id
        for r in records
        if _rests_on(r) & units or set(r.requirement_ids) & touched or r.id in tests
    )
    return Impact(
        revision=revision,
        changed_files=files,
        changed_units=tuple(sorted(units)),
        changed_requirements=tuple(sorted(requirements)),
        touched_requirements=tuple(sorted(touched)),
        touched_evidence=tuple(evidence),
    )


def _rests_on(record: EvidenceRecord) -> set[str]:
    """The units a record rests on: its subjects and the test that produced it."""
    names = {subject.qualified_name for subject in record.subjects}
    if record.procedure is not None:
        names.add(record.procedure.qualified_name)
    return names


def _changed_tests(  # noqa: PLR0913 - the comparison's two sides and where they are
    records: Iterable[EvidenceRecord],
    *,
    root: Path,
    revision: str,
    top: Path,
    changed: Iterable[Path],
    old_root: Path,
) -> set[str]:
    """Ids of records whose test, with its helpers and fixtures, differs from ``revision``'s.

    Only a test one of whose files (:attr:`safety_case.fingerprint.Procedure.files`)
    changed, or a file of whose tree was removed (a helper it imported), is
    compared, against its tree and the root's conftest as at ``revision``
    (``git archive``), which it may have read other files from.
    """
    edited = {file.resolve() for file in changed}
    removed = [file for file in edited if not file.exists()]
    old_project = old_root / "tree" / root.resolve().relative_to(top)
    extracted: set[Path] = set()
    ids: set[str] = set()
    for record in records:
        test = record.procedure
        module = None if test is None else module_of(test.path, test.qualified_name)
        if test is None or module is None:
            continue
        path = root / test.path
        now = procedure(path, test.qualified_name, module, root)
        tree = tree_of_test(path, root).resolve()
        files = now.files if now is not None else {path}
        if not any(file.resolve() in edited for file in files) and not any(
            file.is_relative_to(tree) for file in removed
        ):
            continue
        if tree not in extracted:
            extracted.add(tree)
            for source in (tree, root / "conftest.py"):
                _extract_at(top, revision, source, old_root / "tree")
        before = procedure_fingerprint(
            old_project / test.path, test.qualified_name, module, old_project
        )
        if (None if now is None else now.fingerprint) != before:
            ids.add(record.id)
    return ids


def _extract_at(top: Path, revision: str, source: Path, target: Path) -> None:
    """The file or folder ``source`` as at ``revision``, under ``target`` as in the repository.

    Nothing when it did not exist then.
    """
    try:
        archive = _git(
            top,
            "archive",
            "--format=tar",
            revision,
            "--",
            source.resolve().relative_to(top).as_posix(),
        )
    except SafetyCaseError:
        return
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def _changed_units(  # noqa: PLR0913 - the comparison's two sides and where they are
    policy: Policy,
    current: Snapshot,
    *,
    revision: str,
    top: Path,
    changed: Iterable[Path],
    old_root: Path,
) -> tuple[set[str], set[str]]:
    """Changed unit names, and the requirement ids named by them (before or after)."""
    import_root = policy.path(policy.import_root)
    traced = [policy.path(p) for p in (*policy.code, *policy.tests)]
    now_by_file: dict[Path, list[TraceTarget]] = {}
    for target in (*current.code_units, *current.tests):
        now_by_file.setdefault(target.path.resolve(), []).append(target)
    units: set[str] = set()
    named: set[str] = set()
    for path in changed:
        if path.suffix != ".py" or not any(path.is_relative_to(t) for t in traced):
            continue
        if not path.is_relative_to(import_root):
            continue
        old_file = old_root / "code" / path.relative_to(import_root)
        old_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            old_file.write_bytes(
                _git(top, "show", f"{revision}:{path.relative_to(top).as_posix()}")
            )
        except SafetyCaseError:
            old_file.write_text("", encoding="utf-8")  # the file is new since the revision
        old_targets, _ = extract([old_file], old_root / "code")
        old = {
            t.qualified_name: (
                t.requirement_ids,
                code_unit_fingerprint(
                    old_file, t.qualified_name, module_name(old_file, old_root / "code")
                ),
            )
            for t in old_targets
        }
        module = module_name(path, import_root)
        now = {
            t.qualified_name: (
                t.requirement_ids,
                code_unit_fingerprint(path, t.qualified_name, module) if path.is_file() else None,
            )
            for t in now_by_file.get(path, [])
        }
        for name in old.keys() | now.keys():
            if old.get(name, ((), None))[1] != now.get(name, ((), None))[1]:
                units.add(name)
                named.update(old.get(name, ((), None))[0], now.get(name, ((), None))[0])
        # the whole module, on which static-analysis and coverage records rest
        now_module = code_unit_fingerprint(path, module, module) if path.is_file() else None
        if code_unit_fingerprint(old_file, module, module) != now_module:
            units.add(module)
    return units, named


def _changed_requirements(  # noqa: PLR0913 - the comparison's two sides and where they are
    policy: Policy,
    current: Snapshot,
    *,
    revision: str,
    top: Path,
    changed: Iterable[Path],
    old_root: Path,
) -> set[str]:
    source = policy.path(policy.requirements)
    if not any(p.is_relative_to(source) for p in changed):
        return set()
    _extract_at(top, revision, source, old_root / "tree")
    old_source = old_root / "tree" / source.relative_to(top)
    old: Mapping[str, Mapping[str, Any]] = (
        load_needs(export_needs(old_source, old_root / "needs")) if old_source.is_dir() else {}
    )
    old_prints = {i: requirement_fingerprint(n) for i, n in old.items()}
    now_prints = current.requirement_fingerprints
    return {
        i for i in old_prints.keys() | now_prints.keys() if old_prints.get(i) != now_prints.get(i)
    }


def _below(needs: Mapping[str, Mapping[str, Any]], starts: Iterable[str]) -> set[str]:
    """``starts`` and every need that satisfies one of them, transitively."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        need_id = stack.pop()
        if need_id in seen:
            continue
        seen.add(need_id)
        stack.extend(needs.get(need_id, {}).get("satisfies_back") or ())
    return seen
