"""Staleness: evidence whose sources changed since the run counts as missing.

Layer 3 (judgement). ISO 26262-8:2018 clause 8 (change management): a change
to a requirement or to code invalidates the verification that rests on it.
Each reason says what happened, as precisely as the inputs allow: a code
unit whose file is gone, a unit no longer defined in its file (removed or
renamed), a unit still defined that changed and carries no ``Implements:``
tag (removed, or an untraced function a record rests on), a changed unit
whose tag does not name a requirement the record verifies, or a unit whose
content changed. A subject that is not a traced unit (a whole module, on
which static-analysis and coverage records rest) is fingerprinted from its
file by the same rule (:func:`safety_case.fingerprint.code_unit_fingerprint`)
and is fresh while that fingerprint is unchanged. The test that produced a
record (its ``procedure``) is judged from its file with the helpers and
fixtures of its module, its conftests and the helper modules of its tree it
uses (:func:`safety_case.fingerprint.procedure_fingerprint`): a changed or
removed test, or a changed helper or fixture of it, makes its record stale.
ASIL: tool for ASIL D development.
"""

from collections.abc import Collection, Mapping
from pathlib import Path

from safety_case.evidence._record import EvidenceRecord, Subject
from safety_case.fingerprint import (
    code_unit_fingerprint,
    module_of,
    procedure_fingerprint,
)

__all__ = ["stale_reasons"]


def stale_reasons(
    record: EvidenceRecord,
    code_fingerprints: Mapping[str, str | None],
    requirement_fingerprints: Mapping[str, str],
    *,
    root: Path | None = None,
    implemented: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """Why ``record`` no longer matches the sources, or an empty list if it is fresh.

    Args:
        record: the evidence record.
        code_fingerprints: current fingerprint of each traced code unit by
            qualified name (``None`` or absent when the unit is gone or no
            longer traced).
        requirement_fingerprints: current fingerprint of each requirement by id.
        root: the project root (the folder subjects' paths are relative to).
            When given, a subject missing from ``code_fingerprints`` is looked
            up in its file: unchanged there, it is fresh (a module, or a unit
            not traced); otherwise the reason tells a removed file, a removed
            or renamed unit, a changed module and a removed ``Implements:``
            tag apart. Without it the reason names the possibilities.
        implemented: requirement ids each traced unit names in its
            ``Implements:`` tag now, by qualified name. When given, a changed
            unit that no longer names any requirement of the record is
            reported as such rather than as a content change.

    Returns:
        One reason per changed or missing subject, test or requirement.
    """
    reasons: list[str] = []
    for subject in record.subjects:
        current = code_fingerprints.get(subject.qualified_name)
        if current is None:
            if root is None or _in_file(subject, root) != subject.fingerprint:
                reasons.append(_untraced(subject, root))
        elif current != subject.fingerprint:
            reasons.append(_changed(subject, record, implemented))
    if record.procedure is not None:
        reasons.extend(_procedure_reasons(record.procedure, root))
    for requirement_id, fingerprint in record.requirement_fingerprints.items():
        now = requirement_fingerprints.get(requirement_id)
        if now is None:
            reasons.append(f"requirement {requirement_id} no longer exists")
        elif now != fingerprint:
            reasons.append(f"requirement {requirement_id} changed since the run")
    return reasons


def _changed(
    subject: Subject, record: EvidenceRecord, implemented: Mapping[str, Collection[str]] | None
) -> str:
    name = subject.qualified_name
    if implemented is not None:
        named = set(implemented.get(name, ()))
        if not named & set(record.requirement_ids):
            # Neutral on the past: a record may rest on a unit that never named its
            # requirement (a resource or data-flow record on the unit it measures).
            wanted = ", ".join(record.requirement_ids)
            return (
                f"code unit {name} changed since the run, and its Implements: tag "
                f"does not name {wanted}"
            )
    return f"code unit {name} changed since the run"


def _procedure_reasons(test: Subject, root: Path | None) -> list[str]:
    name = test.qualified_name
    if root is None:
        return [f"test {name} cannot be judged without the project root ({test.path})"]
    path, module = root / test.path, _module_of(test)
    if not path.is_file():
        return [f"test {name} no longer exists: its file {test.path} is gone"]
    now = None if module is None else procedure_fingerprint(path, name, module, root)
    if now == test.fingerprint:
        return []
    if now is None:
        return [
            f"test {name} no longer exists: {test.path} does not define it (removed or renamed)"
        ]
    if name == module:
        return [f"test module {name} or a helper it imports changed since the run"]
    return [f"test {name} or a helper or fixture it uses changed since the run"]


def _untraced(subject: Subject, root: Path | None) -> str:
    name = subject.qualified_name
    if root is None and name == _module_of(subject):
        return f"module {name} cannot be judged without the project root ({subject.path})"
    if root is None:
        return (
            f"code unit {name} is no longer traced: removed, renamed, or its "
            f"Implements: tag was removed ({subject.path})"
        )
    path = root / subject.path
    kind = "module" if name == _module_of(subject) else "code unit"
    if not path.is_file():
        return f"{kind} {name} no longer exists: its file {subject.path} is gone"
    now = _in_file(subject, root)
    if kind == "module":
        return f"module {name} changed since the run"
    if now is None:
        return (
            f"code unit {name} no longer exists: {subject.path} does not define it "
            "(removed or renamed)"
        )
    return (
        f"code unit {name} changed and traces to no requirement: it still exists in "
        f"{subject.path} without an Implements: tag (removed, or never there)"
    )


def _in_file(subject: Subject, root: Path) -> str | None:
    """The fingerprint of ``subject`` in its file now (``None`` if the file or unit is gone).

    Several records rest on each module (one per static tool, and its
    coverage record): the parse is cached by the file's content
    (:mod:`safety_case.fingerprint`), so each version is parsed once.
    """
    path = root / subject.path
    module = _module_of(subject)
    if module is None or not path.is_file():
        return None
    return code_unit_fingerprint(path, subject.qualified_name, module)


def _module_of(subject: Subject) -> str | None:
    return module_of(subject.path, subject.qualified_name)
