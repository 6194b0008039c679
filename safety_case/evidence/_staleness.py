"""Staleness: evidence whose sources changed since the run counts as missing.

Layer 3 (judgement). ISO 26262-8:2018 clause 8 (change management): a change
to a requirement or to code invalidates the verification that rests on it.
Each reason says what happened, as precisely as the inputs allow: a code
unit whose file is gone, a unit no longer defined in its file (removed or
renamed), a unit still defined whose ``Implements:`` tag was removed, a unit
that no longer names a requirement the record verifies, or a unit whose
content changed. ASIL: tool for ASIL D development.
"""

from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath

from safety_case.evidence._record import EvidenceRecord, Subject
from safety_case.fingerprint import code_unit_fingerprint

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
            When given, a unit missing from ``code_fingerprints`` is looked up
            in its file to tell a removed file, a removed or renamed unit and a
            removed ``Implements:`` tag apart; without it the reason names all
            three possibilities.
        implemented: requirement ids each traced unit names in its
            ``Implements:`` tag now, by qualified name. When given, a changed
            unit that no longer names any requirement of the record is
            reported as such rather than as a content change.

    Returns:
        One reason per changed or missing subject or requirement.
    """
    reasons: list[str] = []
    for subject in record.subjects:
        current = code_fingerprints.get(subject.qualified_name)
        if current is None:
            reasons.append(_untraced(subject, root))
        elif current != subject.fingerprint:
            reasons.append(_changed(subject, record, implemented))
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
            lost = ", ".join(record.requirement_ids)
            return (
                f"code unit {name} no longer implements {lost}: its Implements: tag "
                f"no longer names {'it' if len(record.requirement_ids) == 1 else 'them'}"
            )
    return f"code unit {name} changed since the run"


def _untraced(subject: Subject, root: Path | None) -> str:
    name = subject.qualified_name
    if root is None:
        return (
            f"code unit {name} is no longer traced: removed, renamed, or its "
            f"Implements: tag was removed ({subject.path})"
        )
    path = root / subject.path
    if not path.is_file():
        return f"code unit {name} no longer exists: its file {subject.path} is gone"
    module = _module_of(subject)
    now = code_unit_fingerprint(path, name, module) if module else None
    if now is None:
        return (
            f"code unit {name} no longer exists: {subject.path} does not define it "
            "(removed or renamed)"
        )
    return (
        f"code unit {name} lost its Implements: tag: it still exists in {subject.path} "
        "but traces to no requirement"
    )


def _module_of(subject: Subject) -> str | None:
    """The dotted module of ``subject``: the longest tail of its path its name starts with.

    The path is relative to the project root, the qualified name to the
    import root, which may be a sub-folder (``src/pkg/mod.py`` holds
    ``pkg.mod.f``).
    """
    parts = list(PurePosixPath(subject.path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    for start in range(len(parts)):
        module = ".".join(parts[start:])
        if subject.qualified_name.startswith(f"{module}."):
            return module
    return None
