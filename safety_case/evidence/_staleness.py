"""Staleness: evidence whose sources changed since the run counts as missing.

Layer 3 (judgement). ISO 26262-8:2018 clause 8 (change management): a change
to a requirement or to code invalidates the verification that rests on it.
"""

from collections.abc import Mapping

from safety_case.evidence._record import EvidenceRecord

__all__ = ["stale_reasons"]


def stale_reasons(
    record: EvidenceRecord,
    code_fingerprints: Mapping[str, str | None],
    requirement_fingerprints: Mapping[str, str],
) -> list[str]:
    """Why ``record`` no longer matches the sources, or an empty list if it is fresh.

    Args:
        record: the evidence record.
        code_fingerprints: current fingerprint of each code unit by qualified
            name (``None`` or absent when the unit is gone).
        requirement_fingerprints: current fingerprint of each requirement by id.

    Returns:
        One reason per changed or missing subject or requirement.
    """
    reasons: list[str] = []
    for subject in record.subjects:
        current = code_fingerprints.get(subject.qualified_name)
        if current is None:
            reasons.append(f"code unit {subject.qualified_name} no longer exists")
        elif current != subject.fingerprint:
            reasons.append(f"code unit {subject.qualified_name} changed since the run")
    for requirement_id, fingerprint in record.requirement_fingerprints.items():
        now = requirement_fingerprints.get(requirement_id)
        if now is None:
            reasons.append(f"requirement {requirement_id} no longer exists")
        elif now != fingerprint:
            reasons.append(f"requirement {requirement_id} changed since the run")
    return reasons
